package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// errCode is the Kinesis error code of err: "" for nil, the code of an
// *APIError, else a marker that no *APIError was found.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return "not an *APIError: " + err.Error()
}

// wantCode fails unless err carries code ("" wants no error).
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := errCode(err); got != code {
		t.Errorf("%s: got error %v, want code %q", what, err, code)
	}
}

// pk is a partition key of exactly 11 bytes, so that record sizes are round.
func pk(n int) string { return fmt.Sprintf("pk-%08d", n) }

// one is the hash key 1, for range arithmetic.
var one = HashKey{Lo: 1}

// Shard 1 of a 4-shard stream owns [2^126, 2^127−1]; its midpoint is
// (2^126 + 2^127 − 1 + 1) / 2 = 2^125 + 2^126 = 3·2^125.
var (
	k2p126   = HashKey{Hi: 1 << 62}
	k3p125   = HashKey{Hi: 3 << 61}
	k2p127m1 = HashKey{Hi: 1<<63 - 1, Lo: ^uint64(0)}
)

// SplitShard at the midpoint: for SplitTime (30 s by default) the stream is
// UPDATING and the parent stays open and takes the writes; then the parent
// closes and two children with the two halves open, the next shard ids,
// with the parent as their parent.
func TestSplitShardAtMidpoint(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "split", Shards: 4})
	parent := s.Shards()[1]
	if parent.ID != "shardId-000000000001" || parent.Range != (HashKeyRange{k2p126, k2p127m1}) {
		t.Fatalf("shard 1 is %+v, want shardId-000000000001 over [2^126, 2^127−1]", parent)
	}
	mid := parent.Range.Midpoint()
	if mid != k3p125 {
		t.Fatalf("midpoint %v, want 3·2^125 = %v", mid, k3p125)
	}
	at := t0.Add(time.Second)
	if err := s.SplitShard(at, parent.ID, mid); err != nil {
		t.Fatal(err)
	}
	done := at.Add(DefaultSplitShardTime) // t0 + 31 s
	for _, d := range []time.Duration{0, 15 * time.Second, DefaultSplitShardTime - time.Nanosecond} {
		now := at.Add(d)
		if st := s.Status(now); st != "UPDATING" {
			t.Errorf("+%v: status %s, want UPDATING", d, st)
		}
		all := s.AllShards(now)
		if len(all) != 4 || all[1].State != ShardOpen {
			t.Errorf("+%v: %d shards, parent %v; want 4 and the parent OPEN", d, len(all), all[1].State)
		}
		// A key in the upper half still goes to the parent, and is accepted.
		res, err := s.PutRecord(now, PutEntry{PartitionKey: "k", ExplicitHashKey: mid, HasExplicitHashKey: true, DataBytes: 10})
		if err != nil || res.ErrorCode != "" || res.ShardID != parent.ID {
			t.Errorf("+%v: write got %+v, %v; want accepted by %s", d, res, err, parent.ID)
		}
	}
	if st := s.Status(done); st != "ACTIVE" {
		t.Fatalf("after SplitTime: status %s, want ACTIVE", st)
	}
	all := s.AllShards(done)
	if len(all) != 6 {
		t.Fatalf("%d shards after the split, want 6", len(all))
	}
	if p := all[1]; p.State != ShardClosed || !p.Closed.Equal(done) {
		t.Errorf("parent %v closed at %v, want CLOSED at %v", p.State, p.Closed, done)
	}
	want := []ShardInfo{
		{ID: "shardId-000000000004", Range: HashKeyRange{k2p126, k3p125.Sub(one)}, Parents: []string{parent.ID}, State: ShardOpen, Opened: done},
		{ID: "shardId-000000000005", Range: HashKeyRange{k3p125, k2p127m1}, Parents: []string{parent.ID}, State: ShardOpen, Opened: done},
	}
	for k, w := range want {
		got := all[4+k]
		if got.ID != w.ID || got.Range != w.Range || strings.Join(got.Parents, ",") != strings.Join(w.Parents, ",") ||
			got.State != w.State || !got.Opened.Equal(w.Opened) || !got.Closed.IsZero() {
			t.Errorf("child %d: %+v, want %+v", k, got, w)
		}
	}
	var ids []string
	for _, sh := range s.Shards() {
		ids = append(ids, sh.ID[len(sh.ID)-2:])
	}
	if got := strings.Join(ids, " "); got != "00 04 05 02 03" {
		t.Errorf("open shards in hash order: %s, want 00 04 05 02 03", got)
	}
	for _, c := range []struct {
		h    HashKey
		want string
	}{{mid.Sub(one), want[0].ID}, {mid, want[1].ID}} {
		res, err := s.PutRecord(done, PutEntry{PartitionKey: "k", ExplicitHashKey: c.h, HasExplicitHashKey: true, DataBytes: 10})
		if err != nil || res.ErrorCode != "" || res.ShardID != c.want || res.Seq != 1 {
			t.Errorf("write at %v: %+v, %v; want accepted by %s with sequence number 1", c.h, res, err, c.want)
		}
	}
}

