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

// BenchmarkPutRecords is the model's share of the per-record path: hash,
// shard lookup among 64 and both buckets, in requests of 500. ns/op is per
// record.
func BenchmarkPutRecords(b *testing.B) {
	start := time.Unix(1_700_000_000, 0)
	s, err := NewStream(StreamConfig{Name: "b", Shards: 64, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15}, start)
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
	}
}
