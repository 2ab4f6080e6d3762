package loadgen

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// ReaderSpec is one consumer reading a stream back.
type ReaderSpec struct {
	// Name is unique per stream; Type is scenarios.ConsumerPolling or
	// scenarios.ConsumerEFO.
	Name, Type string
	// PollInterval is a polling consumer's wait between GetRecords calls
	// to a shard.
	PollInterval time.Duration
}

// VerifierName is the consumer that reads a simulated stream back when the
// scenario names none.
const VerifierName = "spillway-verify"

// ReaderSpecs expands a scenario's consumers, one spec per Count; a
// consumer of Count n becomes name-0 … name-(n-1) (RegisterStreamConsumer
// takes only letters, digits, _ . and -). A scenario without
// consumers gets one polling consumer, VerifierName, at the shard's full 5
// calls/s.
func ReaderSpecs(sc *scenarios.Scenario) []ReaderSpec {
	if len(sc.Consumers) == 0 {
		return []ReaderSpec{{Name: VerifierName, Type: scenarios.ConsumerPolling, PollInterval: scenarios.DefaultPollInterval.D()}}
	}
	var out []ReaderSpec
	for _, c := range sc.Consumers {
		for i := range max(c.Count, 1) {
			name := c.Name
			if c.Count > 1 {
				name += "-" + strconv.Itoa(i)
			}
			out = append(out, ReaderSpec{Name: name, Type: c.Type, PollInterval: c.PollInterval.D()})
		}
	}
	return out
}

// StreamConfigFor is the simulated stream a scenario describes. It keeps
// records for reading back only with keepRecords.
func StreamConfigFor(sc *scenarios.Scenario, keepRecords bool) model.StreamConfig {
	st := &sc.Stream
	mode := model.Provisioned
	if st.Mode == scenarios.StreamOnDemand {
		mode = model.OnDemand
	}
	// In the scenario an explicit 0 means at once; in the model that is a
	// negative time (zero there means the default).
	instant := func(d scenarios.Duration) time.Duration {
		if d == 0 {
			return -1
		}
		return d.D()
	}
	return model.StreamConfig{
		Name: st.Name, Mode: mode, Shards: st.Shards, MaxRecordSizeBytes: int64(st.MaxRecordSize),
		Retention: st.Retention.D(), KeepRecords: keepRecords,
		SplitTime: instant(st.Resharding.Split), MergeTime: instant(st.Resharding.Merge),
		UpdateShardCountTime: instant(st.Resharding.UpdateShardCount),
	}
}

// SimReaders are consumers reading the simulated stream back in real time,
// through the model's GetRecords and SubscribeToShard, each matching what
// it reads against the run. Each reads every shard from its oldest record,
// finishing parents before children. The stream must keep records
// (model.StreamConfig.KeepRecords); the readers trim what all of them have
// read, so memory follows the slowest reader, not the run's length.
type SimReaders struct {
	stream  *model.Stream
	now     func() time.Time
	rt      *roundTrip
	start   time.Time
	readers []*simReader
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	series []ReadSecond
}

// ReadSecond is one second of reading, from the start of the run.
type ReadSecond struct {
	T int
	// Records read by all consumers together; GetRecords calls throttled;
	// the largest MillisBehindLatest seen.
	Records, Throttles, IteratorAgeMaxMs int64
}

type simReader struct {
	spec  ReaderSpec
	e2e   *E2E
	calls atomic.Int64
	// throttles and ageMax count for the whole run.
	throttles, ageMax atomic.Int64

	mu sync.Mutex
	// pos is the next sequence number to read per shard index.
	pos map[string]uint64
}

// StartSimReaders registers the fan-out consumers and starts every reader.
// runID and trackOrder are as for NewE2E; cfg draws GetRecords round trips;
// start is the run's start, for the series.
func StartSimReaders(ctx context.Context, stream *model.Stream, specs []ReaderSpec, runID uint64, trackOrder bool, cfg SimConfig, start time.Time, now func() time.Time) (*SimReaders, error) {
	if !stream.Config().KeepRecords {
		return nil, errors.New("loadgen: the simulated stream keeps no records to read (KeepRecords)")
	}
	rctx, cancel := context.WithCancel(ctx)
	s := &SimReaders{stream: stream, now: now, rt: newRoundTrip(cfg), start: start, cancel: cancel}
	for _, spec := range specs {
		if spec.Type == scenarios.ConsumerEFO {
			if err := stream.RegisterConsumer(spec.Name); err != nil {
				cancel()
				return nil, err
			}
		}
		s.readers = append(s.readers, &simReader{spec: spec, e2e: NewE2E(runID, trackOrder), pos: map[string]uint64{}})
	}
	for i, r := range s.readers {
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)+0x7265))
		s.wg.Go(func() {
			if r.spec.Type == scenarios.ConsumerEFO {
				s.fanOut(rctx, r)
			} else {
				s.poll(rctx, r, rng)
			}
		})
	}
	s.wg.Go(func() { s.trim(rctx) })
	return s, nil
}

