package loadgen

import (
	"container/heap"
	"context"
	"math"
	"runtime"
	"sync/atomic"
	"time"
)

// pacer plays every stride-th arrival of the schedule, starting at index
// idx: it makes each record at its intended time (never waiting for
// responses), groups records into requests by count, bytes and linger,
// queues the requests for the workers, and puts its records' retries back
// into requests when their backoff ends. Arrivals beyond the backlog's room
// are dropped and counted instead. A run has
// one pacer per core it needs, so that making records is not bound to
// one core; each has its own generator and no lock on its per-record path.
type pacer struct {
	r      *Runner
	idx    int
	stride int64
	gen    *recordGen
	q      *queue

	// retries brings this pacer's records back from the workers; done is
	// closed when the pacer has returned, after which workers give up
	// retries instead of handing them over.
	retries chan []*retryRec
	done    chan struct{}
	// drained is signalled when unsettled falls to 0.
	drained chan struct{}
	// unsettled counts this pacer's records made and not yet settled
	// (queued, in flight or waiting to be retried).
	unsettled atomic.Int64

	cur     *batch
	pending retryHeap
	// lastSize is the size of the last record made, to guess how many
	// more fit in the current request by bytes.
	lastSize int

	// n is the index of the pacer's next arrival.
	n int64
	// offered and dropped count arrivals per second of intended time.
	offered, dropped []int64

	// spunNs is the time spent spinning (spinUntil) since spinFromNs.
	spinFromNs, spunNs int64
}

// maxSpinPerSecond bounds the pacer's spinning: a pacer that wakes so
// often that spinning would cost more than a tenth of a core sleeps on
// timers instead, and its requests leave up to a timer's lateness late (at
// such rates a request's worth of records arrives every few milliseconds
// anyway).
const maxSpinPerSecond = 100 * time.Millisecond

// maySpin reports whether the pacer may still spin in the current second.
func (p *pacer) maySpin(nowNs int64) bool {
	if nowNs-p.spinFromNs >= int64(time.Second) {
		p.spinFromNs, p.spunNs = nowNs, 0
	}
	return p.spunNs < int64(maxSpinPerSecond)
}

// spinWindow is how long before a wake-up the pacer stops sleeping and
// yields in a loop instead: Go's timers fire up to about a millisecond
// late on Linux (the netpoller waits in whole milliseconds; sleeps of 50 µs
// to 9.5 ms fired 0.2–1.1 ms late at the median on this machine), which would show as send
// lag. Spinning costs at most this much CPU per wake-up, and a pacer wakes
// about once per request.
const spinWindow = time.Millisecond

// spinUntil yields until since() reaches wakeNs. A clock that does not
// move while the loop yields is not the machine's (a test's fake clock,
// which moves only when every goroutine sleeps): then it sleeps instead.
func spinUntil(since func() int64, wakeNs int64) {
	last, still := since(), 0
	for now := last; now < wakeNs; now = since() {
		if now == last {
			if still++; still > 64 {
				time.Sleep(time.Duration(wakeNs - now))
				return
			}
		} else {
			last, still = now, 0
		}
		runtime.Gosched()
	}
}

// ready is always ready to receive from.
var ready = func() <-chan time.Time {
	c := make(chan time.Time)
	close(c)
	return c
}()

// retryRec is a record waiting for its backoff to end, with a copy of its
// data (its request's batch is recycled).
type retryRec struct {
	rec   Record
	meta  recMeta
	dueNs int64
}

// pacerBudget is how many arrivals a pacer makes before it looks at its
// retries and at Stop again, when it is behind.
const pacerBudget = 4096

// second is the second of the run ns falls in, with the per-second counts
// grown to hold it.
func (p *pacer) second(ns int64) int {
	sec := int(ns / int64(time.Second))
	for len(p.offered) <= sec {
		p.offered = append(p.offered, 0)
		p.dropped = append(p.dropped, 0)
	}
	return sec
}

// room is how many more records the backlog may take. The backlog is
// every record that is due and not sent: made and waiting for an in-flight
// slot (the queue and the request being built), or not even made yet
// because the pacers are behind (owed, across all pacers). A pacer drops
// the arrivals it owes beyond room, so a generator short of CPU drops what
// it cannot make in time, as one short of in-flight slots drops what it
// cannot send, and neither stretches the run without bound. Records count
// at the size of the last one made (owed ones would take that memory to
// catch up with). At high rates the bytes limit holds (128 MiB of 100 B
// records is about a quarter of a second at 2.5 M records/s), at low rates
// the records limit (ten seconds of the peak by default).
func (p *pacer) room() int64 {
	r := p.r
	byRecords := r.maxBacklog - p.q.records.Load() - int64(len(p.cur.recs))
	// A record is taken while the bytes are under the limit, the last
	// one possibly going over it: round up.
	free, unit := r.maxBacklogBytes-p.q.bytes.Load()-p.cur.memBytes(), int64(p.lastSize+recordOverhead)
	byBytes := (free + unit - 1) / unit
	return max(min(byRecords, byBytes), 0)
}

