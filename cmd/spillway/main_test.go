package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

// localCredentials gives the run static credentials and us-east-1, for a
// local server, so that nothing is read from the machine's AWS setup.
func localCredentials(t *testing.T, keyID, secret string) {
	t.Setenv("AWS_ACCESS_KEY_ID", keyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_REGION", "us-east-1")
}

// runResults reads the results.json of the one run written under out.
func runResults(t *testing.T, out string) *reports.Results {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "*", "results.json"))
	if len(files) != 1 {
		t.Fatalf("results under %s: %v, want one", out, files)
	}
	res, err := reports.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const shortScenario = `name: cli-test
stream: {shards: 2}
load: {rate: 400, duration: 1s}
record: {size: 100B}
keys: {dist: uniform, count: 50}
producer: {batch: 100, linger: 20ms, max_in_flight: 4, retry: {max_attempts: 2}}
thresholds:
  - throttle_ratio < 5%
  - put_latency_p99 < 10s
`

func TestValidate(t *testing.T) {
	good := writeFile(t, "good.yaml", shortScenario)
	if code, out, errOut := runCLI(t, "validate", good); code != exitOK || !strings.Contains(out, "ok") {
		t.Fatalf("validate good: code %d\n%s%s", code, out, errOut)
	}
	bad := writeFile(t, "bad.yaml", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1s}\nproducer:\n  bach: 10\n")
	code, _, errOut := runCLI(t, "validate", good, bad)
	if code != exitUsage {
		t.Fatalf("validate bad: code %d, want %d", code, exitUsage)
	}
	if want := "bad.yaml:5:3: producer: unknown field \"bach\""; !strings.Contains(errOut, want) {
		t.Fatalf("stderr %q does not name the file, line and column: want %q", errOut, want)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"run"}, {"run", "a.yaml", "b.yaml"}, {"run", "--bogus", "a.yaml"}, {"validate"}} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("spillway %v: code %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, errOut := runCLI(t, "run", "--help"); code != exitOK || !strings.Contains(errOut, "Examples:") {
		t.Errorf("run --help: code %d, output %q", code, errOut)
	}
	if code, _, _ := runCLI(t, "run", filepath.Join(t.TempDir(), "missing.yaml")); code != exitUsage {
		t.Errorf("missing scenario file: code %d, want %d", code, exitUsage)
	}
}

// A short real-time run on the simulated stream writes the three files,
// and the results file reads back with its thresholds.
func TestRunWritesResults(t *testing.T) {
	sc := writeFile(t, "s.yaml", shortScenario)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--out", out, "--seed", "7", "--no-progress", "--sim-latency", "5ms")
	if code != exitOK {
		t.Fatalf("run: code %d\n%s\n%s", code, stdout, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-cli-test"))
	if len(dirs) != 1 {
		t.Fatalf("run folders %v, want one", dirs)
	}
	for _, f := range []string{"results.json", "summary.md", "report.html"} {
		if st, err := os.Stat(filepath.Join(dirs[0], f)); err != nil || st.Size() == 0 {
			t.Fatalf("%s: %v", f, err)
		}
	}
	res, err := reports.ReadFile(filepath.Join(dirs[0], "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Offered != 400 || res.Totals.Acked != 400 || res.Seed != 7 || len(res.Thresholds) != 2 || len(res.PerShard) != 2 {
		t.Fatalf("results: totals %+v seed %d thresholds %d shards %d", res.Totals, res.Seed, len(res.Thresholds), len(res.PerShard))
	}
	if !strings.Contains(stdout, "PASS  throttle_ratio") {
		t.Errorf("summary lacks the threshold lines:\n%s", stdout)
	}

	// The results file alone renders the same summary again.
	results := filepath.Join(dirs[0], "results.json")
	code, again, _ := runCLI(t, "report", results)
	if code != exitOK || !strings.Contains(stdout, again) {
		t.Errorf("report: code %d; its text is not the run's summary:\n%s", code, again)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, errOut := runCLI(t, "report", results, "--format", "html", "--output", html); code != exitOK {
		t.Errorf("report --format html: code %d: %s", code, errOut)
	}
	// Latency, throughput, shard utilisation, reading (the run reads the
	// simulated stream back), and the put latency by percentile.
	if b, _ := os.ReadFile(html); strings.Count(string(b), "<svg") != 5 {
		t.Errorf("html report has %d charts, want 5", strings.Count(string(b), "<svg"))
	}
	// A damaged results file is a usage error naming the file, line and column.
	bad := writeFile(t, "bad.json", "{\"schema\": \"spillway.results/v1\",\n \"totals\": {\"acked\": \"many\"}}")
	if code, _, errOut := runCLI(t, "report", bad); code != exitUsage || !strings.Contains(errOut, "bad.json:2:") {
		t.Errorf("report of a damaged file: code %d, stderr %q", code, errOut)
	}
}

// A failing threshold exits 3 and still writes the results.
func TestRunThresholdFails(t *testing.T) {
	body := strings.Replace(shortScenario, "throttle_ratio < 5%", "acked < 10", 1)
	sc := writeFile(t, "s.yaml", body)
	out := t.TempDir()
	code, stdout, _ := runCLI(t, "run", sc, "--out", out, "--no-progress", "--sim-latency", "0s")
	if code != exitThreshold || !strings.Contains(stdout, "FAIL  acked < 10") {
		t.Fatalf("code %d, want %d\n%s", code, exitThreshold, stdout)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "*", "results.json")); len(files) != 1 {
		t.Fatalf("results not written: %v", files)
	}
}

// A run against AWS (no loopback endpoint) states its worst-case cost and
// refuses without --yes or a max_cost above it, before sending anything.
func TestCostGuard(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL_KINESIS", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	sc := writeFile(t, "s.yaml", shortScenario)
	code, _, stderr := runCLI(t, "run", sc, "--target", "kinesis", "--no-progress", "--out", t.TempDir())
	// 2 shards × 1 hour begun × $0.015 + 400 records × 1 PUT payload unit × $0.014/M.
	if code != exitUsage || !strings.Contains(stderr, "at most $0.03") || !strings.Contains(stderr, "refusing to spend") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	// On-demand: 1 stream-hour begun × $0.04 + 400 records × 1,024 billed
	// bytes ÷ 2^30 × $0.08/GB ($0.00003).
	od := writeFile(t, "od.yaml", strings.Replace(shortScenario, "stream: {shards: 2}", "stream: {mode: on-demand}", 1))
	code, _, stderr = runCLI(t, "run", od, "--target", "kinesis", "--no-progress", "--out", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "at most $0.04 (on-demand for 1s") {
		t.Fatalf("on-demand: code %d, stderr %q", code, stderr)
	}
	if !isLoopback("http://127.0.0.1:4567") || !isLoopback("http://localhost:1") || !isLoopback("http://[::1]:80") ||
		isLoopback("https://kinesis.us-east-1.amazonaws.com") || isLoopback("http://10.0.0.1:4567") || isLoopback("") {
		t.Fatal("isLoopback misjudges an endpoint")
	}
}

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 1000}, {4 << 20, 1000}, {8 << 20, 800}, {32 << 20, 200}, {64 << 20, 100}, {500 << 20, 100},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
