package scenarios

import (
	"math"
	"testing"
)

// FuzzParseTolerance: any metric name and expression parse or fail
// without a panic, and what parses is a finite, non-negative amount of a
// known kind for a known metric.
func FuzzParseTolerance(f *testing.F) {
	for _, s := range [][2]string{
		{"put_latency_p99", "+10%"}, {"throttle_ratio", "+1pp"}, {"acked_per_s", "-5%"}, {"put_latency p(99.5)", "+20ms"},
		{"e2e_lost", "0"}, {"service_latency_avg", "off"}, {"offered", "+1%"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, expr string) {
		tol, err := ParseTolerance(name, expr)
		if err != nil {
			return
		}
		if _, ok := LookupMetric(tol.Metric); !ok {
			t.Fatalf("%q parsed for unknown metric %q", name, tol.Metric)
		}
		if math.IsNaN(tol.Amount) || math.IsInf(tol.Amount, 0) || tol.Amount < 0 {
			t.Fatalf("%q %q: amount %g", name, expr, tol.Amount)
		}
		switch tol.Kind {
		case ToleranceOff, ToleranceRelative, ToleranceAbsolute:
		default:
			t.Fatalf("kind %q", tol.Kind)
		}
	})
}

// FuzzParseThreshold: any expression parses or fails without a panic; what
// parses names a known metric with a known operator and a finite value.
func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"throttle_ratio < 5%", "put_latency p(95) < 300ms", "put_latency_p(99.9) <= 1s", "acked > 10", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			return
		}
		if _, ok := LookupMetric(th.Metric); !ok {
			t.Fatalf("%q: unknown metric %q", expr, th.Metric)
		}
		if math.IsNaN(th.Value) || math.IsInf(th.Value, 0) {
			t.Fatalf("%q: value %g", expr, th.Value)
		}
		if !th.Pass(th.Value) && !th.Pass(th.Value+1) && !th.Pass(th.Value-1) {
			t.Fatalf("%q: operator %q passes nothing", expr, th.Op)
		}
	})
}