func (p *pacer) flush(dueNs int64) {
	if len(p.cur.recs) == 0 {
		return
	}
	p.cur.dueNs = dueNs
	p.q.push(p.cur)
	p.cur = getBatch(p.idx, p.r.sc.Producer.Batch)
}

// make generates arrival n, intended at atNs, into the current request.
func (p *pacer) make(n, atNs int64) {
	r, g := p.r, p.gen
	size := g.size(n)
	key, hash, hashed, explicit := g.keyHashed()
	recBytes := size + len(key)
	p.lastSize = recBytes
	if len(p.cur.recs) > 0 && p.cur.bytes+recBytes > r.maxBytes {
		p.flush(atNs)
	}
	b := p.cur
	if len(b.recs) == 0 {
		b.firstDueNs = atNs
	}
	data := b.alloc(size)
	g.data(data, Stamp{RunID: r.runID, RecordID: uint64(n), IntendedUnixNano: r.startUnixNano + atNs})
	b.recs = append(b.recs, Record{PartitionKey: key, ExplicitHashKey: explicit, Data: data, ID: uint64(n),
		Intended: r.startWall.Add(time.Duration(atNs)), keyHash: hash, keyHashed: hashed})
	b.meta = append(b.meta, recMeta{intendedNs: atNs})
	b.bytes += recBytes
	p.unsettled.Add(1)
	if len(b.recs) >= r.sc.Producer.Batch {
		p.flush(atNs)
	}
}

// addRetry puts a record whose backoff has ended into the current request.
func (p *pacer) addRetry(rr *retryRec) {
	r := p.r
	recBytes := rr.rec.Size()
	if len(p.cur.recs) > 0 && p.cur.bytes+recBytes > r.maxBytes {
		p.flush(rr.dueNs)
	}
	b := p.cur
	if len(b.recs) == 0 {
		b.firstDueNs = rr.dueNs
	}
	rec := rr.rec
	rec.Data = b.alloc(len(rr.rec.Data))
	copy(rec.Data, rr.rec.Data)
	b.recs = append(b.recs, rec)
	b.meta = append(b.meta, rr.meta)
	b.bytes += recBytes
	if len(b.recs) >= r.sc.Producer.Batch {
		p.flush(rr.dueNs)
	}
}

// skipTo drops this pacer's arrivals from its next one up to (not
// including) arrival index until, counting each in the second it was
// intended for, and returns how many it dropped.
func (p *pacer) skipTo(until int64) int64 {
	sched := p.r.sched
	first := p.n
	// The first of this pacer's indices at or after until.
	end := until
	if rem := (end - int64(p.idx)) % p.stride; rem != 0 {
		end += p.stride - rem
	}
	for p.n < end {
		at, ok := sched.Arrival(p.n)
		if !ok {
			break
		}
		sec := p.second(int64(at))
		// Arrivals before the end of this second, as the schedule counts
		// them; at least the one at p.n.
		secEnd := max(int64(math.Ceil(sched.CountAt(time.Duration(sec+1)*time.Second))), p.n+1)
		stop := min(secEnd, end)
		k := (stop - p.n + p.stride - 1) / p.stride // this pacer's indices in [p.n, stop)
		p.offered[sec] += k
		p.dropped[sec] += k
		p.n += k * p.stride
	}
	return (p.n - first) / p.stride
}

// giveUp settles records that will not be sent again.
func (p *pacer) giveUp(n int) {
	p.r.unfinished.Add(int64(n))
	p.unsettled.Add(-int64(n))
}

