package scenarios

import (
	"strings"
	"testing"
)

func TestLookupMetric(t *testing.T) {
	tests := []struct {
		in, want string // want "" for unknown
	}{
		{"put_latency_p99", "put_latency_p99"},
		{"put_latency_p(99)", "put_latency_p99"},
		{"put_latency p(95)", "put_latency_p95"},
		{"put_latency_p(99.9)", "put_latency_p999"},
		{"put_latency_p(99.5)", "put_latency_p(99.5)"},
		{"send_lag p(99.50)", "send_lag_p(99.5)"},
		{"e2e_latency_avg", "e2e_latency_mean"},
		{"delivery_delay med", "delivery_delay_p50"},
		{"  throttle_ratio ", "throttle_ratio"},
		{"put_latency_p(100)", ""},
		{"put_latency_p(0)", ""},
		{"put_latency_p(1e1)", ""},
		{"put_latency_p(NaN)", ""},
		{"put_latency_p(-5)", ""},
		{"put_latency_p(95", ""},
		{"throttle_ratio_p(95)", ""},
		{"put_latency_p98", ""},
	}
	for _, tt := range tests {
		m, ok := LookupMetric(tt.in)
		if ok != (tt.want != "") || m.Name != tt.want {
			t.Errorf("LookupMetric(%q) = %q, %v; want %q", tt.in, m.Name, ok, tt.want)
		}
		if ok && (m.Unit == "" || m.Help == "") {
			t.Errorf("LookupMetric(%q) = %+v: no unit or help", tt.in, m)
		}
	}
}

func TestMetricPercentile(t *testing.T) {
	tests := []struct {
		name string
		dist string
		q    float64
		ok   bool
	}{
		{"put_latency_p99", "put_latency", 99, true},
		{"service_latency_p999", "service_latency", 99.9, true},
		{"e2e_latency_p(99.5)", "e2e_latency", 99.5, true},
		{"put_latency_max", "", 0, false},
		{"put_latency_mean", "", 0, false},
		{"throttle_ratio", "", 0, false},
	}
	for _, tt := range tests {
		d, q, ok := MetricPercentile(tt.name)
		if d != tt.dist || q != tt.q || ok != tt.ok {
			t.Errorf("MetricPercentile(%q) = %q, %g, %v; want %q, %g, %v", tt.name, d, q, ok, tt.dist, tt.q, tt.ok)
		}
	}
}

func TestParseThresholdK6Forms(t *testing.T) {
	tests := []struct {
		expr, metric string
		value        float64
	}{
		{"put_latency p(95) < 300ms", "put_latency_p95", 300},
		{"put_latency_p(99.5) <= 1s", "put_latency_p(99.5)", 1000},
		{"service_latency avg < 50", "service_latency_mean", 50},
		{"acked_per_s > 2900", "acked_per_s", 2900},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		if err != nil || th.Metric != tt.metric || th.Value != tt.value || th.Expr != tt.expr {
			t.Errorf("ParseThreshold(%q) = %+v, %v; want metric %s value %g", tt.expr, th, err, tt.metric, tt.value)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	tests := []struct {
		metric, expr string
		kind         string
		amount       float64
		err          string // a part of the error; "" for none
	}{
		{"put_latency_p99", "+10%", ToleranceRelative, 0.10, ""},
		{"put_latency_p99", "10%", ToleranceRelative, 0.10, ""},
		{"put_latency_p99", "+50ms", ToleranceAbsolute, 50, ""},
		{"put_latency_p99", "+1.5s", ToleranceAbsolute, 1500, ""},
		{"put_latency_p99", "+20", ToleranceAbsolute, 20, ""},
		{"put_latency_p99", "OFF", ToleranceOff, 0, ""},
		{"throttle_ratio", "+1pp", ToleranceAbsolute, 0.01, ""},
		{"throttle_ratio", "+0.5 pp", ToleranceAbsolute, 0.005, ""},
		{"throttle_ratio", "+0.02", ToleranceAbsolute, 0.02, ""},
		{"acked_per_s", "-5%", ToleranceRelative, 0.05, ""},
		{"e2e_lost", "0", ToleranceAbsolute, 0, ""},
		{"e2e_lost", "+0", ToleranceAbsolute, 0, ""},
		{"acked_per_s", "+5%", "", 0, "minus sign"},
		{"put_latency_p99", "-10%", "", 0, "plus sign"},
		{"put_latency_p99", "+1pp", "", 0, "for ratios"},
		{"offered", "+1%", "", 0, "cannot regress"},
		{"put_latency_p99", "+", "", 0, "empty"},
		{"put_latency_p99", "+ten%", "", 0, "not a tolerance"},
		{"put_latency_p99", "+Inf%", "", 0, "not a tolerance"},
		{"nope", "+1%", "", 0, "unknown metric"},
	}
	for _, tt := range tests {
		got, err := ParseTolerance(tt.metric, tt.expr)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseTolerance(%q, %q) error = %v, want it to contain %q", tt.metric, tt.expr, err, tt.err)
			}
		case err != nil:
			t.Errorf("ParseTolerance(%q, %q): %v", tt.metric, tt.expr, err)
		case got.Kind != tt.kind || got.Amount != tt.amount || got.Expr != tt.expr:
			t.Errorf("ParseTolerance(%q, %q) = %+v, want %s %g", tt.metric, tt.expr, got, tt.kind, tt.amount)
		}
	}
}

func TestParseThresholdMappingAndCompare(t *testing.T) {
	const file = `name: ci
stream: {shards: 2}
load: {rate: 10, duration: 1m}
thresholds:
  - throttle_ratio < 5%
  - {threshold: "put_latency p(95) < 300ms", abort_on_fail: true, delay_abort_eval: 10s}
compare:
  put_latency_p99: +20%
  put_latency p(99.5): +20ms
  throttle_ratio: +2pp
  e2e_lost: 0
`
	s, err := Parse("ci.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Thresholds) != 2 {
		t.Fatalf("thresholds = %+v", s.Thresholds)
	}
	th := s.Thresholds[1]
	if th.Metric != "put_latency_p95" || th.Value != 300 || !th.AbortOnFail || th.AbortDelay.D().Seconds() != 10 {
		t.Errorf("abort threshold = %+v", th)
	}
	if s.Thresholds[0].AbortOnFail {
		t.Errorf("plain threshold aborts: %+v", s.Thresholds[0])
	}
	want := map[string]float64{"put_latency_p99": 0.2, "put_latency_p(99.5)": 20, "throttle_ratio": 0.02, "e2e_lost": 0}
	if len(s.Compare) != len(want) {
		t.Fatalf("compare = %+v", s.Compare)
	}
	for m, amount := range want {
		tol, ok := s.Compare.Find(m)
		if !ok || tol.Amount != amount {
			t.Errorf("compare %s = %+v, %v; want amount %g", m, tol, ok, amount)
		}
	}
	if _, ok := s.Compare.Find("put_latency_p50"); ok {
		t.Error("Find of an unlisted metric succeeded")
	}
}
