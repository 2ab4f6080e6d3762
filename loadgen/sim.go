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

// SimTarget is the in-process simulated stream: model.Stream in real time,
// with a simulated network round trip. Throttling is decided when the
// request arrives; the answer comes after the drawn latency.
type SimTarget struct {
	stream *model.Stream
	cfg    SimConfig
	now    func() time.Time
	sigma  float64

	mu  sync.Mutex
	rng *rand.Rand

	entries sync.Pool
}

// NewSimTarget wraps stream. now is the clock (time.Now in production).
func NewSimTarget(stream *model.Stream, cfg SimConfig, now func() time.Time) *SimTarget {
	t := &SimTarget{stream: stream, cfg: cfg, now: now, rng: rand.New(rand.NewPCG(cfg.Seed, 0x5157))}
	if cfg.LatencyMedian > 0 && cfg.LatencyP99 > cfg.LatencyMedian {
		t.sigma = math.Log(float64(cfg.LatencyP99)/float64(cfg.LatencyMedian)) / 2.326348
	}
	return t
}

// Name implements Namer.
func (t *SimTarget) Name() string { return "sim" }

// ListShards implements ShardLister.
func (t *SimTarget) ListShards(context.Context) ([]Shard, error) {
	infos := t.stream.Shards()
	out := make([]Shard, len(infos))
	for i, s := range infos {
		out[i] = Shard{ID: s.ID, StartingHashKey: s.Range.Start.String(), EndingHashKey: s.Range.End.String()}
	}
	return out, nil
}

type simBuffers struct {
	entries []model.PutEntry
	results []model.PutResult
}

// PutRecords implements Target.
func (t *SimTarget) PutRecords(ctx context.Context, records []Record, out []Outcome) error {
	bufs, _ := t.entries.Get().(*simBuffers)
	if bufs == nil {
		bufs = &simBuffers{}
	}
	defer t.entries.Put(bufs)
	entries := bufs.entries[:0]
	for i := range records {
		r := &records[i]
		e := model.PutEntry{PartitionKey: r.PartitionKey, DataBytes: len(r.Data)}
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
	results := append(bufs.results[:0], make([]model.PutResult, len(entries))...)
	bufs.results = results
	err := t.stream.PutRecords(t.now(), entries, results)
	if werr := t.roundTrip(ctx); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	for i, r := range results {
		o := Outcome{ShardID: t.shardID(r.Shard), Limit: r.Limit, ErrorCode: r.ErrorCode}
		if r.ErrorCode == "" {
			o.SequenceNumber = strconv.FormatUint(r.Seq, 10)
		} else {
			o.ErrorMessage = "Rate exceeded for shard " + o.ShardID + " in stream " + t.stream.Config().Name
		}
		out[i] = o
	}
	return nil
}

func (t *SimTarget) shardID(i int) string {
	if i < len(shardIDCache) {
		return shardIDCache[i]
	}
	return model.ShardID(i)
}

// shardIDCache avoids formatting a shard id per record.
var shardIDCache = func() []string {
	ids := make([]string, 1024)
	for i := range ids {
		ids[i] = model.ShardID(i)
	}
	return ids
}()

// roundTrip waits for a simulated network round trip, or until ctx ends.
func (t *SimTarget) roundTrip(ctx context.Context) error {
	d := t.latency()
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

func (t *SimTarget) latency() time.Duration {
	if t.cfg.LatencyMedian <= 0 {
		return 0
	}
	t.mu.Lock()
	z := t.rng.NormFloat64()
	t.mu.Unlock()
	return time.Duration(float64(t.cfg.LatencyMedian) * math.Exp(t.sigma*z))
}
