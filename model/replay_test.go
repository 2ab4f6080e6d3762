package model

import (
	"math"
	"testing"
	"time"
)

func constRate(r float64) func(time.Duration) float64 {
	return func(time.Duration) float64 { return r }
}

// A fluid replay against hand-computed throttling: 3,000 records/s of
// 100 B spread over 2 shards (2,000 records/s of capacity) throttle 1,000
// of 3,000 each second without retries; with 3 attempts the retries add to
// the offered load and more of it is throttled, yet what is accepted stays
// at the 2,000 records/s the shards take.
func TestReplayThrottling(t *testing.T) {
	res, err := Replay(constRate(3000), 60, ReplayConfig{Shards: 2, Spread: 1, BytesPerRecord: 100, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.ThrottleRatio-1.0/3) > 1e-9 || math.Abs(res.Accepted-120000) > 1e-6 || math.Abs(res.FailedRatio-1.0/3) > 1e-9 {
		t.Errorf("no retries: throttle %.4f, accepted %.0f, failed %.4f", res.ThrottleRatio, res.Accepted, res.FailedRatio)
	}
	res, err = Replay(constRate(3000), 60, ReplayConfig{Shards: 2, Spread: 1, BytesPerRecord: 100, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if last := res.Seconds[59]; math.Abs(last.Accepted-2000) > 1e-6 || last.Offered <= 3000 || res.ThrottleRatio <= 1.0/3 {
		t.Errorf("retries: last second %+v, throttle %.4f", last, res.ThrottleRatio)
	}
	// Every record ends accepted or failed (or still queued for a retry).
	var queued float64
	if n := len(res.Seconds); n > 0 {
		last := res.Seconds[n-1]
		queued = last.Throttled - last.Failed
	}
	if diff := res.Demand - res.Accepted - res.Failed - queued; math.Abs(diff) > 1e-6 {
		t.Errorf("records unaccounted for: %v", diff)
	}
}

// A key over one shard's limit throttles whatever the shard count: 30% of
// 4,000 records/s is 1,200 on one shard. Its shard also takes its part of
// the other 70%: on 8 shards (0.3 + 0.7/8) × 4,000 = 1,550, 550 over; on
// 64, (0.3 + 0.7/64) × 4,000 = 1,243.75, 243.75 over: more shards never
// get below the key's own 200.
func TestReplayHotKey(t *testing.T) {
	keys := []KeyShare{{Key: "hot", Hash: HashPartitionKey("hot"), Share: 0.3}}
	for _, tc := range []struct {
		shards int
		want   float64
	}{{8, 550}, {64, 243.75}} {
		res, err := Replay(constRate(4000), 10, ReplayConfig{Shards: tc.shards, Keys: keys, Spread: 0.7, BytesPerRecord: 100, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Throttled / 10; math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("%d shards: %v records/s throttled, want %v", tc.shards, got, tc.want)
		}
	}
	res, err := Replay(constRate(4000), 10, ReplayConfig{Shards: 4, Keys: keys, Spread: 0.7, BytesPerRecord: 100, Policy: ScaleOnDemand, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Throttled / 10; math.Abs(got-200) > 1e-6 {
		t.Errorf("on-demand: %v records/s throttled, want the hot key's 200", got)
	}
}

// On-demand takes a step to 3× its starting capacity in two doublings of
// 15 minutes each: 4,000 → 8,000 → 16,000 records/s of 1 KiB allowed.
func TestReplayOnDemandStep(t *testing.T) {
	rate := func(t time.Duration) float64 {
		if t < 10*time.Minute {
			return 1000
		}
		return 10000
	}
	res, err := Replay(rate, 3600, ReplayConfig{Shards: 4, Spread: 1, BytesPerRecord: 1024, Policy: ScaleOnDemand, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	at := func(m int) float64 { return res.Seconds[m*60+30].Accepted }
	// The start allows 4,000 until 15 minutes after the step's first
	// second at 4,000 settles: then 8,000; then all 10,000.
	if at(12) != 4000 || at(26) != 8000 || at(41) != 10000 {
		t.Errorf("accepted at 12, 26, 41 min: %v, %v, %v; want 4,000, 8,000, 10,000", at(12), at(26), at(41))
	}
}

// Autoscaling from the advice on a ramp from 1,000 to 16,000 records/s over
// two hours and back: the stream follows with UpdateShardCount, never
// breaks its rules, and throttles little.
func TestReplayThresholds(t *testing.T) {
	rate := func(t time.Duration) float64 {
		h := t.Hours()
		if h < 2 {
			return 1000 + 7500*h
		}
		return max(16000-7500*(h-2), 1000)
	}
	a := AdviseAutoscaling(2, 2, 32, 0.8, 2*time.Minute)
	res, err := Replay(rate, 6*3600, ReplayConfig{Shards: 2, Spread: 1, BytesPerRecord: 200, Policy: ScaleThresholds, Autoscaling: a, UpdateTime: 2 * time.Minute, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RuleBreaks) > 0 {
		t.Fatalf("rules broken: %v", res.RuleBreaks)
	}
	if len(res.Events) < 3 || res.MaxShards < 16 {
		t.Errorf("%d scalings to at most %d shards: %+v", len(res.Events), res.MaxShards, res.Events)
	}
	if res.FailedRatio > 0.01 {
		t.Errorf("%.2f%% of records failed", 100*res.FailedRatio)
	}
	t.Logf("%d scalings, max %d shards, throttle %.3f%%, failed %.3f%%", len(res.Events), res.MaxShards, 100*res.ThrottleRatio, 100*res.FailedRatio)
}

// BenchmarkReplayDay replays a day on 1,000 shards with a zipf-like set of
// keys. ns/op is one whole day.
func BenchmarkReplayDay(b *testing.B) {
	keys := make([]KeyShare, 1000)
	for i := range keys {
		name := keyForTest(i)
		keys[i] = KeyShare{Key: name, Hash: HashPartitionKey(name), Share: 0.5 / 1000}
	}
	rate := func(t time.Duration) float64 { return 500000 + 300000*math.Sin(t.Hours()/24*2*math.Pi) }
	for b.Loop() {
		if _, err := Replay(rate, 86400, ReplayConfig{Shards: 1000, Keys: keys, Spread: 0.5, BytesPerRecord: 500, MaxAttempts: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// The iterator age is the age of the oldest record not yet read: 3,000
// records/s of 1 KiB for 60 s read by 5 polling consumers on one shard
// (2 MiB/s shared: about 410 records/s each) fall behind; when the traffic
// stops the age keeps growing until the backlog is read, then drops to 0.
func TestReplayIteratorAge(t *testing.T) {
	rate := func(t time.Duration) float64 {
		if t < time.Minute {
			return 3000
		}
		return 0
	}
	res, err := Replay(rate, 600, ReplayConfig{Shards: 4, Spread: 1, BytesPerRecord: 1024, MaxAttempts: 1, PollingConsumers: 5})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Seconds
	if s[70].IteratorAgeS <= s[59].IteratorAgeS || s[59].IteratorAgeS <= 0 {
		t.Errorf("age at 59 s %v, at 70 s %v: want it still growing after the traffic stops", s[59].IteratorAgeS, s[70].IteratorAgeS)
	}
	if s[599].IteratorAgeS != 0 {
		t.Errorf("age at the end %v, want 0 once everything is read", s[599].IteratorAgeS)
	}
}

// A policy that would scale more often than ten times a rolling day has
// the extra calls refused (as AWS would), not made: a square wave between
// 1,000 and 8,000 records/s every hour on a stream allowed to go from 2 to
// 16 shards with no scale-in cooldown.
func TestReplayRefusesTheEleventhCall(t *testing.T) {
	rate := func(t time.Duration) float64 {
		if int(t.Hours())%2 == 0 {
			return 1000
		}
		return 8000
	}
	a := AdviseAutoscaling(2, 2, 16, 0.8, time.Minute)
	a.CooldownIn = 0
	res, err := Replay(rate, 24*3600, ReplayConfig{Shards: 2, Spread: 1, BytesPerRecord: 200, Policy: ScaleThresholds, Autoscaling: a, UpdateTime: time.Minute, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != MaxUpdateShardCountPer24h || len(res.Refused) == 0 || len(res.RuleBreaks) != 0 {
		t.Errorf("%d calls made, %d refused, rule breaks %v: want 10 made and some refused", len(res.Events), len(res.Refused), res.RuleBreaks)
	}
}