// NewStartingHashKey must lie strictly inside the parent: above its start
// and at most its end.
func TestSplitShardBadKey(t *testing.T) {
	tests := []struct {
		name  string
		shard string
		key   HashKey
		code  string
	}{
		{"at the start", "shardId-000000000001", k2p126, ErrInvalidArgument},
		{"below the start", "shardId-000000000001", k2p126.Sub(one), ErrInvalidArgument},
		{"zero", "shardId-000000000001", HashKey{}, ErrInvalidArgument},
		{"above the end", "shardId-000000000001", plusOne(k2p127m1), ErrInvalidArgument}, // 2^127, shard 2's start
		{"max hash key", "shardId-000000000001", MaxHashKey, ErrInvalidArgument},
		{"zero in shard 0", "shardId-000000000000", HashKey{}, ErrInvalidArgument},
		{"unknown shard", "shardId-000000000009", k3p125, ErrResourceNotFound},
		{"bad shard id", "shard-1", k3p125, ErrResourceNotFound},
		{"at the end", "shardId-000000000001", k2p127m1, ""},
		{"start plus one", "shardId-000000000001", plusOne(k2p126), ""},
		{"max hash key in the last shard", "shardId-000000000003", MaxHashKey, ""},
	}
	for _, tt := range tests {
		s := newTestStream(t, StreamConfig{Name: "split", Shards: 4, SplitTime: -1})
		err := s.SplitShard(epoch, tt.shard, tt.key)
		wantCode(t, tt.name, err, tt.code)
		n := len(s.AllShards(epoch))
		if tt.code != "" && n != 4 {
			t.Errorf("%s: a refused split changed the stream to %d shards", tt.name, n)
		}
		if tt.code == "" && n != 6 {
			t.Errorf("%s: an instant split left %d shards, want 6", tt.name, n)
		}
	}
}

// plusOne returns h + 1 mod 2^128: h − (2^128 − 1).
func plusOne(h HashKey) HashKey { return h.Sub(MaxHashKey) }

// A stream that is UPDATING refuses every other resharding with
// ResourceInUseException until the first one finishes.
func TestReshardWhileUpdating(t *testing.T) {
	t0 := epoch
	for _, first := range []string{"split", "merge", "update"} {
		s := newTestStream(t, StreamConfig{Name: "busy", Shards: 4, SplitTime: 10 * time.Second,
			MergeTime: 10 * time.Second, UpdateShardCountTime: 10 * time.Second})
		var err error
		switch first {
		case "split":
			err = s.SplitShard(t0, "shardId-000000000000", HashKey{Hi: 1 << 61})
		case "merge":
			err = s.MergeShards(t0, "shardId-000000000000", "shardId-000000000001")
		case "update":
			err = s.UpdateShardCount(t0, 8)
		}
		if err != nil {
			t.Fatalf("%s: %v", first, err)
		}
		during := t0.Add(10*time.Second - time.Nanosecond)
		wantCode(t, first+" then split", s.SplitShard(during, "shardId-000000000003", HashKey{Hi: 7 << 61}), ErrResourceInUse)
		wantCode(t, first+" then merge", s.MergeShards(during, "shardId-000000000002", "shardId-000000000003"), ErrResourceInUse)
		wantCode(t, first+" then update", s.UpdateShardCount(during, 5), ErrResourceInUse)
		after := t0.Add(10 * time.Second)
		open := s.AllShards(after)
		last := open[len(open)-1]
		wantCode(t, first+" then split once done", s.SplitShard(after, last.ID, last.Range.Midpoint()), "")
	}
}

