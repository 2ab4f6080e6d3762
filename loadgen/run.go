package loadgen

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	mrand "math/rand/v2"
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

	keys     KeyGen
	sizes    SizeGen
	payloads *payloadPool
	maxBytes int

	live      liveCounters
	unsettled atomic.Int64
	// stopping is set once no more retries may be scheduled.
	stopping   atomic.Bool
	stopCh     chan struct{}
	stopOnce   sync.Once
	stopReason atomic.Value // string
	startNs    atomic.Int64

	// unfinished counts records given up without a final attempt report.
	unfinished atomic.Int64
	// slab is where makeRecord takes its next records from.
	slab []record
	// randomHashKeys gives each record a random ExplicitHashKey
	// (keys.explicit_hash_key: random).
	randomHashKeys bool
}

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
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 0x5370696c6c776179))
	keys, err := NewKeyGen(sc.Keys, rng)
	if err != nil {
		return nil, err
	}
	sizes, err := NewSizeGen(sc.Record.Size, maxDataBytes(sc), rng)
	if err != nil {
		return nil, err
	}
	r := &Runner{
		cfg: cfg, sc: sc, target: target, sched: sched, now: cfg.Now,
		keys: keys, sizes: sizes, payloads: newPayloadPool(rng),
		maxBytes: cfg.RequestMaxBytes, runID: cfg.RunID,
		randomHashKeys: sc.Keys.ExplicitHashKey == scenarios.HashKeyRandom,
		stopCh:         make(chan struct{}),
	}
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
		Offered: r.live.offered.Load(), Attempts: r.live.attempts.Load(), Acked: r.live.acked.Load(), Throttled: r.live.throttled.Load(),
		Failed: r.live.failed.Load(), Expired: r.live.expired.Load(), Retried: r.live.retried.Load(),
		Requests: r.live.requests.Load(), InFlight: r.live.inFlight.Load(), Duration: r.sched.Duration(),
	}
	if s := r.startNs.Load(); s != 0 {
		p.Elapsed = min(r.now().Sub(time.Unix(0, s)), p.Duration)
	}
	return p
}

// record is one record on its way through the generator.
type record struct {
	Record
	// intended is the schedule's send time of the first attempt; due is
	// the current attempt's (a retry's due time is after its backoff).
	intended, due time.Time
	attempts      int
}

type batch struct {
	recs     []*record
	bytes    int
	firstDue time.Time
	due      time.Time
}

