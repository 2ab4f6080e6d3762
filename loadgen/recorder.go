package loadgen

import (
	"sort"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/model"
)

// Histogram ranges: 1 µs to 1 hour at 3 significant figures (a fixed
// ~200 KB each, however long the run). Each second's histograms, which
// results keep one of per second, have 2 (values within 1%), which makes
// the quickstart's response times about 450 bytes a second encoded
// instead of about 1,100.
const (
	histMinMicros    = 1
	histMaxMicros    = int64(time.Hour / time.Microsecond)
	histSigFigs      = 3
	secondHistSigFig = 2
)

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histSigFigs)
}

// NewHistogram returns an empty histogram of the geometry every latency of
// a run is recorded in: microseconds from 1 µs to 1 hour at 3 significant
// figures. Histograms of this geometry merge exactly.
func NewHistogram() *hdrhistogram.Histogram { return newHist() }

// newSecondHist is a histogram of one second's latencies: as newHist, at
// 2 significant figures.
func newSecondHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, secondHistSigFig)
}

func recordMicros(h *hdrhistogram.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	us = min(max(us, histMinMicros), histMaxMicros)
	_ = h.RecordValue(us)
}

// settlement is how a record attempt ended, as the recorder counts it.
type settlement uint8

const (
	settleNone       settlement = iota // failed attempt, record will be retried
	settleAcked                        // accepted
	settleFailed                       // last allowed attempt failed
	settleExpired                      // TTL passed before another attempt
	settleUnfinished                   // not retried because the run stopped
)

// recEvent is one record attempt, as a worker hands it to the recorder.
type recEvent struct {
	shardID   string
	bytes     int32
	throttled bool
	limit     model.Limit
	errorCode string
	settle    settlement
	// intendedNs is the record's first intended send time, in ns since
	// the run's start.
	intendedNs int64
	id         uint64 // the record's id in the run
	retry      bool   // this attempt was a retry
}

// batchReport is one request, handed from a worker to the recorder. Times
// are in ns since the run's start (monotonic).
type batchReport struct {
	dueNs, sentNs, doneNs int64
	inFlight              int
	events                []recEvent
}

type shardStats struct {
	Shard
	attempts, acked, bytesAcked, throttled, throttledRecords, throttledBytes int64
	curRecords, curBytes                                                     int64
	util                                                                     []float64
	peak                                                                     float64
}

// recorder owns every statistic of a run. One goroutine calls its methods,
// so nothing in it is locked.
type recorder struct {
	start       time.Time
	maxInFlight int
	shardLimits [2]float64 // records/s, bytes/s

	response, service, sendLag *hdrhistogram.Histogram
	// sec and secService are the response and service times of the
	// current second.
	sec, secService *hdrhistogram.Histogram
	curSec          int
	series          []Second
	shards          map[string]*shardStats
	shardOrder      []*shardStats
	noShard         shardStats // attempts whose shard is unknown
	keepUtil        bool

	totals    Totals
	acked     Bitset // ids of acknowledged records, for end-to-end checks
	errors    map[string]int64
	gen       Generator
	saturated bool // every slot taken at some point in curSec
}

func newRecorder(start time.Time, maxInFlight int, listed []Shard, recordsPerSec, bytesPerSec float64) *recorder {
	r := &recorder{
		start: start, maxInFlight: maxInFlight,
		shardLimits: [2]float64{recordsPerSec, bytesPerSec},
		response:    newHist(), service: newHist(), sendLag: newHist(), sec: newSecondHist(), secService: newSecondHist(),
		shards: map[string]*shardStats{}, errors: map[string]int64{},
		series: []Second{{}},
		// A per-second utilisation series per shard costs 8 B per shard per
		// second; keep it while that stays small.
		keepUtil: len(listed) <= 256,
	}
	r.list(listed)
	return r
}

// list records what a ShardLister says about each shard.
func (r *recorder) list(shards []Shard) {
	for _, s := range shards {
		r.shard(s.ID).Shard = s
	}
}

func (r *recorder) shard(id string) *shardStats {
	if s, ok := r.shards[id]; ok {
		return s
	}
	s := &shardStats{Shard: Shard{ID: id}}
	if r.keepUtil {
		s.util = make([]float64, r.curSec)
	}
	r.shards[id] = s
	r.shardOrder = append(r.shardOrder, s)
	return s
}

