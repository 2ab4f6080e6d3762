package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spillway-dev/spillway/reports"
)

const mergeHelp = `
Usage: spillway merge RESULTS RESULTS... -o MERGED [flags]

Merges the results of parts of one load (the same scenario played from
several machines or processes at once against one stream) into the
results of the whole, exactly: counts are added, latency distributions
merged from their histograms (every percentile is that of one histogram of
all samples), per-second series aligned by wall-clock second, per-shard
rows joined by shard id. Thresholds are evaluated again on the whole and
the run is priced again. Prints the merged summary.

Only results files of this version of spillway (spillway.results/v2) can
be merged: older ones carry no histograms.

Examples:
  spillway merge host-a/results.json host-b/results.json -o merged.json
  spillway merge parts/*/results.json -o merged.json --out merged/ --junit junit.xml

Exit codes: 0 ok, 1 runtime error, 2 usage error or an unreadable or
unmergeable file, 3 a threshold failed on the merged results.
`

func mergeCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "merge", mergeHelp)
	var output, out string
	fs.StringVar(&output, "o", "", "write the merged results to this file (required)")
	fs.StringVar(&output, "output", "", "the same as -o")
	fs.StringVar(&out, "out", "", "also write summary.md and report.html of the merged results to this folder")
	var x exportFlags
	x.register(fs, true, true)
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(files) == 0:
		fs.Usage()
		return usageErr("want the results files to merge")
	case output == "":
		return usageErr("-o FILE: where to write the merged results")
	}
	parts := make([]reports.Part, len(files))
	for i, f := range files {
		r, err := reports.ReadFile(f)
		if err != nil {
			return &codedError{code: exitUsage, err: err}
		}
		parts[i] = reports.Part{Name: f, Results: r}
	}
	merged, err := reports.Merge(parts...)
	if err != nil {
		return &codedError{code: exitUsage, err: err}
	}
	merged.Tool = toolVersion()
	region := ""
	if c := parts[0].Results.Cost; c != nil {
		region = c.Region
	}
	merged.Cost = runCost(e, merged, region)
	if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
		return err
	}
	if err := reports.WriteFile(output, merged); err != nil {
		return err
	}
	if out != "" {
		if err := mkdirAndWrite(out,
			outFile{"summary.md", func(w io.Writer) error { return reports.WriteMarkdown(w, merged) }},
			outFile{"report.html", func(w io.Writer) error { return reports.WriteHTML(w, merged) }},
		); err != nil {
			return err
		}
	}
	if err := x.write(merged, nil); err != nil {
		return err
	}
	x.stepSummary(e, func(w io.Writer) error { return reports.WriteMarkdown(w, merged) })
	if err := reports.WriteText(e.stdout, merged); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nmerged %d results into %s\n", len(parts), output)
	if !reports.ThresholdsPassed(merged.Thresholds) {
		return &codedError{code: exitThreshold, err: errors.New("a threshold failed on the merged results")}
	}
	return nil
}
