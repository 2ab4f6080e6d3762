package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMarkdown writes the summary of r as GitHub-flavoured Markdown, for
// a CI job summary: the same content as WriteText, in tables.
func WriteMarkdown(w io.Writer, r *Results) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	row := func(cells ...string) { p("| %s |\n", strings.Join(cells, " | ")) }

	title := "spillway: " + md(r.Scenario.Name)
	if v := verdict(r.Thresholds); v != "" {
		title += " — " + v
	}
	p("## %s\n\n", title)
	p("- **Scenario:** %s\n", md(r.Scenario.Name+sourceSuffix(r)))
	p("- **Target:** %s\n", md(targetLine(r)))
	p("- **Load:** %s\n", md(loadLine(r)))
	p("- **Run:** %s\n", md(runLine(r)))
	if s := statusLine(r); s != "" {
		p("- **Status:** %s\n", md(s))
	}
	if r.Cost != nil {
		p("- **Cost:** %s\n", md(runCostLine(r.Cost)))
	}

	p("\n### Records\n\n")
	row("", "records", "")
	row("---", "---:", "---")
	for _, rr := range recordRows(r) {
		row(rr.name, commas(rr.count), md(rr.note))
	}
	p("\nAchieved: %s.\n", achievedLine(r))
	if codes := errorCodes(r); len(codes) > 0 {
		p("\n")
		row("Error code", "failed attempts")
		row("---", "---:")
		for _, c := range codes {
			row(md(c), commas(r.Errors[c]))
		}
	}

	p("\n### Latency (ms)\n\n")
	row(append([]string{""}, latencyHeader...)...)
	row(append([]string{"---"}, slices.Repeat([]string{"---:"}, len(latencyHeader))...)...)
	for _, l := range latencyRows(r) {
		row(append([]string{l.name}, l.cells()...)...)
	}

	p("\n### Generator\n\n")
	for _, l := range generatorLines(r) {
		p("- %s\n", md(l))
	}
	if x := r.E2E; x != nil {
		p("\n### End to end\n\n")
		for _, l := range e2eLines(x) {
			p("- %s\n", md(l))
		}
		if cs := consumerRows(x); len(cs) > 0 {
			p("\n")
			row(append([]string{"Consumer"}, consumerHeader...)...)
			row("---", "---", "---:", "---:", "---:", "---:", "---:", "---:")
			for _, c := range cs {
				cells := c.cells()
				for i := range cells {
					cells[i] = md(cells[i])
				}
				row(append([]string{md(c.name)}, cells...)...)
			}
		}
	}
	if d := r.Delivery; d != nil {
		p("\n### Firehose delivery\n\n")
		for _, l := range deliveryLines(d) {
			p("- %s\n", md(l))
		}
	}

	if len(r.Events) > 0 {
		p("\n### Events\n\n")
		row("At", "Action", "Outcome")
		row("---:", "---", "---")
		for _, ev := range r.Events {
			row(eventAt(ev), md(ev.Action), md(eventOutcome(ev)))
		}
	}

	if len(r.PerShard) > 0 {
		p("\n### Shards\n\n")
		shown := shownShards(r)
		if len(shown) < len(r.PerShard) {
			p("Showing the %d busiest of %d shards.\n\n", len(shown), len(r.PerShard))
		}
		lineage := hasLineage(r)
		if lineage {
			row("Shard", "state", "parents", "attempts", "acked", "throttled", "by records", "by bytes", "peak", "")
			row("---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---")
		} else {
			row("Shard", "attempts", "acked", "throttled", "by records", "by bytes", "peak", "")
			row("---", "---:", "---:", "---:", "---:", "---:", "---:", "---")
		}
		for _, sh := range shown {
			mark := ""
			if isHot(sh) {
				mark = "🔥 HOT"
			}
			cells := []string{md(sh.ShardID), commas(sh.Attempts), commas(sh.Acked), commas(sh.Throttled),
				commas(sh.ThrottledRecordsLimit), commas(sh.ThrottledBytesLimit), pct0(sh.PeakUtilization), mark}
			if lineage {
				cells = slices.Insert(cells, 1, md(orDash(sh.State)), md(orDash(parentsLabel(sh.Parents))))
			}
			row(cells...)
		}
		p("\n")
		for _, l := range shardVerdict(r) {
			p("- %s\n", md(l))
		}
	}

	p("\n### Thresholds\n\n")
	if len(r.Thresholds) == 0 {
		p("None defined.\n")
	} else {
		row("", "Threshold", "Measured")
		row("---", "---", "---:")
		for _, tr := range r.Thresholds {
			mark := "✅ PASS"
			if !tr.Pass {
				mark = "❌ FAIL"
			}
			row(mark, "`"+mdCode(tr.Expr)+"`", md(thresholdValue(tr)))
		}
	}
	return bw.Flush()
}

// mdEscaper escapes text for a Markdown table cell or list item, so that
// scenario strings can neither break the table nor inject HTML.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`,
	"\r\n", " ", "\n", " ",
)

// md escapes s as Markdown text.
func md(s string) string { return mdEscaper.Replace(s) }

// mdCode makes s safe inside a table cell's code span: backticks and pipes
// cannot be escaped there, so they are replaced.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "¦", "\n", " ").Replace(s)
}
