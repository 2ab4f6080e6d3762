package loadgen

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/spillway-dev/spillway/model"
)

// SimConfig shapes the simulated target's answers.
type SimConfig struct {
	// LatencyMedian and LatencyP99 shape the simulated round trip of a
	// request (lognormal). Zero LatencyMedian means answer at once.
	LatencyMedian, LatencyP99 time.Duration
	// Seed seeds the latency draws.
	Seed uint64
}

// DefaultSimConfig answers like a nearby Kinesis endpoint: a median round
// trip of 20 ms and a p99 of 60 ms (spillway's assumption for a producer in
// the stream's Region, not an AWS figure).
var DefaultSimConfig = SimConfig{LatencyMedian: 20 * time.Millisecond, LatencyP99: 60 * time.Millisecond}

// roundTrip draws simulated network round trips (lognormal). It is safe
// for concurrent use; the zero value answers at once.
type roundTrip struct {
	median time.Duration
	sigma  float64

	mu  sync.Mutex
	rng *rand.Rand
}

func newRoundTrip(cfg SimConfig) *roundTrip {
	rt := &roundTrip{median: cfg.LatencyMedian, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5157))}
	if cfg.LatencyMedian > 0 && cfg.LatencyP99 > cfg.LatencyMedian {
		rt.sigma = math.Log(float64(cfg.LatencyP99)/float64(cfg.LatencyMedian)) / 2.326348
	}
	return rt
}

func (rt *roundTrip) draw() time.Duration {
	if rt.median <= 0 {
		return 0
	}
	rt.mu.Lock()
	z := rt.rng.NormFloat64()
	rt.mu.Unlock()
	return time.Duration(float64(rt.median) * math.Exp(rt.sigma*z))
}

// wait waits for one simulated round trip, or until ctx ends.
func (rt *roundTrip) wait(ctx context.Context) error {
	d := rt.draw()
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SimTarget is the in-process simulated stream: model.Stream in real time,
// with a simulated network round trip. Throttling is decided when the
// request arrives; the answer comes after the drawn latency.
type SimTarget struct {
	stream *model.Stream
	now    func() time.Time
	rt     *roundTrip

	bufs sync.Pool // *simBuffers
}

// NewSimTarget wraps stream. now is the clock (time.Now in production).
func NewSimTarget(stream *model.Stream, cfg SimConfig, now func() time.Time) *SimTarget {
	return &SimTarget{stream: stream, now: now, rt: newRoundTrip(cfg)}
}

// Name implements Namer.
func (t *SimTarget) Name() string { return "sim" }

// ListShards implements ShardLister: the open and closed shards.
func (t *SimTarget) ListShards(context.Context) ([]Shard, error) {
	var out []Shard
	for _, s := range t.stream.AllShards(t.now()) {
		if s.State == model.ShardExpired {
			continue
		}
		out = append(out, Shard{ID: s.ID, StartingHashKey: s.Range.Start.String(), EndingHashKey: s.Range.End.String(),
			Parents: s.Parents, State: s.State.String(), Opened: s.Opened, Closed: s.Closed})
	}
	return out, nil
}

// UpdateShardCount implements Resharder.
func (t *SimTarget) UpdateShardCount(_ context.Context, target int) error {
	return t.stream.UpdateShardCount(t.now(), target)
}

// SplitShard implements Resharder.
func (t *SimTarget) SplitShard(_ context.Context, shardID, newStartingHashKey string) error {
	now := t.now()
	var at model.HashKey
	if newStartingHashKey == "" {
		found := false
		for _, s := range t.stream.Shards() {
			if s.ID == shardID {
				at, found = s.Range.Midpoint(), true
			}
		}
		if !found {
			return &model.APIError{Code: model.ErrResourceNotFound, Message: "no open shard " + shardID}
		}
	} else {
		h, err := model.ParseHashKey(newStartingHashKey)
		if err != nil {
			return &model.APIError{Code: model.ErrInvalidArgument, Message: "NewStartingHashKey: " + err.Error()}
		}
		at = h
	}
	return t.stream.SplitShard(now, shardID, at)
}

// MergeShards implements Resharder.
func (t *SimTarget) MergeShards(_ context.Context, shardID, adjacentShardID string) error {
	return t.stream.MergeShards(t.now(), shardID, adjacentShardID)
}

// Stream is the model the target writes to, for the simulated readers.
func (t *SimTarget) Stream() *model.Stream { return t.stream }

type simBuffers struct {
	entries []model.PutEntry
	results []model.PutResult
}

// PutRecords implements Target.
func (t *SimTarget) PutRecords(ctx context.Context, records []Record, out []Outcome) error {
	bufs, _ := t.bufs.Get().(*simBuffers)
	if bufs == nil {
		bufs = &simBuffers{}
	}
	defer t.bufs.Put(bufs)
	entries := bufs.entries[:0]
	for i := range records {
		r := &records[i]
		e := model.PutEntry{PartitionKey: r.PartitionKey, DataBytes: len(r.Data), Ref: model.Ref{ID: r.ID, UnixNano: r.Intended.UnixNano()},
			KeyHash: r.keyHash, HasKeyHash: r.keyHashed}
		if r.ExplicitHashKey != "" {
			h, err := model.ParseHashKey(r.ExplicitHashKey)
			if err != nil {
				return &model.APIError{Code: model.ErrValidation, Message: "record " + strconv.Itoa(i) + ": " + err.Error()}
			}
			e.ExplicitHashKey, e.HasExplicitHashKey = h, true
		}
		entries = append(entries, e)
	}
	bufs.entries = entries
	if cap(bufs.results) < len(entries) {
		bufs.results = make([]model.PutResult, len(entries))
	}
	results := bufs.results[:len(entries)]
	err := t.stream.PutRecords(t.now(), entries, results)
	if werr := t.rt.wait(ctx); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	for i, r := range results {
		o := Outcome{ShardID: r.ShardID, Limit: r.Limit, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage}
		if r.ErrorCode == "" {
			o.SequenceNumber = strconv.FormatUint(r.Seq, 10)
		}
		out[i] = o
	}
	return nil
}