// Stop ends every reader, waits for them and deregisters the fan-out
// consumers.
func (s *SimReaders) Stop() {
	s.cancel()
	s.wg.Wait()
	for _, r := range s.readers {
		if r.spec.Type == scenarios.ConsumerEFO {
			_ = s.stream.DeregisterConsumer(r.spec.Name)
		}
	}
}

// ReadOf counts the records of acked that every reader has read.
func (s *SimReaders) ReadOf(acked *Bitset) int64 {
	least := acked.Len()
	for _, r := range s.readers {
		least = min(least, r.e2e.ReadOf(acked))
	}
	return least
}

// Result is each reader's accounting and their sum (latency merged).
func (s *SimReaders) Result(acked *Bitset) E2EResult {
	parts := make([]ConsumerE2E, len(s.readers))
	for i, r := range s.readers {
		parts[i] = ConsumerE2E{Name: r.spec.Name, Type: r.spec.Type, E2E: r.e2e,
			GetRecordsCalls: r.calls.Load(), ReadThrottles: r.throttles.Load(), IteratorAgeMaxMs: r.ageMax.Load()}
	}
	return CombineE2E(parts, acked)
}

// Series is the readers' per-second counts so far.
func (s *SimReaders) Series() []ReadSecond {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ReadSecond(nil), s.series...)
}

// note adds to the second of at.
func (s *SimReaders) note(at time.Time, records, throttles, ageMs int64) {
	t := int(at.Sub(s.start) / time.Second)
	if t < 0 {
		t = 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.series) <= t {
		s.series = append(s.series, ReadSecond{T: len(s.series)})
	}
	sec := &s.series[t]
	sec.Records += records
	sec.Throttles += throttles
	sec.IteratorAgeMaxMs = max(sec.IteratorAgeMaxMs, ageMs)
}

// readable lists the shards a reader may read now: not expired, not
// finished, and with every parent finished (or gone), so that per-key
// order holds across a resharding.
func readable(shards []model.ShardInfo, finished map[string]bool) []model.ShardInfo {
	expired := map[string]bool{}
	for _, sh := range shards {
		if sh.State == model.ShardExpired {
			expired[sh.ID] = true
		}
	}
	var out []model.ShardInfo
next:
	for _, sh := range shards {
		if sh.State == model.ShardExpired || finished[sh.ID] {
			continue
		}
		for _, p := range sh.Parents {
			if !finished[p] && !expired[p] {
				continue next
			}
		}
		out = append(out, sh)
	}
	return out
}

// resume is where a reader goes on in a shard from pos, the next sequence
// number it has not read (0 when it has read nothing there).
func resume(pos uint64) model.StartingPosition {
	if pos <= 1 {
		return model.StartingPosition{Type: model.TrimHorizon}
	}
	return model.StartingPosition{Type: model.AfterSequenceNumber, Seq: pos - 1}
}

func (r *simReader) setPos(shardID string, next uint64) {
	r.mu.Lock()
	r.pos[shardID] = next
	r.mu.Unlock()
}

func (r *simReader) getPos(shardID string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos[shardID]
}

// book matches records read at readAt. The iterator age is CloudWatch's:
// the age of the last record a call returned, or, when it returned none,
// how far behind the stream's tip the reader is (MillisBehindLatest).
func (r *simReader) book(s *SimReaders, recs []model.ReadRecord, readAt time.Time, behindMs int64) {
	for i := range recs {
		rec := &recs[i]
		r.e2e.AddRef(rec.Ref.ID, rec.Ref.UnixNano, rec.PartitionKey, readAt)
	}
	ageMs := behindMs
	if n := len(recs); n > 0 {
		ageMs = max(ageMs, readAt.Sub(recs[n-1].Arrival).Milliseconds())
	}
	if ageMs > r.ageMax.Load() {
		r.ageMax.Store(ageMs)
	}
	s.note(readAt, int64(len(recs)), 0, ageMs)
}

