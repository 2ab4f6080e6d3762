package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// WriteText writes the end-of-run summary of r for a terminal: what ran
// and what it cost, where the records went, latency, whether the generator kept up, the
// read-back with its consumers, the Firehose delivery, the scenario's
// events, the per-shard load with hot shards marked (and each shard's
// state and parents after a resharding), and the thresholds with a final
// PASS or FAIL line.
func WriteText(w io.Writer, r *Results) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	head := [][]string{
		{"Scenario", r.Scenario.Name + sourceSuffix(r)},
		{"Target", targetLine(r)},
		{"Load", loadLine(r)},
		{"Run", runLine(r)},
	}
	if s := statusLine(r); s != "" {
		head = append(head, []string{"Status", s})
	}
	if r.Cost != nil {
		head = append(head, []string{"Cost", runCostLine(r.Cost)})
	}
	writeTable(bw, head, true)

	p("\n")
	rows := [][]string{{"Records", "", ""}}
	for _, rr := range recordRows(r) {
		rows = append(rows, []string{"  " + rr.name, commas(rr.count), rr.note})
	}
	writeTable(bw, rows, true)
	p("  achieved: %s\n", achievedLine(r))
	if codes := errorCodes(r); len(codes) > 0 {
		rows := [][]string{{"  failed attempts by error", ""}}
		for _, c := range codes {
			rows = append(rows, []string{"    " + c, commas(r.Errors[c])})
		}
		writeTable(bw, rows, false)
	}

	p("\n")
	rows = [][]string{append([]string{"Latency (ms)"}, latencyHeader...)}
	for _, l := range latencyRows(r) {
		rows = append(rows, append([]string{"  " + l.name}, l.cells()...))
	}
	writeTable(bw, rows, false)

	p("\nGenerator\n")
	for _, l := range generatorLines(r) {
		p("  %s\n", l)
	}

	if x := r.E2E; x != nil {
		p("\nEnd to end\n")
		for _, l := range e2eLines(x) {
			p("  %s\n", l)
		}
		if cs := consumerRows(x); len(cs) > 0 {
			rows := [][]string{append([]string{"  Consumers"}, consumerHeader...)}
			for _, c := range cs {
				rows = append(rows, append([]string{"    " + c.name}, c.cells()...))
			}
			padColumn(rows, 1)
			writeTable(bw, rows, false)
		}
	}

	if d := r.Delivery; d != nil {
		p("\nFirehose delivery\n")
		for _, l := range deliveryLines(d) {
			p("  %s\n", l)
		}
	}

	if len(r.Events) > 0 {
		p("\nEvents\n")
		rows = nil
		for _, ev := range r.Events {
			rows = append(rows, []string{"  at " + eventAt(ev), ev.Action, eventOutcome(ev)})
		}
		writeTableLeft(bw, rows)
	}

	if len(r.PerShard) > 0 {
		p("\n")
		shown := shownShards(r)
		if len(shown) < len(r.PerShard) {
			p("Showing the %d busiest of %d shards\n", len(shown), len(r.PerShard))
		}
		lineage := hasLineage(r)
		rows = [][]string{{"Shards", "attempts", "acked", "throttled", "by records", "by bytes", "peak", ""}}
		if lineage {
			rows[0] = slices.Insert(rows[0], 1, "state", "parents")
		}
		for _, sh := range shown {
			row := []string{"  " + sh.ShardID, commas(sh.Attempts), commas(sh.Acked),
				commas(sh.Throttled), commas(sh.ThrottledRecordsLimit), commas(sh.ThrottledBytesLimit),
				pct0(sh.PeakUtilization), hotMark(sh)}
			if lineage {
				row = slices.Insert(row, 1, orDash(sh.State), orDash(parentsLabel(sh.Parents)))
			}
			rows = append(rows, row)
		}
		if lineage {
			padColumn(rows, 1)
			padColumn(rows, 2)
		}
		writeTable(bw, rows, true)
		for _, l := range shardVerdict(r) {
			p("%s\n", l)
		}
	}

	p("\n")
	if len(r.Thresholds) == 0 {
		p("Thresholds: none defined\n")
	} else {
		p("Thresholds\n")
		rows = nil
		for _, tr := range r.Thresholds {
			rows = append(rows, []string{"  " + passWord(tr.Pass), tr.Expr, "measured " + thresholdValue(tr)})
		}
		writeTableLeft(bw, rows)
		p("\nResult: %s\n", verdict(r.Thresholds))
	}
	return bw.Flush()
}

// hotMark is "HOT" for a hot shard, "" otherwise.
func hotMark(sh ShardRow) string {
	if isHot(sh) {
		return "HOT"
	}
	return ""
}

// sourceSuffix names the scenario file, if any.
func sourceSuffix(r *Results) string {
	if r.Scenario.Source == "" {
		return ""
	}
	return " (" + r.Scenario.Source + ")"
}

// writeTable writes rows with text/tabwriter, the first column
// left-aligned and the others right-aligned. With freeLast the last cell of
// each row is free text after the aligned columns. Trailing spaces are
// trimmed. Errors are left to the caller's final Flush of w.
func writeTable(w io.Writer, rows [][]string, freeLast bool) {
	width := 0
	for _, row := range rows {
		width = max(width, utf8.RuneCountInString(row[0]))
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 0, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		cells, last := row, ""
		if freeLast {
			cells, last = row[:len(row)-1], row[len(row)-1]
		}
		fmt.Fprintf(tw, "%-*s\t", width, cells[0])
		for _, c := range cells[1:] {
			fmt.Fprintf(tw, "  %s\t", c)
		}
		fmt.Fprintf(tw, "  %s\n", last)
	}
	tw.Flush()
	writeTrimmed(w, b.String())
}

// writeTableLeft writes rows with text/tabwriter, all columns
// left-aligned.
func writeTableLeft(w io.Writer, rows [][]string) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\n", strings.Join(row, "\t"))
	}
	tw.Flush()
	writeTrimmed(w, b.String())
}

// writeTrimmed writes s with trailing spaces cut from every line.
func writeTrimmed(w io.Writer, s string) {
	for line := range strings.Lines(s) {
		io.WriteString(w, strings.TrimRight(line, " \n")+"\n")
	}
}
