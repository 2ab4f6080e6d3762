package main

import (
	"context"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

// ciScenario is a short run that throttles a little: zipf keys put one
// shard near its records/s limit. The simulated round trip is set by the
// tests at 100 ms, so that a few milliseconds of scheduling noise on a
// busy machine stay small against it.
const ciScenario = `name: ci
stream: {shards: 4}
load: {rate: 2400, duration: 8s}
record: {size: 100B}
keys: {dist: zipf, count: 200, exponent: 1.1}
producer: {batch: 200, linger: 20ms, max_in_flight: 32, retry: {max_attempts: 3, backoff: 50ms, ttl: 5s}}
thresholds:
  - error_ratio < 50%
`

// ciRuns are the runs the CI tests compare, made once (TestMain removes
// their folder): two of the same scenario with different seeds, one with
// half the shards, one with twice the simulated round trip.
var ciRuns struct {
	once                     sync.Once
	dir                      string
	seedA, seedB, half, slow string
	err                      error
}

// runCI runs the scenario file sc into out and returns the results path
// and the exit code.
func runCI(t *testing.T, sc, out string, args ...string) (string, int) {
	t.Helper()
	path, code, err := runScenarioFile(sc, out, args...)
	if err != nil {
		t.Fatal(err)
	}
	return path, code
}

// runScenarioFile is runCI for any goroutine: it returns what went wrong.
func runScenarioFile(sc, out string, args ...string) (string, int, error) {
	var stdout, stderr strings.Builder
	code := dispatch(context.Background(), &env{stdout: &stdout, stderr: &stderr},
		append([]string{"run", sc, "--out", out, "--no-progress", "--read=false"}, args...))
	files, _ := filepath.Glob(filepath.Join(out, "*", "results.json"))
	if len(files) != 1 {
		return "", code, fmt.Errorf("run %v: code %d, results %v\n%s\n%s", args, code, files, stdout.String(), stderr.String())
	}
	return files[0], code, nil
}

func ciResults(t *testing.T) {
	t.Helper()
	ciRuns.once.Do(func() {
		dir, err := os.MkdirTemp("", "spillway-ci-test")
		if err != nil {
			ciRuns.err = err
			return
		}
		ciRuns.dir = dir
		sc := filepath.Join(dir, "ci.yaml")
		half := filepath.Join(dir, "half.yaml")
		if err := os.WriteFile(sc, []byte(ciScenario), 0o644); err != nil {
			ciRuns.err = err
			return
		}
		if err := os.WriteFile(half, []byte(strings.Replace(ciScenario, "shards: 4", "shards: 2", 1)), 0o644); err != nil {
			ciRuns.err = err
			return
		}
		// Two at a time: the machine has two cores.
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			errs []error
		)
		run := func(path *string, sc, out string, args ...string) {
			wg.Go(func() {
				p, _, err := runScenarioFile(sc, filepath.Join(dir, out), args...)
				mu.Lock()
				defer mu.Unlock()
				*path, errs = p, append(errs, err)
			})
		}
		run(&ciRuns.seedA, sc, "a", "--seed", "1", "--sim-latency", "100ms")
		run(&ciRuns.seedB, sc, "b", "--seed", "2", "--sim-latency", "100ms")
		wg.Wait()
		run(&ciRuns.half, half, "half", "--seed", "3", "--sim-latency", "100ms")
		run(&ciRuns.slow, sc, "slow", "--seed", "4", "--sim-latency", "200ms")
		wg.Wait()
		ciRuns.err = errors.Join(errs...)
	})
	if ciRuns.err != nil {
		t.Fatalf("the CI runs failed: %v", ciRuns.err)
	}
}

