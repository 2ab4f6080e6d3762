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
// bucket starts with 1 s of burst (1,000) and refills 1,000/s over the
// 9.9995 s between the first and last arrival, so 1,000 + 9,999.5 ≈ 11,000
// are accepted and 9,000 (45%) throttled on records; bytes (≈ 137 KB/s) never
// bind. In steady state the ratio tends to 1 − 1,000/2,000 = 0.5.
func TestShardThrottlesOnRecords(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	acked, byLimit := offer(t, s, 20000, 2000, "0123456789abcdef0123456789abcdef0123", 100)
	if acked < 10998 || acked > 11001 {
		t.Errorf("acked %d of 20000, want 11000±2", acked)
	}
	if byLimit[LimitBytes] != 0 || byLimit[LimitRecords] != 20000-acked {
		t.Errorf("throttled by limit %v, want all on records", byLimit)
	}
}

// One shard offered 150 records/s of 10 KiB (+1 B key = 10,241 B) for 10 s:
// 1,536,150 B/s against 1,048,576 B/s. By hand: 1 MiB of burst plus
// 1 MiB/s × 9.9933 s = 11,527,339 B → 1,125.6 records accepted, 374
// throttled (25%), all on bytes. Steady state: 1 − 1,048,576/1,536,150 = 0.317.
func TestShardThrottlesOnBytes(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	acked, byLimit := offer(t, s, 1500, 150, "k", 10<<10)
	if acked < 1124 || acked > 1127 {
		t.Errorf("acked %d of 1500, want 1125±2", acked)
	}
	if byLimit[LimitRecords] != 0 || byLimit[LimitBytes] != 1500-acked {
		t.Errorf("throttled by limit %v, want all on bytes", byLimit)
	}
}

// Under a long steady overload the accepted rate converges on the limit.
func TestSteadyStateRatio(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "t", Shards: 1})
	const secs = 200
	acked, _ := offer(t, s, 2000*secs, 2000, "k", 10)
	got := 1 - float64(acked)/float64(2000*secs)
	want := 1 - float64(1000+1000*secs)/float64(2000*secs) // 0.4975
	if got < want-0.001 || got > want+0.001 {
		t.Errorf("throttle ratio %.4f, want %.4f", got, want)
	}
}

func TestBucketArithmetic(t *testing.T) {
	b := newTokenBucket(1000, 1000, 0)
	b.take(1000)
	b.refill(int64(250 * time.Millisecond))
	if b.tokens != 250 {
		t.Fatalf("after 250 ms: %v tokens, want 250", b.tokens)
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
	if err := s.PutRecords(epoch, entries, out); err != nil {
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
		if perShard[r.Shard] <= 2 {
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

// A stream allowing 10 MiB records holds one such record in its bytes
// bucket, and refills at 1 MiB/s afterwards (LR, BLOG-LR).
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
		t.Fatalf("first 8 MiB record throttled")
	}
	if code := put(time.Second); code != ErrThroughputExceeded {
		t.Fatalf("second 8 MiB record 1 s later accepted; the tank should hold only 3 MiB")
	}
	if code := put(7 * time.Second); code != "" {
		t.Fatalf("8 MiB record after 7 s of refill (2 MiB left + 7 MiB) throttled")
	}
}

func TestStreamConfigValidate(t *testing.T) {
	for _, c := range []StreamConfig{{Shards: 0}, {Shards: 10001}, {Shards: 1, MaxRecordSizeBytes: 100}, {Shards: 1, MaxRecordSizeBytes: 11 << 20}, {Shards: 1, BurstSeconds: -1}} {
		if _, err := NewStream(c, epoch); err == nil {
			t.Errorf("NewStream(%+v) succeeded, want an error", c)
		}
	}
}
