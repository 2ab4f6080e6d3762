package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Threshold operators.
var thresholdOps = []string{"<=", ">=", "<", ">"}

// ParseThreshold reads an expression "metric op value", such as
// "throttle_ratio < 0.05", "error_ratio <= 1%" or "put_latency_p99 < 500ms".
// The metric must be one LookupMetric knows, written with an underscore or
// a space before the statistic as k6 writes it ("put_latency p(95)",
// "put_latency_p(99.9)", "service_latency avg"); Metric holds its
// canonical name. op is one of <, <=, >, >=. The value is converted to the
// metric's unit: durations to milliseconds (a bare number is
// milliseconds), percentages to ratios.
func ParseThreshold(expr string) (Threshold, error) {
	t := Threshold{Expr: expr}
	i := strings.IndexAny(expr, "<>=!")
	if i < 0 {
		return t, fmt.Errorf("%q is not \"metric op value\" with op one of <, <=, >, >=", expr)
	}
	t.Metric = strings.TrimSpace(expr[:i])
	j := i
	for j < len(expr) && strings.IndexByte("<>=!", expr[j]) >= 0 {
		j++
	}
	t.Op = expr[i:j]
	if !slices.Contains(thresholdOps, t.Op) {
		return t, fmt.Errorf("operator %q is not one of <, <=, >, >=", t.Op)
	}
	if t.Metric == "" {
		return t, fmt.Errorf("%q has no metric before %s", expr, t.Op)
	}
	info, ok := LookupMetric(t.Metric)
	if !ok {
		return t, unknownMetric(t.Metric)
	}
	t.Metric = info.Name
	s := strings.TrimSpace(expr[j:])
	if s == "" {
		return t, fmt.Errorf("%q has no value after %s", expr, t.Op)
	}
	v, err := parseMetricValue(info, s)
	if err != nil {
		return t, err
	}
	t.Value = v
	return t, nil
}

func unknownMetric(name string) error {
	var plain, dists, stats []string
	for _, n := range MetricNames() {
		if !ofDistribution(n) {
			plain = append(plain, n)
		}
	}
	for _, d := range Distributions {
		dists = append(dists, d.Name)
	}
	for _, q := range Statistics {
		stats = append(stats, "_"+q.Suffix)
	}
	return fmt.Errorf("unknown metric %q%s; known metrics: %s; and %s, each with %s or _p(N) for any percentile N",
		name, suggest(name, MetricNames()), strings.Join(plain, ", "), strings.Join(dists, ", "), strings.Join(stats, ", "))
}

// ofDistribution reports whether name is a statistic of a distribution.
func ofDistribution(name string) bool {
	for _, d := range Distributions {
		if strings.HasPrefix(name, d.Name+"_") {
			return true
		}
	}
	return false
}

// parseMetricValue reads s in the unit of m.
func parseMetricValue(m MetricInfo, s string) (float64, error) {
	var v float64
	switch m.Unit {
	case UnitMs:
		if f, err := parseNumber(s); err == nil {
			v = f
		} else if d, err := time.ParseDuration(s); err == nil {
			v = float64(d) / float64(time.Millisecond)
		} else {
			return 0, fmt.Errorf("%q is not a duration for %s: write e.g. 500ms, 1.5s, or a number of milliseconds", s, m.Name)
		}
	case UnitRatio:
		num, pct := strings.CutSuffix(s, "%")
		f, err := parseNumber(strings.TrimSpace(num))
		if err != nil {
			return 0, fmt.Errorf("%q is not a ratio for %s: write e.g. 0.05 or 5%%", s, m.Name)
		}
		if pct {
			f /= 100
		}
		v = f
	default:
		f, err := parseNumber(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of %s for %s", s, m.Unit, m.Name)
		}
		v = f
	}
	if err := checkMetricValue(m, v); err != nil {
		return 0, fmt.Errorf("%s %w", s, err)
	}
	return v, nil
}

// checkMetricValue reports whether v is in range for m's unit.
func checkMetricValue(m MetricInfo, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("is not a finite number")
	case v < 0:
		return fmt.Errorf("is negative")
	case m.Unit == UnitRatio && v > 1:
		return fmt.Errorf("is above 1: %s is a ratio from 0 to 1 (0.05 or 5%%)", m.Name)
	}
	return nil
}

// Pass reports whether a metric value v meets t: for "p99 < 500" whether
// v < 500. v is in the metric's unit, as Value is.
func (t Threshold) Pass(v float64) bool {
	switch t.Op {
	case "<":
		return v < t.Value
	case "<=":
		return v <= t.Value
	case ">":
		return v > t.Value
	case ">=":
		return v >= t.Value
	}
	return false
}

// String returns Expr, or for a Threshold built in code "metric op value".
func (t Threshold) String() string {
	if t.Expr != "" {
		return t.Expr
	}
	return t.Metric + " " + t.Op + " " + strconv.FormatFloat(t.Value, 'g', -1, 64)
}

// MarshalYAML writes t as its expression, as ParseThreshold reads it, or
// as a mapping with abort_on_fail when it aborts runs.
func (t Threshold) MarshalYAML() (any, error) {
	if !t.AbortOnFail {
		return t.String(), nil
	}
	m := map[string]any{"threshold": t.String(), "abort_on_fail": true}
	if t.AbortDelay > 0 {
		m["delay_abort_eval"] = t.AbortDelay.String()
	}
	return m, nil
}
