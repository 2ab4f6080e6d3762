package scenarios

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    ByteSize
		wantErr string
	}{
		{"0", 0, ""},
		{"100", 100, ""},
		{"100B", 100, ""},
		{"1KB", 1000, ""},
		{"1KiB", 1024, ""},
		{"1.5KiB", 1536, ""},
		{"0.5KB", 500, ""},
		{" 2 MiB ", 2 << 20, ""},
		{"1MB", 1000000, ""},
		{"1GiB", 1 << 30, ""},
		{"3GB", 3e9, ""},
		{"9000000000GiB", 0, "too large"},
		{"-1KB", 0, "negative"},
		{"1.5B", 0, "not a whole number of bytes"},
		{"1.5", 0, "add a unit"},
		{"1.0001KB", 0, "not a whole number of bytes"},
		{"1kb", 0, "not a size"},
		{"1 TiB", 0, "not a size"},
		{"KiB", 0, "not a size"},
		{"", 0, "not a size"},
		{"1e3", 0, "not a size"},
		{"1/2KiB", 0, "not a size"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteSize(tt.in)
			if !errMatches(err, tt.wantErr) {
				t.Fatalf("ParseByteSize(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseByteSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"}, {1, "1B"}, {1000, "1KB"}, {1024, "1KiB"}, {1536, "1536B"},
		{MiB, "1MiB"}, {10 * MiB, "10MiB"}, {2 * GiB, "2GiB"}, {5 * MB, "5MB"},
		{1500 * KiB, "1500KiB"}, {-KiB, "-1KiB"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
		}
		if tt.in < 0 {
			continue
		}
		if back, err := ParseByteSize(tt.want); err != nil || back != tt.in {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.want, back, err, tt.in)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{"0", 0, ""},
		{"0.0", 0, ""},
		{"30s", 30 * time.Second, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"1m30s", 90 * time.Second, ""},
		{"1.5h", 90 * time.Minute, ""},
		{"-5s", -5 * time.Second, ""},
		{"30", 0, `30 has no unit: write e.g. "30s" or "30ms"`},
		{"1.5", 0, "has no unit"},
		{"soon", 0, `"soon" is not a duration`},
		{"5 s", 0, "is not a duration"},
		{"", 0, "is not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if !errMatches(err, tt.wantErr) {
				t.Fatalf("ParseDuration(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if got.D() != tt.want {
				t.Errorf("ParseDuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		in      string
		metric  string
		op      string
		value   float64
		wantErr string
	}{
		{"throttle_ratio < 0.05", "throttle_ratio", "<", 0.05, ""},
		{"throttle_ratio<5%", "throttle_ratio", "<", 0.05, ""},
		{"error_ratio <= 0", "error_ratio", "<=", 0, ""},
		{"error_ratio <= 100%", "error_ratio", "<=", 1, ""},
		{"put_latency_p99 < 500ms", "put_latency_p99", "<", 500, ""},
		{"put_latency_p99 < 1.5s", "put_latency_p99", "<", 1500, ""},
		{"put_latency_max < 250", "put_latency_max", "<", 250, ""},
		{"service_latency_p50 >= 0.5", "service_latency_p50", ">=", 0.5, ""},
		{"send_lag_p99 > 100us", "send_lag_p99", ">", 0.1, ""},
		{"acked >= 1000", "acked", ">=", 1000, ""},
		{"  retried   >   0  ", "retried", ">", 0, ""},
		{"throttle_ratio 0.05", "", "", 0, `is not "metric op value"`},
		{"< 0.05", "", "<", 0, "has no metric"},
		{"throttle_ratio <", "throttle_ratio", "<", 0, "has no value"},
		{"throttle_ratio == 0.05", "throttle_ratio", "==", 0, `operator "==" is not one of`},
		{"throttle_ratio =< 0.05", "throttle_ratio", "=<", 0, `operator "=<"`},
		{"throttle_ratio <> 0.05", "throttle_ratio", "<>", 0, `operator "<>"`},
		{"throttle_ratio ! 0.05", "throttle_ratio", "!", 0, `operator "!"`},
		{"throtle_ratio < 0.05", "throtle_ratio", "<", 0, `unknown metric "throtle_ratio" (did you mean "throttle_ratio"?); known metrics: acked,`},
		{"p99 < 5", "p99", "<", 0, `unknown metric "p99"; known metrics:`},
		{"throttle_ratio < 1.5", "throttle_ratio", "<", 0, "1.5 is above 1"},
		{"throttle_ratio < 101%", "throttle_ratio", "<", 0, "101% is above 1"},
		{"throttle_ratio < -0.1", "throttle_ratio", "<", 0, "-0.1 is negative"},
		{"throttle_ratio < 5ms", "throttle_ratio", "<", 0, "not a ratio"},
		{"throttle_ratio < NaN", "throttle_ratio", "<", 0, "not a ratio"},
		{"put_latency_p99 < -1s", "put_latency_p99", "<", 0, "-1s is negative"},
		{"put_latency_p99 < 5%", "put_latency_p99", "<", 0, "not a duration"},
		{"put_latency_p99 < Inf", "put_latency_p99", "<", 0, "not a duration"},
		{"acked > lots", "acked", ">", 0, `"lots" is not a number of records`},
		{"acked > -1", "acked", ">", 0, "negative"},
		{"read_throttles <= 3", "read_throttles", "<=", 3, ""},
		{"read_throttles < few", "read_throttles", "<", 0, `"few" is not a number of calls for read_throttles`},
		{"iterator_age_max < 2s", "iterator_age_max", "<", 2000, ""},
		{"e2e_out_of_order < 1", "e2e_out_of_order", "<", 1, ""},
		{"cost_monthly_usd < 500", "cost_monthly_usd", "<", 500, ""},
		{"cost_run_usd <= 0.25", "cost_run_usd", "<=", 0.25, ""},
		{"cost_monthly_usd < lots", "cost_monthly_usd", "<", 0, `"lots" is not a number of usd for cost_monthly_usd`},
		{"cost_run_usd < -1", "cost_run_usd", "<", 0, "-1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseThreshold(tt.in)
			if !errMatches(err, tt.wantErr) {
				t.Fatalf("ParseThreshold(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			want := Threshold{Expr: tt.in, Metric: tt.metric, Op: tt.op, Value: tt.value}
			if got != want {
				t.Errorf("ParseThreshold(%q) = %+v, want %+v", tt.in, got, want)
			}
		})
	}
}

func TestThresholdPass(t *testing.T) {
	tests := []struct {
		op   string
		v    float64
		want bool
	}{
		{"<", 9, true}, {"<", 10, false}, {"<=", 10, true}, {"<=", 11, false},
		{">", 11, true}, {">", 10, false}, {">=", 10, true}, {">=", 9, false},
		{"==", 10, false},
	}
	for _, tt := range tests {
		th := Threshold{Metric: "acked", Op: tt.op, Value: 10}
		if got := th.Pass(tt.v); got != tt.want {
			t.Errorf("%s.Pass(%g) = %v, want %v", th, tt.v, got, tt.want)
		}
	}
}

func TestMetrics(t *testing.T) {
	names := MetricNames()
	// 19 plain metrics, and 5 distributions of 8 statistics each.
	if len(names) != 19+5*8 || !slices.IsSorted(names) {
		t.Errorf("MetricNames() = %v, want 59 sorted names", names)
	}
	for _, n := range names {
		m := Metrics[n]
		want := UnitRecords
		switch {
		case strings.HasSuffix(n, "_ratio"):
			want = UnitRatio
		case strings.Contains(n, "latency") || strings.Contains(n, "lag") || strings.Contains(n, "delay") || strings.Contains(n, "_age_"):
			want = UnitMs
		case n == "read_throttles":
			want = UnitCalls
		case strings.HasPrefix(n, "cost_"):
			want = UnitUSD
		case strings.HasSuffix(n, "_per_s"):
			want = UnitRecordsPerS
		}
		if m.Name != n || m.Help == "" || m.Unit != want {
			t.Errorf("Metrics[%q] = %+v, want unit %s", n, m, want)
		}
		if _, err := ParseTolerance(n, m.Tolerance); err != nil {
			t.Errorf("Metrics[%q]: default tolerance %q: %v", n, m.Tolerance, err)
		}
		if (m.Worse == "") != (n == "offered" || n == "offered_per_s") {
			t.Errorf("Metrics[%q].Worse = %q: only the load given has no direction", n, m.Worse)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"batch", "linger", "max_in_flight", "retry"}
	tests := []struct{ in, want string }{
		{"bach", ` (did you mean "batch"?)`},
		{"Batch", ` (did you mean "batch"?)`},
		{"max-in-flight", ` (did you mean "max_in_flight"?)`},
		{"maxinflight", ` (did you mean "max_in_flight"?)`},
		{"rety", ` (did you mean "retry"?)`},
		{"workers", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// errMatches reports whether err is nil when want is "", or contains want.
func errMatches(err error, want string) bool {
	if err == nil || want == "" {
		return (err == nil) == (want == "")
	}
	return strings.Contains(err.Error(), want)
}