// MergeShards needs two adjacent open shards; the child covers the union,
// opens after MergeTime and has both as parents, in the order given.
func TestMergeShards(t *testing.T) {
	t0 := epoch
	for _, tt := range []struct {
		name, a, b, code string
	}{
		{"not adjacent", "shardId-000000000000", "shardId-000000000002", ErrInvalidArgument},
		{"first and last", "shardId-000000000000", "shardId-000000000003", ErrInvalidArgument},
		{"same shard", "shardId-000000000001", "shardId-000000000001", ErrInvalidArgument},
		{"unknown shard", "shardId-000000000001", "shardId-000000000007", ErrResourceNotFound},
	} {
		s := newTestStream(t, StreamConfig{Name: "merge", Shards: 4})
		wantCode(t, tt.name, s.MergeShards(t0, tt.a, tt.b), tt.code)
		if st := s.Status(t0); st != "ACTIVE" {
			t.Errorf("%s: status %s after a refused merge", tt.name, st)
		}
	}

	s := newTestStream(t, StreamConfig{Name: "merge", Shards: 4})
	// Given as (2, 1): shard 1 is [2^126, 2^127−1], shard 2 [2^127, 3·2^126−1].
	if err := s.MergeShards(t0, "shardId-000000000002", "shardId-000000000001"); err != nil {
		t.Fatal(err)
	}
	before := t0.Add(DefaultMergeShardsTime - time.Nanosecond)
	if st, n := s.Status(before), len(s.Shards()); st != "UPDATING" || n != 4 {
		t.Errorf("during MergeTime: %s with %d open shards, want UPDATING with 4", st, n)
	}
	done := t0.Add(DefaultMergeShardsTime)
	all := s.AllShards(done)
	if len(all) != 5 {
		t.Fatalf("%d shards after the merge, want 5", len(all))
	}
	child := all[4]
	wantRange := HashKeyRange{k2p126, HashKey{Hi: 3 << 62}.Sub(one)}
	if child.ID != "shardId-000000000004" || child.Range != wantRange || child.State != ShardOpen ||
		strings.Join(child.Parents, ",") != "shardId-000000000002,shardId-000000000001" || !child.Opened.Equal(done) {
		t.Errorf("child %+v, want shardId-000000000004 over %v with parents 2,1 opened at %v", child, wantRange, done)
	}
	for _, i := range []int{1, 2} {
		if all[i].State != ShardClosed || !all[i].Closed.Equal(done) {
			t.Errorf("parent %s: %v closed %v, want CLOSED at %v", all[i].ID, all[i].State, all[i].Closed, done)
		}
	}
	if n := len(s.Shards()); n != 3 {
		t.Errorf("%d open shards after the merge, want 3", n)
	}
}

// UpdateShardCount 4 → 8 opens EvenRanges(8), each child inside exactly one
// parent (range j of 8 lies in range j/2 of 4); 8 → 4 opens EvenRanges(4),
// each child with the two shards it covers as parents.
func TestUpdateShardCountRanges(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "usc", Shards: 4})
	if err := s.UpdateShardCount(t0, 8); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(t0.Add(DefaultUpdateShardCountTime - time.Nanosecond)); st != "UPDATING" {
		t.Errorf("status %s during UpdateShardCountTime, want UPDATING", st)
	}
	up := t0.Add(DefaultUpdateShardCountTime)
	all := s.AllShards(up)
	if len(all) != 12 {
		t.Fatalf("%d shards after 4 → 8, want 12", len(all))
	}
	for i := range 4 {
		if all[i].State != ShardClosed {
			t.Errorf("old shard %d is %v, want CLOSED", i, all[i].State)
		}
	}
	even8 := EvenRanges(8)
	for j := range 8 {
		c := all[4+j]
		if c.ID != ShardID(4+j) || c.Range != even8[j] || len(c.Parents) != 1 || c.Parents[0] != ShardID(j/2) {
			t.Errorf("4 → 8 child %d: %+v, want %s over %v with parent %s", j, c, ShardID(4+j), even8[j], ShardID(j/2))
		}
	}

	if err := s.UpdateShardCount(up, 4); err != nil {
		t.Fatal(err)
	}
	down := up.Add(DefaultUpdateShardCountTime)
	all = s.AllShards(down)
	if len(all) != 16 {
		t.Fatalf("%d shards after 8 → 4, want 16", len(all))
	}
	even4 := EvenRanges(4)
	for j := range 4 {
		c := all[12+j]
		want := ShardID(4+2*j) + "," + ShardID(5+2*j)
		if c.ID != ShardID(12+j) || c.Range != even4[j] || strings.Join(c.Parents, ",") != want {
			t.Errorf("8 → 4 child %d: %+v, want %s over %v with parents %s", j, c, ShardID(12+j), even4[j], want)
		}
	}
	if n := len(s.Shards()); n != 4 {
		t.Errorf("%d open shards, want 4", n)
	}
}

