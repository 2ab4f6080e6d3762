package loadgen

import (
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// LateThreshold is how late a request may leave against its intended time
// before it counts as late in Generator.LateRequests.
const LateThreshold = 10 * time.Millisecond

// Summary is what a run measured. reports turns it into results.json.
type Summary struct {
	RunID  string
	Target string
	Seed   uint64
	Start  time.Time
	End    time.Time
	// Interrupted is true when the run stopped before its schedule ended.
	Interrupted bool
	StopReason  string

	Totals    Totals
	Latency   Latency
	Generator Generator
	// Errors counts failed record attempts by error code.
	Errors map[string]int64
	// Series has one entry per second of the run.
	Series []Second
	// Shards is one entry per shard, in hash key order.
	Shards []ShardSummary
	// Events is the scenario's events as played, in order.
	Events []EventResult
	// Acked holds the ids of the acknowledged records, for end-to-end
	// checks (E2E.Result).
	Acked *Bitset
}

// Totals counts records; see reports.Totals for each field's meaning.
// Every offered record is dropped, or ends acked, failed, expired or
// unfinished; Sent counts the records that left the generator at least
// once.
type Totals struct {
	Offered, Sent, Dropped, Acked, Throttled, Failed, Expired, Unfinished, Retried, Attempts, Requests, BytesAcked int64
	// ThrottleRatio is Throttled ÷ Attempts, 0 with no attempts.
	ThrottleRatio float64
}

// Latency holds the run's distributions, in milliseconds.
type Latency struct {
	// Response is from each record's intended send time to the response
	// that settled it (corrected for coordinated omission).
	Response Percentiles
	// Service is each request's round trip.
	Service Percentiles
	// SendLag is how late each request left against its due time.
	SendLag Percentiles
}

// Percentiles summarises a distribution in milliseconds; Count is samples.
type Percentiles struct {
	Count                                    int64
	Min, Mean, P50, P90, P95, P99, P999, Max float64
	// Hist is the distribution itself, in microseconds (NewHistogram's
	// geometry); nil when nothing was recorded.
	Hist *hdrhistogram.Histogram
}

// Generator tells whether the generator itself kept up, and what it used.
type Generator struct {
	// LateRequests counts requests sent more than LateThreshold after due;
	// LateWithFreeSlots those of them that left while an in-flight slot
	// was free, so that no in-flight limit held them back (the pacer or
	// the workers did not get the CPU in time).
	LateRequests, LateWithFreeSlots int64
	// MaxInFlight is the most requests outstanding at once.
	MaxInFlight int
	// SaturatedS counts seconds in which every in-flight slot was taken.
	SaturatedS int
	// Pacers is the goroutines that made records; Cores is GOMAXPROCS.
	Pacers, Cores int
	// CPUSeconds is the CPU time (user and system) the whole process used
	// during the run, 0 where the platform does not say.
	CPUSeconds float64
	// PeakRSSBytes is the process's peak resident memory so far, 0 where
	// the platform does not say.
	PeakRSSBytes int64
	// MaxBacklog and MaxBacklogBytes are the backlog limits the run used:
	// arrivals beyond them were dropped.
	MaxBacklog, MaxBacklogBytes int64
}

// Second is one second of the run; T=0 covers [0 s, 1 s). Latencies are in
// milliseconds over the records settled in that second; InFlight is the
// most requests outstanding during it.
type Second struct {
	T int
	// Offered counts arrivals by intended time; Dropped those of them
	// dropped because the backlog was full; Sent records that left the
	// generator for the first time, by the time they left.
	Offered, Dropped, Sent                                  int64
	Attempts, Acked, Throttled, Failed, Expired, BytesAcked int64
	MinMs, MeanMs, P50Ms, P90Ms, P95Ms, P99Ms, MaxMs        float64
	// Hist is the response times of the records settled in the second,
	// as EncodeHistogram writes them, at 2 significant figures; "" when
	// none settled. ServiceHist is the round trips of the requests that
	// ended in the second, likewise.
	Hist, ServiceHist string
	InFlight          int
	// OpenShards is how many shards were open during the second (at most),
	// 0 when the target does not say when its shards opened and closed.
	OpenShards int
}

// ShardSummary is one shard's load over the run.
type ShardSummary struct {
	Shard
	Attempts, Acked, BytesAcked, Throttled     int64
	ThrottledRecordsLimit, ThrottledBytesLimit int64
	// PeakUtilization is the highest per-second demand as a fraction of
	// the shard's capacity: max(records ÷ records/s, bytes ÷ bytes/s).
	PeakUtilization float64
	// Utilization is that fraction per second (nil on streams of more
	// than 256 shards, to keep memory small).
	Utilization []float64
}

// Live is what a run measured up to a moment, for Config.Check: the
// totals (Offered counts the records generated so far, Unfinished is 0)
// and the latency histograms, in microseconds, valid only during the call.
type Live struct {
	// Elapsed is the time since the run started.
	Elapsed                    time.Duration
	Totals                     Totals
	Response, Service, SendLag *hdrhistogram.Histogram
}

// Progress is a live view of a run for progress bars, read with atomics.
type Progress struct {
	// Attempts counts record put attempts; Throttled ÷ Attempts is the
	// throttle ratio so far.
	Offered, Dropped, Sent, Attempts, Acked, Throttled, Failed, Expired, Retried, Requests int64
	InFlight                                                                               int64
	Elapsed, Duration                                                                      time.Duration
}

type liveCounters struct {
	offered, dropped, sent, attempts, acked, throttled, failed, expired, retried, requests, inFlight atomic.Int64
}
