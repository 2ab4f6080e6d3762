package scenarios

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Tolerance kinds.
const (
	// ToleranceOff shows a metric in a comparison without checking it.
	ToleranceOff = "off"
	// ToleranceRelative allows a change of a fraction of the baseline.
	ToleranceRelative = "relative"
	// ToleranceAbsolute allows a change of an amount in the metric's unit.
	ToleranceAbsolute = "absolute"
)

// Tolerance is how much worse a metric may get against a baseline before
// spillway compare calls it a regression. In a scenario's compare section
// it is written "metric: expr", on the command line "metric=expr".
type Tolerance struct {
	// Metric is the canonical name of the metric (LookupMetric).
	Metric string `json:"metric"`
	// Expr is the tolerance as written: "+10%", "+1pp", "+50ms", "+0",
	// "-5%", "off".
	Expr string `json:"expr"`
	// Kind is ToleranceOff, ToleranceRelative or ToleranceAbsolute.
	Kind string `json:"kind"`
	// Amount is the change allowed in the worse direction, never negative:
	// a fraction of the baseline for ToleranceRelative (0.1 for 10%), an
	// amount in the metric's unit for ToleranceAbsolute (0.01 for 1pp of a
	// ratio, 50 for 50ms); 0 for ToleranceOff.
	Amount float64 `json:"amount"`
}

// ParseTolerance reads a tolerance expression for the metric name:
//
//	off      not checked, only shown
//	+10%     may grow by 10% of the baseline (-10% for a metric that gets
//	         worse as it falls, such as acked_per_s)
//	+1pp     a ratio may grow by 1 percentage point (0.01)
//	+50ms    a latency may grow by 50 ms (any Go duration)
//	+3       may grow by 3 in the metric's unit (records, calls, USD, ms)
//
// The sign says which way the metric gets worse; it may be left out, but
// when given it must be that of the metric (MetricInfo.Worse). The
// metric's name may be written as LookupMetric reads it.
func ParseTolerance(name, expr string) (Tolerance, error) {
	m, ok := LookupMetric(name)
	if !ok {
		return Tolerance{}, unknownMetric(name)
	}
	t := Tolerance{Metric: m.Name, Expr: expr}
	s := strings.TrimSpace(expr)
	if strings.EqualFold(s, "off") {
		t.Kind = ToleranceOff
		return t, nil
	}
	if m.Worse == "" {
		return t, fmt.Errorf("%s is the load given, not a result: it cannot regress, so its only tolerance is off", m.Name)
	}
	switch {
	case strings.HasPrefix(s, "+"):
		if m.Worse != WorseHigher {
			return t, fmt.Errorf("%q: %s gets worse as it falls: write the tolerance with a minus sign (-%s)", expr, m.Name, s[1:])
		}
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		if m.Worse != WorseLower {
			return t, fmt.Errorf("%q: %s gets worse as it grows: write the tolerance with a plus sign (+%s)", expr, m.Name, s[1:])
		}
		s = s[1:]
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return t, fmt.Errorf("tolerance for %s is empty: write e.g. %s", m.Name, toleranceExample(m))
	}
	var (
		v   float64
		err error
	)
	switch num, isPct := strings.CutSuffix(s, "%"); {
	case isPct:
		t.Kind = ToleranceRelative
		v, err = parseNumber(strings.TrimSpace(num))
		v /= 100
	case strings.HasSuffix(s, "pp"):
		if m.Unit != UnitRatio {
			return t, fmt.Errorf("%q: percentage points (pp) are for ratios; %s is in %s", expr, m.Name, m.Unit)
		}
		t.Kind = ToleranceAbsolute
		v, err = parseNumber(strings.TrimSpace(strings.TrimSuffix(s, "pp")))
		v /= 100
	default:
		t.Kind = ToleranceAbsolute
		v, err = parseNumber(s)
		if err != nil && m.Unit == UnitMs {
			var d time.Duration
			if d, err = time.ParseDuration(s); err == nil {
				v = float64(d) / float64(time.Millisecond)
			}
		}
	}
	switch {
	case err != nil:
		return t, fmt.Errorf("%q is not a tolerance for %s: write e.g. %s, or off", expr, m.Name, toleranceExample(m))
	case math.IsNaN(v) || math.IsInf(v, 0) || v < 0:
		return t, fmt.Errorf("%q: a tolerance is a finite amount, not negative", expr)
	}
	t.Amount = v
	return t, nil
}

// toleranceExample is a tolerance that fits m, for error messages.
func toleranceExample(m MetricInfo) string {
	sign := "+"
	if m.Worse == WorseLower {
		sign = "-"
	}
	switch m.Unit {
	case UnitRatio:
		return sign + "1pp or " + sign + "10%"
	case UnitMs:
		return sign + "10% or " + sign + "50ms"
	}
	return sign + "10% or " + sign + "5"
}

// DefaultTolerance is the tolerance of the metric name when nobody sets
// one (MetricInfo.Tolerance); ok is false for an unknown metric.
func DefaultTolerance(name string) (Tolerance, bool) {
	m, ok := LookupMetric(name)
	if !ok {
		return Tolerance{}, false
	}
	t, err := ParseTolerance(m.Name, m.Tolerance)
	if err != nil {
		// The catalogue's own defaults are tested to parse.
		return Tolerance{Metric: m.Name, Expr: ToleranceOff, Kind: ToleranceOff}, true
	}
	return t, true
}

// String returns "metric: expr".
func (t Tolerance) String() string { return t.Metric + ": " + t.Expr }

// Tolerances is a scenario's compare section: in a file, a mapping of
// metric names to tolerance expressions.
type Tolerances []Tolerance

// Find returns the tolerance for the canonical metric name, if listed.
func (ts Tolerances) Find(metric string) (Tolerance, bool) {
	for _, t := range ts {
		if t.Metric == metric {
			return t, true
		}
	}
	return Tolerance{}, false
}

// MarshalYAML writes ts as the mapping the compare section is.
func (ts Tolerances) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, t := range ts {
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: t.Metric},
			&yaml.Node{Kind: yaml.ScalarNode, Value: t.Expr, Style: yaml.DoubleQuotedStyle})
	}
	return n, nil
}
