package model

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func planNear(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// planShardInfos makes shards shardId-0… over ranges.
func planShardInfos(ranges []HashKeyRange) []ShardInfo {
	out := make([]ShardInfo, len(ranges))
	for i, r := range ranges {
		out[i] = ShardInfo{ID: ShardID(i), Range: r}
	}
	return out
}

func TestPlanShards(t *testing.T) {
	for _, tc := range []struct {
		name              string
		d                 Demand
		wb, wr, rd, total int
		wbExact, wrExact  float64
		rdExact           float64
		binding           string
	}{
		// 2,304 × 2 KiB = 4,608 KiB/s: 4,608/1,024 = 4.5 → 5 shards;
		// 2,304/1,000 = 2.304 → 3; read 4,608 × 3 / 2,048 = 6.75 → 7.
		{"three polling consumers", Demand{RecordsPerSec: 2304, KiBPerRecord: 2, BytesPerRecord: 2000, PollingConsumers: 3},
			5, 3, 7, 7, 4.5, 2.304, 6.75, BindingRead},
		// Fan-out consumers each have their own 2 MiB/s: read is
		// 4,608/2,048 = 2.25 → 3 once, and the write bytes bind.
		{"three EFO consumers", Demand{RecordsPerSec: 2304, KiBPerRecord: 2, EFOConsumers: 3},
			5, 3, 3, 5, 4.5, 2.304, 2.25, BindingWriteBytes},
		// 100 B bills 1 KiB: 3,000/1,024 = 2.9296875 → 3; 3,000/1,000 = 3.0
		// → 3; read 3,000/2,048 = 1.46484375 → 2. The counts tie at 3 and
		// the records term, 3.0 > 2.93, binds.
		{"100 B records", Demand{RecordsPerSec: 3000, KiBPerRecord: 1, BytesPerRecord: 100, PollingConsumers: 1},
			3, 3, 2, 3, 2.9296875, 3, 1.46484375, BindingWriteRecords},
		// Headroom 0.8: 4.5/0.8 = 5.625 → 6; 2.304/0.8 = 2.88 → 3;
		// 6.75/0.8 = 8.4375 → 9.
		{"headroom 0.8", Demand{RecordsPerSec: 2304, KiBPerRecord: 2, PollingConsumers: 3, Headroom: 0.8},
			6, 3, 9, 9, 5.625, 2.88, 8.4375, BindingRead},
		// Headroom 0 and out-of-range headroom mean 1.
		{"headroom 0 is 1", Demand{RecordsPerSec: 2304, KiBPerRecord: 2, PollingConsumers: 3},
			5, 3, 7, 7, 4.5, 2.304, 6.75, BindingRead},
		{"headroom 1.5 is 1", Demand{RecordsPerSec: 2304, KiBPerRecord: 2, PollingConsumers: 3, Headroom: 1.5},
			5, 3, 7, 7, 4.5, 2.304, 6.75, BindingRead},
		// 2.4/0.8 is 3 up to float rounding: still 3 shards, not 4;
		// 2,400/1,024/0.8 = 2.9296875.
		{"float noise at a whole number", Demand{RecordsPerSec: 2400, KiBPerRecord: 1, Headroom: 0.8},
			3, 3, 0, 3, 2.9296875, 3, 0, BindingWriteRecords},
		// Polling readers multiply, fan-out ones add nothing: 2,048 KiB/s ×
		// 2 / 2,048 = 2.0 → 2; 2,048/1,024 = 2.0 → 2; 2.048 → 3.
		{"polling and EFO", Demand{RecordsPerSec: 2048, KiBPerRecord: 1, PollingConsumers: 2, EFOConsumers: 5},
			2, 3, 2, 3, 2, 2.048, 2, BindingWriteRecords},
		// KiBPerRecord 0 counts as 1: 1,000/1,024 = 0.9765625 → 1;
		// 1,000/1,000 = 1 → 1; the records term binds on the exact value.
		{"zero KiB counts as 1", Demand{RecordsPerSec: 1000},
			1, 1, 0, 1, 0.9765625, 1, 0, BindingWriteRecords},
		// No demand: every term zero, the one-shard minimum.
		{"no demand", Demand{}, 0, 0, 0, 1, 0, 0, 0, BindingWriteBytes},
		{"negative demand", Demand{RecordsPerSec: -5, PollingConsumers: -2}, 0, 0, 0, 1, 0, 0, 0, BindingWriteBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PlanShards(tc.d)
			if got.WriteBytes != tc.wb || got.WriteRecords != tc.wr || got.Read != tc.rd || got.Total != tc.total || got.Binding != tc.binding {
				t.Errorf("PlanShards(%+v) = %+v, want write bytes %d, write records %d, read %d, total %d binding %s",
					tc.d, got, tc.wb, tc.wr, tc.rd, tc.total, tc.binding)
			}
			if !planNear(got.WriteBytesExact, tc.wbExact) || !planNear(got.WriteRecordsExact, tc.wrExact) || !planNear(got.ReadExact, tc.rdExact) {
				t.Errorf("exact terms %g, %g, %g; want %g, %g, %g",
					got.WriteBytesExact, got.WriteRecordsExact, got.ReadExact, tc.wbExact, tc.wrExact, tc.rdExact)
			}
		})
	}
}

