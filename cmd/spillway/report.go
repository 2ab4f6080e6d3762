package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spillway-dev/spillway/reports"
)

const reportHelp = `
Usage: spillway report RESULTS [flags]

Renders a results file again: the terminal summary (text), the Markdown
summary for CI step summaries (md), or the self-contained HTML report with
charts (html). Reports need nothing but the results file.

It can also export the results for CI: JUnit XML of the thresholds,
CSV of the per-second series and the shards, and each latency
distribution as an HdrHistogram .hgrm percentile file. Thresholds are
shown as the run evaluated them.

Examples:
  spillway report out/20261125-201405-quickstart/results.json
  spillway report results.json --format md >> "$GITHUB_STEP_SUMMARY"
  spillway report results.json --format html --output report.html
  spillway report results.json --junit junit.xml --csv csv/ --hgrm hgrm/
`

func reportCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", reportHelp)
	format := fs.String("format", "text", "text, md or html")
	output := fs.String("output", "", "write to this file instead of standard output")
	var x exportFlags
	x.register(fs, true, false) // report --format md fills a step summary
	file, err := oneArg(fs, args, "results file")
	if err != nil {
		return err
	}
	var write func(io.Writer, *reports.Results) error
	switch *format {
	case "text":
		write = reports.WriteText
	case "md", "markdown":
		write = reports.WriteMarkdown
	case "html":
		write = reports.WriteHTML
	default:
		return usageErr("--format %q: want text, md or html", *format)
	}
	res, err := reports.ReadFile(file)
	if err != nil {
		return &codedError{code: exitUsage, err: err}
	}
	if err := x.write(res, nil); err != nil {
		return err
	}
	if *output == "" {
		return write(e.stdout, res)
	}
	f, err := os.Create(*output)
	if err != nil {
		return err
	}
	if err := write(f, res); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", *output, err)
	}
	return f.Close()
}