// advance closes every second before sec.
func (r *recorder) advance(sec int) {
	for r.curSec < sec {
		r.closeSecond()
		r.curSec++
		r.series = append(r.series, Second{T: r.curSec})
	}
}

func (r *recorder) closeSecond() {
	s := &r.series[r.curSec]
	if r.sec.TotalCount() > 0 {
		p := PercentilesOf(r.sec)
		s.MinMs, s.MeanMs, s.P50Ms, s.P90Ms, s.P95Ms, s.P99Ms, s.MaxMs = p.Min, p.Mean, p.P50, p.P90, p.P95, p.P99, p.Max
		// The second's distribution itself, compact, so that runs can be
		// merged second by second exactly.
		s.Hist = EncodeHistogram(r.sec)
	}
	if r.secService.TotalCount() > 0 {
		s.ServiceHist = EncodeHistogram(r.secService)
	}
	r.sec.Reset()
	r.secService.Reset()
	if r.saturated {
		r.gen.SaturatedS++
		r.saturated = false
	}
	for _, sh := range r.shardOrder {
		u := max(float64(sh.curRecords)/r.shardLimits[0], float64(sh.curBytes)/r.shardLimits[1])
		sh.peak = max(sh.peak, u)
		if r.keepUtil {
			sh.util = append(sh.util, u)
		}
		sh.curRecords, sh.curBytes = 0, 0
	}
}

func secondOf(ns int64) int {
	if ns < 0 {
		return 0
	}
	return int(ns / int64(time.Second))
}

func (r *recorder) add(b *batchReport) {
	// Reports arrive in completion order from several workers, so a report
	// may finish a hair before the current second; it counts in the current
	// one rather than reopening a closed second.
	r.advance(secondOf(b.doneNs))
	s := &r.series[r.curSec]
	// Records leave in the second they were sent, which the recorder may
	// have closed already: its counts are still open.
	sent := &r.series[min(secondOf(b.sentNs), r.curSec)]

	r.totals.Requests++
	service := time.Duration(b.doneNs - b.sentNs)
	recordMicros(r.service, service)
	recordMicros(r.secService, service)
	lag := time.Duration(max(b.sentNs-b.dueNs, 0))
	recordMicros(r.sendLag, lag)
	if lag > LateThreshold {
		r.gen.LateRequests++
		if b.inFlight < r.maxInFlight {
			r.gen.LateWithFreeSlots++
		}
	}
	r.gen.MaxInFlight = max(r.gen.MaxInFlight, b.inFlight)
	s.InFlight = max(s.InFlight, b.inFlight)
	if b.inFlight >= r.maxInFlight {
		r.saturated = true
	}
	for i := range b.events {
		e := &b.events[i]
		r.totals.Attempts++
		s.Attempts++
		if e.retry {
			r.totals.Retried++
		} else {
			r.totals.Sent++
			sent.Sent++
		}
		// A request that failed whole names no shard: it counts in the
		// totals only.
		sh := &r.noShard
		if e.shardID != "" {
			sh = r.shard(e.shardID)
		}
		sh.attempts++
		sh.curRecords++
		sh.curBytes += int64(e.bytes)
		if e.throttled {
			r.totals.Throttled++
			s.Throttled++
			sh.throttled++
			switch e.limit {
			case model.LimitRecords:
				sh.throttledRecords++
			case model.LimitBytes:
				sh.throttledBytes++
			}
		}
		if e.errorCode != "" {
			r.errors[e.errorCode]++
		}
		switch e.settle {
		case settleAcked:
			r.acked.Set(e.id)
			r.totals.Acked++
			r.totals.BytesAcked += int64(e.bytes)
			s.Acked++
			s.BytesAcked += int64(e.bytes)
			sh.acked++
			sh.bytesAcked += int64(e.bytes)
		case settleFailed:
			r.totals.Failed++
			s.Failed++
		case settleExpired:
			r.totals.Expired++
			s.Expired++
		case settleUnfinished:
			r.totals.Unfinished++
		}
		if e.settle != settleNone && e.settle != settleUnfinished {
			d := time.Duration(b.doneNs - e.intendedNs)
			recordMicros(r.response, d)
			recordMicros(r.sec, d)
		}
	}
}

