package reports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadResults: a results file, however damaged, reads or fails with an
// error that names the file; what reads can be rendered, measured and
// merged without a panic.
func FuzzReadResults(f *testing.F) {
	old, err := os.ReadFile(filepath.Join("testdata", "results_old.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(old)
	var buf bytes.Buffer
	r := sampleRun("seed", compareStart, randomSeconds(rand.New(rand.NewPCG(1, 1)), 3, 20, 10))
	if err := r.Write(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema": "spillway.results/v2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read("fuzz.json", bytes.NewReader(data))
		if err != nil {
			if !bytes.HasPrefix([]byte(err.Error()), []byte("fuzz.json")) && !bytes.HasPrefix([]byte(err.Error()), []byte("read results fuzz.json")) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		var out bytes.Buffer
		_ = WriteText(&out, r)
		_ = WriteMarkdown(&out, r)
		_ = WriteJUnit(&out, r, nil)
		for _, name := range []string{"put_latency_p99", "put_latency_p(99.5)", "acked_per_s", "e2e_lost"} {
			if _, ok := MetricValue(r, name); !ok {
				t.Fatalf("metric %s unknown", name)
			}
		}
		if r.Schema == Schema && len(r.Series) < 10_000 && len(r.PerShard) < 1_000 {
			if m, err := Merge(Part{"a", r}, Part{"b", r}); err == nil && m.Totals.Offered != 2*r.Totals.Offered && r.Totals.Offered < math.MaxInt64/2 && r.Totals.Offered > math.MinInt64/2 {
				t.Fatalf("merge of a file with itself: offered %d, want %d", m.Totals.Offered, 2*r.Totals.Offered)
			}
		}
	})
}
