package reports

import (
	"errors"
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/scenarios"
)

// Metric units, as scenarios.Metrics names them.
const (
	unitRatio   = "ratio"
	unitMs      = "ms"
	unitRecords = "records"
	unitCalls   = "calls"
	unitUSD     = "usd"

	unitRecordsPerS = "records/s"
)

// metric is one threshold metric: its unit and how to read it off Results.
type metric struct {
	unit  string
	value func(r *Results) float64
}

// metrics maps every threshold metric name to its definition. It must list
// exactly the names of scenarios.Metrics (TestMetricsCoverScenarioMetrics).
var metrics = map[string]metric{
	"throttle_ratio": {unitRatio, func(r *Results) float64 { return r.Totals.ThrottleRatio }},
	"error_ratio":    {unitRatio, errorRatio},

	"offered":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Offered) }},
	"dropped":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Dropped) }},
	"acked":     {unitRecords, func(r *Results) float64 { return float64(r.Totals.Acked) }},
	"throttled": {unitRecords, func(r *Results) float64 { return float64(r.Totals.Throttled) }},
	"failed":    {unitRecords, func(r *Results) float64 { return float64(r.Totals.Failed) }},
	"expired":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Expired) }},
	"retried":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Retried) }},

	"offered_per_s": {unitRecordsPerS, perRunSecond(func(t Totals) int64 { return t.Offered })},
	"acked_per_s":   {unitRecordsPerS, perRunSecond(func(t Totals) int64 { return t.Acked })},

	"delivery_lost": {unitRecords, delivery(func(d *Delivery) float64 { return float64(d.Lost) })},

	"e2e_lost":         {unitRecords, e2e(func(x *E2E) float64 { return float64(x.Lost) })},
	"e2e_duplicates":   {unitRecords, e2e(func(x *E2E) float64 { return float64(x.Duplicates) })},
	"e2e_out_of_order": {unitRecords, e2e(func(x *E2E) float64 { return float64(x.OutOfOrder) })},
	"read_throttles":   {unitCalls, e2e(func(x *E2E) float64 { return float64(x.ReadThrottles) })},
	"iterator_age_max": {unitMs, e2e(func(x *E2E) float64 { return float64(x.IteratorAgeMaxMs) })},

	"cost_run_usd":     {unitUSD, cost(func(c *RunCost) float64 { return c.RunUSD })},
	"cost_monthly_usd": {unitUSD, cost(func(c *RunCost) float64 { return c.MonthlyUSD })},
}

// distributions maps each distribution of scenarios.Distributions to where
// Results holds it; nil when the run did not measure it (not read back, no
// Firehose).
var distributions = map[string]func(r *Results) *Percentiles{
	"put_latency":     func(r *Results) *Percentiles { return &r.Latency.ResponseMs },
	"service_latency": func(r *Results) *Percentiles { return &r.Latency.ServiceMs },
	"send_lag":        func(r *Results) *Percentiles { return &r.Latency.SendLagMs },
	"e2e_latency": func(r *Results) *Percentiles {
		if r.E2E == nil {
			return nil
		}
		return &r.E2E.LatencyMs
	},
	"delivery_delay": func(r *Results) *Percentiles {
		if r.Delivery == nil {
			return nil
		}
		return &r.Delivery.DelayMs
	},
}

func init() {
	for _, d := range scenarios.Distributions {
		get := distributions[d.Name]
		for _, st := range scenarios.Statistics {
			metrics[d.Name+"_"+st.Suffix] = metric{unitMs, func(r *Results) float64 {
				p := get(r)
				if p == nil {
					return math.NaN()
				}
				return p.Stat(st.Suffix)
			}}
		}
	}
}

// Stat returns the statistic of p named by its metric suffix (min, mean,
// p50, p90, p95, p99, p999, max); NaN for another name.
func (p *Percentiles) Stat(suffix string) float64 {
	switch suffix {
	case "min":
		return p.Min
	case "mean":
		return p.Mean
	case "p50":
		return p.P50
	case "p90":
		return p.P90
	case "p95":
		return p.P95
	case "p99":
		return p.P99
	case "p999":
		return p.P999
	case "max":
		return p.Max
	}
	return math.NaN()
}