// TestCompareRuns is the acceptance test: two runs of a scenario
// with different seeds compare clean; half the shards or twice the round
// trip exit 3 and name the metric.
func TestCompareRuns(t *testing.T) {
	ciResults(t)
	code, stdout, stderr := runCLI(t, "compare", ciRuns.seedA, ciRuns.seedB)
	if code != exitOK || !strings.Contains(stdout, "Result: PASS") {
		t.Errorf("two seeds: code %d, want 0\n%s\n%s", code, stdout, stderr)
	}
	for _, tt := range []struct {
		name, current string
		metrics       []string // each must be named as regressed
	}{
		{"half the shards", ciRuns.half, []string{"throttle_ratio"}},
		{"twice the round trip", ciRuns.slow, []string{"put_latency_p50", "service_latency_p50"}},
	} {
		code, stdout, stderr := runCLI(t, "compare", ciRuns.seedA, tt.current)
		if code != exitThreshold {
			t.Errorf("%s: code %d, want %d\n%s", tt.name, code, exitThreshold, stdout)
		}
		for _, m := range tt.metrics {
			if !strings.Contains(stderr, m) || !strings.Contains(stdout, m) {
				t.Errorf("%s: %s is not named\nstdout:\n%s\nstderr: %s", tt.name, m, stdout, stderr)
			}
		}
	}
	// Tolerances from the command line; a bad one is a usage error.
	if code, _, _ := runCLI(t, "compare", ciRuns.seedA, ciRuns.slow, "--tolerance", "put_latency_p50=+200%",
		"--tolerance", "put_latency_mean=off", "--tolerance", "put_latency_p90=off", "--tolerance", "put_latency_p95=off",
		"--tolerance", "put_latency_p99=off", "--tolerance", "service_latency_p50=+200%", "--tolerance", "service_latency_mean=off",
		"--tolerance", "service_latency_p90=off", "--tolerance", "service_latency_p95=off", "--tolerance", "service_latency_p99=off",
		"--tolerance", "throttle_ratio=off", "--tolerance", "error_ratio=off", "--tolerance", "acked_per_s=off"); code != exitOK {
		t.Errorf("with every regressed metric tolerated: code %d, want 0", code)
	}
	if code, _, errOut := runCLI(t, "compare", ciRuns.seedA, ciRuns.slow, "--tolerance", "acked_per_s=+5%"); code != exitUsage || !strings.Contains(errOut, "minus sign") {
		t.Errorf("--tolerance acked_per_s=+5%%: code %d, %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "compare", ciRuns.seedA); code != exitUsage {
		t.Errorf("one file: code %d, want %d", code, exitUsage)
	}
}

// TestCompareOutputs checks the formats and files of a comparison.
func TestCompareOutputs(t *testing.T) {
	ciResults(t)
	dir := t.TempDir()
	summary := filepath.Join(dir, "step-summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	junit := filepath.Join(dir, "junit", "compare.xml")
	code, stdout, _ := runCLI(t, "compare", ciRuns.seedA, ciRuns.half, "--format", "json", "--out", filepath.Join(dir, "cmp"), "--junit", junit)
	if code != exitThreshold || !strings.Contains(stdout, `"schema": "spillway.compare/v1"`) {
		t.Fatalf("compare --format json: code %d\n%.500s", code, stdout)
	}
	for _, f := range []string{"compare.json", "compare.md", "compare.html"} {
		if st, err := os.Stat(filepath.Join(dir, "cmp", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if b, _ := os.ReadFile(summary); !strings.Contains(string(b), "## spillway compare: ci ❌") {
		t.Errorf("step summary:\n%s", b)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	b, err := os.ReadFile(junit)
	if err != nil || xml.Unmarshal(b, &suites) != nil || suites.Tests == 0 || suites.Failures == 0 {
		t.Errorf("junit %s: %v %+v\n%.500s", junit, err, suites, b)
	}
}

// TestRunBaseline runs a scenario against a baseline's results: the run
// compares itself at its end, writes the comparison beside its results
// and exits 3 on a regression.
func TestRunBaseline(t *testing.T) {
	ciResults(t)
	sc := filepath.Join(ciRuns.dir, "ci.yaml")
	out := t.TempDir()
	junit := filepath.Join(out, "junit.xml")
	summary := filepath.Join(out, "summary.md")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	res, code := runCI(t, sc, filepath.Join(out, "run"), "--seed", "5", "--sim-latency", "200ms", "--baseline", ciRuns.seedA,
		"--junit", junit, "--export", filepath.Join(out, "export", "results.json"), "--csv", filepath.Join(out, "csv"),
		"--hgrm", filepath.Join(out, "hgrm"))
	if code != exitThreshold {
		t.Errorf("run with twice the baseline's round trip: code %d, want %d", code, exitThreshold)
	}
	dir := filepath.Dir(res)
	for _, f := range []string{
		filepath.Join(dir, "compare.json"), filepath.Join(dir, "compare.html"), junit,
		filepath.Join(out, "export", "results.json"), filepath.Join(out, "csv", "series.csv"), filepath.Join(out, "csv", "shards.csv"),
		filepath.Join(out, "hgrm", "put_latency.hgrm"), filepath.Join(out, "hgrm", "service_latency.hgrm"),
	} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	b, _ := os.ReadFile(junit)
	for _, want := range []string{"spillway.thresholds.ci", "spillway.compare.ci", `type="regression"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("junit lacks %s", want)
		}
	}
	b, _ = os.ReadFile(summary)
	if !strings.Contains(string(b), "## spillway: ci") || !strings.Contains(string(b), "## spillway compare: ci") {
		t.Errorf("step summary lacks the run or the comparison:\n%.300s", b)
	}
	f, _ := os.Open(filepath.Join(out, "csv", "series.csv"))
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if r, _ := reports.ReadFile(res); err != nil || r == nil || len(rows) != len(r.Series)+1 {
		t.Errorf("series.csv: %v, %d rows", err, len(rows))
	}
	exported, err := reports.ReadFile(filepath.Join(out, "export", "results.json"))
	if err != nil || exported.Seed != 5 {
		t.Errorf("exported results: %v", err)
	}

	// A bad baseline fails before the run.
	bad := writeFile(t, "bad.json", `{"schema": "spillway.results/v9"}`)
	if code, _, errOut := runCLI(t, "run", sc, "--out", t.TempDir(), "--baseline", bad); code != exitUsage || !strings.Contains(errOut, "--baseline") {
		t.Errorf("bad baseline: code %d, %s", code, errOut)
	}
}

// TestMergeRuns merges two runs and checks the whole against its parts.
func TestMergeRuns(t *testing.T) {
	ciResults(t)
	dir := t.TempDir()
	merged := filepath.Join(dir, "merged.json")
	code, stdout, stderr := runCLI(t, "merge", ciRuns.seedA, ciRuns.seedB, "-o", merged, "--out", filepath.Join(dir, "html"))
	if code != exitOK {
		t.Fatalf("merge: code %d\n%s\n%s", code, stdout, stderr)
	}
	m, err := reports.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := reports.ReadFile(ciRuns.seedA)
	b, _ := reports.ReadFile(ciRuns.seedB)
	if m.Totals.Offered != a.Totals.Offered+b.Totals.Offered || m.Totals.Acked != a.Totals.Acked+b.Totals.Acked ||
		m.Latency.ResponseMs.Count != a.Latency.ResponseMs.Count+b.Latency.ResponseMs.Count || len(m.Parts) != 2 {
		t.Errorf("merged totals %+v, parts %d; parts %+v and %+v", m.Totals, len(m.Parts), a.Totals, b.Totals)
	}
	if p99 := m.Latency.ResponseMs.P99; p99 < min(a.Latency.ResponseMs.P99, b.Latency.ResponseMs.P99) || p99 > max(a.Latency.ResponseMs.P99, b.Latency.ResponseMs.P99) {
		t.Errorf("merged p99 %g outside the parts' %g and %g", p99, a.Latency.ResponseMs.P99, b.Latency.ResponseMs.P99)
	}
	if m.Cost == nil || len(m.Thresholds) != 1 || !strings.Contains(stdout, "merged 2 results into") {
		t.Errorf("merged cost %v, thresholds %v", m.Cost, m.Thresholds)
	}
	if _, err := os.Stat(filepath.Join(dir, "html", "report.html")); err != nil {
		t.Error(err)
	}
	// Files of another scenario or version are refused.
	v1 := writeFile(t, "v1.json", strings.Replace(mustRead(t, ciRuns.seedA), `"spillway.results/v2"`, `"spillway.results/v1"`, 1))
	other := writeFile(t, "other.json", strings.Replace(mustRead(t, ciRuns.seedB), `"name": "ci"`, `"name": "other"`, 1))
	for _, args := range [][]string{{ciRuns.seedA, v1, "-o", merged}, {ciRuns.seedA, other, "-o", merged}, {ciRuns.seedA}, {ciRuns.seedA, filepath.Join(dir, "none.json"), "-o", merged}} {
		if code, _, _ := runCLI(t, append([]string{"merge"}, args...)...); code != exitUsage {
			t.Errorf("merge %v: code %d, want %d", args, code, exitUsage)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAbortOnFail: a threshold with abort_on_fail stops an overloaded run
// early; the results are written and say why, and the exit code is 3.
func TestAbortOnFail(t *testing.T) {
	sc := writeFile(t, "abort.yaml", `name: abort
stream: {shards: 1}
load: {rate: 3000, duration: 60s}
record: {size: 100B}
producer: {batch: 100, linger: 10ms, max_in_flight: 8, retry: {max_attempts: 1}}
thresholds:
  - {threshold: "throttle_ratio < 10%", abort_on_fail: true, delay_abort_eval: 2s}
`)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--out", out, "--no-progress", "--read=false", "--sim-latency", "5ms")
	if code != exitThreshold || !strings.Contains(stderr, `threshold "throttle_ratio < 10%" failed`) {
		t.Fatalf("code %d, want %d\n%s\n%s", code, exitThreshold, stdout, stderr)
	}
	r := runResults(t, out)
	if !r.Interrupted || !strings.HasPrefix(r.StopReason, "aborted at ") {
		t.Errorf("interrupted %v, stop reason %q", r.Interrupted, r.StopReason)
	}
	// The schedule stopped early: far fewer than 60 s of records.
	if r.Totals.Offered >= 3000*60 || r.Totals.Offered == 0 {
		t.Errorf("offered %d records of %d", r.Totals.Offered, 3000*60)
	}
	if len(r.Thresholds) != 1 || r.Thresholds[0].Pass {
		t.Errorf("thresholds %+v", r.Thresholds)
	}
}

// TestDurationOverrideRecorded: --duration is in the results and the
// summary says the scenario's duration was cut.
func TestDurationOverrideRecorded(t *testing.T) {
	sc := writeFile(t, "s.yaml", strings.Replace(shortScenario, "duration: 1s", "duration: 10s", 1))
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--out", out, "--no-progress", "--read=false", "--duration", "500ms", "--sim-latency", "1ms")
	if code != exitOK {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	r := runResults(t, out)
	if r.DurationOverrideS != 0.5 || r.Totals.Offered != 200 {
		t.Errorf("duration override %g s, offered %d; want 0.5 s and 200", r.DurationOverrideS, r.Totals.Offered)
	}
	if !strings.Contains(stdout, "for 10s, cut to 0.5 s by --duration") {
		t.Errorf("summary does not say the duration was cut:\n%s", stdout)
	}
}
