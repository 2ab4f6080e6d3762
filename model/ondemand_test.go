package model

import (
	"errors"
	"fmt"
	"math/bits"
	"testing"
	"time"
)

// A new on-demand stream has 4 shards and 4 MiB/s, 4,000 records/s of
// write capacity (Q, FAQ, BLOG-LR).
func TestOnDemandStartCapacity(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "od", Mode: OnDemand})
	recs, bytes := s.Capacity(epoch)
	if recs != 4000 || bytes != 4<<20 {
		t.Errorf("capacity %v records/s, %v B/s; want 4,000 and 4 MiB", recs, bytes)
	}
	if n := len(s.Shards()); n != 4 {
		t.Errorf("%d shards, want 4", n)
	}
	// A provisioned stream's capacity is its shards' limits: 3 × 1,000 and 3 × 1 MiB.
	p := newTestStream(t, StreamConfig{Name: "p", Shards: 3})
	if recs, bytes := p.Capacity(epoch); recs != 3000 || bytes != 3<<20 {
		t.Errorf("provisioned capacity %v, %v; want 3,000 records/s and 3 MiB/s", recs, bytes)
	}
}

// slotKey spreads record n over 64 equal slices of the hash space in
// bit-reversed order (0, 32, 16, 48, 8, …): any 2^k consecutive records hit
// each of 2^k even shards once, so the load per shard is exact and the
// 500 KB/s split rule is crisp, not at the mercy of MD5's spread. The key is
// the middle of slice bitrev6(n mod 64).
func slotKey(n int) HashKey {
	slot := bits.Reverse8(uint8(n%64)) >> 2
	return HashKey{Hi: uint64(slot)<<58 | 1<<57}
}

