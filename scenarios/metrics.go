package scenarios

import (
	"sort"
	"strings"
)

// Unit is the base unit a metric is measured and compared in.
type Unit string

// Metric units.
const (
	// UnitRatio is a fraction from 0 to 1. Thresholds accept 0.05 or 5%.
	UnitRatio Unit = "ratio"
	// UnitMs is milliseconds. Thresholds accept a Go duration (500ms, 1.5s)
	// or a bare number of milliseconds.
	UnitMs Unit = "ms"
	// UnitRecords is a count of records.
	UnitRecords Unit = "records"
	// UnitCalls is a count of API calls, such as GetRecords calls.
	UnitCalls Unit = "calls"
	// UnitUSD is US dollars. Thresholds take a bare number (500).
	UnitUSD Unit = "usd"
)

// MetricInfo describes one metric a threshold can test.
type MetricInfo struct {
	// Name is the metric's name in threshold expressions.
	Name string
	// Unit is the unit of the metric's value and of Threshold.Value.
	Unit Unit
	// Help is a one-line description.
	Help string
}

// Metrics is the catalogue of metrics that thresholds can name, by name.
// Reports evaluate thresholds against these; an unknown name is an error,
// never a silent pass.
var Metrics = map[string]MetricInfo{}

func init() {
	add := func(name string, u Unit, help string) {
		Metrics[name] = MetricInfo{Name: name, Unit: u, Help: help}
	}
	add("throttle_ratio", UnitRatio, "throttled put attempts ÷ put attempts")
	add("error_ratio", UnitRatio, "(failed + expired records) ÷ offered records")
	quantiles := []struct{ suffix, help string }{
		{"p50", "median"}, {"p90", "90th percentile"}, {"p99", "99th percentile"},
		{"p999", "99.9th percentile"}, {"max", "maximum"},
	}
	for _, q := range quantiles {
		add("put_latency_"+q.suffix, UnitMs, q.help+" put latency: response time measured from the intended send time, in ms")
		add("service_latency_"+q.suffix, UnitMs, q.help+" service latency: request round trip, in ms")
	}
	add("send_lag_p99", UnitMs, "99th percentile send lag: actual minus intended send time, in ms")
	add("send_lag_max", UnitMs, "maximum send lag: actual minus intended send time, in ms")
	add("offered", UnitRecords, "records the schedule offered")
	add("acked", UnitRecords, "records Kinesis accepted")
	add("throttled", UnitRecords, "record put attempts rejected with ProvisionedThroughputExceededException")
	add("failed", UnitRecords, "records that failed for good (attempts exhausted or a non-retryable error)")
	add("expired", UnitRecords, "records dropped because their retry TTL passed")
	add("retried", UnitRecords, "record put attempts after the first")
	for _, q := range quantiles {
		if q.suffix != "p999" {
			add("delivery_delay_"+q.suffix, UnitMs, q.help+" Firehose delivery delay: intended send time to the object in S3, in ms (needs a firehose section)")
		}
	}
	for _, q := range []string{"p50", "p99", "max"} {
		add("e2e_latency_"+q, UnitMs, q+" end-to-end latency: intended send time to the record read back, in ms (runs that read the stream back)")
	}
	add("e2e_lost", UnitRecords, "acknowledged records not read back by the end of the grace period (runs that read the stream back)")
	add("e2e_duplicates", UnitRecords, "extra copies of records read back (runs that read the stream back)")
	add("e2e_out_of_order", UnitRecords, "records read after a later record of the same partition key (runs that read the stream back)")
	add("read_throttles", UnitCalls, "GetRecords calls throttled with ProvisionedThroughputExceededException (runs that read the stream back)")
	add("iterator_age_max", UnitMs, "largest MillisBehindLatest any consumer saw: how far reading fell behind the stream, in ms (runs that read the stream back)")
	add("delivery_lost", UnitRecords, "records Firehose accepted but not found in the delivered objects (needs a firehose section)")
	add("cost_run_usd", UnitUSD, "what the run's writes cost at list prices, in USD: shard-hours prorated to the run's duration plus PUT payload units (on-demand: stream-hours plus ingest; Firehose: ingestion); fails when the Region has no prices")
	add("cost_monthly_usd", UnitUSD, "cost_run_usd for 730 hours of the run's traffic, in USD; fails when the Region has no prices")
}

// NeedsFirehose reports whether the metric name is only measured on runs
// with a firehose section.
func NeedsFirehose(name string) bool { return strings.HasPrefix(name, "delivery_") }

// MetricNames returns the names in Metrics, sorted.
func MetricNames() []string {
	names := make([]string, 0, len(Metrics))
	for n := range Metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
