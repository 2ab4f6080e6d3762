package reports

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		gl, wl := line(g, i), line(w, i)
		if gl != wl {
			t.Errorf("%s differs from the golden file at line %d (run go test -update and review the diff):\ngot:  %q\nwant: %q", name, i+1, gl, wl)
			return
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<EOF>"
}

func TestWriteTextGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.txt.golden", buf.Bytes())
}

func TestWriteMarkdownGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md.golden", buf.Bytes())
}

// TestWriteTextInterrupted covers the other branches: an interrupted run
// without thresholds whose generator kept up and whose shards stayed cool.
func TestWriteTextInterrupted(t *testing.T) {
	r := fixture()
	r.Interrupted, r.StopReason = true, "interrupted by signal; 1,200 records abandoned"
	r.Totals.Unfinished = 1200
	r.Thresholds = nil
	r.Generator = Generator{MaxInFlight: 9}
	r.Errors = nil
	for i := range r.PerShard {
		sh := &r.PerShard[i]
		sh.Throttled, sh.ThrottledRecordsLimit, sh.ThrottledBy = 0, 0, ""
		for j := range sh.Utilization {
			sh.Utilization[j] = min(sh.Utilization[j], 0.9)
		}
		sh.PeakUtilization = min(sh.PeakUtilization, 0.9)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary_interrupted.txt.golden", buf.Bytes())
}

// TestWriteEmpty checks that a results file with nothing in it renders.
func TestWriteEmpty(t *testing.T) {
	r := &Results{Schema: Schema}
	for name, write := range map[string]func(io.Writer, *Results) error{
		"text": WriteText, "markdown": WriteMarkdown, "html": WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf, r); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if buf.Len() == 0 {
			t.Errorf("%s: no output", name)
		}
	}
}

// TestManyShards checks that a big stream lists only its busiest shards.
func TestManyShards(t *testing.T) {
	r := fixture()
	base := r.PerShard[0]
	r.PerShard = nil
	for i := range 100 {
		sh := base
		sh.ShardID = fmt.Sprintf("shardId-%012d", i)
		sh.PeakUtilization = float64(i%50) / 40
		r.PerShard = append(r.PerShard, sh)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "Showing the 20 busiest of 100 shards") {
		t.Errorf("no note on the shards left out:\n%s", out)
	}
	if n := strings.Count(out, "  shardId-"); n != maxShardRows {
		t.Errorf("listed %d shards, want %d", n, maxShardRows)
	}
	if !strings.Contains(out, "shardId-000000000049") || strings.Contains(out, "shardId-000000000000 ") {
		t.Errorf("listed the wrong shards:\n%s", out)
	}
	charts, err := Charts(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := charts[2].Title; !strings.Contains(got, "8 busiest of 100 shards") {
		t.Errorf("utilisation chart title %q does not say it shows the busiest shards", got)
	}
}

// TestWriteReadBack covers a run read back by two consumers while its
// stream was resharded: the per-consumer table, the events and the shards'
// state and parents.
func TestWriteReadBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, readFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary_read.txt.golden", buf.Bytes())

	buf.Reset()
	if err := WriteMarkdown(&buf, readFixture()); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary_read.md.golden", buf.Bytes())
}

// TestWriteWithoutReshard checks that the extra columns and sections only
// appear with something in them.
func TestWriteWithoutReshard(t *testing.T) {
	r := readFixture()
	r.Events = nil
	r.E2E.Consumers = nil
	r.PerShard = r.PerShard[:4]
	for i := range r.PerShard {
		r.PerShard[i].State = ""
	}
	for name, write := range map[string]func(io.Writer, *Results) error{
		"text": WriteText, "markdown": WriteMarkdown, "html": WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf, r); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, absent := range []string{"Events", "parents", "CLOSED", "Consumer", "summed over"} {
			if strings.Contains(out, absent) {
				t.Errorf("%s: output contains %q", name, absent)
			}
		}
		if !strings.Contains(out, "iterator age max 1,850 ms") {
			t.Errorf("%s: output lacks the iterator age", name)
		}
	}
}

func TestShortShardID(t *testing.T) {
	for id, want := range map[string]string{
		"shardId-000000000001": "…0001",
		"shardId-000000012345": "…12345",
		"shardId-123456789012": "shardId-123456789012",
		"shardId-0001":         "shardId-0001",
		"shard-7":              "shard-7",
		"shardId-00000000000x": "shardId-00000000000x",
	} {
		if got := shortShardID(id); got != want {
			t.Errorf("shortShardID(%q) = %q, want %q", id, got, want)
		}
	}
	if got := parentsLabel([]string{"shardId-000000000001"}); got != "shardId-000000000001" {
		t.Errorf("one parent: %q", got)
	}
	if got := parentsLabel([]string{"shardId-000000000001", "shardId-000000000002"}); got != "…0001, …0002" {
		t.Errorf("two parents: %q", got)
	}
}

// The generator's verdict names the cause: CPU when late requests left
// with slots free, the in-flight limit when every slot was taken, and an
// overload when records were dropped; and it says what the run used.
func TestGeneratorVerdict(t *testing.T) {
	for _, c := range []struct {
		name string
		set  func(r *Results)
		want []string
		not  []string
	}{
		{"kept up", func(r *Results) {
			r.Generator = Generator{MaxInFlight: 3, Pacers: 1, Cores: 2, CPUSeconds: 3, PeakRSSBytes: 50 << 20}
			r.Series = nil
		}, []string{"the client kept up", "1 pacer(s) on 2 core(s), CPU 5% of the cores (3.0 CPU-s in 30.0 s), peak memory 50 MiB"},
			[]string{"BOTTLENECK", "OVERLOADED"}},
		{"cpu", func(r *Results) {
			r.Generator = Generator{LateRequests: 400, LateWithFreeSlots: 390, MaxInFlight: 2, Pacers: 2, Cores: 2, CPUSeconds: 59}
		}, []string{"390 of them with a slot free", "390 of 1,000 requests left late while in-flight slots were free", "did not get the CPU in time", "CPU 98% of the cores"},
			[]string{"raise producer.max_in_flight", "OVERLOADED"}},
		{"in flight", func(r *Results) {
			r.Generator = Generator{LateRequests: 400, LateWithFreeSlots: 10, MaxInFlight: 16, SaturatedS: 12}
		}, []string{"every in-flight slot was taken in 12 of", "raise producer.max_in_flight"},
			[]string{"did not get the CPU", "OVERLOADED"}},
		{"dropped", func(r *Results) {
			r.Totals.Dropped = 5000
			r.Generator = Generator{LateRequests: 400, MaxInFlight: 16, SaturatedS: 12, MaxBacklog: 20000, MaxBacklogBytes: 256 << 20}
		}, []string{"THE GENERATOR WAS OVERLOADED: it dropped 5,000 records", "at most 20,000 records or 256 MiB", "dropped      5,000  5.6% of offered, generator overloaded"},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := fixture()
			r.Totals.Requests = 1000
			r.DurationS = 30
			c.set(r)
			var b strings.Builder
			if err := WriteText(&b, r); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("summary lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.not {
				if strings.Contains(out, w) {
					t.Errorf("summary has %q:\n%s", w, out)
				}
			}
		})
	}
}