// An on-demand stream after a long stretch at 1 MiB/s is offered a step to
// 10 MiB/s. OnDemandWindow is 1 minute instead of 15 to keep the test
// short: the model uses the window both for "at most double within the
// window" and for "split a shard above 500 KB/s within the window", so a
// shorter window compresses the same timeline 15 times.
//
// Records are 16 KiB (data plus an 11-byte key), 64 ticks a second, one
// record a tick (1 MiB/s) for 180 s, then ten a tick (10 MiB/s = 640
// records/s) for 300 s. By hand:
//
//   - 0–180 s: 1 MiB/s is all accepted. Each of 4 shards gets 16 records/s
//     × 16,384 B = 262,144 B/s < 500,000 B/s: no split. Peak 1 MiB/s, so
//     capacity stays max(4 MiB/s, 2 × 1 MiB/s) = 4 MiB/s.
//   - Window 0, 180–240 s: the stream bucket (4 MiB/s) and the 4 shards
//     (1 MiB/s each) both allow 4 MiB/s, plus their one second of burst
//     saved during the quiet stretch: 4 MiB + 60 s × 4 MiB/s = 244 MiB of
//     600 MiB offered. Each shard takes 1 MiB/s > 500 KB/s from 180 s, so
//     after one window, at 240 s, all 4 split: 8 shards.
//   - Window 1, 240–300 s: the 8 children (which start with full 1 MiB
//     buckets) allow 8 MiB/s; the stream's capacity is 2 × the peak second
//     older than the window, second 180 with its burst (≈ 8 MiB), from
//     241 s. Second 240 is held to the old 4 MiB/s, which leaves the
//     children's buckets full, and their 8 × 1 MiB of burst is spent in
//     241–244 at 10 MiB/s: 4 + 59 × 8 + 8 = 484 MiB, twice window 0's rate.
//     Each child takes ≥ 512 KiB/s > 500 KB/s, so they all split one window
//     later, at 300 s: 16 shards.
//   - Windows 2–4, 300–480 s: 16 × 1 MiB/s > 10 MiB/s: all 600 MiB a window
//     accepted, none throttled. Each shard gets 10 MiB / 16 = 655,360 B/s >
//     500 KB/s, so they split at 360 s: 32 shards with 327,680 B/s each,
//     below 500 KB/s, which stay.
//   - Capacity: 4 MiB/s until 240 s; from 241 s min(8 shards × 1 MiB/s,
//     2 × 8 MiB/s) = 8 MiB/s; from 302 s, when second 241 (10 MiB) is older
//     than the window, min(16 MiB/s, 2 × 10 MiB/s) = 16 MiB/s; from 360 s
//     min(32 MiB/s, 2 × 10 MiB/s) = 20 MiB/s, the doubling rule with the
//     10 MiB/s peak.
func TestOnDemandStep(t *testing.T) {
	t0 := epoch
	const (
		window      = time.Minute
		ticksPerSec = 64
		recordBytes = 16 << 10
		stepSec     = 180
		endSec      = stepSec + 5*60
		MiB         = 1 << 20
	)
	s := newTestStream(t, StreamConfig{Name: "od", Mode: OnDemand, OnDemandWindow: window})
	tick := time.Second / ticksPerSec // 15.625 ms
	entries := make([]PutEntry, 10)
	out := make([]PutResult, 10)
	var acceptedBytes, throttled [5]int64 // per window after the step
	n := 0
	capAt := map[int]float64{} // bytes/s capacity sampled at some seconds
	shardsAt := map[int]int{}
	for k := range endSec * ticksPerSec {
		now := t0.Add(time.Duration(k) * tick)
		sec := k / ticksPerSec
		if k%ticksPerSec == 0 {
			_, capAt[sec] = s.Capacity(now)
			shardsAt[sec] = len(s.Shards())
		}
		per := 1
		if sec >= stepSec {
			per = 10
		}
		for i := range per {
			entries[i] = PutEntry{PartitionKey: pk(n), DataBytes: recordBytes - 11, ExplicitHashKey: slotKey(n), HasExplicitHashKey: true}
			n++
		}
		if err := s.PutRecords(now, entries[:per], out[:per]); err != nil {
			t.Fatal(err)
		}
		for _, r := range out[:per] {
			switch {
			case sec < stepSec && r.ErrorCode != "":
				t.Fatalf("second %d: a record of the 1 MiB/s stretch was throttled", sec)
			case sec < stepSec:
			case r.ErrorCode == "":
				acceptedBytes[(sec-stepSec)/60] += recordBytes
			default:
				throttled[(sec-stepSec)/60]++
			}
		}
	}
	// Accepted bytes per window: the doubling rule. Window 0 is the 4 MiB/s
	// capacity: 256 records of burst (4 MiB / 16 KiB) + 4 records a tick for
	// the 3,839 ticks after the first + 1 record of debt = 15,613 records.
	// Window 1 is double that rate: 4 + 59 × 8 + 8 = 484 MiB = 30,976
	// records (give or take a few records of debt at the edges). Windows 2–4
	// take all that is offered: 640 × 60 = 38,400.
	wantRecords := [5]int64{15613, 30976, 38400, 38400, 38400}
	slack := [5]int64{2, 10, 0, 0, 0}
	for w := range wantRecords {
		got := acceptedBytes[w] / recordBytes
		if d := got - wantRecords[w]; d < -slack[w] || d > slack[w] {
			t.Errorf("window %d after the step: %d records (%.1f MiB) accepted, want %d", w, got, float64(acceptedBytes[w])/MiB, wantRecords[w])
		}
		if offered := int64(640 * 60); got+throttled[w] != offered {
			t.Errorf("window %d: %d accepted + %d throttled != %d offered", w, got, throttled[w], offered)
		}
	}
	for w := 2; w < 5; w++ {
		if throttled[w] != 0 {
			t.Errorf("window %d: %d records throttled, want 0 once capacity is 16 MiB/s", w, throttled[w])
		}
	}
	// Hot shards split after one window above 500 KB/s, evenly, and stop
	// splitting below it.
	for _, c := range []struct{ from, to, shards int }{
		{0, 239, 4}, {240, 299, 8}, {300, 359, 16}, {360, endSec - 1, 32},
	} {
		for sec := c.from; sec <= c.to; sec++ {
			if shardsAt[sec] != c.shards {
				t.Fatalf("second %d: %d open shards, want %d", sec, shardsAt[sec], c.shards)
			}
		}
	}
	for i, sh := range s.Shards() {
		if sh.Range != EvenRanges(32)[i] {
			t.Errorf("open shard %d covers %v, want the even %v", i, sh.Range, EvenRanges(32)[i])
		}
	}
	// Capacity (bytes/s) at the start of some seconds. At 300–301 the
	// stream's own capacity is 2 × second 180 (509 records: 256 of burst,
	// 252 of refill and 1 of debt = 8,339,456 B), below the 16 shards.
	burstPeak := 2.0 * 509 * recordBytes
	for _, c := range []struct {
		sec  int
		want float64
	}{
		{0, 4 * MiB}, {179, 4 * MiB}, {239, 4 * MiB},
		{240, 4 * MiB}, // 8 shards, but second 180 is not yet older than the window
		{241, 8 * MiB}, {299, 8 * MiB},
		{300, burstPeak}, {301, burstPeak},
		{302, 16 * MiB}, {359, 16 * MiB},
		{360, 20 * MiB}, {endSec - 1, 20 * MiB}, // 2 × the 10 MiB/s peak
	} {
		if capAt[c.sec] != c.want {
			t.Errorf("second %d: capacity %.4f MiB/s, want %.4f", c.sec, capAt[c.sec]/MiB, c.want/MiB)
		}
	}
}