// Run plays the schedule against the target and returns what it measured.
// It returns when the schedule has ended (or Stop was called) and every
// record is settled, or soon after ctx is cancelled, with the records not
// settled counted as unfinished. The Summary is returned even with an error.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	start := r.now()
	r.startNs.Store(start.UnixNano())
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
	retries := make(chan []*record, 1024)
	drained := make(chan struct{}, 1)

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
				if reason := r.cfg.Check(rec.live(r.now(), r.live.offered.Load())); reason != "" {
					r.StopWith(reason)
					tick = nil
				}
			}
		}
	}()

	var workers sync.WaitGroup
	for i := range inFlight {
		workers.Go(func() {
			w := &worker{r: r, q: q, reports: reports, retries: retries, drained: drained,
				rng: mrand.New(mrand.NewPCG(r.cfg.Seed, uint64(i)+1))}
			w.loop(ctx)
		})
	}

	var events *eventPlayer
	scheduled := make(chan struct{})
	if len(r.sc.Events) > 0 {
		events = r.playEvents(ctx, start, r.target.(Resharder), r.sc.Events, scheduled)
	}
	offered, aborted := r.schedule(ctx, start, q, retries, drained)
	close(scheduled)
	if aborted {
		r.unfinished.Add(q.closeAndDrop())
	} else {
		q.close()
	}
	workers.Wait()
	close(reports)
	<-recDone
	// Retries handed over after the scheduler left are never sent.
	for len(retries) > 0 {
		r.unfinished.Add(int64(len(<-retries)))
	}
	rec.unfinished(r.unfinished.Load())
	eventResults := events.wait()
	if l, ok := r.target.(ShardLister); ok && !aborted {
		// Shards made during the run (and the parents they closed).
		if shards, err := l.ListShards(ctx); err == nil {
			rec.list(shards)
		}
	}

	end := r.now()
	s := &Summary{RunID: r.RunID(), Target: targetName(r.target), Seed: r.cfg.Seed, Start: start, End: end}
	s.Totals, s.Series, s.Shards, s.Latency, s.Generator, s.Errors = rec.finish(end, offered)
	s.Acked = &rec.acked
	s.Events = eventResults
	if reason, _ := r.stopReason.Load().(string); reason != "" {
		s.Interrupted, s.StopReason = true, reason
	}
	if aborted {
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

func targetName(t Target) string {
	if n, ok := t.(Namer); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", t)
}

// schedule is the pacer and batcher: it makes each record at its intended
// time (never waiting for responses), groups records into requests by count,
// bytes and linger, queues the requests for the workers, and puts retries
// back into batches when their backoff ends. It returns the records offered
// per second, and whether ctx was cancelled.
func (r *Runner) schedule(ctx context.Context, start time.Time, q *queue, retries <-chan []*record, drained <-chan struct{}) (offeredPerSec []int64, aborted bool) {
	p := r.sc.Producer
	linger := p.Linger.D()
	var (
		n         int64
		next, ok  = r.sched.Arrival(0)
		schedDone = !ok
		stopped   bool
		pending   retryHeap
		cur       = &batch{}
	)
	flush := func(due time.Time) {
		if len(cur.recs) == 0 {
			return
		}
		cur.due = due
		q.push(cur)
		cur = &batch{recs: make([]*record, 0, min(p.Batch, 64))}
	}
	add := func(rc *record) {
		size := rc.Size()
		if len(cur.recs) > 0 && cur.bytes+size > r.maxBytes {
			flush(rc.due)
		}
		if len(cur.recs) == 0 {
			cur.firstDue = rc.due
		}
		cur.recs = append(cur.recs, rc)
		cur.bytes += size
		if len(cur.recs) >= p.Batch {
			flush(rc.due)
		}
	}
	// giveUp settles records that will not be sent again; the loop's
	// unsettled check sees the result, so nobody needs waking.
	giveUp := func(recs []*record) {
		r.unfinished.Add(int64(len(recs)))
		r.unsettled.Add(-int64(len(recs)))
	}
	stopCh := r.stopCh // set to nil once handled: a closed channel is always ready
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := r.now()
		for !schedDone && !start.Add(next).After(now) {
			at := start.Add(next)
			sec := int(next / time.Second)
			for len(offeredPerSec) <= sec {
				offeredPerSec = append(offeredPerSec, 0)
			}
			offeredPerSec[sec]++
			add(r.makeRecord(n, at))
			n++
			if next, ok = r.sched.Arrival(n); !ok {
				schedDone = true
			}
		}
		for pending.Len() > 0 && !pending[0].due.After(now) {
			add(heap.Pop(&pending).(*record))
		}
		if len(cur.recs) > 0 && !now.Before(cur.firstDue.Add(linger)) {
			flush(cur.firstDue.Add(linger))
		}
		if schedDone && pending.Len() == 0 {
			flush(now)
			if r.unsettled.Load() == 0 {
				return offeredPerSec, false
			}
		}

		wake := now.Add(time.Hour)
		if !schedDone {
			k := int64(1)
			if linger > 0 {
				k = int64(p.Batch - len(cur.recs))
			}
			if t, ok := r.sched.Arrival(n + k - 1); ok {
				wake = start.Add(t)
			} else {
				wake = start.Add(r.sched.Duration())
			}
			// An empty batch starts its linger clock at the next arrival.
			if len(cur.recs) == 0 && linger > 0 && start.Add(next+linger).Before(wake) {
				wake = start.Add(next + linger)
			}
		}
		if pending.Len() > 0 && pending[0].due.Before(wake) {
			wake = pending[0].due
		}
		if len(cur.recs) > 0 && cur.firstDue.Add(linger).Before(wake) {
			wake = cur.firstDue.Add(linger)
		}
		if d := wake.Sub(now); d > 0 {
			timer.Reset(d)
		} else {
			continue
		}
		select {
		case <-timer.C:
		case recs := <-retries:
			if stopped {
				giveUp(recs)
			} else {
				for _, rc := range recs {
					heap.Push(&pending, rc)
				}
			}
		case <-drained:
		case <-stopCh:
			stopCh = nil
			if !stopped {
				stopped, schedDone = true, true
				giveUp(pending)
				pending = nil
			}
		case <-ctx.Done():
			giveUp(pending)
			giveUp(cur.recs)
			return offeredPerSec, true
		}
		if r.stopping.Load() && !stopped { // Stop raced with the select
			stopped, schedDone = true, true
			giveUp(pending)
			pending = nil
		}
	}
}

// recordSlab is how many records makeRecord allocates at once: one
// allocation instead of 256 on the per-record path. A slab stays in memory
// until its last record is settled, which is soon after it is made.
const recordSlab = 256