// poll is a polling consumer: about every PollInterval, one GetRecords call
// per readable shard. Its first poll is at a random phase, so that several
// consumers do not all call in the same instant.
func (s *SimReaders) poll(ctx context.Context, r *simReader, rng *rand.Rand) {
	interval := max(r.spec.PollInterval, time.Millisecond)
	iters := map[string]model.ShardIterator{}
	finished := map[string]bool{}
	// backoff holds, per shard, when a throttled consumer calls again.
	backoff := map[string]time.Time{}
	var buf []model.ReadRecord
	timer := time.NewTimer(time.Duration(rng.Int64N(int64(interval))))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := s.now()
		for _, sh := range readable(s.stream.AllShards(now), finished) {
			if now.Before(backoff[sh.ID]) {
				continue
			}
			it, ok := iters[sh.ID]
			if !ok {
				var err error
				if it, err = s.stream.GetShardIterator(now, sh.ID, resume(r.getPos(sh.ID))); err != nil {
					continue
				}
			}
			r.calls.Add(1)
			out, err := s.stream.GetRecords(now, it, 0, buf[:0])
			var apiErr *model.APIError
			switch {
			case errors.As(err, &apiErr) && apiErr.Code == model.ErrThroughputExceeded:
				r.throttles.Add(1)
				s.note(now, 0, 1, 0)
				iters[sh.ID] = it
				// AWS's advice after a throttled GetRecords: wait a second.
				backoff[sh.ID] = now.Add(readThrottleBackoff)
				continue
			case err != nil:
				// Expired iterator: get a new one from where it stood.
				delete(iters, sh.ID)
				continue
			}
			buf = out.Records
			readAt := now.Add(s.rt.draw())
			r.book(s, out.Records, readAt, out.MillisBehindLatest)
			if n := len(out.Records); n > 0 {
				r.setPos(sh.ID, out.Records[n-1].Seq+1)
			}
			if !out.Next.Valid() {
				finished[sh.ID] = true
				delete(iters, sh.ID)
				continue
			}
			iters[sh.ID] = out.Next
		}
		// ±10% jitter, as network round trips give real consumers: without
		// it consumers in lockstep let one of them take every call the shard
		// has when they poll too fast.
		timer.Reset(time.Duration(float64(interval) * (0.9 + 0.2*rng.Float64())))
	}
}

// readThrottleBackoff is how long a polling consumer leaves a shard alone
// after a throttled GetRecords: one second, as AWS advises (API GetRecords).
const readThrottleBackoff = time.Second

// efoIdle is how long a fan-out consumer with nothing pending waits
// before looking for new records, and efoMinWait the least it waits.
const (
	efoIdle    = 50 * time.Millisecond
	efoMinWait = 2 * time.Millisecond
)

// fanOut is an enhanced fan-out consumer: a subscription per readable
// shard, renewed when it ends, woken when the next record becomes visible.
func (s *SimReaders) fanOut(ctx context.Context, r *simReader) {
	subs := map[string]*model.Subscription{}
	finished := map[string]bool{}
	var buf []model.ReadRecord
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := s.now()
		wake := now.Add(efoIdle)
		for _, sh := range readable(s.stream.AllShards(now), finished) {
			sub := subs[sh.ID]
			if sub == nil {
				var err error
				if sub, err = s.stream.SubscribeToShard(now, r.spec.Name, sh.ID, resume(r.getPos(sh.ID))); err != nil {
					continue // too soon after the last subscribe: next round
				}
				subs[sh.ID] = sub
			}
			ev := sub.Next(now, buf[:0])
			buf = ev.Records
			r.book(s, ev.Records, now, ev.MillisBehindLatest)
			r.setPos(sh.ID, ev.ContinuationSeq)
			switch {
			case ev.ChildShards != nil:
				finished[sh.ID] = true
				delete(subs, sh.ID)
				continue
			case ev.Ended:
				delete(subs, sh.ID)
				continue
			}
			if at, ok := sub.NextVisible(); ok && at.Before(wake) {
				wake = at
			}
		}
		timer.Reset(max(wake.Sub(s.now()), efoMinWait))
	}
}

// trim tells the stream, once a second, what every reader has read.
func (s *SimReaders) trim(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, sh := range s.stream.AllShards(s.now()) {
			least := uint64(0)
			for i, r := range s.readers {
				p := r.getPos(sh.ID)
				if i == 0 || p < least {
					least = p
				}
			}
			if least > 1 {
				s.stream.Trim(sh.ID, least)
			}
		}
	}
}
