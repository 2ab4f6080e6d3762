package reports

import "math"

// Metric units, as scenarios.Metrics names them.
const (
	unitRatio   = "ratio"
	unitMs      = "ms"
	unitRecords = "records"
	unitCalls   = "calls"
	unitUSD     = "usd"
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

	"put_latency_p50":  {unitMs, func(r *Results) float64 { return r.Latency.ResponseMs.P50 }},
	"put_latency_p90":  {unitMs, func(r *Results) float64 { return r.Latency.ResponseMs.P90 }},
	"put_latency_p99":  {unitMs, func(r *Results) float64 { return r.Latency.ResponseMs.P99 }},
	"put_latency_p999": {unitMs, func(r *Results) float64 { return r.Latency.ResponseMs.P999 }},
	"put_latency_max":  {unitMs, func(r *Results) float64 { return r.Latency.ResponseMs.Max }},

	"service_latency_p50":  {unitMs, func(r *Results) float64 { return r.Latency.ServiceMs.P50 }},
	"service_latency_p90":  {unitMs, func(r *Results) float64 { return r.Latency.ServiceMs.P90 }},
	"service_latency_p99":  {unitMs, func(r *Results) float64 { return r.Latency.ServiceMs.P99 }},
	"service_latency_p999": {unitMs, func(r *Results) float64 { return r.Latency.ServiceMs.P999 }},
	"service_latency_max":  {unitMs, func(r *Results) float64 { return r.Latency.ServiceMs.Max }},

	"send_lag_p99": {unitMs, func(r *Results) float64 { return r.Latency.SendLagMs.P99 }},
	"send_lag_max": {unitMs, func(r *Results) float64 { return r.Latency.SendLagMs.Max }},

	"offered":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Offered) }},
	"acked":     {unitRecords, func(r *Results) float64 { return float64(r.Totals.Acked) }},
	"throttled": {unitRecords, func(r *Results) float64 { return float64(r.Totals.Throttled) }},
	"failed":    {unitRecords, func(r *Results) float64 { return float64(r.Totals.Failed) }},
	"expired":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Expired) }},
	"retried":   {unitRecords, func(r *Results) float64 { return float64(r.Totals.Retried) }},

	"delivery_delay_p50": {unitMs, delivery(func(d *Delivery) float64 { return d.DelayMs.P50 })},
	"delivery_delay_p90": {unitMs, delivery(func(d *Delivery) float64 { return d.DelayMs.P90 })},
	"delivery_delay_p99": {unitMs, delivery(func(d *Delivery) float64 { return d.DelayMs.P99 })},
	"delivery_delay_max": {unitMs, delivery(func(d *Delivery) float64 { return d.DelayMs.Max })},
	"delivery_lost":      {unitRecords, delivery(func(d *Delivery) float64 { return float64(d.Lost) })},

	"e2e_latency_p50":  {unitMs, e2e(func(x *E2E) float64 { return x.LatencyMs.P50 })},
	"e2e_latency_p99":  {unitMs, e2e(func(x *E2E) float64 { return x.LatencyMs.P99 })},
	"e2e_latency_max":  {unitMs, e2e(func(x *E2E) float64 { return x.LatencyMs.Max })},
	"e2e_lost":         {unitRecords, e2e(func(x *E2E) float64 { return float64(x.Lost) })},
	"e2e_duplicates":   {unitRecords, e2e(func(x *E2E) float64 { return float64(x.Duplicates) })},
	"e2e_out_of_order": {unitRecords, e2e(func(x *E2E) float64 { return float64(x.OutOfOrder) })},
	"read_throttles":   {unitCalls, e2e(func(x *E2E) float64 { return float64(x.ReadThrottles) })},
	"iterator_age_max": {unitMs, e2e(func(x *E2E) float64 { return float64(x.IteratorAgeMaxMs) })},

	"cost_run_usd":     {unitUSD, cost(func(c *RunCost) float64 { return c.RunUSD })},
	"cost_monthly_usd": {unitUSD, cost(func(c *RunCost) float64 { return c.MonthlyUSD })},
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
func MetricValue(r *Results, name string) (value float64, ok bool) {
	m, ok := metrics[name]
	if !ok {
		return 0, false
	}
	return m.value(r), true
}

// metricUnit returns the base unit of the metric name, "" if it is unknown.
func metricUnit(name string) string { return metrics[name].unit }
