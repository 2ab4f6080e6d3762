package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

const compareHelp = `
Usage: spillway compare BASELINE CURRENT [flags]

Sets a run's results (CURRENT) against a baseline's, metric by metric:
the values, the change, and a verdict. A metric regresses when it got worse
by more than its tolerance and, where it has a per-second series
(throughput, throttle and error ratios, put latency), the per-second
difference between the runs is more than their noise: a block bootstrap of
second T against second T, at the --confidence level. Tolerances come from
--tolerance, then the current scenario's compare section, then each
metric's default: +10% for mean and median latencies, +15% for p90 and
p95, +20% for p99 and for end-to-end and delivery latencies, -10% for
acked_per_s, +1pp for throttle_ratio, +0.1pp for error_ratio, +0 for lost
and duplicated records, +5% for cost_monthly_usd; minima, maxima, p99.9,
send lag and counts are shown, not checked.

Tolerances: +10% (of the baseline), +1pp (percentage points of a ratio),
+50ms, +3 (in the metric's unit), -10% (for a metric that gets worse as it
falls), off.

Examples:
  spillway compare baseline/results.json out/20261206-101500-quickstart/results.json
  spillway compare base.json new.json --tolerance put_latency_p99=+20% --tolerance throttle_ratio=+2pp
  spillway compare base.json new.json --format md >> "$GITHUB_STEP_SUMMARY"
  spillway compare base.json new.json --out compare/ --junit junit.xml

Exit codes: 0 no regression, 2 usage error or an unreadable file,
3 a metric regressed.
`

// toleranceFlags collects repeated --tolerance metric=expr flags.
type toleranceFlags struct{ ts scenarios.Tolerances }

func (t *toleranceFlags) String() string {
	var s []string
	for _, x := range t.ts {
		s = append(s, x.Metric+"="+x.Expr)
	}
	return strings.Join(s, ",")
}

func (t *toleranceFlags) Set(v string) error {
	name, expr, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("%q: want metric=tolerance, e.g. put_latency_p99=+10%%", v)
	}
	tol, err := scenarios.ParseTolerance(strings.TrimSpace(name), expr)
	if err != nil {
		return err
	}
	t.ts = append(t.ts, tol)
	return nil
}

// compareFlags are the flags of a comparison, shared by compare and
// run --baseline.
type compareFlags struct {
	tolerances toleranceFlags
	confidence float64
}

func (c *compareFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.tolerances, "tolerance", "metric=tolerance, overriding the scenario's compare section and the default; repeatable (e.g. put_latency_p99=+20%)")
	fs.Float64Var(&c.confidence, "confidence", 0.95, "confidence level of the per-second test that tells a change from noise")
}

func (c *compareFlags) options(baseline, current string) reports.CompareOptions {
	return reports.CompareOptions{Tolerances: c.tolerances.ts, Confidence: c.confidence, BaselineName: baseline, CurrentName: current}
}

func compareCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "compare", compareHelp)
	var cf compareFlags
	cf.register(fs)
	format := fs.String("format", "text", "what to print: text, md, html or json")
	out := fs.String("out", "", "also write compare.json, compare.md and compare.html to this folder")
	var x exportFlags
	x.register(fs, false, true)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		fs.Usage()
		return usageErr("want a baseline and a current results file, got %d files", len(files))
	}
	var write func(io.Writer, *reports.Comparison) error
	switch *format {
	case "text":
		write = reports.WriteCompareText
	case "md", "markdown":
		write = reports.WriteCompareMarkdown
	case "html":
		write = reports.WriteCompareHTML
	case "json":
		write = func(w io.Writer, c *reports.Comparison) error { return c.WriteJSON(w) }
	default:
		return usageErr("--format %q: want text, md, html or json", *format)
	}
	base, err := reports.ReadFile(files[0])
	if err != nil {
		return &codedError{code: exitUsage, err: err}
	}
	cur, err := reports.ReadFile(files[1])
	if err != nil {
		return &codedError{code: exitUsage, err: err}
	}
	c, err := reports.Compare(base, cur, cf.options(files[0], files[1]))
	if err != nil {
		return &codedError{code: exitUsage, err: err}
	}
	if err := write(e.stdout, c); err != nil {
		return err
	}
	if *out != "" {
		if err := writeComparison(c, *out); err != nil {
			return err
		}
	}
	if err := x.write(nil, c); err != nil {
		return err
	}
	x.stepSummary(e, func(w io.Writer) error { return reports.WriteCompareMarkdown(w, c) })
	if !c.Pass {
		return &codedError{code: exitThreshold, err: errors.New(c.Headline())}
	}
	return nil
}

// writeComparison writes compare.json, compare.md and compare.html to dir.
func writeComparison(c *reports.Comparison, dir string) error {
	return mkdirAndWrite(dir,
		outFile{"compare.json", c.WriteJSON},
		outFile{"compare.md", func(w io.Writer) error { return reports.WriteCompareMarkdown(w, c) }},
		outFile{"compare.html", func(w io.Writer) error { return reports.WriteCompareHTML(w, c) }},
	)
}
