package model

import (
	"sync/atomic"
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

// uuidKeys returns n distinct 36-character keys shaped like UUIDs,
// the same for every run.
func uuidKeys(n int) []string {
	const hex = "0123456789abcdef"
	keys := make([]string, n)
	x := uint64(0x9e3779b97f4a7c15)
	for i := range keys {
		b := make([]byte, 36)
		for k := range b {
			if k == 8 || k == 13 || k == 18 || k == 23 {
				b[k] = '-'
				continue
			}
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b[k] = hex[x&15]
		}
		keys[i] = string(b)
	}
	return keys
}

// benchPutParallel writes 100 B records with the given keys (at least
// 1,000) into a 4,000-shard stream without limits from every benchmark
// goroutine at once, in requests of 500, each goroutine going through the
// keys from its own offset. prep may change each entry once before the
// run. ns/op is per record.
func benchPutParallel(b *testing.B, keys []string, prep func(e *PutEntry)) {
	start := time.Unix(1_700_000_000, 0)
	s, err := NewStream(StreamConfig{Name: "b", Shards: 4000, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15}, start)
	if err != nil {
		b.Fatal(err)
	}
	entries := make([]PutEntry, len(keys))
	for i := range entries {
		entries[i] = PutEntry{PartitionKey: keys[i], DataBytes: 100}
		if prep != nil {
			prep(&entries[i])
		}
	}
	var clock, worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		out := make([]PutResult, 500)
		at := int(worker.Add(1)) * 7919
		put := func(n int) {
			lo := at % (len(entries) - 500)
			at += n
			if err := s.PutRecords(start.Add(time.Duration(clock.Add(int64(n)))), entries[lo:lo+n], out[:n]); err != nil {
				b.Error(err)
			}
		}
		n := 0
		for pb.Next() {
			if n++; n == 500 {
				put(n)
				n = 0
			}
		}
		if n > 0 {
			put(n)
		}
	})
}

// BenchmarkPutRecordsParallel is the load generator's pattern: every
// goroutine puts requests of 500 records with distinct UUID-like keys into
// one 4,000-shard stream at once. ns/op is per record.
func BenchmarkPutRecordsParallel(b *testing.B) {
	benchPutParallel(b, uuidKeys(1<<16), nil)
}

// BenchmarkPutRecordsParallelRepeatedKeys is BenchmarkPutRecordsParallel
// with 1,000 keys that repeat, each entry carrying its key's hash as a
// caller that caches them would (PutEntry.KeyHash). ns/op is per record.
func BenchmarkPutRecordsParallelRepeatedKeys(b *testing.B) {
	benchPutParallel(b, uuidKeys(1000), func(e *PutEntry) {
		e.KeyHash, e.HasKeyHash = HashPartitionKey(e.PartitionKey), true
	})
}
