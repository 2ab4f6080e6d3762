package loadgen

import (
	"sync"
	"sync/atomic"
)

// recMeta is what the generator keeps about a record beside what the
// target sees: when it was meant to go, and how often it went.
type recMeta struct {
	// intendedNs is the record's first intended send time, in ns since
	// the run's start (monotonic).
	intendedNs int64
	attempts   int32
}

// batch is one request being built by a pacer, waiting in the queue, or
// being sent. It owns its records and their payloads: recs[i].Data points
// into arena (or, for large records, into memory of its own), and a batch
// is recycled once its request is settled, so the per-record path
// allocates nothing but keys.
type batch struct {
	recs  []Record
	meta  []recMeta
	arena []byte
	// bytes is the request's size for the batcher: data plus keys.
	bytes int
	// firstDueNs is the due time of the first record (the linger clock);
	// dueNs is when the request was meant to leave. Both in ns since the
	// run's start.
	firstDueNs, dueNs int64
	// pacer is the index of the pacer whose records these are.
	pacer int
}

// largeData is the payload size from which a record gets memory of its
// own instead of a slice of its batch's arena, so that a recycled arena
// does not keep a few huge records' worth of memory.
const largeData = 16 << 10

var batchPool sync.Pool // *batch

func getBatch(pacer, capHint int) *batch {
	b, _ := batchPool.Get().(*batch)
	if b == nil {
		b = &batch{recs: make([]Record, 0, capHint), meta: make([]recMeta, 0, capHint)}
	}
	b.pacer = pacer
	return b
}

// putBatch recycles b. Nothing may hold its records or payloads after.
func putBatch(b *batch) {
	clear(b.recs) // drop the keys and large payloads for the GC
	b.recs, b.meta, b.arena = b.recs[:0], b.meta[:0], b.arena[:0]
	b.bytes, b.firstDueNs, b.dueNs = 0, 0, 0
	batchPool.Put(b)
}

// alloc returns n bytes for a payload: a capped slice of the arena, so
// that nothing appends into a neighbour. When the arena grows, records
// already in the batch keep the old array alive; the next use of the
// batch starts with the larger one.
func (b *batch) alloc(n int) []byte {
	if n >= largeData {
		return make([]byte, n)
	}
	off := len(b.arena)
	if off+n > cap(b.arena) {
		b.arena = make([]byte, 0, max(2*cap(b.arena), 4096, n))
		off = 0
	}
	b.arena = b.arena[:off+n]
	return b.arena[off : off+n : off+n]
}

// queue is the FIFO of requests waiting for a free in-flight slot. The
// pacers never block on it; they read its length (queuedRecords) and drop
// new arrivals instead of queueing them once it holds the scenario's
// backlog limit, so memory stays bounded when the target (or the CPU)
// cannot keep up.
type queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	items  []*batch
	head   int
	closed bool

	// records and bytes are what the queue holds (bytes as memBytes).
	records, bytes atomic.Int64
}

func newQueue() *queue {
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// recordOverhead is the memory a queued record takes beside its data and
// key: its Record and recMeta, and the key string's header, rounded up.
const recordOverhead = 128

// memBytes is the memory b's records hold, as the backlog limit counts it.
func (b *batch) memBytes() int64 { return int64(b.bytes) + recordOverhead*int64(len(b.recs)) }

func (q *queue) push(b *batch) {
	q.records.Add(int64(len(b.recs)))
	q.bytes.Add(b.memBytes())
	q.mu.Lock()
	q.items = append(q.items, b)
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a request; ok is false once the queue is closed and empty.
func (q *queue) pop() (*batch, bool) {
	q.mu.Lock()
	for q.head == len(q.items) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.items) {
		q.mu.Unlock()
		return nil, false
	}
	b := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	q.mu.Unlock()
	q.records.Add(-int64(len(b.recs)))
	q.bytes.Add(-b.memBytes())
	return b, true
}

// close lets the workers finish what is queued, then stop.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

// closeAndDrop drops what is queued and returns the batches it held, for
// the caller to count.
func (q *queue) closeAndDrop() []*batch {
	q.mu.Lock()
	dropped := q.items[q.head:]
	q.items, q.head, q.closed = nil, 0, true
	q.mu.Unlock()
	q.cond.Broadcast()
	for _, b := range dropped {
		q.records.Add(-int64(len(b.recs)))
		q.bytes.Add(-b.memBytes())
	}
	return dropped
}