// The target must lie within half and double the open shard count (API).
func TestUpdateShardCountBounds(t *testing.T) {
	for _, tt := range []struct {
		target int
		code   string
	}{
		{9, ErrLimitExceeded},   // above 2 × 4 = 8
		{1, ErrLimitExceeded},   // 2 × 1 = 2 < 4: below half
		{0, ErrInvalidArgument}, // outside 1–10,000
		{10001, ErrInvalidArgument},
		{8, ""},
		{2, ""}, // exactly half
		{4, ""},
		{5, ""},
	} {
		s := newTestStream(t, StreamConfig{Name: "usc", Shards: 4, UpdateShardCountTime: -1})
		wantCode(t, fmt.Sprintf("4 → %d", tt.target), s.UpdateShardCount(epoch, tt.target), tt.code)
	}
}

// At most 10 UpdateShardCount calls in a rolling 24 hours (API, Q): with
// calls at t0, t0+1m, …, t0+9m the 11th is refused until t0+24h, when the
// call at t0 leaves the window (9 remain); a 12th at t0+24h is refused again
// (10 in the window) and allowed at t0+24h+1m, when the call at t0+1m leaves.
func TestUpdateShardCountPer24h(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "usc", Shards: 4, UpdateShardCountTime: -1})
	targets := [2]int{8, 4}
	for i := range 10 {
		if err := s.UpdateShardCount(t0.Add(time.Duration(i)*time.Minute), targets[i%2]); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	// 4 shards are open after the 10th call (4 → 8 → … → 4).
	wantCode(t, "11th call at t0+10m", s.UpdateShardCount(t0.Add(10*time.Minute), 8), ErrLimitExceeded)
	wantCode(t, "11th call at t0+24h−1s", s.UpdateShardCount(t0.Add(24*time.Hour-time.Second), 8), ErrLimitExceeded)
	wantCode(t, "11th call at t0+24h", s.UpdateShardCount(t0.Add(24*time.Hour), 8), "")
	wantCode(t, "12th call at t0+24h", s.UpdateShardCount(t0.Add(24*time.Hour), 4), ErrLimitExceeded)
	wantCode(t, "12th call at t0+24h+1m", s.UpdateShardCount(t0.Add(24*time.Hour+time.Minute), 4), "")

	// MaxUpdatesPer24h overrides the quota (the old "twice a day").
	s = newTestStream(t, StreamConfig{Name: "usc", Shards: 4, UpdateShardCountTime: -1, MaxUpdatesPer24h: 2})
	wantCode(t, "1st of 2", s.UpdateShardCount(t0, 8), "")
	wantCode(t, "2nd of 2", s.UpdateShardCount(t0.Add(time.Hour), 4), "")
	wantCode(t, "3rd of 2", s.UpdateShardCount(t0.Add(2*time.Hour), 8), ErrLimitExceeded)
}

// Open shards after a resharding must stay within the account's shard
// quota: with a quota of 6 and 4 shards, 4 → 8 is refused, two splits are
// allowed (5, 6) and a third (7) refused; a merge is always allowed.
func TestAccountShardLimit(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "acct", Shards: 4, AccountShardLimit: 6, SplitTime: -1, MergeTime: -1, UpdateShardCountTime: -1})
	err := s.UpdateShardCount(t0, 8)
	wantCode(t, "4 → 8 with a quota of 6", err, ErrLimitExceeded)
	if err != nil && !strings.Contains(err.Error(), "account shard limit") {
		t.Errorf("message %q does not name the account shard limit", err)
	}
	for i, tt := range []struct {
		shard string
		code  string
	}{{"shardId-000000000000", ""}, {"shardId-000000000001", ""}, {"shardId-000000000002", ErrLimitExceeded}} {
		rg := s.AllShards(t0)[i].Range
		wantCode(t, fmt.Sprintf("split %d", i+1), s.SplitShard(t0, tt.shard, rg.Midpoint()), tt.code)
	}
	if n := len(s.Shards()); n != 6 {
		t.Fatalf("%d open shards, want 6", n)
	}
	open := s.Shards()
	wantCode(t, "merge at the quota", s.MergeShards(t0, open[0].ID, open[1].ID), "")
	wantCode(t, "4 → 6 at a quota of 6", newTestStream(t, StreamConfig{Name: "acct", Shards: 4, AccountShardLimit: 6}).UpdateShardCount(t0, 6), "")
}