// Spread-only load over four even shards: each takes a quarter, nothing to
// advise.
func TestKeyLoadEven(t *testing.T) {
	shards := planShardInfos(EvenRanges(4))
	loads, hot, err := KeyLoad(shards, nil, 1, 2000, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(loads) != 4 || len(hot) != 0 {
		t.Fatalf("got %d loads and hot keys %v", len(loads), hot)
	}
	for i, l := range loads {
		// 2,000/4 = 500 records/s, 50,000 B/s; 500/1,000 = 0.5 > 50,000/2^20.
		if l.Shard.ID != ShardID(i) || !planNear(l.RecordsPerSec, 500) || !planNear(l.BytesPerSec, 50000) ||
			!planNear(l.Utilization, 0.5) || l.TopKey != "" || l.TopKeyShare != 0 {
			t.Errorf("load %d = %+v, want 500 records/s at 50%%", i, l)
		}
	}
	if acts := AdviseReshard(loads, nil, 1, 2000, 100, 0.8); len(acts) != 0 {
		t.Errorf("AdviseReshard = %+v, want nothing", acts)
	}
}

// A zipf-like skew on four even shards. The top two bits of each key's MD5
// pick its shard: user-1 (d6…) → 3, user-2 (3d…) → 0, user-3 (13…) → 0,
// user-4 (24…) → 0, user-5 (39…) → 0, user-6 (52…) → 1, user-7 (40…) → 1,
// user-8 (c1…) → 3. Spread 0.49 gives each shard 0.1225:
//
//	shard 0: 0.1225 + .10 + .06 + .05 + .04 = 0.3725 → 745 records/s
//	shard 1: 0.1225 + .03 + .02             = 0.1725 → 345
//	shard 2: 0.1225                          = 0.1225 → 245
//	shard 3: 0.1225 + .20 + .01             = 0.3325 → 665
func TestKeyLoadZipf(t *testing.T) {
	ranges := EvenRanges(4)
	shares := []float64{0.20, 0.10, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01}
	var keys []KeyShare
	for i, s := range shares {
		k := fmt.Sprintf("user-%d", i+1)
		keys = append(keys, KeyShare{Key: k, Hash: HashPartitionKey(k), Share: s})
	}
	const spread, rps, size = 0.49, 2000, 500
	// Shards given out of order come back in hash key order.
	in := planShardInfos(ranges)
	in[0], in[3] = in[3], in[0]
	loads, hot, err := KeyLoad(in, keys, spread, rps, size)
	if err != nil {
		t.Fatal(err)
	}
	if len(hot) != 0 {
		t.Errorf("hot keys %+v: user-1 at 400 records/s is under half a shard", hot)
	}
	// The same sums read off the ranges in the test.
	byRanges := make([]float64, 4)
	for i, r := range ranges {
		byRanges[i] = spread * r.Fraction()
		for _, k := range keys {
			if r.Contains(k.Hash) {
				byRanges[i] += k.Share
			}
		}
	}
	want := []struct {
		share, records float64
		top            string
		topShare       float64
	}{
		{0.3725, 745, "user-2", 0.10 / 0.3725},
		{0.1725, 345, "user-6", 0.03 / 0.1725},
		{0.1225, 245, "", 0},
		{0.3325, 665, "user-1", 0.20 / 0.3325},
	}
	for i, w := range want {
		l := loads[i]
		if l.Shard.ID != ShardID(i) {
			t.Fatalf("load %d is %s: not in hash key order", i, l.Shard.ID)
		}
		if !planNear(byRanges[i], w.share) {
			t.Errorf("shard %d: shares by range %g, hand-computed %g", i, byRanges[i], w.share)
		}
		// 745 records/s × 500 B = 372,500 B/s = 0.355 MiB/s: records bind.
		if !planNear(l.RecordsPerSec, w.records) || !planNear(l.RecordsPerSec, byRanges[i]*rps) ||
			!planNear(l.BytesPerSec, w.records*size) || !planNear(l.Utilization, w.records/1000) {
			t.Errorf("shard %d: %+v, want %g records/s", i, l, w.records)
		}
		if l.TopKey != w.top || !planNear(l.TopKeyShare, w.topShare) {
			t.Errorf("shard %d: top key %q at %g, want %q at %g", i, l.TopKey, l.TopKeyShare, w.top, w.topShare)
		}
	}
	// At target 0.8 nothing is over, and no neighbours sum under 0.4.
	if acts := AdviseReshard(loads, keys, spread, rps, size, 0.8); len(acts) != 0 {
		t.Errorf("AdviseReshard = %+v, want nothing", acts)
	}
}

// A hot key carrying 30% of 4,000 records/s is 1,200 records/s, above one
// shard's 1,000: unfixable, and no split is advised for it. "warm" (15%,
// 600 records/s) is hot but fits a shard; its shard is split at its load
// midpoint, which falls on the key.
func TestHotKeysAndUnfixable(t *testing.T) {
	ranges := EvenRanges(4)
	hotH, warmH := HashPartitionKey("hot"), HashPartitionKey("warm") // 27… → shard 0, a9… → shard 2
	if !ranges[0].Contains(hotH) || !ranges[2].Contains(warmH) {
		t.Fatal("test keys are not on the shards the test expects")
	}
	keys := []KeyShare{
		{Key: "user-1", Hash: HashPartitionKey("user-1"), Share: 0.05}, // 200 records/s on shard 3
		{Key: "warm", Hash: warmH, Share: 0.15},
		{Key: "hot", Hash: hotH, Share: 0.30},
	}
	const spread, rps, size = 0.50, 4000, 100
	loads, hot, err := KeyLoad(planShardInfos(ranges), keys, spread, rps, size)
	if err != nil {
		t.Fatal(err)
	}
	// Heaviest first: hot 1,200 records/s (120,000 B/s), warm 600.
	if len(hot) != 2 ||
		hot[0].Key != "hot" || hot[0].Hash != hotH || hot[0].ShardID != ShardID(0) || !planNear(hot[0].RecordsPerSec, 1200) ||
		!planNear(hot[0].BytesPerSec, 120000) || !hot[0].Unfixable ||
		hot[1].Key != "warm" || hot[1].ShardID != ShardID(2) || !planNear(hot[1].RecordsPerSec, 600) || hot[1].Unfixable {
		t.Fatalf("hot keys = %+v", hot)
	}
	// Spread 0.5 × 4,000 / 4 = 500 per shard: 1,700, 500, 1,100, 700.
	for i, want := range []float64{1.7, 0.5, 1.1, 0.7} {
		if !planNear(loads[i].Utilization, want) {
			t.Errorf("shard %d at %g, want %g", i, loads[i].Utilization, want)
		}
	}
	// Shard 0 without "hot" is at 0.5 ≤ 0.8: left to the hot keys. Shard 2:
	// 500 spread records/s, warm at fraction f of its range; half the load
	// is 550 > 500 f (f ≈ 0.66), so the cut lands on the key: just before
	// it leaves max(500 f, 1,100 − 500 f) ≈ 770, just after it ≈ 930.
	f := warmH.Sub(ranges[2].Start).Float64() / ranges[2].End.Sub(ranges[2].Start).Float64()
	acts := AdviseReshard(loads, keys, spread, rps, size, 0.8)
	if len(acts) != 1 {
		t.Fatalf("AdviseReshard = %+v, want one split", acts)
	}
	a := acts[0]
	if a.Action != ActionSplit || a.ShardID != ShardID(2) || *a.NewStartingHashKey != warmH ||
		len(a.Utilization) != 2 || !planNear(a.Utilization[0], 0.5*f) || !planNear(a.Utilization[1], 1.1-0.5*f) {
		t.Errorf("action = %+v, want a split of shard 2 at warm's hash into %g and %g", a, 0.5*f, 1.1-0.5*f)
	}
	if !strings.Contains(a.Why, "half of its load") {
		t.Errorf("Why = %q", a.Why)
	}
}

// A key at 900 of 2,000 records/s (0.45) is above the 0.8 target alone but
// within a shard: its shard is split twice to isolate it.
func TestAdviseIsolate(t *testing.T) {
	ranges := EvenRanges(4)
	const spread, rps, size = 0.55, 2000, 100 // 275 spread records/s a shard
	r := ranges[2]
	frac := func(h HashKey) float64 { return h.Sub(r.Start).Float64() / (r.End.Sub(r.Start).Float64() + 1) }
	for _, tc := range []struct {
		name string
		hash HashKey
	}{
		{
			// user-9 (ab1c…) at fraction f of shard 2: below it 275 f, the key
			// 900, above it 275 (1 − f), as utilisations ÷ 1,000.
			name: "inside", hash: HashPartitionKey("user-9"),
		},
		{name: "at the range start", hash: r.Start},
		{name: "at the range end", hash: r.End},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.hash
			keys := []KeyShare{{Key: "k", Hash: h, Share: 0.45}}
			loads, hot, err := KeyLoad(planShardInfos(ranges), keys, spread, rps, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(hot) != 1 || hot[0].Unfixable {
				t.Fatalf("hot = %+v, want k hot but fixable", hot)
			}
			if !planNear(loads[2].Utilization, 1.175) { // 275 + 900
				t.Fatalf("shard 2 at %g, want 1.175", loads[2].Utilization)
			}
			acts := AdviseReshard(loads, keys, spread, rps, size, 0.8)
			f := frac(h)
			below, above := 0.275*f, 0.275*(1-f)
			next := hashKeyNext(h)
			switch tc.name {
			case "inside":
				if len(acts) != 2 {
					t.Fatalf("actions = %+v, want two splits", acts)
				}
				a, b := acts[0], acts[1]
				if a.ShardID != ShardID(2) || *a.NewStartingHashKey != h || !planNear(a.Utilization[0], below) || !planNear(a.Utilization[1], 0.9+above) {
					t.Errorf("first = %+v, want split at %s into %g, %g", a, h, below, 0.9+above)
				}
				if b.ShardID != "" || *b.NewStartingHashKey != next || !planNear(b.Utilization[0], 0.9) || !planNear(b.Utilization[1], above) {
					t.Errorf("second = %+v, want split of the child at %s into 0.9, %g", b, next, above)
				}
				if want := "aws kinesis split-shard --stream-name orders --shard-to-split shardId-000000000002 --new-starting-hash-key " + h.String(); a.Command("orders") != want {
					t.Errorf("Command = %q, want %q", a.Command("orders"), want)
				}
				want := "aws kinesis wait stream-exists --stream-name orders && aws kinesis split-shard --stream-name orders --shard-to-split " +
					`"$(aws kinesis list-shards --stream-name orders --query 'Shards[?HashKeyRange.StartingHashKey==` + "`\"" + h.String() + "\"`" +
					` && !SequenceNumberRange.EndingSequenceNumber].ShardId' --output text)" --new-starting-hash-key ` + next.String()
				if b.Command("orders") != want {
					t.Errorf("Command = %q, want %q", b.Command("orders"), want)
				}
				if !strings.Contains(a.Why, "isolate") || !strings.Contains(b.Why, "second split") {
					t.Errorf("Why = %q / %q", a.Why, b.Why)
				}
			case "at the range start":
				// Nothing below: one split just after the key, into 0.9 and 0.275.
				if len(acts) != 1 || acts[0].ShardID != ShardID(2) || *acts[0].NewStartingHashKey != next ||
					!planNear(acts[0].Utilization[0], 0.9) || !planNear(acts[0].Utilization[1], 0.275) {
					t.Errorf("actions = %+v", acts)
				}
			case "at the range end":
				// Nothing above: one split at the key, into 0.275 and 0.9.
				if len(acts) != 1 || acts[0].ShardID != ShardID(2) || *acts[0].NewStartingHashKey != h ||
					!planNear(acts[0].Utilization[0], 0.275) || !planNear(acts[0].Utilization[1], 0.9) {
					t.Errorf("actions = %+v", acts)
				}
			}
		})
	}
}

