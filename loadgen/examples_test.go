package loadgen

import (
	"math"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-dev/spillway/model"

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
	perf, _ := filepath.Glob(filepath.Join("..", "scenarios", "perf", "*.yaml"))
	if len(files) < 3 || len(perf) < 5 {
		t.Fatalf("found %d examples and %d performance scenarios", len(files), len(perf))
	}
	files = append(files, perf...)
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

// Every ready scenario with a Kinesis stream, run for 10 s on the
// simulated stream with retries off and read back by its consumers (or the
// verifier), has every acknowledged record read exactly once by every
// consumer, in per-key order.
func TestExamplesReadBackExactlyOnce(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "scenarios", "examples", "*.yaml"))
	for _, f := range files {
		sc, err := scenarios.LoadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Firehose != nil && sc.Firehose.Source == scenarios.FirehoseDirectPut {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			sc.Producer.Retry.MaxAttempts = 1
			var (
				sum *Summary
				res E2EResult
			)
			specs := ReaderSpecs(sc)
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				stream, err := model.NewStream(StreamConfigFor(sc, true), start)
				if err != nil {
					t.Fatal(err)
				}
				r, err := New(Config{Scenario: sc, Seed: 1, Duration: 10 * time.Second}, NewSimTarget(stream, DefaultSimConfig, time.Now))
				if err != nil {
					t.Fatal(err)
				}
				readers, err := StartSimReaders(t.Context(), stream, specs, r.RunStamp(), true, DefaultSimConfig, start, time.Now)
				if err != nil {
					t.Fatal(err)
				}
				if sum, err = r.Run(t.Context()); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(time.Minute); readers.ReadOf(sum.Acked) < sum.Acked.Len() && time.Now().Before(deadline); {
					time.Sleep(50 * time.Millisecond)
				}
				readers.Stop()
				res = readers.Result(sum.Acked)
			})
			n := int64(len(specs))
			if sum.Totals.Acked == 0 || res.Lost != 0 || res.Duplicates != 0 || res.OutOfOrder != 0 || res.Read != n*sum.Totals.Acked {
				t.Errorf("%d acked, %d consumers: read %d, lost %d, duplicates %d, out of order %d",
					sum.Totals.Acked, n, res.Read, res.Lost, res.Duplicates, res.OutOfOrder)
			}
		})
	}
}

// The plan's replay predicts what a run measures: for the ready scenarios
// that run on a fixed set of shards, the replay's throttle ratio (in
// virtual time, as a fluid with each shard's second of burst and the
// producer's retries coming back in the same second when their backoff is
// short) is within 2 percentage points of the one spillway run measures on
// the simulated stream.
func TestReplayPredictsRuns(t *testing.T) {
	for _, file := range []string{"quickstart.yaml", "one-shard-records.yaml", "one-shard-bytes.yaml", "hot-key.yaml", "readers.yaml", "kinesalite.yaml"} {
		t.Run(file, func(t *testing.T) {
			sc := loadExample(t, file)
			measured := runSim(t, sc, DefaultSimConfig, nil).Totals.ThrottleRatio
			sched, err := ScheduleFor(sc.Load, 0)
			if err != nil {
				t.Fatal(err)
			}
			sizes, err := SizesOf(sc, 1)
			if err != nil {
				t.Fatal(err)
			}
			keys, spread, err := KeySharesOf(sc.Keys)
			if err != nil {
				t.Fatal(err)
			}
			r, err := model.Replay(sched.RateAt, int(sched.Duration()/time.Second), model.ReplayConfig{
				Shards: sc.Stream.Shards, Keys: keys, Spread: spread, BytesPerRecord: sizes.Bytes, MaxAttempts: sc.Producer.Retry.MaxAttempts,
				RetryBackoff: sc.Producer.Retry.Backoff.D(), RetryMaxBackoff: sc.Producer.Retry.MaxBackoff.D(),
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("measured %.2f%%, replay %.2f%%", 100*measured, 100*r.ThrottleRatio)
			if d := math.Abs(measured - r.ThrottleRatio); d > 0.02 {
				t.Errorf("replay %.2f%% against %.2f%% measured: %.1f points apart, want within 2", 100*r.ThrottleRatio, 100*measured, 100*d)
			}
		})
	}
}
