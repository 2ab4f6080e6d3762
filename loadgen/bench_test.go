package loadgen

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// BenchmarkRecordPath is the per-record cost of the generator's hot path on
// one core: generate a uuid key and a 100 B stamped payload, hash the key,
// find its shard among 64, take from the shard's buckets (model.Stream, in
// batches of 500) and record the outcome (recorder, HDR histograms). It
// reports ns/op per record.
func BenchmarkRecordPath(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys, _ := NewKeyGen(scenarios.Keys{Dist: scenarios.KeysUUID}, rng)
	fill := newFiller(1)
	arena := &batch{}
	start := time.Unix(1_700_000_000, 0)
	// Limits high enough that nothing throttles: this measures the path.
	stream, err := model.NewStream(model.StreamConfig{Name: "b", Shards: 64, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15}, start)
	if err != nil {
		b.Fatal(err)
	}
	// A clock that moves a second per request keeps the buckets full.
	var calls int64
	target := NewSimTarget(stream, SimConfig{}, func() time.Time { calls++; return start.Add(time.Duration(calls) * time.Second) })
	shards, _ := target.ListShards(context.Background())
	rec := newRecorder(start, 1, shards, model.ShardWriteRecordsPerSec, model.ShardWriteBytesPerSec)
	var throttled int
	const batchSize = 500
	recs := make([]Record, batchSize)
	outs := make([]Outcome, batchSize)
	rep := &batchReport{doneNs: int64(20 * time.Millisecond), events: make([]recEvent, batchSize)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batchSize {
		n := min(batchSize, b.N-i)
		arena.arena = arena.arena[:0]
		for j := range n {
			data := arena.alloc(100)
			fill.fill(data, Stamp{RunID: 1, RecordID: uint64(i + j), IntendedUnixNano: start.UnixNano()}, rng)
			recs[j] = Record{PartitionKey: keys.Next(), Data: data}
		}
		if err := target.PutRecords(context.Background(), recs[:n], outs[:n]); err != nil {
			b.Fatal(err)
		}
		for j := range n {
			if outs[j].ErrorCode != "" {
				throttled++
			}
			rep.events[j] = recEvent{shardID: outs[j].ShardID, bytes: int32(recs[j].Size()), settle: settleAcked, intendedNs: 0}
		}
		rep.events = rep.events[:n]
		rec.add(rep)
		rep.events = rep.events[:batchSize]
	}
	if throttled > 0 {
		b.Fatalf("%d records throttled: the benchmark should measure the accepted path", throttled)
	}
}

// BenchmarkRunSim is a whole run (scheduler, batcher, 8 workers, recorder)
// against the simulated stream answering at once: 200,000 records of 100 B
// offered at 4 M records/s to 64 shards with limits out of reach. It
// reports records/s of wall time, which is the generator's own ceiling.
func BenchmarkRunSim(b *testing.B) {
	sc := testScenario(64, 4e6, 50*time.Millisecond, 100)
	sc.Producer.Linger, sc.Producer.MaxInFlight = dur(5*time.Millisecond), 8
	sc.Producer.Retry = scenarios.Retry{MaxAttempts: 1}
	b.ReportAllocs()
	var records int64
	start := time.Now()
	for b.Loop() {
		stream, err := model.NewStream(model.StreamConfig{Name: "b", Shards: 64, ShardRecordsPerSec: 1e12, ShardBytesPerSec: 1e15}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		r, err := New(Config{Scenario: sc, Seed: 1}, NewSimTarget(stream, SimConfig{}, time.Now))
		if err != nil {
			b.Fatal(err)
		}
		s, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if s.Totals.Acked != s.Totals.Offered {
			b.Fatalf("acked %d of %d", s.Totals.Acked, s.Totals.Offered)
		}
		records += s.Totals.Acked
	}
	b.ReportMetric(float64(records)/time.Since(start).Seconds(), "records/s")
}