// Spread only over shards of a half and two quarters: the half takes twice
// the others' load and is split at its range midpoint, 2^126.
func TestAdviseMidpoint(t *testing.T) {
	q1, q2, q3 := HashKey{Hi: 1 << 62}, HashKey{Hi: 1 << 63}, HashKey{Hi: 3 << 62}
	ranges := []HashKeyRange{
		{Start: HashKey{}, End: q2.Sub(HashKey{Lo: 1})},
		{Start: q2, End: q3.Sub(HashKey{Lo: 1})},
		{Start: q3, End: MaxHashKey},
	}
	for _, tc := range []struct {
		rps       float64
		child     float64
		overAgain bool
		actions   int
	}{
		// 2,400 records/s: 1,200, 600, 600 → the half at 1.2 splits into 0.6
		// and 0.6; the quarters sum to 1.2, no merge.
		{2400, 0.6, false, 1},
		// 3,400: the half at 1.7 splits into 0.85 each, still above 0.8;
		// the quarters at 0.85 split too, into 0.425 each.
		{3400, 0.85, true, 3},
	} {
		loads, _, err := KeyLoad(planShardInfos(ranges), nil, 1, tc.rps, 100)
		if err != nil {
			t.Fatal(err)
		}
		acts := AdviseReshard(loads, nil, 1, tc.rps, 100, 0.8)
		if len(acts) != tc.actions {
			t.Fatalf("%g records/s: actions = %+v, want %d splits", tc.rps, acts, tc.actions)
		}
		for i, a := range acts[1:] {
			if a.ShardID != ShardID(i+1) || *a.NewStartingHashKey != ranges[i+1].Midpoint() ||
				!planNear(a.Utilization[0], 0.425) || !planNear(a.Utilization[1], 0.425) {
				t.Errorf("%g records/s: action %d = %+v", tc.rps, i+1, a)
			}
		}
		a := acts[0]
		if a.Action != ActionSplit || a.ShardID != ShardID(0) || *a.NewStartingHashKey != q1 || q1 != ranges[0].Midpoint() ||
			!planNear(a.Utilization[0], tc.child) || !planNear(a.Utilization[1], tc.child) {
			t.Errorf("%g records/s: action = %+v, want a split at 2^126 into %g each", tc.rps, a, tc.child)
		}
		if got := strings.Contains(a.Why, "advise again"); got != tc.overAgain {
			t.Errorf("%g records/s: Why = %q", tc.rps, a.Why)
		}
		const want = "aws kinesis split-shard --stream-name orders --shard-to-split shardId-000000000000 --new-starting-hash-key 85070591730234615865843651857942052864"
		if got := a.Command("orders"); got != want {
			t.Errorf("Command = %q, want %q", got, want)
		}
	}
}

