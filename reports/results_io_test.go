package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	want := fixture()
	var buf bytes.Buffer
	if err := want.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read("results.json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		t.Errorf("read back a different value:\ngot  %s\nwant %s", a, b)
	}
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := fixture()
	if err := WriteFile(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("ReadFile after WriteFile gave a different value")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only results.json (temporary file left behind?)", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("results file mode: %v %v, want 0644", fi.Mode(), err)
	}

	if err := WriteFile(filepath.Join(dir, "missing", "results.json"), want); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
	if _, err := ReadFile(filepath.Join(dir, "nope.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestReadErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := fixture().Write(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	// lineOf returns the 1-based line of the first occurrence of s in good.
	lineOf := func(s string) int {
		i := strings.Index(good, s)
		if i < 0 {
			t.Fatalf("fixture JSON lacks %q", s)
		}
		return 1 + strings.Count(good[:i], "\n")
	}

	tests := []struct {
		name, data string
		want       []string // substrings of the error
	}{
		{
			name: "other schema",
			data: strings.Replace(good, `"spillway.results/v2"`, `"spillway.results/v3"`, 1),
			want: []string{"r.json:", "field schema", `"spillway.results/v3"`, `want "spillway.results/v2" (or "spillway.results/v1")`},
		},
		{
			name: "no schema",
			data: strings.Replace(good, `"schema": "spillway.results/v2",`, "", 1),
			want: []string{"r.json:", "field schema is missing"},
		},
		{
			name: "schema not a string",
			data: strings.Replace(good, `"spillway.results/v2"`, `1`, 1),
			want: []string{"r.json:2:13:", "field schema", "number"},
		},
		{
			name: "unknown field",
			data: strings.Replace(good, `"target": "sim",`, `"target": "sim", "tagret": "x",`, 1),
			want: []string{"r.json:" + itoa(lineOf(`"target"`)) + ":", `field tagret`, "unknown field"},
		},
		{
			name: "type error",
			data: strings.Replace(good, `"acked": 89850,`, `"acked": "lots",`, 1),
			want: []string{"r.json:" + itoa(lineOf(`"acked": 89850`)) + ":19:", "field totals.acked", "string", "int64"},
		},
		{
			name: "nested type error",
			data: strings.Replace(good, `"shards": 4,`, `"shards": 4.5,`, 1),
			want: []string{"r.json:" + itoa(lineOf(`"shards": 4,`)) + ":", "field scenario.stream.shards", "number 4.5", "int"},
		},
		{
			name: "syntax error",
			data: strings.Replace(good, `"seed": 42,`, `"seed": 42,,`, 1),
			want: []string{"r.json:" + itoa(lineOf(`"seed": 42,`)) + ":14:", "invalid character ','"},
		},
		{
			name: "truncated",
			data: good[:len(good)/2],
			want: []string{"r.json:", "unexpected end of file"},
		},
		{
			name: "trailing data",
			data: good + "{}",
			want: []string{"r.json:" + itoa(strings.Count(good, "\n")+1) + ":1:", "after top-level value"},
		},
		{
			name: "bad duration",
			data: strings.Replace(good, `"duration": "30s"`, `"duration": "30 parsecs"`, 1),
			want: []string{"r.json:", "duration"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read("r.json", strings.NewReader(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRoundTripReadBack(t *testing.T) {
	want := readFixture()
	var buf bytes.Buffer
	if err := want.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"parents"`, `"state"`, `"events"`, `"consumers"`, `"iterator_age_max_ms"`, `"read_throttles"`, `"at_s"`, `"skipped"`} {
		if !strings.Contains(buf.String(), field) {
			t.Errorf("results JSON lacks %s", field)
		}
	}
	got, err := Read("results.json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("read back a different value")
	}
}

// TestReadOldResults reads a results file written before shards had a
// state and parents, runs had events, and the read-back had an iterator
// age, consumers and a per-second series, and runs a cost.
func TestReadOldResults(t *testing.T) {
	got, err := ReadFile(filepath.Join("testdata", "results_old.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := fixture()
	want.Schema = SchemaV1
	for _, p := range []*Percentiles{&want.Latency.ResponseMs, &want.Latency.ServiceMs, &want.Latency.SendLagMs} {
		p.Min, p.P95 = 0, 0 // not in version 1
	}
	want.E2E = &E2E{Read: 89850, Duplicates: 7, OutOfOrder: 2, GraceS: 5, GetRecordsCalls: 3100, ReadThrottles: 4,
		LatencyMs: Percentiles{Count: 89850, Mean: 820.3, P50: 700.1, P90: 1400.2, P99: 2100.5, P999: 2500.7, Max: 2710.4}}
	want.Cost = nil
	if !reflect.DeepEqual(got, want) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(want)
		t.Errorf("read a different value:\ngot  %s\nwant %s", a, b)
	}

	var text bytes.Buffer
	if err := WriteText(&text, got); err != nil {
		t.Fatal(err)
	}
	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, got); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, got); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(html.String(), "<svg"); n != 3 {
		t.Errorf("HTML page has %d charts, want 3", n)
	}
	// Apart from the read-back, the summary is the one of the same run
	// today: no state or parents columns, no events; the cost line and
	// the latency table are today's (version 1 had no min and p95).
	got.E2E, got.Cost, got.Latency = nil, fixture().Cost, fixture().Latency
	var noE2E bytes.Buffer
	if err := WriteText(&noE2E, got); err != nil {
		t.Fatal(err)
	}
	wantText, err := os.ReadFile(filepath.Join("testdata", "summary.txt.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(noE2E.Bytes(), wantText) {
		t.Errorf("text differs from testdata/summary.txt.golden:\n%s", noE2E.String())
	}
	if !strings.Contains(text.String(), "read 89,850, lost 0, duplicates 7, out of order 2") {
		t.Errorf("text lacks the read-back:\n%s", text.String())
	}
}
