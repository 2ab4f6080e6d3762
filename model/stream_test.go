package model

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newTestStream(t *testing.T, cfg StreamConfig) *Stream {
	t.Helper()
	s, err := NewStream(cfg, epoch)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// offer puts n single-record requests spaced evenly at rate records/s and
// counts the outcomes by limit.
func offer(t *testing.T, s *Stream, n int, ratePerSec float64, key string, dataBytes int) (acked int, byLimit map[Limit]int) {
	t.Helper()
	byLimit = map[Limit]int{}
	out := make([]PutResult, 1)
	for i := range n {
		now := epoch.Add(time.Duration(float64(i) / ratePerSec * float64(time.Second)))
		if err := s.PutRecords(now, []PutEntry{{PartitionKey: key, DataBytes: dataBytes}}, out); err != nil {
			t.Fatal(err)
		}
		if out[0].ErrorCode == "" {
			acked++
		} else {
			byLimit[out[0].Limit]++
		}
	}
	return acked, byLimit
}

// One shard offered 2,000 records/s of 100 B for 10 s. By hand: the records
// bucket starts empty and refills at 1,000/s over the 9.9995 s between the
// first and last arrival, so about 10,000 are accepted and 10,000 (50%)
// throttled, all on records; bytes (≈ 137 KB/s) never bind.
func TestShardThrottlesOnRecords(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	acked, byLimit := offer(t, s, 20000, 2000, "0123456789abcdef0123456789abcdef0123", 100)
	if acked < 9998 || acked > 10001 {
		t.Errorf("acked %d of 20000, want 10000±2", acked)
	}
	if byLimit[LimitBytes] != 0 || byLimit[LimitRecords] != 20000-acked {
		t.Errorf("throttled by limit %v, want all on records", byLimit)
	}
}

// One shard offered 150 records/s of 10 KiB (+1 B key = 10,241 B) for 10 s:
// 1,536,150 B/s against 1,048,576 B/s. By hand: 1 MiB/s × 9.9933 s =
// 10,478,739 B → 1,023.2 records accepted, 477 throttled (31.8%, about one
// third), all on bytes; 1 − 1,048,576/1,536,150 = 0.317.
func TestShardThrottlesOnBytes(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	acked, byLimit := offer(t, s, 1500, 150, "k", 10<<10)
	if acked < 1021 || acked > 1025 {
		t.Errorf("acked %d of 1500, want 1023±2", acked)
	}
	if byLimit[LimitRecords] != 0 || byLimit[LimitBytes] != 1500-acked {
		t.Errorf("throttled by limit %v, want all on bytes", byLimit)
	}
}

// After idling, a shard has one second of burst: of 2,000 records offered at
// once after 5 s of silence, the bucket's 1,000 are accepted, plus the one
// that takes it into debt.
func TestIdleShardBuildsBurst(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	entries := make([]PutEntry, 500)
	for i := range entries {
		entries[i] = PutEntry{PartitionKey: "k", DataBytes: 1}
	}
	out := make([]PutResult, 500)
	acked := 0
	for range 4 {
		if err := s.PutRecords(epoch.Add(5*time.Second), entries, out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			if r.ErrorCode == "" {
				acked++
			}
		}
	}
	if acked != 1001 {
		t.Errorf("acked %d of 2,000 after 5 s idle, want the 1,000 of one second of burst plus the one that goes into debt", acked)
	}
}

// Under a long steady overload the accepted rate converges on the limit.
func TestSteadyStateRatio(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	const secs = 200
	acked, _ := offer(t, s, 2000*secs, 2000, "k", 10)
	got := 1 - float64(acked)/float64(2000*secs)
	if got < 0.499 || got > 0.501 {
		t.Errorf("throttle ratio %.4f, want 0.5", got)
	}
}

func TestBucketArithmetic(t *testing.T) {
	b := newTokenBucket(1000, 1000, 0)
	if b.tokens != 0 || !b.ok() {
		t.Fatal("a new bucket is not empty and out of debt")
	}
	b.take(500) // allowed into debt
	if b.ok() {
		t.Fatal("a bucket in debt says ok")
	}
	b.refill(int64(750 * time.Millisecond))
	if b.tokens != 250 || !b.ok() {
		t.Fatalf("after 750 ms: %v tokens, want 250", b.tokens)
	}
	b.refill(int64(100 * time.Millisecond)) // time going backwards earns nothing
	if b.tokens != 250 {
		t.Fatalf("after going back: %v tokens, want 250", b.tokens)
	}
	b.refill(int64(10 * time.Second))
	if b.tokens != 1000 {
		t.Fatalf("refill is not capped: %v tokens", b.tokens)
	}
}

// PutRecords answers in request order, sends each key to the shard holding
// its hash, and numbers each shard's accepted records upwards; a throttled
// record does not stop later records to other shards.
func TestPutRecordsOutcomes(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 4, ShardRecordsPerSec: 2, BurstSeconds: 1})
	shards := s.Shards()
	var entries []PutEntry
	for i := range 40 {
		entries = append(entries, PutEntry{PartitionKey: keyForTest(i), DataBytes: 1})
	}
	out := make([]PutResult, len(entries))
	// After 1 s each shard holds 2 records of burst and accepts 3: the
	// third takes it into debt.
	if err := s.PutRecords(epoch.Add(time.Second), entries, out); err != nil {
		t.Fatal(err)
	}
	perShard := map[int]int{}
	lastSeq := map[int]uint64{}
	for i, r := range out {
		h := HashPartitionKey(entries[i].PartitionKey)
		if !shards[r.Shard].Range.Contains(h) {
			t.Fatalf("record %d went to %s, whose range does not hold its hash", i, shards[r.Shard].ID)
		}
		perShard[r.Shard]++
		if perShard[r.Shard] <= 3 {
			if r.ErrorCode != "" || r.Seq <= lastSeq[r.Shard] {
				t.Fatalf("record %d: %+v, want accepted with a sequence number above %d", i, r, lastSeq[r.Shard])
			}
			lastSeq[r.Shard] = r.Seq
		} else if r.ErrorCode != ErrThroughputExceeded || r.Limit != LimitRecords {
			t.Fatalf("record %d is the %dth on its shard: %+v, want throttled on records", i, perShard[r.Shard], r)
		}
	}
	if len(perShard) != 4 {
		t.Fatalf("40 keys reached %d shards, want 4", len(perShard))
	}
}

