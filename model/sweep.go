package model

import (
	"iter"
	"runtime"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Arrival is one record offered to a sweep.
type Arrival struct {
	// At is the offset from the sweep's start.
	At time.Duration
	// DataBytes is the record's data size.
	DataBytes int
	// PartitionKey is the dynamic partitioning key; ignored without it.
	PartitionKey string
}

// SweepPoint is one buffer setting of a sweep.
type SweepPoint struct {
	// BufferSizeBytes is the size hint; zero means the default.
	BufferSizeBytes int64
	// BufferInterval is the interval hint; zero means zero buffering.
	BufferInterval time.Duration
}

// SweepResult is what one sweep point delivered.
type SweepResult struct {
	SweepPoint
	// Records counts accepted records (PartitionExceeded included);
	// Records + Throttled is the arrivals inside the span.
	Records, Throttled, PartitionExceeded int64
	// Objects counts S3 objects; ObjectsPerHour is Objects over the span.
	Objects        int64
	ObjectsPerHour float64
	// MeanObjectBytes and MeanStoredBytes are per object, before and
	// after compression.
	MeanObjectBytes float64
	MeanStoredBytes float64
	// S3PutRequests counts S3 write requests: one PUT per object, or, for
	// intervals under 60 s where Firehose uses multipart upload (FH-BH),
	// three (initiate, one part, complete).
	S3PutRequests int64
	// DelayMeanMs, DelayP50Ms, DelayP95Ms and DelayMaxMs are the delay
	// from each record's arrival to its object's DeliveredAt, in ms. The
	// mean and max are exact; the quantiles come from an HDR histogram
	// (1 µs–2 h, 3 significant figures).
	DelayMeanMs, DelayP50Ms, DelayP95Ms, DelayMaxMs float64
	// IngestedBytes is the sum of the accepted records' DataBytes.
	IngestedBytes int64
	// BilledBytes is what Firehose bills for the accepted records: each
	// rounded up to FirehoseBillingIncrementBytes (5 KiB).
	BilledBytes int64
	// Err is non-empty when the point's configuration is invalid (e.g. a
	// zero interval with dynamic partitioning, or under 64 MiB with format
	// conversion); the point is then skipped.
	Err string
}

// Default sweep grid: sizes from the minimum to the maximum hint around
// the 5 MiB default and the 64 MiB format-conversion minimum, and
// intervals from zero buffering through the multipart threshold and the
// default to the maximum.
var (
	DefaultSweepSizes     = []int64{1 << 20, 5 << 20, 16 << 20, 64 << 20, 128 << 20}
	DefaultSweepIntervals = []time.Duration{0, 60 * time.Second, 300 * time.Second, 900 * time.Second}
)

// SweepGrid returns every combination of sizes and intervals, sizes
// outermost.
func SweepGrid(sizes []int64, intervals []time.Duration) []SweepPoint {
	points := make([]SweepPoint, 0, len(sizes)*len(intervals))
	for _, s := range sizes {
		for _, iv := range intervals {
			points = append(points, SweepPoint{BufferSizeBytes: s, BufferInterval: iv})
		}
	}
	return points
}

// maxDelayMicros is the HDR histogram's highest trackable delay (2 h).
const maxDelayMicros = int64(2 * time.Hour / time.Microsecond)

// sweepChunk is how many arrivals are read before the points play them.
const sweepChunk = 4096

// SweepDelivery plays arrivals through one DeliveryStream per point, each
// being base with the point's buffer hints, in virtual time from start.
// arrivals is iterated once and must be in At order; arrivals outside
// [0, span) are ignored. base.Name may be empty (the sweep builds no keys).
//
// Each arrival is its own one-record call after its stream is advanced to
// the arrival's time. The requests/s quota is off, since a real producer
// batches records and a one-record call per arrival would throttle above
// 2,000 records/s; the records/s and bytes/s quotas apply as configured.
//
// At the end the streams are advanced to span + 1 h instead of closed, so
// every buffer still open at span is delivered at its natural deadline and
// the delays are not cut short by the end of the run.
//
// Points are played in parallel on GOMAXPROCS goroutines, a chunk of
// arrivals at a time; the results are in points order.
func SweepDelivery(base DeliveryConfig, points []SweepPoint, start time.Time, span time.Duration, arrivals iter.Seq[Arrival]) []SweepResult {
	if base.Name == "" {
		base.Name = "sweep"
	}
	res := make([]SweepResult, len(points))
	var runs []*sweepRun
	for i, p := range points {
		res[i].SweepPoint = p
		cfg := base
		cfg.BufferSizeBytes, cfg.BufferInterval = p.BufferSizeBytes, p.BufferInterval
		r := &sweepRun{idx: i}
		d, err := newDeliveryStream(cfg, start, deliveryOptions{noRequestQuota: true, sink: r})
		if err != nil {
			res[i].Err = err.Error()
			continue
		}
		r.d, r.hist = d, hdrhistogram.New(1, maxDelayMicros, 3)
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return res
	}
	playArrivals(runs, span, arrivals)
	for _, r := range runs {
		r.d.advanceTo(int64(span + time.Hour))
		res[r.idx] = r.result(points[r.idx], span)
	}
	return res
}

// playArrivals reads arrivals in chunks and has every run play each chunk,
// the runs spread over the workers.
func playArrivals(runs []*sweepRun, span time.Duration, arrivals iter.Seq[Arrival]) {
	workers := min(runtime.GOMAXPROCS(0), len(runs))
	chunk := make([]Arrival, 0, sweepChunk)
	play := func() {
		if workers == 1 {
			for _, r := range runs {
				r.play(chunk)
			}
		} else {
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for j := w; j < len(runs); j += workers {
						runs[j].play(chunk)
					}
				})
			}
			wg.Wait()
		}
		chunk = chunk[:0]
	}
	for a := range arrivals {
		if a.At < 0 || a.At >= span {
			continue
		}
		chunk = append(chunk, a)
		if len(chunk) == sweepChunk {
			play()
		}
	}
	if len(chunk) > 0 {
		play()
	}
}

