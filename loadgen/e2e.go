package loadgen

import (
	"math/bits"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Bitset is a growable set of record ids: one bit per record, so a run's
// books cost an eighth of a byte per record offered.
type Bitset struct {
	words []uint64
	n     int64
}

// Set adds id and reports whether it was already there.
func (b *Bitset) Set(id uint64) (had bool) {
	w := int(id / 64)
	if w >= len(b.words) {
		b.words = append(b.words, make([]uint64, w-len(b.words)+1+len(b.words)/2)...)
	}
	mask := uint64(1) << (id % 64)
	had = b.words[w]&mask != 0
	if !had {
		b.words[w] |= mask
		b.n++
	}
	return had
}

// Has reports whether id is in the set.
func (b *Bitset) Has(id uint64) bool {
	w := int(id / 64)
	return w < len(b.words) && b.words[w]&(uint64(1)<<(id%64)) != 0
}

// Len is the number of ids in the set.
func (b *Bitset) Len() int64 { return b.n }

// Intersect counts the ids in both sets.
func (b *Bitset) Intersect(o *Bitset) int64 {
	var n int
	for i := range min(len(b.words), len(o.words)) {
		n += bits.OnesCount64(b.words[i] & o.words[i])
	}
	return int64(n)
}

// E2E matches records read back from a stream with what a run sent, by the
// stamp at the start of each record's data. It is safe for concurrent use.
type E2E struct {
	mu      sync.Mutex
	runID   uint64
	read    Bitset
	latency *hdrhistogram.Histogram
	// lastByKey is the highest record id read per partition key, for the
	// per-key order check; nil when keys are unique (uuid).
	lastByKey                              map[string]uint64
	reads, duplicates, foreign, outOfOrder int64
	unrecognised                           int64
}

// NewE2E matches records of runID. trackOrder keeps the last record id per
// partition key (memory grows with distinct keys: leave it off for uuid keys,
// where every key is used once).
func NewE2E(runID uint64, trackOrder bool) *E2E {
	e := &E2E{runID: runID, latency: newHist()}
	if trackOrder {
		e.lastByKey = map[string]uint64{}
	}
	return e
}

// Add records one record read at readAt. Records of other runs are counted
// as foreign; records too short to carry a stamp as unrecognised.
func (e *E2E) Add(data []byte, partitionKey string, readAt time.Time) {
	st, ok := ReadStamp(data)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reads++
	switch {
	case !ok:
		e.unrecognised++
		return
	case st.RunID != e.runID:
		e.foreign++
		return
	}
	e.match(st.RecordID, st.IntendedUnixNano, partitionKey, readAt)
}

// AddRef records one record read at readAt that the reader knows by id
// and intended send time rather than by its stamp (the simulated stream
// keeps no payloads).
func (e *E2E) AddRef(id uint64, intendedUnixNano int64, partitionKey string, readAt time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reads++
	e.match(id, intendedUnixNano, partitionKey, readAt)
}

// match books one record of the run; callers hold mu.
func (e *E2E) match(id uint64, intendedUnixNano int64, partitionKey string, readAt time.Time) {
	if e.read.Set(id) {
		e.duplicates++
		return
	}
	recordMicros(e.latency, readAt.Sub(time.Unix(0, intendedUnixNano)))
	if e.lastByKey != nil {
		if last, seen := e.lastByKey[partitionKey]; seen && id < last {
			e.outOfOrder++
		} else {
			e.lastByKey[partitionKey] = id
		}
	}
}

// ReadOf counts the records of acked that have been read.
func (e *E2E) ReadOf(acked *Bitset) int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.read.Intersect(acked)
}

// E2EResult is the end-to-end accounting of a run.
type E2EResult struct {
	// Read is distinct records of the run read back; Lost, acknowledged
	// records not read by the end of the grace period; Duplicates, extra
	// copies read; OutOfOrder, records read after a later record of the
	// same partition key; Foreign, records of other runs; Unrecognised,
	// records without a whole stamp (shorter than StampBytes).
	Read, Lost, Duplicates, OutOfOrder, Foreign, Unrecognised int64
	// Latency is from each record's intended send time to its first read.
	Latency Percentiles
	// GetRecordsCalls and ReadThrottles count the readers' GetRecords
	// calls and those throttled; IteratorAgeMaxMs is the largest
	// MillisBehindLatest a reader saw.
	GetRecordsCalls, ReadThrottles, IteratorAgeMaxMs int64
	// Consumers is each consumer's own accounting when several read the
	// stream (the fields above then add them up, and Latency merges them).
	Consumers []ConsumerResult
}

// ConsumerE2E is one consumer reading a stream back: its tracker and the
// counts its reader keeps.
type ConsumerE2E struct {
	// Name and Type ("polling" or "efo") name the consumer in results.
	Name, Type string
	E2E        *E2E
	// GetRecordsCalls, ReadThrottles and IteratorAgeMaxMs are as in
	// E2EResult (zero when the reader does not count them).
	GetRecordsCalls, ReadThrottles, IteratorAgeMaxMs int64
}

// CombineE2E is each consumer's accounting and their sum: counts added,
// the largest iterator age, latencies merged into one distribution. With a
// single consumer the result has no Consumers list.
func CombineE2E(consumers []ConsumerE2E, acked *Bitset) E2EResult {
	var total E2EResult
	merged := newHist()
	for _, c := range consumers {
		res := c.E2E.Result(acked)
		res.GetRecordsCalls, res.ReadThrottles, res.IteratorAgeMaxMs = c.GetRecordsCalls, c.ReadThrottles, c.IteratorAgeMaxMs
		total.Read += res.Read
		total.Lost += res.Lost
		total.Duplicates += res.Duplicates
		total.OutOfOrder += res.OutOfOrder
		total.Foreign += res.Foreign
		total.Unrecognised += res.Unrecognised
		total.GetRecordsCalls += res.GetRecordsCalls
		total.ReadThrottles += res.ReadThrottles
		total.IteratorAgeMaxMs = max(total.IteratorAgeMaxMs, res.IteratorAgeMaxMs)
		c.E2E.mu.Lock()
		merged.Merge(c.E2E.latency)
		c.E2E.mu.Unlock()
		total.Consumers = append(total.Consumers, ConsumerResult{Name: c.Name, Type: c.Type, E2EResult: res})
	}
	total.Latency = summarize(merged)
	if len(total.Consumers) == 1 {
		total.Consumers = nil
	}
	return total
}

// ConsumerResult is one consumer's end-to-end accounting.
type ConsumerResult struct {
	// Name is the consumer's name ("polling-0-2" for the third of a
	// count); Type is "polling" or "efo".
	Name, Type string
	E2EResult
}

// Result compares what was read with the acknowledged records.
func (e *E2E) Result(acked *Bitset) E2EResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	return E2EResult{
		Read: e.read.Len(), Lost: acked.Len() - e.read.Intersect(acked), Duplicates: e.duplicates,
		OutOfOrder: e.outOfOrder, Foreign: e.foreign, Unrecognised: e.unrecognised,
		Latency: summarize(e.latency),
	}
}
