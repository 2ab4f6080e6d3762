package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

func dur(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }

// testScenario is a complete scenario (defaults written out) for one stream.
func testScenario(shards int, rate float64, d time.Duration, size scenarios.ByteSize) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:   "test",
		Stream: scenarios.Stream{Name: "test", Shards: shards, MaxRecordSize: model.DefaultMaxRecordSizeBytes},
		Load:   scenarios.Load{Duration: dur(d), Rate: rate},
		Record: scenarios.Record{Size: scenarios.SizeSpec{Dist: scenarios.SizeFixed, Bytes: size}},
		Keys:   scenarios.Keys{Dist: scenarios.KeysUUID},
		Producer: scenarios.Producer{Batch: 500, Linger: dur(50 * time.Millisecond), MaxInFlight: 16,
			Retry: scenarios.Retry{MaxAttempts: 1, Backoff: dur(100 * time.Millisecond), MaxBackoff: dur(time.Second), TTL: dur(30 * time.Second)}},
	}
}

// runSim runs sc against a simulated stream inside a synctest bubble, so
// the whole run takes no real time and no sleeping is involved.
func runSim(t *testing.T, sc *scenarios.Scenario, sim SimConfig, during func(r *Runner)) *Summary {
	t.Helper()
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		stream, err := model.NewStream(model.StreamConfig{Name: sc.Stream.Name, Shards: sc.Stream.Shards}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(Config{Scenario: sc, Seed: 1}, NewSimTarget(stream, sim, time.Now))
		if err != nil {
			t.Fatal(err)
		}
		if during != nil {
			go during(r)
		}
		sum, err = r.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
	})
	checkBooks(t, sum)
	return sum
}

// checkBooks asserts that every offered record ended exactly once.
func checkBooks(t *testing.T, s *Summary) {
	t.Helper()
	tt := s.Totals
	if got := tt.Dropped + tt.Acked + tt.Failed + tt.Expired + tt.Unfinished; got != tt.Offered {
		t.Errorf("books do not balance: dropped %d + acked %d + failed %d + expired %d + unfinished %d = %d, offered %d",
			tt.Dropped, tt.Acked, tt.Failed, tt.Expired, tt.Unfinished, got, tt.Offered)
	}
	// A record that left the generator ends acked, failed, expired or
	// unfinished; one that never left ends dropped or unfinished.
	if tt.Sent > tt.Offered-tt.Dropped || tt.Sent < tt.Acked+tt.Failed+tt.Expired {
		t.Errorf("sent %d: want between acked+failed+expired %d and offered-dropped %d",
			tt.Sent, tt.Acked+tt.Failed+tt.Expired, tt.Offered-tt.Dropped)
	}
	var perSec, dropped, sent, shardAttempts int64
	for _, x := range s.Series {
		perSec += x.Offered
		dropped += x.Dropped
		sent += x.Sent
	}
	for _, sh := range s.Shards {
		shardAttempts += sh.Attempts
	}
	// Attempts of requests that failed whole name no shard, so the shard
	// rows may hold fewer attempts than the totals, never more.
	if perSec != tt.Offered || dropped != tt.Dropped || sent != tt.Sent || shardAttempts > tt.Attempts {
		t.Errorf("series offered %d vs %d, dropped %d vs %d, sent %d vs %d; shard attempts %d vs %d",
			perSec, tt.Offered, dropped, tt.Dropped, sent, tt.Sent, shardAttempts, tt.Attempts)
	}
}

// The first check, through the whole generator: one shard offered
// 2,000 records/s of 100 B for 10 s with no retries. By hand (see
// model.TestShardThrottlesOnRecords): the new shard's bucket starts empty
// and refills 1,000/s, so about 10,000 of 20,000 are accepted: 50%
// throttled, all on the records limit.
func TestRunThrottlesOnRecords(t *testing.T) {
	s := runSim(t, testScenario(1, 2000, 10*time.Second, 100), SimConfig{}, nil)
	if s.Totals.Offered != 20000 {
		t.Fatalf("offered %d, want 20000", s.Totals.Offered)
	}
	if r := s.Totals.ThrottleRatio; r < 0.49 || r > 0.51 {
		t.Errorf("throttle ratio %.4f, want 0.50±0.01", r)
	}
	sh := s.Shards[0]
	if sh.ThrottledRecordsLimit != s.Totals.Throttled || sh.ThrottledBytesLimit != 0 {
		t.Errorf("shard throttled %d on records and %d on bytes, want all %d on records", sh.ThrottledRecordsLimit, sh.ThrottledBytesLimit, s.Totals.Throttled)
	}
	if sh.PeakUtilization < 1.9 || sh.PeakUtilization > 2.1 {
		t.Errorf("peak utilisation %.2f, want about 2 (2,000 of 1,000 records/s)", sh.PeakUtilization)
	}
}