// run plays the pacer's share of the schedule until it has ended (or Stop
// was called) and every one of its records is settled. It reports whether
// ctx was cancelled first.
func (p *pacer) run(ctx context.Context) (aborted bool) {
	defer close(p.done)
	r := p.r
	prod := r.sc.Producer
	linger := int64(prod.Linger.D())
	p.cur = getBatch(p.idx, prod.Batch)
	p.n = int64(p.idx)
	var (
		next, ok  = r.sched.Arrival(p.n)
		schedDone = !ok
		stopped   bool
	)
	stop := func() {
		if !stopped {
			stopped, schedDone = true, true
			p.giveUp(len(p.pending))
			p.pending = nil
		}
	}
	stopCh := r.stopCh // set to nil once handled: a closed channel is always ready
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := r.since()
		var made, drops int64
		// Arrivals due by now that no pacer has reached: all pacers walk
		// the schedule side by side, so n, this pacer's place, stands for
		// theirs.
		// The backlog's room is read once per pass, and again only when it
		// runs out, not per record.
		var owed, room int64
		if !schedDone && int64(next) <= now {
			due := int64(r.sched.CountAt(time.Duration(now)))
			owed, room = max(due-p.n, 0), p.room()
			if owed > room {
				// Far behind: drop the oldest arrivals in bulk rather than
				// one at a time, which a pacer short of CPU could not keep
				// up with either.
				drops += p.skipTo(due - room)
				if next, ok = r.sched.Arrival(p.n); !ok {
					schedDone = true
				}
				owed = max(due-p.n, 0)
			}
		}
		for budget := pacerBudget; !schedDone && int64(next) <= now && budget > 0; budget-- {
			at := int64(next)
			sec := p.second(at)
			p.offered[sec]++
			owed = max(owed-p.stride, 0)
			if owed >= room {
				room = p.room() // at the limit: see what the workers took since
			}
			if owed >= room {
				p.dropped[sec]++
				drops++
			} else {
				p.make(p.n, at)
				made++
				room--
			}
			p.n += p.stride
			if next, ok = r.sched.Arrival(p.n); !ok {
				schedDone = true
			}
		}
		if made+drops > 0 {
			r.live.offered.Add(made + drops)
			if drops > 0 {
				r.live.dropped.Add(drops)
			}
		}
		for p.pending.Len() > 0 && p.pending[0].dueNs <= now {
			p.addRetry(heap.Pop(&p.pending).(*retryRec))
		}
		if len(p.cur.recs) > 0 && now >= p.cur.firstDueNs+linger {
			p.flush(p.cur.firstDueNs + linger)
		}
		if schedDone && p.pending.Len() == 0 {
			p.flush(now)
			if p.unsettled.Load() == 0 {
				putBatch(p.cur)
				return false
			}
		}

		wake := now + int64(time.Hour)
		if !schedDone {
			// Sleep until the current request would be full, or until
			// the next arrival when there is no linger.
			k := int64(1)
			if linger > 0 {
				k = int64(prod.Batch - len(p.cur.recs))
				if p.lastSize > 0 {
					k = min(k, max(1, int64((r.maxBytes-p.cur.bytes)/p.lastSize)))
				}
			}
			if t, ok := r.sched.Arrival(p.n + (k-1)*p.stride); ok {
				wake = int64(t)
			} else {
				wake = int64(r.sched.Duration())
			}
			// An empty request starts its linger clock at the next arrival.
			if len(p.cur.recs) == 0 && linger > 0 && int64(next)+linger < wake {
				wake = int64(next) + linger
			}
		}
		if p.pending.Len() > 0 && p.pending[0].dueNs < wake {
			wake = p.pending[0].dueNs
		}
		if len(p.cur.recs) > 0 && p.cur.firstDueNs+linger < wake {
			wake = p.cur.firstDueNs + linger
		}
		// Behind schedule, the timer is replaced by a channel that is always
		// ready, so the select only looks at the other cases in passing.
		tick := ready
		if d := time.Duration(wake - now); d > 0 {
			spin := p.maySpin(now)
			if spin && d <= spinWindow {
				spinUntil(r.since, wake)
				p.spunNs += r.since() - now
				continue
			}
			if spin {
				d -= spinWindow
			}
			timer.Reset(d)
			tick = timer.C
		}
		select {
		case <-tick:
		case recs := <-p.retries:
			if stopped {
				p.giveUp(len(recs))
			} else {
				for _, rc := range recs {
					heap.Push(&p.pending, rc)
				}
			}
		case <-p.drained:
		case <-stopCh:
			stopCh = nil
			stop()
		case <-ctx.Done():
			p.giveUp(len(p.pending) + len(p.cur.recs))
			putBatch(p.cur)
			return true
		}
		if r.stopping.Load() { // Stop raced with the select
			stop()
		}
	}
}

// retryHeap orders records waiting for a retry by due time.
type retryHeap []*retryRec

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].dueNs < h[j].dueNs }
func (h retryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)        { *h = append(*h, x.(*retryRec)) }
func (h *retryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
