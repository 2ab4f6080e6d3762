package loadgen

import (
	"path/filepath"
	"testing"

	"github.com/spillway-dev/spillway/scenarios"
)

func loadExample(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadFile(filepath.Join("..", "scenarios", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Every ready scenario loads and validates.
func TestExamplesValidate(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "scenarios", "examples", "*.yaml"))
	if len(files) < 3 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		if _, err := scenarios.LoadFile(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// The quickstart must keep making its point: the stream as a whole has
// headroom, yet the shard that zipf's top keys hash to throttles, on the
// records limit, and no other shard does.
func TestQuickstartShowsAHotShard(t *testing.T) {
	sc := loadExample(t, "quickstart.yaml")
	s := runSim(t, sc, DefaultSimConfig, nil)
	var peakOffered int64
	for _, x := range s.Series {
		peakOffered = max(peakOffered, x.Offered)
	}
	if capacity := int64(sc.Stream.Shards) * 1000; peakOffered >= capacity*9/10 {
		t.Errorf("peak offered %d records/s, want well under the stream's %d", peakOffered, capacity)
	}
	for i, sh := range s.Shards {
		hot := i == 0
		if hot != (sh.Throttled > 0) {
			t.Errorf("%s throttled %d records: want only shardId-000000000000 to throttle", sh.ID, sh.Throttled)
		}
		if hot && (sh.ThrottledRecordsLimit != sh.Throttled || sh.PeakUtilization <= 1) {
			t.Errorf("hot shard: %d of %d throttles on records, peak %.2f", sh.ThrottledRecordsLimit, sh.Throttled, sh.PeakUtilization)
		}
	}
	if s.Totals.Failed+s.Totals.Expired > s.Totals.Offered/20 {
		t.Errorf("%d of %d records given up: the quickstart's error_ratio < 5%% threshold would fail", s.Totals.Failed+s.Totals.Expired, s.Totals.Offered)
	}
}

// The two single-shard checks, from the ready scenarios: half the
// records throttled on records, and a third on bytes (by hand in
// TestRunThrottlesOnRecords and TestRunThrottlesOnBytes).
func TestOneShardExamples(t *testing.T) {
	for _, tt := range []struct {
		file    string
		lo, hi  float64
		byBytes bool
	}{
		{"one-shard-records.yaml", 0.49, 0.51, false},
		{"one-shard-bytes.yaml", 0.30, 0.34, true},
	} {
		s := runSim(t, loadExample(t, tt.file), DefaultSimConfig, nil)
		sh := s.Shards[0]
		if r := s.Totals.ThrottleRatio; r < tt.lo || r > tt.hi {
			t.Errorf("%s: throttle ratio %.4f, want %.2f–%.2f", tt.file, r, tt.lo, tt.hi)
		}
		if got := sh.ThrottledBytesLimit == sh.Throttled; got != tt.byBytes {
			t.Errorf("%s: %d on bytes, %d on records", tt.file, sh.ThrottledBytesLimit, sh.ThrottledRecordsLimit)
		}
	}
}