// One shard offered 150 records/s of 10 KiB (+36 B uuid key) for 10 s:
// 1,541,400 B/s against 1 MiB/s. By hand: 1 + 1,048,576 B/s × 9.9933 s ÷
// 10,276 B ≈ 1,021 of 1,500 accepted, 31.9% throttled (about one third),
// all on bytes; the steady state is 1 − 1,048,576/1,541,400 = 32.0%.
func TestRunThrottlesOnBytes(t *testing.T) {
	s := runSim(t, testScenario(1, 150, 10*time.Second, 10<<10), SimConfig{}, nil)
	if r := s.Totals.ThrottleRatio; r < 0.30 || r > 0.34 {
		t.Errorf("throttle ratio %.4f, want 0.32±0.02", r)
	}
	if sh := s.Shards[0]; sh.ThrottledBytesLimit != s.Totals.Throttled || sh.ThrottledRecordsLimit != 0 {
		t.Errorf("throttled %d on bytes and %d on records, want all on bytes", sh.ThrottledBytesLimit, sh.ThrottledRecordsLimit)
	}
}

// Below capacity nothing throttles, everything is acked once, and latency
// reflects the batching linger plus the simulated round trip.
func TestRunUnderCapacity(t *testing.T) {
	sc := testScenario(4, 1000, 5*time.Second, 1<<10)
	s := runSim(t, sc, SimConfig{LatencyMedian: 20 * time.Millisecond, LatencyP99: 60 * time.Millisecond, Seed: 3}, nil)
	if s.Totals.Acked != 5000 || s.Totals.Throttled != 0 || s.Totals.Failed != 0 {
		t.Fatalf("totals %+v, want 5000 acked and nothing else", s.Totals)
	}
	// The last batch lingers and travels past 5 s, so the series has a
	// sixth second of drain.
	if len(s.Series) != 6 || s.Series[5].Offered != 0 || s.Series[5].Acked == 0 || len(s.Shards) != 4 {
		t.Fatalf("%d seconds (last %+v) and %d shards, want 5 + 1 of drain, and 4", len(s.Series), s.Series[len(s.Series)-1], len(s.Shards))
	}
	// Service time is the simulated round trip: median 20 ms.
	if p := s.Latency.Service.P50; p < 15 || p > 25 {
		t.Errorf("service p50 %.1f ms, want about 20", p)
	}
	// Response time adds up to 50 ms of linger to the round trip.
	if p := s.Latency.Response.P50; p < s.Latency.Service.P50 || p > 80 {
		t.Errorf("response p50 %.1f ms, want between the service time and 80 ms", p)
	}
	if s.Totals.Requests < 95 || s.Totals.Requests > 105 {
		t.Errorf("%d requests, want about 100 (5 s / 50 ms linger)", s.Totals.Requests)
	}
}

// With retries, throttled records come back after their backoff; every
// record still ends once, and retries are counted.
func TestRunRetries(t *testing.T) {
	sc := testScenario(1, 1500, 6*time.Second, 100)
	sc.Producer.Retry.MaxAttempts = 4
	s := runSim(t, sc, SimConfig{}, nil)
	if s.Totals.Retried == 0 || s.Totals.Attempts != s.Totals.Offered+s.Totals.Retried {
		t.Fatalf("attempts %d, offered %d, retried %d", s.Totals.Attempts, s.Totals.Offered, s.Totals.Retried)
	}
	if s.Totals.Acked <= 6000 {
		t.Errorf("acked %d: retries should lift acks above the 6,000 of a run without them", s.Totals.Acked)
	}
}

// A short TTL expires records instead of retrying them past it.
func TestRunTTLExpires(t *testing.T) {
	sc := testScenario(1, 3000, 4*time.Second, 100)
	sc.Producer.Retry = scenarios.Retry{MaxAttempts: 100, Backoff: dur(200 * time.Millisecond), MaxBackoff: dur(200 * time.Millisecond), TTL: dur(300 * time.Millisecond)}
	s := runSim(t, sc, SimConfig{}, nil)
	if s.Totals.Expired == 0 || s.Totals.Failed != 0 {
		t.Fatalf("expired %d, failed %d: want expiries and no failures", s.Totals.Expired, s.Totals.Failed)
	}
}

// slowTarget answers after a fixed delay, always accepting.
type slowTarget struct {
	delay time.Duration
	calls atomic.Int64
}

func (s *slowTarget) PutRecords(ctx context.Context, recs []Record, out []Outcome) error {
	s.calls.Add(1)
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return ctx.Err()
	}
	for i := range out {
		out[i] = Outcome{ShardID: "shardId-000000000000"}
	}
	return nil
}