// Eight shards at 10% each (800 records/s spread): each neighbour pair sums
// to 0.2, under 0.8/2, so four merges; with three shards, one merge.
func TestAdviseMerge(t *testing.T) {
	for _, n := range []int{8, 3} {
		rps := float64(n) * 100
		loads, _, err := KeyLoad(planShardInfos(EvenRanges(n)), nil, 1, rps, 100)
		if err != nil {
			t.Fatal(err)
		}
		acts := AdviseReshard(loads, nil, 1, rps, 100, 0.8)
		if len(acts) != n/2 {
			t.Fatalf("%d shards: actions = %+v, want %d merges", n, acts, n/2)
		}
		for i, a := range acts {
			if a.Action != ActionMerge || a.ShardID != ShardID(2*i) || a.AdjacentShardID != ShardID(2*i+1) ||
				a.NewStartingHashKey != nil || len(a.Utilization) != 1 || !planNear(a.Utilization[0], 0.2) {
				t.Errorf("%d shards: action %d = %+v", n, i, a)
			}
		}
		const want = "aws kinesis merge-shards --stream-name orders --shard-to-merge shardId-000000000000 --adjacent-shard-to-merge shardId-000000000001"
		if got := acts[0].Command("orders"); got != want {
			t.Errorf("Command = %q, want %q", got, want)
		}
	}
	// At 0.2 each a pair sums to 0.4, not under 0.4: no merge.
	loads, _, _ := KeyLoad(planShardInfos(EvenRanges(4)), nil, 1, 800, 100)
	if acts := AdviseReshard(loads, nil, 1, 800, 100, 0.8); len(acts) != 0 {
		t.Errorf("actions = %+v, want none at exactly target/2", acts)
	}
}