// An on-demand stream reshards itself: SplitShard, MergeShards and
// UpdateShardCount are ValidationException.
func TestOnDemandRefusesResharding(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "od", Mode: OnDemand})
	open := s.Shards()
	if len(open) != OnDemandStartShards {
		t.Fatalf("%d shards, want %d", len(open), OnDemandStartShards)
	}
	wantCode(t, "SplitShard", s.SplitShard(epoch, open[0].ID, open[0].Range.Midpoint()), ErrValidation)
	wantCode(t, "MergeShards", s.MergeShards(epoch, open[0].ID, open[1].ID), ErrValidation)
	wantCode(t, "UpdateShardCount", s.UpdateShardCount(epoch, 8), ErrValidation)
	if n := len(s.AllShards(epoch.Add(time.Hour))); n != 4 {
		t.Errorf("%d shards after refused reshardings, want 4", n)
	}
}

// A 4-shard stream offered 6,000 records/s of 100 B spread over many keys
// throttles about 2,000 records/s; once UpdateShardCount to 8 completes it
// throttles none. Time is virtual: 100 batches of 60 records a second.
//
// By hand: each shard gets about 6,000 / 4 = 1,500 records/s against its
// 1,000 records/s, and 1,500 × 100 B = 150 KB/s is far below 1 MiB/s, so
// every shard is saturated on records and 6,000 − 4 × 1,000 = 2,000
// records/s are throttled. With 8 shards each gets about 750 records/s, a
// quarter under the limit, so nothing is throttled, from the instant the
// children open (they start with full buckets, stream.go addShard).
func TestThrottlingBeforeAndAfterUpdateShardCount(t *testing.T) {
	t0 := epoch
	const (
		batchesPerSec = 100
		perBatch      = 60 // 6,000 records/s
		recordBytes   = 100
	)
	s := newTestStream(t, StreamConfig{Name: "usc", Shards: 4, UpdateShardCountTime: 20 * time.Second})
	entries := make([]PutEntry, perBatch)
	out := make([]PutResult, perBatch)
	n := 0
	// throttledPerSec[i] counts the records throttled in second i.
	var throttledPerSec [60]int
	for b := range 60 * batchesPerSec {
		now := t0.Add(time.Duration(b) * time.Second / batchesPerSec)
		if b == 10*batchesPerSec {
			if err := s.UpdateShardCount(now, 8); err != nil { // done at t0 + 30 s
				t.Fatal(err)
			}
		}
		for i := range entries {
			entries[i] = PutEntry{PartitionKey: pk(n), DataBytes: recordBytes - 11}
			n++
		}
		if err := s.PutRecords(now, entries, out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			if r.ErrorCode != "" {
				if r.Limit != LimitRecords {
					t.Fatalf("record throttled on %v, want records", r.Limit)
				}
				throttledPerSec[b/batchesPerSec]++
			}
		}
	}
	// Second 0: the buckets start empty, so each shard takes 1 record into
	// debt plus 1,000/s × 0.99 s of refill by the last batch at 0.99 s:
	// 6,000 − 4 × 991 = 2,036 throttled.
	if got := throttledPerSec[0]; got < 2031 || got > 2041 {
		t.Errorf("second 0: %d records throttled, want 6,000 − 4 × (1 + 990) = 2,036", got)
	}
	// Seconds 1–29: 4 shards (the parents keep taking writes while the
	// stream is UPDATING from 10 s to 30 s). Allow 1% for the uneven spread
	// of keys over shards.
	for sec := 1; sec < 30; sec++ {
		if got := throttledPerSec[sec]; got < 1980 || got > 2020 {
			t.Errorf("second %d (4 shards): %d records throttled, want about 6,000 − 4 × 1,000 = 2,000", sec, got)
		}
	}
	if n := len(s.Shards()); n != 8 {
		t.Fatalf("%d open shards, want 8", n)
	}
	for sec := 30; sec < 60; sec++ {
		if got := throttledPerSec[sec]; got != 0 {
			t.Errorf("second %d (8 shards): %d records throttled, want 0", sec, got)
		}
	}
}
