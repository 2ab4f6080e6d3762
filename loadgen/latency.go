package loadgen

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// LatencyHistogram collects durations as a run's latencies are collected:
// 1 µs to 1 hour at 3 significant figures, a duration outside that range
// counted at its nearer end (a negative one, from clocks apart, as 1 µs),
// summarised in milliseconds. Packages outside loadgen use it for latencies
// they measure themselves (loadgen/firehose for delivery delays). It is not
// safe for concurrent use.
type LatencyHistogram struct {
	h *hdrhistogram.Histogram
}

// NewLatencyHistogram returns an empty LatencyHistogram.
func NewLatencyHistogram() *LatencyHistogram {
	return &LatencyHistogram{h: newHist()}
}

// Record adds d.
func (l *LatencyHistogram) Record(d time.Duration) { recordMicros(l.h, d) }

// Percentiles summarises what was recorded; the zero Percentiles if nothing
// was.
func (l *LatencyHistogram) Percentiles() Percentiles { return summarize(l.h) }
