package reports

import (
	"math"

	"github.com/spillway-dev/spillway/scenarios"
)

// Evaluate checks each threshold against r and returns one result per
// threshold, in order. A threshold on an unknown metric, with an unknown
// operator, or whose measured value is NaN fails: a typo never passes
// silently.
func Evaluate(r *Results, ths []scenarios.Threshold) []ThresholdResult {
	out := make([]ThresholdResult, 0, len(ths))
	for _, th := range ths {
		tr := ThresholdResult{
			Expr:   th.Expr,
			Metric: th.Metric,
			Op:     th.Op,
			Limit:  th.Value,
			Unit:   metricUnit(th.Metric),
		}
		if v, ok := MetricValue(r, th.Metric); ok && !math.IsNaN(v) {
			tr.Value = v
			tr.Pass = compare(v, th.Op, th.Value)
		}
		out = append(out, tr)
	}
	return out
}

// compare reports whether "v op limit" holds; false for an unknown op.
func compare(v float64, op string, limit float64) bool {
	switch op {
	case "<":
		return v < limit
	case "<=":
		return v <= limit
	case ">":
		return v > limit
	case ">=":
		return v >= limit
	}
	return false
}

// ThresholdsPassed reports whether every threshold result passed. It is
// true when there are none.
func ThresholdsPassed(trs []ThresholdResult) bool {
	for _, tr := range trs {
		if !tr.Pass {
			return false
		}
	}
	return true
}