// makeRecord generates arrival n, due at at. Only the scheduler calls it.
func (r *Runner) makeRecord(n int64, at time.Time) *record {
	r.unsettled.Add(1)
	r.live.offered.Add(1)
	key := r.keys.Next()
	data := r.payloads.fill(r.sizes.Next(), Stamp{RunID: r.runID, RecordID: uint64(n), IntendedUnixNano: at.UnixNano()})
	if len(r.slab) == 0 {
		r.slab = make([]record, recordSlab)
	}
	rc := &r.slab[0]
	r.slab = r.slab[1:]
	*rc = record{Record: Record{PartitionKey: key, Data: data, ID: uint64(n), Intended: at}, intended: at, due: at}
	if r.randomHashKeys {
		rc.ExplicitHashKey = model.HashKey{Hi: r.payloads.rng.Uint64(), Lo: r.payloads.rng.Uint64()}.String()
	}
	return rc
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
	reports chan<- *batchReport
	retries chan<- []*record
	drained chan<- struct{}
	rng     *mrand.Rand
	recs    []Record
	outs    []Outcome
}

func (w *worker) loop(ctx context.Context) {
	for {
		b, ok := w.q.pop()
		if !ok {
			return
		}
		w.send(ctx, b)
	}
}

func (w *worker) send(ctx context.Context, b *batch) {
	r := w.r
	retry := r.sc.Producer.Retry
	w.recs = w.recs[:0]
	for _, rc := range b.recs {
		w.recs = append(w.recs, rc.Record)
	}
	if cap(w.outs) < len(b.recs) {
		w.outs = make([]Outcome, len(b.recs))
	}
	outs := w.outs[:len(b.recs)]
	clear(outs)

	inFlight := int(r.live.inFlight.Add(1))
	sentAt := r.now()
	err := r.target.PutRecords(ctx, w.recs, outs)
	doneAt := r.now()
	r.live.inFlight.Add(-1)
	r.live.requests.Add(1)

	abandoned := err != nil && ctx.Err() != nil
	reqCode := ""
	if err != nil {
		reqCode = ErrorCode(err)
	}
	rep := getReport(len(b.recs))
	rep.dueAt, rep.sentAt, rep.doneAt, rep.inFlight = b.due, sentAt, doneAt, inFlight
	var again []*record
	var settled, acked, throttled, failed, expired, retried int64
	for i, rc := range b.recs {
		rc.attempts++
		o := outs[i]
		if err != nil {
			o = Outcome{ErrorCode: reqCode, Limit: model.LimitNone}
		}
		ev := recEvent{shardID: o.ShardID, bytes: int32(rc.Size()), intended: rc.intended.UnixNano(), id: rc.ID, retry: rc.attempts > 1}
		if ev.retry {
			retried++
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
			case rc.attempts >= retry.MaxAttempts:
				ev.settle = settleFailed
				failed++
			default:
				at := doneAt.Add(Backoff(rc.attempts, retry.Backoff.D(), retry.MaxBackoff.D(), w.rng))
				if ttl := retry.TTL.D(); ttl > 0 && at.After(rc.intended.Add(ttl)) {
					ev.settle = settleExpired
					expired++
				} else {
					rc.due = at
					again = append(again, rc)
				}
			}
		}
		if ev.settle != settleNone {
			settled++
		}
		rep.events[i] = ev
	}
	r.live.attempts.Add(int64(len(b.recs)))
	r.live.acked.Add(acked)
	r.live.throttled.Add(throttled)
	r.live.failed.Add(failed)
	r.live.expired.Add(expired)
	r.live.retried.Add(retried)
	w.reports <- rep
	if len(again) > 0 {
		w.retries <- again
	}
	if settled > 0 && r.unsettled.Add(-settled) == 0 {
		select {
		case w.drained <- struct{}{}:
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

// retryHeap orders records waiting for a retry by due time.
type retryHeap []*record

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h retryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)        { *h = append(*h, x.(*record)) }
func (h *retryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// queue is the unbounded FIFO of requests waiting for a free worker. The
// pacer never blocks on it: when every in-flight slot is taken, requests
// wait here and their send lag shows it.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []*batch
	head   int
	closed bool
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *queue) push(b *batch) {
	q.mu.Lock()
	q.items = append(q.items, b)
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a request; ok is false once the queue is closed and empty.
func (q *queue) pop() (*batch, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.items) {
		return nil, false
	}
	b := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return b, true
}

// close lets the workers finish what is queued, then stop.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// closeAndDrop drops what is queued and returns how many records it held.
func (q *queue) closeAndDrop() int64 {
	q.mu.Lock()
	var n int64
	for _, b := range q.items[q.head:] {
		n += int64(len(b.recs))
	}
	q.items, q.head, q.closed = nil, 0, true
	q.mu.Unlock()
	q.cond.Broadcast()
	return n
}
