package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// Config is one run of a scenario.
type Config struct {
	// Scenario is the loaded scenario, defaults applied.
	Scenario *scenarios.Scenario
	// Duration overrides load.duration when positive.
	Duration time.Duration
	// Seed seeds keys, sizes and payloads (and backoff jitter), so that a
	// run on the simulated target offers the same records every time.
	Seed uint64
	// RunID is stamped into every record. Zero means a random one.
	RunID uint64
	// RequestMaxBytes is the batcher's request size limit. Zero means
	// model.DefaultPutRecordsMaxBytes.
	RequestMaxBytes int
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Pacers is how many goroutines make records, each its share of the
	// schedule. Zero means one per 250,000 records/s of the schedule's peak
	// rate, at most GOMAXPROCS (and at most max_in_flight).
	Pacers int
	// Check, when set, is called once a second of the run (wall time)
	// with what was measured so far; a non-empty answer stops the run as
	// Stop does, with the answer as the stop reason (abort_on_fail
	// thresholds). It runs on the goroutine that records, so it must be
	// quick, and it must not keep the Live's histograms.
	Check func(Live) string
}

// Runner runs a scenario against a Target in real time. Create it with New,
// watch it with Progress, stop it gracefully with Stop, and abandon it by
// cancelling the context given to Run.
type Runner struct {
	cfg    Config
	sc     *scenarios.Scenario
	target Target
	sched  *Schedule
	now    func() time.Time
	runID  uint64

	filler filler
	// gen is the first pacer's record generator; the others share its key
	// table.
	gen      *recordGen
	pacers   int
	maxBytes int
	// maxBacklog and maxBacklogBytes bound the records waiting for an
	// in-flight slot; arrivals beyond are dropped.
	maxBacklog, maxBacklogBytes int64

	// startWall is the run's start; since is the time since then (ns,
	// monotonic with the default clock); startUnixNano stamps records.
	startWall     time.Time
	startUnixNano int64
	since         func() int64

	live liveCounters
	// stopping is set once no more retries may be scheduled.
	stopping   atomic.Bool
	stopCh     chan struct{}
	stopOnce   sync.Once
	stopReason atomic.Value // string
	startNs    atomic.Int64

	// unfinished counts records given up without a final attempt report.
	unfinished atomic.Int64
}

// pacerRate is the peak rate (records/s) per pacer when Config.Pacers is
// zero. Two pacers on a 2-core machine made 3.3–4.0 M records/s while the
// same cores sent them (scenarios/perf/overload-10m.yaml), so one pacer
// per 250,000 records/s leaves it a wide margin, and keeps low-rate runs at
// one pacer and full requests.
const pacerRate = 250_000

// New prepares a run. It fails if the scenario cannot be played.
func New(cfg Config, target Target) (*Runner, error) {
	sc := cfg.Scenario
	if sc == nil {
		return nil, errors.New("loadgen: no scenario")
	}
	sched, err := ScheduleFor(sc.Load, cfg.Duration)
	if err != nil {
		return nil, err
	}
	filler := newFiller(cfg.Seed)
	// The first pacer's generator; made now so that a scenario it cannot
	// play fails here.
	gen, err := newRecordGen(sc, cfg.Seed, filler)
	if err != nil {
		return nil, err
	}
	r := &Runner{
		cfg: cfg, sc: sc, target: target, sched: sched, now: cfg.Now,
		filler: filler, gen: gen, maxBytes: cfg.RequestMaxBytes, runID: cfg.RunID,
		stopCh: make(chan struct{}),
	}
	r.pacers = cfg.Pacers
	if r.pacers <= 0 {
		r.pacers = min(runtime.GOMAXPROCS(0), int(math.Ceil(sched.PeakRate()/pacerRate)))
	}
	r.pacers = max(1, min(r.pacers, sc.Producer.MaxInFlight))
	r.maxBacklog, r.maxBacklogBytes = backlogLimits(sc.Producer, sched.PeakRate())
	if r.now == nil {
		r.now = time.Now
	}
	if r.maxBytes <= 0 {
		r.maxBytes = model.DefaultPutRecordsMaxBytes
	}
	if _, ok := target.(Resharder); len(sc.Events) > 0 && !ok {
		return nil, fmt.Errorf("loadgen: the scenario has events but target %s cannot reshard", targetName(target))
	}
	if r.runID == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		r.runID = binary.BigEndian.Uint64(b[:])
	}
	return r, nil
}