// Switching capacity mode: at most twice in a rolling 24 h, not while
// UPDATING; the shards stay; on-demand refuses resharding and provisioned
// takes it again.
func TestSwitchMode(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := NewStream(StreamConfig{Name: "m", Shards: 3, SplitTime: time.Minute}, t0)
	if err != nil {
		t.Fatal(err)
	}
	code := func(err error) string {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return apiErr.Code
		}
		return fmt.Sprint(err)
	}
	if err := s.SplitShard(t0, ShardID(0), s.Shards()[0].Range.Midpoint()); err != nil {
		t.Fatal(err)
	}
	if got := code(s.SwitchMode(t0.Add(time.Second), OnDemand)); got != ErrResourceInUse {
		t.Fatalf("switch while UPDATING: %s, want %s", got, ErrResourceInUse)
	}
	t1 := t0.Add(2 * time.Minute) // the split is done: 4 open shards
	if err := s.SwitchMode(t1, OnDemand); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Shards()); n != 4 {
		t.Errorf("%d shards after the switch, want the 4 it had", n)
	}
	if got := code(s.UpdateShardCount(t1, 8)); got != ErrValidation {
		t.Errorf("UpdateShardCount on-demand: %s, want %s", got, ErrValidation)
	}
	// Capacity: min(4 shards × 1 MiB/s, the 4 MiB/s on-demand start).
	if _, b := s.Capacity(t1); b != OnDemandStartBytesPerSec {
		t.Errorf("on-demand capacity %v B/s, want %d", b, OnDemandStartBytesPerSec)
	}
	if got := code(s.SwitchMode(t1, OnDemand)); got != ErrInvalidArgument {
		t.Errorf("switch to the same mode: %s, want %s", got, ErrInvalidArgument)
	}
	if err := s.SwitchMode(t1.Add(time.Hour), Provisioned); err != nil {
		t.Fatal(err)
	}
	if got := code(s.SwitchMode(t1.Add(2*time.Hour), OnDemand)); got != ErrLimitExceeded {
		t.Errorf("third switch within 24 h: %s, want %s", got, ErrLimitExceeded)
	}
	if err := s.SwitchMode(t1.Add(24*time.Hour), OnDemand); err != nil {
		t.Errorf("switch 24 h after the first: %v", err)
	}
}