func TestKeyLoadValidation(t *testing.T) {
	even := planShardInfos(EvenRanges(2))
	gap := planShardInfos(EvenRanges(2))
	gap[1].Range.Start = hashKeyNext(gap[1].Range.Start)
	overlap := planShardInfos(EvenRanges(2))
	overlap[0].Range.End = overlap[1].Range.Start
	short := planShardInfos(EvenRanges(2))
	short[1].Range.End = short[1].Range.End.Sub(HashKey{Lo: 1})
	late := planShardInfos(EvenRanges(2))
	late[0].Range.Start = HashKey{Lo: 1}
	a, b := HashPartitionKey("a"), HashPartitionKey("b")
	for _, tc := range []struct {
		name     string
		shards   []ShardInfo
		keys     []KeyShare
		spread   float64
		rps, bpr float64
		want     string
	}{
		{"shares sum to 0.9", even, []KeyShare{{Key: "a", Hash: a, Share: 0.4}}, 0.5, 1000, 100, "sum to 0.9"},
		{"shares sum to 1.1", even, []KeyShare{{Key: "a", Hash: a, Share: 0.6}}, 0.5, 1000, 100, "sum to 1.1"},
		{"negative share", even, []KeyShare{{Key: "a", Hash: a, Share: -0.1}, {Key: "b", Hash: b, Share: 1.1}}, 0, 1000, 100, `key "a": share -0.1`},
		{"share above 1", even, []KeyShare{{Key: "a", Hash: a, Share: 1.5}}, 0, 1000, 100, "outside 0–1"},
		{"NaN share", even, []KeyShare{{Hash: a, Share: math.NaN()}}, 1, 1000, 100, "share NaN"},
		{"negative spread", even, []KeyShare{{Key: "a", Hash: a, Share: 1.2}}, -0.2, 1000, 100, "spread"},
		{"no shards", nil, nil, 1, 1000, 100, "none given"},
		{"gap", gap, nil, 1, 1000, 100, "gaps"},
		{"overlap", overlap, nil, 1, 1000, 100, "overlap"},
		{"short of the end", short, nil, 1, 1000, 100, "not 2^128-1"},
		{"not from 0", late, nil, 1, 1000, 100, "not 0"},
		{"negative rate", even, nil, 1, -1, 100, "records/s"},
		{"infinite size", even, nil, 1, 1000, math.Inf(1), "bytes per record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := KeyLoad(tc.shards, tc.keys, tc.spread, tc.rps, tc.bpr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// 1e-9 of slack is allowed.
	if _, _, err := KeyLoad(even, []KeyShare{{Hash: a, Share: 0.3}}, 0.7+5e-10, 1000, 100); err != nil {
		t.Errorf("within slack: %v", err)
	}
}

func TestActionCommand(t *testing.T) {
	n := HashKey{Lo: 42}
	for _, tc := range []struct {
		a      Action
		stream string
		want   string
	}{
		{Action{Action: ActionSplit, ShardID: "shardId-000000000007", NewStartingHashKey: &n}, "my.stream-1",
			"aws kinesis split-shard --stream-name my.stream-1 --shard-to-split shardId-000000000007 --new-starting-hash-key 42"},
		{Action{Action: ActionMerge, ShardID: "shardId-000000000001", AdjacentShardID: "shardId-000000000002"}, "it's odd",
			`aws kinesis merge-shards --stream-name 'it'\''s odd' --shard-to-merge shardId-000000000001 --adjacent-shard-to-merge shardId-000000000002`},
		{Action{Action: ActionSplit, ShardID: "shardId-000000000007"}, "s", ""},
		{Action{Action: "resize"}, "s", ""},
	} {
		if got := tc.a.Command(tc.stream); got != tc.want {
			t.Errorf("Command(%q) = %q, want %q", tc.stream, got, tc.want)
		}
	}
}

// TestPlanProperties draws 300 random workloads (fixed seeds) on streams of
// 1–6 shards made uneven by random splits, with random keys (some on shard
// boundaries, some heavy enough to be hot or unfixable) and spread, and
// checks:
//
//   - the shard loads' records/s and bytes/s sum to the workload's, and
//     every hot key names the shard that holds its hash;
//   - AdviseReshard's actions are in hash key order, use each shard at most
//     once, split only shards above target at a key strictly inside the
//     shard's range, and merge only adjacent shards summing under
//     target/2;
//   - every shard above target whose load without unfixable keys is above
//     target too gets a split (unless it holds one key and nothing else);
//   - applying the actions to a Stream succeeds, and KeyLoad on the new
//     shard map gives each resulting shard the utilisation the action
//     predicted.
func TestPlanProperties(t *testing.T) {
	// Counts of what the seeds exercised, checked at the end so that the
	// generator keeps covering every kind of advice.
	var splits, childSplits, merges, unfixable int
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("seed %d: "+format, append([]any{seed}, args...)...)
		}
		now := epoch
		s, err := NewStream(StreamConfig{Name: "prop", Shards: 1 + rng.IntN(6)}, now)
		if err != nil {
			t.Fatal(err)
		}
		settle := func() {
			now = now.Add(time.Minute)
			s.Status(now)
		}
		for range rng.IntN(5) {
			open := s.Shards()
			sh := open[rng.IntN(len(open))]
			width := new(big.Int).Sub(sh.Range.End.Big(), sh.Range.Start.Big())
			if width.Sign() == 0 {
				continue
			}
			r := new(big.Int).Lsh(new(big.Int).SetUint64(rng.Uint64()), 64)
			r.Or(r, new(big.Int).SetUint64(rng.Uint64()))
			r.Mod(r, width).Add(r, big.NewInt(1)).Add(r, sh.Range.Start.Big())
			if err := s.SplitShard(now, sh.ID, hashKeyFromBig(r)); err != nil {
				fail("pre-split: %v", err)
			}
			settle()
		}
		shards := s.Shards()

		spread := 1.0
		var keys []KeyShare
		if nk := rng.IntN(8); nk > 0 {
			spread = 0
			if rng.IntN(4) > 0 {
				spread = rng.Float64()
			}
			weights, sum := make([]float64, nk), 0.0
			for i := range weights {
				weights[i] = rng.Float64()
				if rng.IntN(3) == 0 {
					weights[i] *= 10 // a heavy key
				}
				sum += weights[i]
			}
			for i, w := range weights {
				k := KeyShare{Key: fmt.Sprintf("k%d", i), Share: w / sum * (1 - spread)}
				switch sh := shards[rng.IntN(len(shards))]; rng.IntN(4) {
				case 0:
					k.Hash = sh.Range.Start
				case 1:
					k.Hash = sh.Range.End
				default:
					k.Hash = HashPartitionKey(k.Key + fmt.Sprint(seed))
				}
				keys = append(keys, k)
			}
		}
		rps := rng.Float64() * 2000 * float64(len(shards))
		bpr := 1 + rng.Float64()*2000
		loads, hot, err := KeyLoad(shards, keys, spread, rps, bpr)
		if err != nil {
			fail("KeyLoad: %v", err)
		}
		var sumR, sumB float64
		byID := map[string]ShardLoad{}
		for _, l := range loads {
			sumR += l.RecordsPerSec
			sumB += l.BytesPerSec
			byID[l.Shard.ID] = l
		}
		if math.Abs(sumR-rps) > 1e-6*rps || math.Abs(sumB-rps*bpr) > 1e-6*rps*bpr {
			fail("loads sum to %g records/s, %g B/s; want %g, %g", sumR, sumB, rps, rps*bpr)
		}
		for _, h := range hot {
			if h.Unfixable {
				unfixable++
			}
			if !byID[h.ShardID].Shard.Range.Contains(h.Hash) {
				fail("hot key %+v: not on its shard", h)
			}
		}

		target := 0.5 + rng.Float64()/2
		perRecord := max(1.0/ShardWriteRecordsPerSec, bpr/ShardWriteBytesPerSec)
		acts := AdviseReshard(loads, keys, spread, rps, bpr, target)
		split, used := map[string]bool{}, map[string]bool{}
		predicted := map[HashKeyRange]float64{}
		var lastAt HashKey
		for i, a := range acts {
			var parent ShardInfo
			switch a.Action {
			case ActionSplit:
				n := *a.NewStartingHashKey
				if a.ShardID == "" {
					if i == 0 || acts[i-1].Action != ActionSplit {
						fail("action %d: a child split without a split before it", i)
					}
					for _, sh := range s.Shards() {
						if sh.Range.Start == n.Sub(HashKey{Lo: 1}) {
							parent = sh
						}
					}
					if parent.ID == "" {
						fail("action %d: no open shard starts at %s", i, n.Sub(HashKey{Lo: 1}))
					}
				} else {
					l, ok := byID[a.ShardID]
					if !ok || used[a.ShardID] || !(l.Utilization > target) {
						fail("action %d: split of %s (known %v, used %v, at %g, target %g)", i, a.ShardID, ok, used[a.ShardID], l.Utilization, target)
					}
					used[a.ShardID], split[a.ShardID] = true, true
					parent = l.Shard
				}
				r := parent.Range
				if !r.Start.Less(n) || r.End.Less(n) {
					fail("action %d: split key %s is not strictly inside %s–%s", i, n, r.Start, r.End)
				}
				if r.Start.Less(lastAt) {
					fail("action %d: out of hash key order", i)
				}
				lastAt = r.Start
				splits++
				if a.ShardID == "" {
					childSplits++
				}
				if err := s.SplitShard(now, parent.ID, n); err != nil {
					fail("action %d: %v", i, err)
				}
				predicted[HashKeyRange{Start: r.Start, End: n.Sub(HashKey{Lo: 1})}] = a.Utilization[0]
				predicted[HashKeyRange{Start: n, End: r.End}] = a.Utilization[1]
			case ActionMerge:
				l1, ok1 := byID[a.ShardID]
				l2, ok2 := byID[a.AdjacentShardID]
				if !ok1 || !ok2 || used[a.ShardID] || used[a.AdjacentShardID] || hashKeyNext(l1.Shard.Range.End) != l2.Shard.Range.Start {
					fail("action %d: bad merge %+v", i, a)
				}
				used[a.ShardID], used[a.AdjacentShardID] = true, true
				if !(a.Utilization[0] < target/2) || !planNear(a.Utilization[0], l1.Utilization+l2.Utilization) {
					fail("action %d: merge to %g (target %g)", i, a.Utilization[0], target)
				}
				if l1.Shard.Range.Start.Less(lastAt) {
					fail("action %d: out of hash key order", i)
				}
				lastAt = l1.Shard.Range.Start
				merges++
				if err := s.MergeShards(now, a.ShardID, a.AdjacentShardID); err != nil {
					fail("action %d: %v", i, err)
				}
				predicted[HashKeyRange{Start: l1.Shard.Range.Start, End: l2.Shard.Range.End}] = a.Utilization[0]
			default:
				fail("action %d: %q", i, a.Action)
			}
			settle()
		}
		for _, l := range loads {
			if !(l.Utilization > target) || split[l.Shard.ID] {
				continue
			}
			fixable, points := 0.0, 0
			for _, k := range keys {
				if r := k.Share * rps; k.Share > 0 && l.Shard.Range.Contains(k.Hash) {
					points++
					if r*perRecord <= 1 {
						fixable += r
					}
				}
			}
			fixable += spread * l.Shard.Range.Fraction() * rps
			if fixable*perRecord > target*(1+1e-9) && (spread > 0 || points > 1) && l.Shard.Range.Start != l.Shard.Range.End {
				fail("%s at %g (%g without unfixable keys) is above target %g but not split", l.Shard.ID, l.Utilization, fixable*perRecord, target)
			}
		}
		after, _, err := KeyLoad(s.Shards(), keys, spread, rps, bpr)
		if err != nil {
			fail("KeyLoad after: %v", err)
		}
		for _, l := range after {
			if p, ok := predicted[l.Shard.Range]; ok && math.Abs(l.Utilization-p) > 1e-9*math.Max(1, p) {
				fail("%s: utilisation %g after resharding, predicted %g", l.Shard.ID, l.Utilization, p)
			}
		}
	}
	t.Logf("%d splits (%d of a child), %d merges, %d unfixable keys", splits, childSplits, merges, unfixable)
	if splits < 50 || childSplits < 10 || merges < 50 || unfixable < 10 {
		t.Errorf("the seeds exercised too little: %d splits (%d of a child), %d merges, %d unfixable keys",
			splits, childSplits, merges, unfixable)
	}
}

// Catch-up: 2,304 records/s of 2 KiB read by three polling consumers need
// 6.75 shards of reads; draining a 10-minute backlog within 5 minutes while
// the traffic goes on reads at 1 + 10/5 = 3 times that: 20.25 → 21 shards,
// the binding term.
func TestPlanShardsCatchUp(t *testing.T) {
	d := Demand{RecordsPerSec: 2304, KiBPerRecord: 2, PollingConsumers: 3, CatchUp: 10 * time.Minute, CatchUpWithin: 5 * time.Minute}
	r := PlanShards(d)
	if r.CatchUpExact != 20.25 || r.CatchUp != 21 || r.Total != 21 || r.Binding != BindingCatchUp || r.Read != 7 {
		t.Errorf("%+v", r)
	}
	d.CatchUpWithin = 0
	if r := PlanShards(d); r.CatchUp != 0 || r.Total != 7 {
		t.Errorf("no target: %+v", r)
	}
}