// backlogLimits are the records and bytes that may wait for an in-flight
// slot: the scenario's, or by default ten seconds of the peak rate (at
// least twice max_in_flight full requests) and DefaultMaxBacklogBytes. At
// low rates the records bound holds, and a target that stalls for a few
// seconds shows as send lag, not drops; at high rates the bytes bound
// does, and keeps memory bounded.
func backlogLimits(p scenarios.Producer, peakRate float64) (records, bytes int64) {
	records = int64(p.MaxBacklog)
	if records <= 0 {
		records = max(int64(math.Ceil(10*peakRate)), 2*int64(p.MaxInFlight)*int64(p.Batch))
	}
	bytes = int64(p.MaxBacklogBytes)
	if bytes <= 0 {
		bytes = scenarios.DefaultMaxBacklogBytes
	}
	return records, bytes
}

// Pacers is how many goroutines make the run's records.
func (r *Runner) Pacers() int { return r.pacers }

// RunID is the id stamped into this run's records.
func (r *Runner) RunID() string { return fmt.Sprintf("%016x", r.runID) }

// RunStamp is the run id as stamped into records (RunID formats it).
func (r *Runner) RunStamp() uint64 { return r.runID }

// Schedule is the run's arrival schedule.
func (r *Runner) Schedule() *Schedule { return r.sched }

// Stop ends scheduling: no new arrivals and no new retries; what is queued
// or in flight is still sent and recorded. It is safe to call more than once
// and from any goroutine.
func (r *Runner) Stop() { r.StopWith("stopped") }

// StopWith is Stop with the reason to put in the results.
func (r *Runner) StopWith(reason string) {
	r.stopOnce.Do(func() {
		r.stopReason.Store(reason)
		r.stopping.Store(true)
		close(r.stopCh)
	})
}

// Progress is a snapshot for progress displays.
func (r *Runner) Progress() Progress {
	p := Progress{
		Offered: r.live.offered.Load(), Dropped: r.live.dropped.Load(), Sent: r.live.sent.Load(), Attempts: r.live.attempts.Load(), Acked: r.live.acked.Load(), Throttled: r.live.throttled.Load(),
		Failed: r.live.failed.Load(), Expired: r.live.expired.Load(), Retried: r.live.retried.Load(),
		Requests: r.live.requests.Load(), InFlight: r.live.inFlight.Load(), Duration: r.sched.Duration(),
	}
	if s := r.startNs.Load(); s != 0 {
		p.Elapsed = min(r.now().Sub(time.Unix(0, s)), p.Duration)
	}
	return p
}

