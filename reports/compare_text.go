package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes c as indented JSON followed by a newline.
func (c *Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// Headline is the comparison's verdict in one line: PASS or REGRESSION
// and the metrics that regressed.
func (c *Comparison) Headline() string {
	if c.Pass {
		s := "PASS: no metric got worse beyond its tolerance"
		if n := c.count(VerdictNoise); n > 0 {
			s += fmt.Sprintf(" (%d beyond it within the noise of the runs)", n)
		}
		return s
	}
	var names []string
	for _, ch := range c.Checks {
		if ch.Verdict == VerdictRegression {
			names = append(names, ch.Metric)
		}
	}
	return fmt.Sprintf("REGRESSION: %d %s got worse beyond %s: %s", c.Regressions,
		plural(c.Regressions, "metric", "metrics"), plural(c.Regressions, "its tolerance", "their tolerances"), strings.Join(names, ", "))
}

func (c *Comparison) count(verdict string) int {
	n := 0
	for _, ch := range c.Checks {
		if ch.Verdict == verdict {
			n++
		}
	}
	return n
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// runWords describes one side of a comparison.
func runWords(r CompareRun) string {
	s := r.File
	if s == "" {
		s = "(unnamed)"
	}
	s += ": " + r.Scenario
	if r.RunID != "" {
		s += ", run " + r.RunID
	}
	return s + fmt.Sprintf(", %s, %.1f s on %s", r.StartTime, r.DurationS, r.Target)
}

// checkCells are a check's cells: metric, baseline, current, change,
// tolerance, verdict.
func checkCells(ch Check) []string {
	change := signed(ch.Delta, ch.Unit)
	if ch.Delta == 0 {
		change = "0"
	}
	if ch.Relative != nil && ch.Delta != 0 {
		change += fmt.Sprintf(" (%+.1f%%)", 100**ch.Relative)
	}
	tol := ch.Tolerance.Expr
	if ch.ToleranceFrom != ToleranceFromDefault {
		tol += " (" + ch.ToleranceFrom + ")"
	}
	return []string{ch.Metric, value(ch.Baseline, ch.Unit), value(ch.Current, ch.Unit), change, tol, verdictWord(ch.Verdict)}
}

// compareHeader heads checkCells.
var compareHeader = []string{"metric", "baseline", "current", "change", "tolerance", "verdict"}

func verdictWord(v string) string {
	switch v {
	case VerdictRegression:
		return "REGRESSION"
	case VerdictNoise:
		return "noise"
	case VerdictImproved:
		return "improved"
	case VerdictInfo:
		return "-"
	}
	return "ok"
}

// value formats v in unit for a table.
func value(v float64, unit string) string {
	switch unit {
	case unitRatio:
		return fmt.Sprintf("%.2f%%", 100*v)
	case unitMs:
		return ms(v) + " ms"
	case unitUSD:
		return "$" + dollars(v)
	case unitRecordsPerS:
		return num(v) + "/s"
	}
	return num(v)
}

// statWords describes one run's per-second series.
func statWords(s SeriesStat, unit string) string {
	if s.Seconds == 0 {
		return "no seconds"
	}
	return fmt.Sprintf("%s ± %s [%s, %s, %s]", value(s.Mean, unit), value(s.StdDev, unit), value(s.P5, unit), value(s.P50, unit), value(s.P95, unit))
}

// testWords describes a per-second test for a table cell.
func testWords(t *SeriesTest, unit string) string {
	if t == nil {
		return "-"
	}
	s := fmt.Sprintf("%s [%s, %s]", signed(t.MeanDelta, unit), signed(t.Low, unit), signed(t.High, unit))
	switch {
	case t.Worse:
		s += " worse"
	case t.Better:
		s += " better"
	default:
		s += " same"
	}
	return s
}

// WriteCompareText writes the comparison for a terminal: the two runs,
// the verdict, every check (regressions first), the per-second series
// and the warnings.
func WriteCompareText(w io.Writer, c *Comparison) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	writeTable(bw, [][]string{
		{"Baseline", runWords(c.Baseline)},
		{"Current", runWords(c.Current)},
	}, true)
	for _, warn := range c.Warnings {
		p("warning: %s\n", warn)
	}
	p("\n")
	rows := [][]string{compareHeader}
	for _, ch := range c.Checks {
		rows = append(rows, checkCells(ch))
	}
	writeTable(bw, rows, false)
	if len(c.Missing) > 0 {
		p("not compared, measured in one run only: %s\n", strings.Join(c.Missing, ", "))
	}

	why := false
	for _, ch := range c.Checks {
		if ch.Verdict == VerdictRegression || ch.Verdict == VerdictNoise || ch.Verdict == VerdictImproved {
			if !why {
				p("\nWhy\n")
				why = true
			}
			p("  %s: %s\n", ch.Metric, ch.Reason)
		}
	}
	p("\nPer second, baseline → current: mean ± sd [p5, p50, p95]; the mean difference [%.0f%% interval]\n", 100*c.Confidence)
	rows = nil
	for _, s := range c.Series {
		rows = append(rows, []string{"  " + s.Name, statWords(s.Baseline, s.Unit), "→", statWords(s.Current, s.Unit), testWords(s.Test, s.Unit)})
	}
	writeTable(bw, rows, true)
	p("\nResult: %s\n", c.Headline())
	return bw.Flush()
}

// WriteCompareMarkdown writes the comparison as GitHub-flavoured
// Markdown, for a CI job summary.
func WriteCompareMarkdown(w io.Writer, c *Comparison) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	row := func(cells ...string) { p("| %s |\n", strings.Join(cells, " | ")) }
	mark := "✅"
	if !c.Pass {
		mark = "❌"
	}
	p("## spillway compare: %s %s\n\n", md(c.Current.Scenario), mark)
	p("**%s**\n\n", md(c.Headline()))
	p("- **Baseline:** %s\n", md(runWords(c.Baseline)))
	p("- **Current:** %s\n", md(runWords(c.Current)))
	for _, warn := range c.Warnings {
		p("- ⚠️ %s\n", md(warn))
	}
	p("\n")
	row(compareHeader...)
	row("---", "---:", "---:", "---:", "---", "---")
	for _, ch := range c.Checks {
		cells := checkCells(ch)
		for i := range cells {
			cells[i] = md(cells[i])
		}
		cells[0] = "`" + mdCode(ch.Metric) + "`"
		if ch.Verdict == VerdictRegression {
			cells[5] = "❌ **REGRESSION**"
		}
		row(cells...)
	}
	if len(c.Missing) > 0 {
		p("\nNot compared, measured in one run only: %s.\n", md(strings.Join(c.Missing, ", ")))
	}
	var why []Check
	for _, ch := range c.Checks {
		if ch.Verdict == VerdictRegression || ch.Verdict == VerdictNoise || ch.Verdict == VerdictImproved {
			why = append(why, ch)
		}
	}
	if len(why) > 0 {
		p("\n### Why\n\n")
		for _, ch := range why {
			p("- `%s`: %s\n", mdCode(ch.Metric), md(ch.Reason))
		}
	}
	p("\n### Per second\n\nMean ± standard deviation [p5, p50, p95] of each run's seconds, and the mean difference with its %.0f%% interval.\n\n", 100*c.Confidence)
	row("series", "baseline", "current", "difference")
	row("---", "---", "---", "---")
	for _, s := range c.Series {
		row(md(s.Name), md(statWords(s.Baseline, s.Unit)), md(statWords(s.Current, s.Unit)), md(testWords(s.Test, s.Unit)))
	}
	return bw.Flush()
}
