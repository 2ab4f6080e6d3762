package reports

import (
	"math"
	"testing"

	"github.com/spillway-dev/spillway/scenarios"
)

func TestEvaluate(t *testing.T) {
	r := fixture() // throttle_ratio 0.1176, put_latency_p99 912.7 ms, failed 90
	tests := []struct {
		th       scenarios.Threshold
		value    float64
		unit     string
		wantPass bool
	}{
		{scenarios.Threshold{Metric: "throttle_ratio", Op: "<", Value: 0.05}, 12000.0 / 102000, "ratio", false},
		{scenarios.Threshold{Metric: "throttle_ratio", Op: "<", Value: 0.2}, 12000.0 / 102000, "ratio", true},
		{scenarios.Threshold{Metric: "error_ratio", Op: "<=", Value: 150.0 / 90000}, 150.0 / 90000, "ratio", true},
		{scenarios.Threshold{Metric: "error_ratio", Op: "<", Value: 150.0 / 90000}, 150.0 / 90000, "ratio", false},
		{scenarios.Threshold{Metric: "put_latency_p99", Op: "<", Value: 500}, 912.7, "ms", false},
		{scenarios.Threshold{Metric: "put_latency_p99", Op: ">", Value: 500}, 912.7, "ms", true},
		{scenarios.Threshold{Metric: "service_latency_max", Op: ">=", Value: 310.4}, 310.4, "ms", true},
		{scenarios.Threshold{Metric: "send_lag_p99", Op: ">=", Value: 15}, 14.9, "ms", false},
		{scenarios.Threshold{Metric: "acked", Op: ">=", Value: 89850}, 89850, "records", true},
		{scenarios.Threshold{Metric: "failed", Op: "<=", Value: 89}, 90, "records", false},
		{scenarios.Threshold{Metric: "retried", Op: ">", Value: 12000}, 12000, "records", false},
		// An unknown metric or operator never passes.
		{scenarios.Threshold{Metric: "throttle_ration", Op: "<", Value: 1e9}, 0, "", false},
		{scenarios.Threshold{Metric: "throttle_ratio", Op: "=<", Value: 1e9}, 12000.0 / 102000, "ratio", false},
	}
	ths := make([]scenarios.Threshold, len(tests))
	for i, tt := range tests {
		tt.th.Expr = tt.th.Metric + " " + tt.th.Op + " x"
		ths[i] = tt.th
	}
	got := Evaluate(r, ths)
	if len(got) != len(tests) {
		t.Fatalf("got %d results, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		g := got[i]
		if g.Expr != ths[i].Expr || g.Metric != tt.th.Metric || g.Op != tt.th.Op || g.Limit != tt.th.Value {
			t.Errorf("%s: result does not echo the threshold: %+v", ths[i].Expr, g)
		}
		if g.Value != tt.value || g.Unit != tt.unit || g.Pass != tt.wantPass {
			t.Errorf("%s (limit %g): got value %g %q pass %v, want %g %q pass %v",
				ths[i].Expr, tt.th.Value, g.Value, g.Unit, g.Pass, tt.value, tt.unit, tt.wantPass)
		}
	}
	if ThresholdsPassed(got) {
		t.Error("ThresholdsPassed is true with failures")
	}
	if !ThresholdsPassed(nil) {
		t.Error("ThresholdsPassed(nil) is false")
	}
	if !ThresholdsPassed(got[1:2]) {
		t.Error("ThresholdsPassed is false for a passing threshold")
	}
}

func TestErrorRatioNoOffered(t *testing.T) {
	v, ok := MetricValue(&Results{}, "error_ratio")
	if !ok || v != 0 {
		t.Errorf("error_ratio of an empty run = %g, %v; want 0, true", v, ok)
	}
}

// TestMetricsCoverScenarioMetrics checks that reports can measure every
// metric a scenario threshold can name, in the same unit, and no others.
func TestMetricsCoverScenarioMetrics(t *testing.T) {
	r := fixture()
	for name, info := range scenarios.Metrics {
		if _, ok := MetricValue(r, name); !ok {
			t.Errorf("MetricValue does not handle scenarios metric %q", name)
			continue
		}
		if got := metricUnit(name); got != string(info.Unit) {
			t.Errorf("metric %q: unit %q here, %q in scenarios.Metrics", name, got, info.Unit)
		}
	}
	for name := range metrics {
		if _, ok := scenarios.Metrics[name]; !ok {
			t.Errorf("MetricValue handles %q, which scenarios.Metrics lacks", name)
		}
	}
}

// TestReadMetrics checks the read-back metrics: measured on a run read
// back, NaN (and failing) on one that was not.
func TestReadMetrics(t *testing.T) {
	r := readFixture()
	for _, tt := range []struct {
		name  string
		value float64
		unit  string
	}{
		{"e2e_out_of_order", 3, "records"},
		{"read_throttles", 10, "calls"},
		{"iterator_age_max", 1850, "ms"},
		{"e2e_lost", 2, "records"},
	} {
		v, ok := MetricValue(r, tt.name)
		if !ok || v != tt.value || metricUnit(tt.name) != tt.unit {
			t.Errorf("%s = %g %q (%v), want %g %q", tt.name, v, metricUnit(tt.name), ok, tt.value, tt.unit)
		}
		if v, ok := MetricValue(fixture(), tt.name); !ok || !math.IsNaN(v) {
			t.Errorf("%s without a read-back = %g (%v), want NaN", tt.name, v, ok)
		}
	}

	ths := []scenarios.Threshold{
		{Expr: "read_throttles <= 10", Metric: "read_throttles", Op: "<=", Value: 10},
		{Expr: "iterator_age_max < 1s", Metric: "iterator_age_max", Op: "<", Value: 1000},
		{Expr: "e2e_out_of_order == 0", Metric: "e2e_out_of_order", Op: "<=", Value: 0},
	}
	got := Evaluate(r, ths)
	for i, want := range []bool{true, false, false} {
		if got[i].Pass != want {
			t.Errorf("%s: pass %v, want %v", got[i].Expr, got[i].Pass, want)
		}
	}
	if s := thresholdValue(got[0]); s != "10" {
		t.Errorf("read_throttles measured %q, want 10", s)
	}
	if s := thresholdValue(got[1]); s != "1,850.0 ms" {
		t.Errorf("iterator_age_max measured %q, want 1,850.0 ms", s)
	}
	for _, tr := range Evaluate(fixture(), ths) {
		if tr.Pass {
			t.Errorf("%s passed on a run that was not read back", tr.Expr)
		}
	}
}