// Run plays the schedule against the target and returns what it measured.
// It returns when the schedule has ended (or Stop was called) and every
// record is settled, or soon after ctx is cancelled, with the records not
// settled counted as unfinished. The Summary is returned even with an error.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	start := r.now()
	r.startWall, r.startUnixNano = start, start.UnixNano()
	if r.cfg.Now == nil {
		r.since = func() int64 { return int64(time.Since(start)) }
	} else {
		r.since = func() int64 { return int64(r.now().Sub(start)) }
	}
	r.startNs.Store(start.UnixNano())
	cpu0 := processCPU()
	var listed []Shard
	if l, ok := r.target.(ShardLister); ok {
		shards, err := l.ListShards(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing shards: %w", err)
		}
		listed = shards
	}
	inFlight := r.sc.Producer.MaxInFlight
	rec := newRecorder(start, inFlight, listed, model.ShardWriteRecordsPerSec, model.ShardWriteBytesPerSec)

	q := newQueue()
	reports := make(chan *batchReport, 1024)
	pacers := make([]*pacer, r.pacers)
	for i := range pacers {
		g := r.gen
		if i > 0 {
			var err error
			if g, err = newRecordGenLike(r.sc, r.cfg.Seed, r.filler, r.gen); err != nil {
				return nil, err
			}
		}
		pacers[i] = &pacer{r: r, idx: i, stride: int64(len(pacers)), gen: g, q: q,
			retries: make(chan []*retryRec, 1024), done: make(chan struct{}), drained: make(chan struct{}, 1)}
	}

	recDone := make(chan struct{})
	go func() {
		defer close(recDone)
		var tick <-chan time.Time
		if r.cfg.Check != nil {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case b, ok := <-reports:
				if !ok {
					return
				}
				rec.add(b)
				putReport(b)
			case <-tick:
				if reason := r.cfg.Check(rec.live(r.since(), r.live.offered.Load(), r.live.dropped.Load())); reason != "" {
					r.StopWith(reason)
					tick = nil
				}
			}
		}
	}()

	var workers sync.WaitGroup
	for i := range inFlight {
		workers.Go(func() {
			w := &worker{r: r, q: q, pacers: pacers, reports: reports,
				rng: mrand.New(mrand.NewPCG(r.cfg.Seed, uint64(i)+1))}
			w.loop(ctx)
		})
	}

	var events *eventPlayer
	scheduled := make(chan struct{})
	if len(r.sc.Events) > 0 {
		events = r.playEvents(ctx, start, r.target.(Resharder), r.sc.Events, scheduled)
	}
	var pacing sync.WaitGroup
	var aborted atomic.Bool
	for _, p := range pacers {
		pacing.Go(func() {
			if p.run(ctx) {
				aborted.Store(true)
			}
		})
	}
	pacing.Wait()
	close(scheduled)
	if aborted.Load() {
		for _, b := range q.closeAndDrop() {
			r.unfinished.Add(int64(len(b.recs)))
			putBatch(b)
		}
	} else {
		q.close()
	}
	workers.Wait()
	close(reports)
	<-recDone
	// Retries handed over after a pacer left are never sent.
	for _, p := range pacers {
		for len(p.retries) > 0 {
			r.unfinished.Add(int64(len(<-p.retries)))
		}
	}
	rec.unfinished(r.unfinished.Load())
	eventResults := events.wait()
	if l, ok := r.target.(ShardLister); ok && !aborted.Load() {
		// Shards made during the run (and the parents they closed).
		if shards, err := l.ListShards(ctx); err == nil {
			rec.list(shards)
		}
	}

	end := r.now()
	s := &Summary{RunID: r.RunID(), Target: targetName(r.target), Seed: r.cfg.Seed, Start: start, End: end}
	offered, dropped := sumPerSecond(pacers)
	s.Totals, s.Series, s.Shards, s.Latency, s.Generator, s.Errors = rec.finish(int64(end.Sub(start)), offered, dropped)
	s.Generator.Pacers, s.Generator.Cores = r.pacers, runtime.GOMAXPROCS(0)
	s.Generator.MaxBacklog, s.Generator.MaxBacklogBytes = r.maxBacklog, r.maxBacklogBytes
	s.Generator.CPUSeconds = (processCPU() - cpu0).Seconds()
	s.Generator.PeakRSSBytes = peakRSS()
	s.Acked = &rec.acked
	s.Events = eventResults
	if reason, _ := r.stopReason.Load().(string); reason != "" {
		s.Interrupted, s.StopReason = true, reason
	}
	if aborted.Load() {
		s.Interrupted = true
		if s.StopReason == "" {
			s.StopReason = "aborted"
		} else {
			s.StopReason += ", then aborted"
		}
		return s, ctx.Err()
	}
	return s, nil
}

// sumPerSecond adds up the pacers' arrivals and drops per second.
func sumPerSecond(pacers []*pacer) (offered, dropped []int64) {
	for _, p := range pacers {
		for len(offered) < len(p.offered) {
			offered, dropped = append(offered, 0), append(dropped, 0)
		}
		for i := range p.offered {
			offered[i] += p.offered[i]
			dropped[i] += p.dropped[i]
		}
	}
	return offered, dropped
}

func targetName(t Target) string {
	if n, ok := t.(Namer); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", t)
}

// reportPool recycles batch reports between the workers and the recorder,
// which is done with a report once add returns.
var reportPool sync.Pool // *batchReport

func getReport(n int) *batchReport {
	rep, _ := reportPool.Get().(*batchReport)
	if rep == nil {
		rep = &batchReport{}
	}
	if cap(rep.events) < n {
		rep.events = make([]recEvent, n)
	}
	rep.events = rep.events[:n]
	return rep
}