// Open model: a target slower than the schedule does not slow the
// schedule down. Every record is still offered on time; the wait for a free
// in-flight slot shows as send lag, late requests and saturated seconds.
func TestRunOpenModelUnderBackpressure(t *testing.T) {
	sc := testScenario(1, 100, 5*time.Second, 100)
	sc.Producer.Batch, sc.Producer.MaxInFlight = 1, 2
	sc.Producer.MaxBacklog = 1000 // room for the whole run: nothing dropped
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		target := &slowTarget{delay: 100 * time.Millisecond} // 2 slots × 10/s = 20 requests/s for 100/s offered
		r, err := New(Config{Scenario: sc, Seed: 1}, target)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		sum, err = r.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// 500 requests at 20/s take 25 s: the run lasts until all drain.
		if got := time.Since(start); got < 24*time.Second {
			t.Errorf("run took %v, want about 25 s to drain 500 requests at 20/s", got)
		}
	})
	checkBooks(t, sum)
	if sum.Totals.Offered != 500 || sum.Totals.Acked != 500 {
		t.Fatalf("offered %d acked %d, want 500 each", sum.Totals.Offered, sum.Totals.Acked)
	}
	for i, x := range sum.Series[:5] {
		if x.Offered != 100 {
			t.Errorf("second %d offered %d, want 100: the schedule must not slow down", i, x.Offered)
		}
	}
	if sum.Generator.LateRequests < 400 || sum.Latency.SendLag.Max < 15000 || sum.Generator.SaturatedS < 20 {
		t.Errorf("generator %+v, send lag max %.0f ms: want the backlog visible", sum.Generator, sum.Latency.SendLag.Max)
	}
}

// The first stop ends scheduling and drains; records are accounted for and
// the summary says it was interrupted.
func TestRunStopDrains(t *testing.T) {
	sc := testScenario(2, 1000, 10*time.Second, 100)
	sc.Producer.Retry.MaxAttempts = 5
	s := runSim(t, sc, SimConfig{LatencyMedian: 10 * time.Millisecond}, func(r *Runner) {
		time.Sleep(3 * time.Second)
		r.Stop()
	})
	if !s.Interrupted || s.StopReason != "stopped" {
		t.Fatalf("interrupted %v (%q), want a stop", s.Interrupted, s.StopReason)
	}
	if s.Totals.Offered < 2900 || s.Totals.Offered > 3100 {
		t.Errorf("offered %d after 3 s at 1,000/s", s.Totals.Offered)
	}
}

// blockingTarget never answers until its context ends.
type blockingTarget struct{}

func (blockingTarget) PutRecords(ctx context.Context, _ []Record, _ []Outcome) error {
	<-ctx.Done()
	return ctx.Err()
}

// Cancelling the context abandons what is in flight and queued: Run
// returns promptly and counts those records as unfinished.
func TestRunAbortCountsUnfinished(t *testing.T) {
	sc := testScenario(1, 1000, 10*time.Second, 100)
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		r, err := New(Config{Scenario: sc, Seed: 1}, blockingTarget{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(2*time.Second, cancel)
		sum, err = r.Run(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run error %v, want context.Canceled", err)
		}
	})
	checkBooks(t, sum)
	if sum.Totals.Acked != 0 || sum.Totals.Unfinished != sum.Totals.Offered || !sum.Interrupted {
		t.Fatalf("totals %+v interrupted %v: want every record unfinished", sum.Totals, sum.Interrupted)
	}
}

// The same seed offers the same keys and sizes.
func TestSeedReproducible(t *testing.T) {
	sc := testScenario(1, 10, time.Second, 100)
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysZipf, Count: 100, Exponent: 1.2}
	sc.Record.Size = scenarios.SizeSpec{Dist: scenarios.SizeLognormal, Median: 500, P99: 5000}
	gen := func(seed uint64) []string {
		g, err := newRecordGen(sc, seed, newFiller(seed))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for n := range int64(50) {
			data := make([]byte, g.size(n))
			key, _ := g.key()
			g.data(data, Stamp{RecordID: uint64(n)})
			out = append(out, fmt.Sprintf("%s/%d/%x", key, len(data), data))
		}
		return out
	}
	a, b, c := gen(5), gen(5), gen(6)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("record %d differs under the same seed", i)
		}
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	if same == len(a) {
		t.Fatal("another seed offered the same records")
	}
}

// keys.explicit_hash_key: random spreads a single hot key over every
// shard: 3,000 records/s on one key would throttle its one shard at
// 1,000/s; with random hash keys each of 4 shards takes about 750/s.
func TestRunRandomExplicitHashKey(t *testing.T) {
	sc := testScenario(4, 3000, 10*time.Second, 100)
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysHot, HotShare: 1, ExplicitHashKey: scenarios.HashKeyRandom}
	s := runSim(t, sc, SimConfig{}, nil)
	if s.Totals.Throttled > s.Totals.Offered/100 {
		t.Errorf("%d of %d throttled, want almost none with random hash keys", s.Totals.Throttled, s.Totals.Offered)
	}
	for _, sh := range s.Shards {
		if share := float64(sh.Acked) / float64(s.Totals.Acked); share < 0.2 || share > 0.3 {
			t.Errorf("%s took %.1f%% of the records, want about 25%%", sh.ID, 100*share)
		}
	}
	sc.Keys.ExplicitHashKey = ""
	if s := runSim(t, sc, SimConfig{}, nil); s.Totals.ThrottleRatio < 0.5 {
		t.Errorf("without: throttle ratio %.2f, want most of 3,000/s on one shard's 1,000/s throttled", s.Totals.ThrottleRatio)
	}
}
