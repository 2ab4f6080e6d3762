package scenarios

import (
	"sort"
	"strconv"
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
	// UnitRecordsPerS is records per second.
	UnitRecordsPerS Unit = "records/s"
)

// Which way a metric gets worse, as MetricInfo.Worse says.
const (
	WorseHigher = "higher"
	WorseLower  = "lower"
)

// MetricInfo describes one metric a threshold can test.
type MetricInfo struct {
	// Name is the metric's name in threshold expressions.
	Name string
	// Unit is the unit of the metric's value and of Threshold.Value.
	Unit Unit
	// Help is a one-line description.
	Help string
	// Worse is WorseHigher when a higher value is worse (latencies,
	// throttling, losses, cost), WorseLower when a lower one is
	// (throughput), and "" for the load given (offered), which cannot
	// regress.
	Worse string
	// Tolerance is how much worse the metric may get against a baseline
	// before spillway compare calls it a regression, unless a flag or the
	// scenario's compare section says otherwise: an expression
	// ParseTolerance reads, "off" for a metric shown but not checked.
	Tolerance string
}

// Metrics is the catalogue of metrics that thresholds can name, by name.
// Reports evaluate thresholds against these; an unknown name is an error,
// never a silent pass.
var Metrics = map[string]MetricInfo{}

// Distributions are the measured distributions, by metric name prefix:
// each gives the metrics <name>_min, _mean, _p50, _p90, _p95, _p99, _p999
// and _max, and any percentile as <name>_p(N) (LookupMetric).
var Distributions = []struct{ Name, Help string }{
	{"put_latency", "put latency: response time measured from the intended send time, in ms"},
	{"service_latency", "service latency: request round trip, in ms"},
	{"send_lag", "send lag: actual minus intended send time of each request, in ms"},
	{"e2e_latency", "end-to-end latency: intended send time to the record read back, in ms (runs that read the stream back)"},
	{"delivery_delay", "Firehose delivery delay: intended send time to the object in S3, in ms (needs a firehose section)"},
}

// Statistics are the suffixes of a distribution's fixed metrics, with the
// percentile each stands for (0 for min, mean and max).
var Statistics = []struct {
	Suffix, Help string
	Percentile   float64
}{
	{"min", "minimum", 0}, {"mean", "mean", 0}, {"p50", "median", 50}, {"p90", "90th percentile", 90},
	{"p95", "95th percentile", 95}, {"p99", "99th percentile", 99}, {"p999", "99.9th percentile", 99.9},
	{"max", "maximum", 0},
}

func init() {
	add := func(name string, u Unit, worse, tolerance, help string) {
		Metrics[name] = MetricInfo{Name: name, Unit: u, Help: help, Worse: worse, Tolerance: tolerance}
	}
	// The default tolerances: a tenth worse on throughput and on the mean
	// and median latencies, 15% on p90 and p95, a fifth on p99 (tails move
	// with the machine's load: two quickstart runs on a busy 2-core
	// machine differed by 10–13% there), a fifth on every latency without a
	// per-second series to tell noise by, a percentage point more
	// throttling or a tenth of one more errors;
	// the extremes (min, max, p99.9 of a short run) are a few samples
	// each and left unchecked, as are the counts that grow with the run's
	// length, which the ratios and rates stand for.
	add("throttle_ratio", UnitRatio, WorseHigher, "+1pp", "throttled put attempts ÷ put attempts")
	add("error_ratio", UnitRatio, WorseHigher, "+0.1pp", "(failed + expired records) ÷ offered records")
	for _, d := range Distributions {
		for _, q := range Statistics {
			tol := "+10%"
			switch q.Suffix {
			case "p90", "p95":
				tol = "+15%"
			case "p99":
				tol = "+20%"
			}
			switch {
			case q.Suffix == "min" || q.Suffix == "max" || q.Suffix == "p999":
				tol = "off"
			case d.Name == "send_lag":
				// How late the generator sent says how busy this machine
				// was, not how the stream did.
				tol = "off"
			case d.Name == "e2e_latency" || d.Name == "delivery_delay":
				// No per-second series tells their noise: a wider margin.
				tol = "+20%"
			}
			add(d.Name+"_"+q.Suffix, UnitMs, WorseHigher, tol, q.Help+" "+d.Help)
		}
	}
	add("offered", UnitRecords, "", "off", "records the schedule offered")
	add("dropped", UnitRecords, WorseHigher, "+0", "records the generator dropped because its backlog (producer.max_backlog) was full: the generator, not the stream, could not keep up")
	add("acked", UnitRecords, WorseLower, "off", "records Kinesis accepted")
	add("throttled", UnitRecords, WorseHigher, "off", "record put attempts rejected with ProvisionedThroughputExceededException")
	add("failed", UnitRecords, WorseHigher, "off", "records that failed for good (attempts exhausted or a non-retryable error)")
	add("expired", UnitRecords, WorseHigher, "off", "records dropped because their retry TTL passed")
	add("retried", UnitRecords, WorseHigher, "off", "record put attempts after the first")
	add("offered_per_s", UnitRecordsPerS, "", "off", "records offered per second of the run")
	add("acked_per_s", UnitRecordsPerS, WorseLower, "-10%", "records accepted per second of the run")
	add("e2e_lost", UnitRecords, WorseHigher, "+0", "acknowledged records not read back by the end of the grace period (runs that read the stream back)")
	add("e2e_duplicates", UnitRecords, WorseHigher, "+0", "extra copies of records read back (runs that read the stream back)")
	add("e2e_out_of_order", UnitRecords, WorseHigher, "off", "records read after a later record of the same partition key (runs that read the stream back)")
	add("read_throttles", UnitCalls, WorseHigher, "off", "GetRecords calls throttled with ProvisionedThroughputExceededException (runs that read the stream back)")
	add("iterator_age_max", UnitMs, WorseHigher, "off", "largest MillisBehindLatest any consumer saw: how far reading fell behind the stream, in ms (runs that read the stream back)")
	add("delivery_lost", UnitRecords, WorseHigher, "+0", "records Firehose accepted but not found in the delivered objects (needs a firehose section)")
	add("cost_run_usd", UnitUSD, WorseHigher, "off", "what the run's writes cost at list prices, in USD: shard-hours prorated to the run's duration plus PUT payload units (on-demand: stream-hours plus ingest; Firehose: ingestion); fails when the Region has no prices")
	add("cost_monthly_usd", UnitUSD, WorseHigher, "+5%", "cost_run_usd for 730 hours of the run's traffic, in USD; fails when the Region has no prices")
}