// live is what was measured by sinceNs (ns since the start), for
// Config.Check; offered is the arrivals so far, dropped those dropped. The histograms are
// the recorder's own.
func (r *recorder) live(sinceNs, offered, dropped int64) Live {
	t := r.totals
	t.Offered, t.Dropped = offered, dropped
	if t.Attempts > 0 {
		t.ThrottleRatio = float64(t.Throttled) / float64(t.Attempts)
	}
	return Live{Elapsed: time.Duration(sinceNs), Totals: t, Response: r.response, Service: r.service, SendLag: r.sendLag}
}

// unfinished counts records given up without an attempt to report (queued
// batches dropped on abort, retries pending at a stop).
func (r *recorder) unfinished(n int64) { r.totals.Unfinished += n }

// finish closes the run, endNs after its start; offered and dropped are
// the arrivals and the dropped ones per second of intended time.
func (r *recorder) finish(endNs int64, offered, dropped []int64) (Totals, []Second, []ShardSummary, Latency, Generator, map[string]int64) {
	last := secondOf(endNs)
	if endNs%int64(time.Second) == 0 && last > 0 {
		last-- // a run of exactly N seconds has seconds 0..N-1
	}
	r.advance(max(last, len(offered)-1))
	r.closeSecond()
	for i, n := range offered {
		r.series[i].Offered = n
		r.series[i].Dropped = dropped[i]
		r.totals.Offered += n
		r.totals.Dropped += dropped[i]
	}
	if r.totals.Attempts > 0 {
		r.totals.ThrottleRatio = float64(r.totals.Throttled) / float64(r.totals.Attempts)
	}
	sort.SliceStable(r.shardOrder, func(i, j int) bool { return shardLess(r.shardOrder[i].Shard, r.shardOrder[j].Shard) })
	shards := make([]ShardSummary, len(r.shardOrder))
	for i, sh := range r.shardOrder {
		shards[i] = ShardSummary{
			Shard: sh.Shard, Attempts: sh.attempts, Acked: sh.acked, BytesAcked: sh.bytesAcked,
			Throttled: sh.throttled, ThrottledRecordsLimit: sh.throttledRecords, ThrottledBytesLimit: sh.throttledBytes,
			PeakUtilization: sh.peak, Utilization: sh.util,
		}
	}
	r.countOpen()
	lat := Latency{Response: summarize(r.response), Service: summarize(r.service), SendLag: summarize(r.sendLag)}
	return r.totals, r.series, shards, lat, r.gen, r.errors
}

// countOpen fills each second's OpenShards from the shards' open and close
// times, when the target gave them for every shard.
func (r *recorder) countOpen() {
	for _, sh := range r.shardOrder {
		if sh.Opened.IsZero() {
			return
		}
	}
	for i := range r.series {
		from := r.start.Add(time.Duration(i) * time.Second)
		to := from.Add(time.Second)
		n := 0
		for _, sh := range r.shardOrder {
			if sh.Opened.Before(to) && (sh.Closed.IsZero() || sh.Closed.After(from)) {
				n++
			}
		}
		r.series[i].OpenShards = n
	}
}

// shardLess orders shards by starting hash key (numerically), then id.
func shardLess(a, b Shard) bool {
	if len(a.StartingHashKey) != len(b.StartingHashKey) {
		return len(a.StartingHashKey) < len(b.StartingHashKey)
	}
	if a.StartingHashKey != b.StartingHashKey {
		return a.StartingHashKey < b.StartingHashKey
	}
	return a.ID < b.ID
}

func microsToMs(us int64) float64 { return float64(us) / 1000 }

// summarize summarises h with a copy of it, so h may go on recording.
func summarize(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	p := PercentilesOf(h)
	p.Hist = h.Clone()
	return p
}

// PercentilesOf summarises h, a histogram of microseconds of spillway's
// geometry (NewHistogram), in milliseconds: the zero Percentiles when h is
// empty. Hist is left nil: the caller decides whether to keep h.
func PercentilesOf(h *hdrhistogram.Histogram) Percentiles {
	if h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: h.TotalCount(),
		Min:   microsToMs(h.Min()),
		Mean:  h.Mean() / 1000,
		P50:   microsToMs(h.ValueAtQuantile(50)),
		P90:   microsToMs(h.ValueAtQuantile(90)),
		P95:   microsToMs(h.ValueAtQuantile(95)),
		P99:   microsToMs(h.ValueAtQuantile(99)),
		P999:  microsToMs(h.ValueAtQuantile(99.9)),
		Max:   microsToMs(h.Max()),
	}
}
