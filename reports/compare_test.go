package reports

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/scenarios"
)

var compareStart = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// check returns the check of metric in c; it fails the test if absent.
func check(t *testing.T, c *Comparison, metric string) Check {
	t.Helper()
	for _, ch := range c.Checks {
		if ch.Metric == metric {
			return ch
		}
	}
	t.Fatalf("no check of %s", metric)
	return Check{}
}

func TestCompareSameDistributionPasses(t *testing.T) {
	// Two runs drawn from the same distribution, different draws: noise.
	for seed := range uint64(8) {
		rng := rand.New(rand.NewPCG(seed, 99))
		base := sampleRun("a", compareStart, randomSeconds(rng, 30, 200, 20))
		cur := sampleRun("b", compareStart, randomSeconds(rng, 30, 200, 20))
		c, err := Compare(base, cur, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Pass {
			var buf bytes.Buffer
			_ = WriteCompareText(&buf, c)
			t.Errorf("seed %d: two draws of one distribution regressed:\n%s", seed, buf.String())
		}
	}
}

func TestCompareDoubleLatencyRegresses(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := sampleRun("a", compareStart, randomSeconds(rng, 30, 200, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 30, 200, 40))
	c, err := Compare(base, cur, CompareOptions{BaselineName: "base.json", CurrentName: "cur.json"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Pass || c.Regressions == 0 {
		t.Fatalf("doubled latency passed: %s", c.Headline())
	}
	p50 := check(t, c, "put_latency_p50")
	if p50.Verdict != VerdictRegression || p50.Test == nil || !p50.Test.Worse || p50.Relative == nil || *p50.Relative < 0.5 {
		t.Errorf("put_latency_p50 = %+v, want a significant regression of about +100%%", p50)
	}
	if !strings.Contains(c.Headline(), "put_latency_p50") || !strings.HasPrefix(c.Headline(), "REGRESSION") {
		t.Errorf("headline %q does not name put_latency_p50", c.Headline())
	}
	if c.Checks[0].Verdict != VerdictRegression {
		t.Errorf("first check is %s %s: regressions come first", c.Checks[0].Metric, c.Checks[0].Verdict)
	}
	// Throughput did not change, and extremes are not checked.
	if ch := check(t, c, "acked_per_s"); ch.Verdict == VerdictRegression {
		t.Errorf("acked_per_s regressed: %+v", ch)
	}
	if ch := check(t, c, "put_latency_max"); ch.Verdict != VerdictInfo {
		t.Errorf("put_latency_max verdict %s, want info (tolerance off by default)", ch.Verdict)
	}
	// The reverse is an improvement.
	back, err := Compare(cur, base, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !back.Pass || check(t, back, "put_latency_p50").Verdict != VerdictImproved {
		t.Errorf("halved latency: %s, p50 %s", back.Headline(), check(t, back, "put_latency_p50").Verdict)
	}
}

func TestCompareTolerances(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	base := sampleRun("a", compareStart, randomSeconds(rng, 30, 200, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 30, 200, 26)) // +30%
	must := func(m, e string) scenarios.Tolerance {
		tol, err := scenarios.ParseTolerance(m, e)
		if err != nil {
			t.Fatal(err)
		}
		return tol
	}
	cur.Scenario.Compare = scenarios.Tolerances{must("put_latency_p50", "+50%"), must("put_latency_p90", "off")}
	c, err := Compare(base, cur, CompareOptions{Tolerances: scenarios.Tolerances{must("put_latency_p95", "+100ms")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ metric, verdict, from string }{
		{"put_latency_p50", VerdictOK, ToleranceFromScenario},
		{"put_latency_p90", VerdictInfo, ToleranceFromScenario},
		{"put_latency_p95", VerdictOK, ToleranceFromFlag},
		{"put_latency_p99", VerdictRegression, ToleranceFromDefault},
	} {
		ch := check(t, c, tt.metric)
		if ch.Verdict != tt.verdict || ch.ToleranceFrom != tt.from {
			t.Errorf("%s: verdict %s from %s tolerance (%s), want %s from %s", tt.metric, ch.Verdict, ch.ToleranceFrom, ch.Reason, tt.verdict, tt.from)
		}
	}
	// A percentile the catalogue lacks is compared when a tolerance names it.
	c, err = Compare(base, cur, CompareOptions{Tolerances: scenarios.Tolerances{must("put_latency_p(99.5)", "+5%")}})
	if err != nil {
		t.Fatal(err)
	}
	if ch := check(t, c, "put_latency_p(99.5)"); ch.Test == nil || ch.Verdict != VerdictRegression {
		t.Errorf("put_latency_p(99.5) = %+v, want a tested regression", ch)
	}
}

// TestCompareNoise: a change beyond the tolerance that the per-second
// series cannot tell from noise is not a regression.
func TestCompareNoise(t *testing.T) {
	// One record a second: the mean goes from 30 to 35 ms (+17%), but the
	// seconds swing by ±20 ms either way.
	base := sampleRun("a", compareStart, [][]float64{{10}, {50}, {10}, {50}, {10}, {50}, {10}, {50}})
	cur := sampleRun("b", compareStart, [][]float64{{50}, {10}, {50}, {10}, {50}, {10}, {90}, {10}})
	base.E2E, cur.E2E = nil, nil // no per-second series: judged by the tolerance alone
	c, err := Compare(base, cur, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range c.Checks {
		// Service latency has no per-second series in results: its
		// tolerance alone decides, and it regressed.
		want := map[bool]string{true: VerdictNoise, false: VerdictRegression}[strings.HasPrefix(ch.Metric, "put_")]
		if slices.Contains([]string{"put_latency_mean", "put_latency_p99", "service_latency_p99"}, ch.Metric) && ch.Verdict != want {
			t.Errorf("%s: %s (%s), want %s", ch.Metric, ch.Verdict, ch.Reason, want)
		}
	}
	// Without per-second series the tolerance alone decides.
	base.Series, cur.Series = nil, nil
	c, err = Compare(base, cur, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ch := check(t, c, "put_latency_mean"); ch.Verdict != VerdictRegression || ch.Test != nil {
		t.Errorf("without series: %s, test %v; want a regression by the tolerance", ch.Verdict, ch.Test)
	}
}

func TestCompareMissingAndWarnings(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	base := sampleRun("a", compareStart, randomSeconds(rng, 10, 100, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 10, 300, 20))
	cur.E2E = nil
	cur.Scenario.Name = "other"
	c, err := Compare(base, cur, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Missing) == 0 || !strings.Contains(strings.Join(c.Missing, ","), "e2e_latency_p99 (not in the current run)") {
		t.Errorf("missing = %v", c.Missing)
	}
	w := strings.Join(c.Warnings, "\n")
	for _, want := range []string{"different scenarios", "different loads"} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if _, err := Compare(base, cur, CompareOptions{Confidence: 1.5}); err == nil {
		t.Error("confidence 1.5 accepted")
	}
}

// TestCompareRepeatable: the same files get the same comparison.
func TestCompareRepeatable(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	base := sampleRun("a", compareStart, randomSeconds(rng, 20, 100, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 20, 100, 21))
	var out [2]bytes.Buffer
	for i := range out {
		c, err := Compare(base, cur, CompareOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteJSON(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	if out[0].String() != out[1].String() {
		t.Error("two comparisons of the same files differ")
	}
	var back Comparison
	if err := json.Unmarshal(out[0].Bytes(), &back); err != nil || back.Schema != CompareSchema || len(back.Checks) == 0 {
		t.Errorf("comparison JSON does not read back: %v", err)
	}
}

func TestCompareRenderings(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	base := sampleRun("a", compareStart, randomSeconds(rng, 20, 100, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 20, 100, 40))
	c, err := Compare(base, cur, CompareOptions{BaselineName: "base.json", CurrentName: "cur.json"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		write func(*bytes.Buffer) error
		want  []string
	}{
		{"text", func(b *bytes.Buffer) error { return WriteCompareText(b, c) },
			[]string{"Baseline  base.json: merge", "put_latency_p50", "REGRESSION", "Per second", "Result: REGRESSION"}},
		{"markdown", func(b *bytes.Buffer) error { return WriteCompareMarkdown(b, c) },
			[]string{"## spillway compare: merge ❌", "| `put_latency_p50` |", "❌ **REGRESSION**", "### Why", "### Per second"}},
		{"html", func(b *bytes.Buffer) error { return WriteCompareHTML(b, c) },
			[]string{"<!DOCTYPE html>", `id="checks"`, `<tr class="hotrow">`, `id="why"`, `id="series"`, "<svg"}},
	} {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s lacks %q:\n%s", tt.name, w, b.String())
			}
		}
	}
}