func putReport(rep *batchReport) {
	clear(rep.events)
	reportPool.Put(rep)
}

// worker sends queued requests, one at a time, and decides the fate of
// every record in the answer.
type worker struct {
	r       *Runner
	q       *queue
	pacers  []*pacer
	reports chan<- *batchReport
	rng     *mrand.Rand
	outs    []Outcome
}

func (w *worker) loop(ctx context.Context) {
	for {
		b, ok := w.q.pop()
		if !ok {
			return
		}
		w.send(ctx, b)
		putBatch(b)
	}
}

func (w *worker) send(ctx context.Context, b *batch) {
	r := w.r
	owner := w.pacers[b.pacer]
	retry := r.sc.Producer.Retry
	if cap(w.outs) < len(b.recs) {
		w.outs = make([]Outcome, len(b.recs))
	}
	outs := w.outs[:len(b.recs)]
	clear(outs)

	inFlight := int(r.live.inFlight.Add(1))
	sentNs := r.since()
	err := r.target.PutRecords(ctx, b.recs, outs)
	doneNs := r.since()
	r.live.inFlight.Add(-1)
	r.live.requests.Add(1)

	abandoned := err != nil && ctx.Err() != nil
	reqCode := ""
	if err != nil {
		reqCode = ErrorCode(err)
	}
	rep := getReport(len(b.recs))
	rep.dueNs, rep.sentNs, rep.doneNs, rep.inFlight = b.dueNs, sentNs, doneNs, inFlight
	var again []*retryRec
	var settled, acked, throttled, failed, expired, retried, first int64
	for i := range b.recs {
		rc, m := &b.recs[i], &b.meta[i]
		m.attempts++
		o := outs[i]
		if err != nil {
			o = Outcome{ErrorCode: reqCode, Limit: model.LimitNone}
		}
		ev := recEvent{shardID: o.ShardID, bytes: int32(rc.Size()), intendedNs: m.intendedNs, id: rc.ID, retry: m.attempts > 1}
		if ev.retry {
			retried++
		} else {
			first++
		}
		switch {
		case o.ErrorCode == "":
			ev.settle = settleAcked
			acked++
		default:
			ev.throttled, ev.limit, ev.errorCode = o.Throttled(), o.Limit, o.ErrorCode
			if ev.throttled {
				throttled++
			}
			switch {
			case abandoned || r.stopping.Load() || ctx.Err() != nil:
				ev.settle = settleUnfinished
			case int(m.attempts) >= retry.MaxAttempts:
				ev.settle = settleFailed
				failed++
			default:
				at := doneNs + int64(Backoff(int(m.attempts), retry.Backoff.D(), retry.MaxBackoff.D(), w.rng))
				if ttl := int64(retry.TTL.D()); ttl > 0 && at > m.intendedNs+ttl {
					ev.settle = settleExpired
					expired++
				} else {
					// The batch is recycled: the retry keeps a copy.
					cp := *rc
					cp.Data = append([]byte(nil), rc.Data...)
					again = append(again, &retryRec{rec: cp, meta: *m, dueNs: at})
				}
			}
		}
		if ev.settle != settleNone {
			settled++
		}
		rep.events[i] = ev
	}
	r.live.attempts.Add(int64(len(b.recs)))
	r.live.sent.Add(first)
	r.live.acked.Add(acked)
	r.live.throttled.Add(throttled)
	r.live.failed.Add(failed)
	r.live.expired.Add(expired)
	r.live.retried.Add(retried)
	w.reports <- rep
	if len(again) > 0 {
		select {
		case owner.retries <- again:
		case <-owner.done:
			// The pacer left (the run was abandoned): never sent.
			r.unfinished.Add(int64(len(again)))
		}
	}
	if settled > 0 && owner.unsettled.Add(-settled) == 0 {
		select {
		case owner.drained <- struct{}{}:
		default:
		}
	}
}

// ErrorCode classifies a request-level error: the API's code when the error
// carries one, "Canceled" for a cancelled context, "Timeout" for a deadline,
// else "RequestError".
func ErrorCode(err error) string {
	var coded interface{ ErrorCode() string }
	switch {
	case errors.As(err, &coded):
		return coded.ErrorCode()
	case errors.Is(err, context.Canceled):
		return "Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	}
	return "RequestError"
}