// sweepRun is one point's stream and the statistics of its objects; it
// is the stream's objectSink.
type sweepRun struct {
	idx  int
	d    *DeliveryStream
	hist *hdrhistogram.Histogram

	objects, bytes, stored int64
	billed                 int64 // accepted records' billed bytes
	delays                 int64
	delaySumNs             float64
	delayMaxNs             int64
}

// play offers a chunk of arrivals, one single-record call each. The
// stream belongs to this run alone, so its lock is not taken.
func (r *sweepRun) play(chunk []Arrival) {
	d := r.d
	for i := range chunk {
		a := &chunk[i]
		nowNs := int64(a.At)
		if nowNs < d.clockNs {
			nowNs = d.clockNs
		}
		d.clockNs = nowNs
		d.advanceTo(nowNs)
		if !d.admit(nowNs, a.DataBytes) {
			d.stats.Throttled++
			continue
		}
		r.billed += FirehoseBilledBytes(int64(a.DataBytes))
		d.add(nowNs, a.PartitionKey, a.DataBytes, nil)
		if d.ivNs == 0 && d.main.open {
			d.flush(&d.main, FlushInterval, nowNs)
		}
	}
}

func (r *sweepRun) object(arrNs []int64, bytes, stored, deliveredNs int64) {
	r.objects++
	r.bytes += bytes
	r.stored += stored
	r.delays += int64(len(arrNs))
	var sum int64
	for _, a := range arrNs {
		ns := deliveredNs - a
		sum += ns
		r.delayMaxNs = max(r.delayMaxNs, ns)
		_ = r.hist.RecordValue(min(ns/1e3, maxDelayMicros))
	}
	r.delaySumNs += float64(sum)
}

func (r *sweepRun) result(p SweepPoint, span time.Duration) SweepResult {
	st := r.d.stats
	res := SweepResult{
		SweepPoint:        p,
		Records:           st.Accepted,
		Throttled:         st.Throttled,
		PartitionExceeded: st.PartitionExceeded,
		Objects:           r.objects,
		S3PutRequests:     r.objects,
		IngestedBytes:     r.bytes,
		BilledBytes:       r.billed,
	}
	if p.BufferInterval < MultipartIntervalBelow {
		res.S3PutRequests *= 3
	}
	if span > 0 {
		res.ObjectsPerHour = float64(r.objects) / span.Hours()
	}
	if r.objects > 0 {
		res.MeanObjectBytes = float64(r.bytes) / float64(r.objects)
		res.MeanStoredBytes = float64(r.stored) / float64(r.objects)
	}
	if r.delays > 0 {
		res.DelayMeanMs = r.delaySumNs / float64(r.delays) / 1e6
		res.DelayP50Ms = float64(r.hist.ValueAtQuantile(50)) / 1e3
		res.DelayP95Ms = float64(r.hist.ValueAtQuantile(95)) / 1e3
		res.DelayMaxMs = float64(r.delayMaxNs) / 1e6
	}
	return res
}