// LookupMetric returns the metric name stands for: a name of Metrics, or a
// distribution's percentile written as k6 writes it, <distribution>_p(N)
// with 0 < N < 100 (put_latency_p(99.5)). k6's avg and med are read as
// mean and p50 (put_latency_avg is put_latency_mean), and a standard
// percentile in p(N) form as its fixed name (put_latency_p(95) is
// put_latency_p95). Spaces may stand for the underscore before the
// statistic, as k6 writes "p(95)" after a metric: "put_latency p(95)".
// The MetricInfo's Name is the canonical name.
func LookupMetric(name string) (MetricInfo, bool) {
	name = strings.Join(strings.Fields(name), "_")
	if m, ok := Metrics[name]; ok {
		return m, true
	}
	for _, d := range Distributions {
		rest, ok := strings.CutPrefix(name, d.Name+"_")
		if !ok {
			continue
		}
		switch rest {
		case "avg":
			return Metrics[d.Name+"_mean"], true
		case "med":
			return Metrics[d.Name+"_p50"], true
		}
		q, ok := percentileArg(rest)
		if !ok {
			return MetricInfo{}, false
		}
		for _, st := range Statistics {
			if st.Percentile == q {
				return Metrics[d.Name+"_"+st.Suffix], true
			}
		}
		canon := d.Name + "_p(" + strconv.FormatFloat(q, 'f', -1, 64) + ")"
		return MetricInfo{Name: canon, Unit: UnitMs, Help: "percentile " + strconv.FormatFloat(q, 'f', -1, 64) + " of " + d.Help,
			Worse: WorseHigher, Tolerance: "+10%"}, true
	}
	return MetricInfo{}, false
}

// MetricPercentile splits a canonical metric name of a distribution's
// percentile (LookupMetric) into the distribution and the percentile:
// ("put_latency", 99.5, true) for put_latency_p(99.5), ("put_latency", 99,
// true) for put_latency_p99. ok is false for other metrics, min, mean and
// max among them.
func MetricPercentile(name string) (dist string, percentile float64, ok bool) {
	for _, d := range Distributions {
		rest, found := strings.CutPrefix(name, d.Name+"_")
		if !found {
			continue
		}
		for _, st := range Statistics {
			if st.Suffix == rest && st.Percentile > 0 {
				return d.Name, st.Percentile, true
			}
		}
		if q, ok := percentileArg(rest); ok {
			return d.Name, q, true
		}
	}
	return "", 0, false
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

// percentileArg reads k6's "p(N)" with 0 < N < 100 written in plain
// decimals (p(99.5), not p(9.95e1)).
func percentileArg(s string) (float64, bool) {
	arg, ok := strings.CutPrefix(s, "p(")
	if !ok {
		return 0, false
	}
	if arg, ok = strings.CutSuffix(arg, ")"); !ok || strings.ContainsAny(arg, "eEnNxX+-_") {
		return 0, false
	}
	q, err := strconv.ParseFloat(arg, 64)
	if err != nil || !(q > 0 && q < 100) {
		return 0, false
	}
	return q, true
}
