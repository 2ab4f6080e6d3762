package reports

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
)

func TestSeriesAndShardsCSV(t *testing.T) {
	r := sampleRun("a", compareStart, [][]float64{{10, 20}, {}, {30}})
	r.PerShard[1].Parents = []string{"shardId-000000000007", "shardId-000000000008"}
	r.PerShard[1].OpenedS = 12.5

	var buf bytes.Buffer
	if err := WriteSeriesCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "t" || rows[0][12] != "p95_ms" {
		t.Fatalf("series CSV = %v", rows)
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	if rows[1][col("acked")] != "2" || rows[3][col("max_ms")] != strconv.FormatFloat(r.Series[2].MaxMs, 'g', -1, 64) {
		t.Errorf("series rows = %v", rows[1:])
	}
	if rows[2][col("p50_ms")] != "" {
		t.Errorf("a second without settled records has p50 %q, want empty", rows[2][col("p50_ms")])
	}

	buf.Reset()
	if err := WriteShardsCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[2][4] != "shardId-000000000007 shardId-000000000008" || rows[2][5] != "12.5" || rows[1][5] != "" {
		t.Errorf("shards CSV = %v", rows)
	}
}

func TestHgrm(t *testing.T) {
	r := sampleRun("a", compareStart, [][]float64{{10, 20, 30, 40}})
	var buf bytes.Buffer
	if err := WriteHgrm(&buf, &r.Latency.ResponseMs); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, " Value\tPercentile\tTotalCount\t1/(1-Percentile)") || !strings.Contains(out, "Total count    =            4]") {
		t.Errorf(".hgrm output:\n%s", out)
	}
	// The last line before the footer is the maximum, in milliseconds (as
	// HdrHistogram prints it: the highest value of its bucket).
	if !strings.Contains(out, "      40.031     1.000000            4          inf") {
		t.Errorf(".hgrm lacks the 40 ms maximum at percentile 1:\n%s", out)
	}
	names := []string{}
	for _, d := range Distributions(r) {
		names = append(names, d.Name)
	}
	if strings.Join(names, ",") != "put_latency,service_latency,send_lag,e2e_latency" {
		t.Errorf("Distributions = %v", names)
	}
	v1 := *r
	v1.Latency.ResponseMs.Hist = ""
	if err := WriteHgrm(&buf, &v1.Latency.ResponseMs); err == nil {
		t.Error("a distribution without a histogram wrote an .hgrm")
	}
}