func TestExplicitHashKeyOverridesKey(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 2})
	out := make([]PutResult, 2)
	err := s.PutRecords(epoch, []PutEntry{
		{PartitionKey: "a", ExplicitHashKey: HashKey{}, HasExplicitHashKey: true},
		{PartitionKey: "a", ExplicitHashKey: MaxHashKey, HasExplicitHashKey: true},
	}, out)
	if err != nil || out[0].Shard != 0 || out[1].Shard != 1 {
		t.Fatalf("got %+v, %v; want shards 0 and 1", out, err)
	}
}

func TestPutRecordsRequestLimits(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1, PutRecordsMaxBytes: LegacyPutRecordsMaxBytes})
	many := make([]PutEntry, 501)
	for i := range many {
		many[i] = PutEntry{PartitionKey: "k"}
	}
	big := make([]PutEntry, 6)
	for i := range big {
		big[i] = PutEntry{PartitionKey: "k", DataBytes: 1<<20 - 1}
	}
	tests := []struct {
		name    string
		entries []PutEntry
		code    string
		msg     string
	}{
		{"empty", nil, ErrValidation, "between 1 and 500"},
		{"501 records", many, ErrValidation, "between 1 and 500"},
		{"key too long", []PutEntry{{PartitionKey: strings.Repeat("é", 257)}}, ErrValidation, "257 characters"},
		{"empty key", []PutEntry{{PartitionKey: ""}}, ErrValidation, "0 characters"},
		{"record too big", []PutEntry{{PartitionKey: "k", DataBytes: 1 << 20}}, ErrValidation, "maximum record size"},
		{"request too big", big, ErrInvalidArgument, "PutRecords limit of 5242880 bytes"},
	}
	for _, tt := range tests {
		err := s.PutRecords(epoch, tt.entries, make([]PutResult, len(tt.entries)))
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != tt.code || !strings.Contains(apiErr.Message, tt.msg) {
			t.Errorf("%s: got %v, want %s containing %q", tt.name, err, tt.code, tt.msg)
		}
	}
	// 256 multi-byte characters are allowed: the limit counts characters.
	if err := s.PutRecords(epoch, []PutEntry{{PartitionKey: strings.Repeat("é", 256)}}, make([]PutResult, 1)); err != nil {
		t.Errorf("256-character key rejected: %v", err)
	}
}

// A stream allowing 10 MiB records accepts one from a shard out of debt and
// then repays it at 1 MiB/s (LR, BLOG-LR).
func TestLargeRecordBurst(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1, MaxRecordSizeBytes: MaxMaxRecordSizeBytes})
	out := make([]PutResult, 1)
	put := func(at time.Duration) string {
		if err := s.PutRecords(epoch.Add(at), []PutEntry{{PartitionKey: "k", DataBytes: 8 << 20}}, out); err != nil {
			t.Fatal(err)
		}
		return out[0].ErrorCode
	}
	if code := put(0); code != "" {
		t.Fatalf("8 MiB record into a new stream throttled")
	}
	if code := put(7 * time.Second); code != ErrThroughputExceeded {
		t.Fatalf("second 8 MiB record 7 s later accepted; 8 MiB + 1 B of debt takes 8 s to repay")
	}
	if code := put(8*time.Second + time.Millisecond); code != "" {
		t.Fatalf("8 MiB record after the debt was repaid throttled")
	}
}

func TestStreamConfigValidate(t *testing.T) {
	for _, c := range []StreamConfig{{Shards: 0}, {Shards: 10001}, {Shards: 1, MaxRecordSizeBytes: 100}, {Shards: 1, MaxRecordSizeBytes: 11 << 20}, {Shards: 1, BurstSeconds: -1}} {
		if _, err := NewStream(c, epoch); err == nil {
			t.Errorf("NewStream(%+v) succeeded, want an error", c)
		}
	}
}
