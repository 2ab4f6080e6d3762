package model

import (
	"testing"
	"time"
)

func BenchmarkHashPartitionKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		HashPartitionKey("0123456789abcdef0123456789abcdef0123")
	}
}

// benchPut writes b.N records of 100 B with 64 distinct keys into a
// 64-shard stream without limits, in requests of 500, calling every after
// each request. ns/op is per record.
func benchPut(b *testing.B, keep bool, every func(s *Stream, i int)) {
	start := time.Unix(1_700_000_000, 0)
	s, err := NewStream(StreamConfig{Name: "b", Shards: 64, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15, KeepRecords: keep}, start)
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]PutEntry, 500)
	for i := range entries {
		entries[i] = PutEntry{PartitionKey: keyForTest(i) + "-0123456789abcdef0123456789", DataBytes: 100}
	}
	out := make([]PutResult, 500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += 500 {
		n := min(500, b.N-i)
		if err := s.PutRecords(start.Add(time.Duration(i)), entries[:n], out[:n]); err != nil {
			b.Fatal(err)
		}
		if every != nil {
			every(s, i)
		}
	}
}

// BenchmarkPutRecords is the model's share of the per-record path: hash,
// shard lookup among 64 and both buckets. ns/op is per record.
func BenchmarkPutRecords(b *testing.B) { benchPut(b, false, nil) }

// BenchmarkPutRecordsKept is BenchmarkPutRecords on a stream that keeps
// every record for readers (KeepRecords), trimmed as a reader would trim
// it: the extra cost of writing into the log. ns/op is per record.
func BenchmarkPutRecordsKept(b *testing.B) {
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = ShardID(i)
	}
	benchPut(b, true, func(s *Stream, i int) {
		if i%(500*64) == 0 {
			for _, id := range ids {
				s.Trim(id, ^uint64(0)>>1)
			}
		}
	})
}

// writeForRead fills a one-shard stream with n records of 100 bytes,
// written over n milliseconds, for the read benchmarks.
func writeForRead(b *testing.B, n int) (*Stream, time.Time) {
	b.Helper()
	start := time.Unix(1_700_000_000, 0)
	s, err := NewStream(StreamConfig{Name: "b", Shards: 1, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15, KeepRecords: true}, start)
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]PutEntry, 500)
	for i := range entries {
		entries[i] = PutEntry{PartitionKey: "k", DataBytes: 100}
	}
	out := make([]PutResult, 500)
	for i := 0; i < n; i += 500 {
		if err := s.PutRecords(start.Add(time.Duration(i)*time.Microsecond), entries, out); err != nil {
			b.Fatal(err)
		}
	}
	return s, start.Add(time.Hour)
}

// BenchmarkGetRecords reads a shard with GetRecords, 10,000 records a call
// (one call a second of stream time, within the shard's limits). ns/op is
// per record read.
func BenchmarkGetRecords(b *testing.B) {
	const n = 1 << 20
	s, at := writeForRead(b, n)
	buf := make([]ReadRecord, 0, GetRecordsMaxRecords)
	b.ReportAllocs()
	b.ResetTimer()
	var it ShardIterator
	read := n // start with a new iterator
	for i := 0; i < b.N; {
		if read >= n-GetRecordsMaxRecords {
			var err error
			if it, err = s.GetShardIterator(at, "shardId-000000000000", StartingPosition{Type: TrimHorizon}); err != nil {
				b.Fatal(err)
			}
			read = 0
		}
		at = at.Add(time.Second)
		out, err := s.GetRecords(at, it, 0, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		it = out.Next
		read += len(out.Records)
		i += len(out.Records)
	}
}

// BenchmarkSubscriptionNext is fan-out: pushes of up to a second of the
// consumer's 2 MiB/s. ns/op is per record pushed.
func BenchmarkSubscriptionNext(b *testing.B) {
	const n = 1 << 20
	s, at := writeForRead(b, n)
	if err := s.RegisterConsumer("c"); err != nil {
		b.Fatal(err)
	}
	buf := make([]ReadRecord, 0, GetRecordsMaxRecords)
	b.ReportAllocs()
	b.ResetTimer()
	var sub *Subscription
	for i := 0; i < b.N; {
		if sub == nil {
			var err error
			at = at.Add(6 * time.Second)
			if sub, err = s.SubscribeToShard(at, "c", "shardId-000000000000", StartingPosition{Type: TrimHorizon}); err != nil {
				b.Fatal(err)
			}
		}
		at = at.Add(time.Second)
		ev := sub.Next(at, buf[:0])
		i += len(ev.Records)
		if ev.Ended || ev.MillisBehindLatest == 0 {
			sub = nil
		}
	}
}