// Percentile returns the q-th percentile (0 < q < 100) of the distribution
// from its histogram, exactly as the fixed percentiles are computed; 0
// when nothing was recorded, and NaN when the file carries no histogram
// (version 1) or a corrupt one.
func (p *Percentiles) Percentile(q float64) float64 {
	if p.Count == 0 {
		return 0
	}
	h, err := p.Histogram()
	if err != nil || h.TotalCount() == 0 {
		return math.NaN()
	}
	return float64(h.ValueAtQuantile(q)) / 1000
}

// Histogram decodes Hist: the distribution in microseconds, of
// loadgen.NewHistogram's geometry. An error for a distribution with
// samples but no histogram (a version 1 file) or a corrupt one.
func (p *Percentiles) Histogram() (*hdrhistogram.Histogram, error) {
	if p.h != nil {
		return p.h, nil
	}
	if p.Hist == "" && p.Count > 0 {
		return nil, errors.New("no histogram: the file was written before results carried them (" + SchemaV1 + ")")
	}
	h, err := loadgen.DecodeHistogram(p.Hist)
	if err != nil {
		return nil, err
	}
	if h.TotalCount() != p.Count {
		return nil, fmt.Errorf("histogram holds %d samples, count says %d", h.TotalCount(), p.Count)
	}
	return h, nil
}

// perRunSecond reads a total as records per second of the load's
// duration (LoadSeconds); 0 for a run of no time.
func perRunSecond(f func(Totals) int64) func(*Results) float64 {
	return func(r *Results) float64 {
		d := LoadSeconds(r)
		if d <= 0 {
			return 0
		}
		return float64(f(r.Totals)) / d
	}
}

// LoadSeconds is how long r's load was offered, in seconds: the run's
// --duration, else the scenario's load.duration, cut short by an
// interruption; the run's wall time when neither says. Draining what was
// in flight after the load ended is not counted, so that a run that
// retried for longer does not look as if it was offered less.
func LoadSeconds(r *Results) float64 {
	d := r.DurationOverrideS
	if d == 0 {
		d = r.Scenario.Load.Duration.D().Seconds()
	}
	if d <= 0 || r.Interrupted || r.DurationS < d {
		return r.DurationS
	}
	return d
}

// cost reads a cost figure; NaN for a run that was not priced (no prices
// for its Region), which fails every threshold rather than passing
// silently.
func cost(f func(*RunCost) float64) func(*Results) float64 {
	return func(r *Results) float64 {
		if r.Cost == nil {
			return math.NaN()
		}
		return f(r.Cost)
	}
}

// e2e reads an end-to-end figure; NaN for a run that was not read back,
// which fails every threshold rather than passing silently.
func e2e(f func(*E2E) float64) func(*Results) float64 {
	return func(r *Results) float64 {
		if r.E2E == nil {
			return math.NaN()
		}
		return f(r.E2E)
	}
}

// delivery reads a Firehose delivery figure; NaN for a run without one,
// which fails every threshold rather than passing silently.
func delivery(f func(*Delivery) float64) func(*Results) float64 {
	return func(r *Results) float64 {
		if r.Delivery == nil {
			return math.NaN()
		}
		return f(r.Delivery)
	}
}

// errorRatio is (failed + expired) ÷ offered records, 0 when nothing was
// offered.
func errorRatio(r *Results) float64 {
	if r.Totals.Offered == 0 {
		return 0
	}
	return float64(r.Totals.Failed+r.Totals.Expired) / float64(r.Totals.Offered)
}

// MetricValue returns the value of the threshold metric name measured in r,
// in the metric's base unit: a fraction for ratios, milliseconds for
// latencies and iterator age, records or API calls for counts, US dollars
// for costs. ok is false for a name that is not a metric.
//
// name is any name scenarios.LookupMetric reads, a percentile of a
// distribution among them (put_latency_p(99.5)), read off the
// distribution's histogram: NaN when the file has none (version 1).
func MetricValue(r *Results, name string) (value float64, ok bool) {
	info, ok := scenarios.LookupMetric(name)
	if !ok {
		return 0, false
	}
	if m, ok := metrics[info.Name]; ok {
		return m.value(r), true
	}
	dist, q, ok := scenarios.MetricPercentile(info.Name)
	if !ok {
		return 0, false
	}
	p := distributions[dist](r)
	if p == nil {
		return math.NaN(), true
	}
	return p.Percentile(q), true
}

// metricUnit returns the base unit of the metric name, "" if it is unknown.
func metricUnit(name string) string {
	info, ok := scenarios.LookupMetric(name)
	if !ok {
		return ""
	}
	return string(info.Unit)
}
