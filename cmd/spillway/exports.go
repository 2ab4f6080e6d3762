package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spillway-dev/spillway/reports"
)

// exportFlags are the files a command writes for CI besides its own:
// JUnit XML, CSV, the results at a fixed path, .hgrm distributions. run,
// report, merge and compare take them.
type exportFlags struct {
	junit   string // JUnit XML file
	csvDir  string // folder for series.csv and shards.csv
	export  string // the results JSON at this path
	hgrmDir string // folder for <distribution>.hgrm
	// noStepSummary leaves $GITHUB_STEP_SUMMARY alone.
	noStepSummary bool
}

// register adds the flags to fs; results says whether the command has
// results to export (compare has only its comparison), stepSummary
// whether it appends to $GITHUB_STEP_SUMMARY.
func (x *exportFlags) register(fs *flag.FlagSet, results, stepSummary bool) {
	fs.StringVar(&x.junit, "junit", "", "also write a JUnit XML report to this file: a test case per threshold and per compared metric")
	if results {
		fs.StringVar(&x.csvDir, "csv", "", "also write series.csv (one row a second) and shards.csv (one row a shard) to this folder")
		fs.StringVar(&x.export, "export", "", "also write the results JSON to this path (a fixed name for CI, like k6's --summary-export)")
		fs.StringVar(&x.hgrmDir, "hgrm", "", "also write each latency distribution as an HdrHistogram .hgrm percentile file to this folder")
	}
	if stepSummary {
		fs.BoolVar(&x.noStepSummary, "no-step-summary", false, "do not append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set")
	} else {
		x.noStepSummary = true
	}
}

// write writes what the flags ask for. res or c may be nil. Every file is
// attempted; the errors are joined.
func (x *exportFlags) write(res *reports.Results, c *reports.Comparison) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if x.junit != "" {
		add(writeFileAt(x.junit, func(w io.Writer) error { return reports.WriteJUnit(w, res, c) }))
	}
	if res != nil && x.export != "" {
		if err := os.MkdirAll(filepath.Dir(x.export), 0o755); err != nil {
			add(err)
		} else {
			add(reports.WriteFile(x.export, res))
		}
	}
	if res != nil && x.csvDir != "" {
		add(mkdirAndWrite(x.csvDir,
			outFile{"series.csv", func(w io.Writer) error { return reports.WriteSeriesCSV(w, res) }},
			outFile{"shards.csv", func(w io.Writer) error { return reports.WriteShardsCSV(w, res) }},
		))
	}
	if res != nil && x.hgrmDir != "" {
		var files []outFile
		for _, d := range reports.Distributions(res) {
			files = append(files, outFile{d.Name + ".hgrm", func(w io.Writer) error { return reports.WriteHgrm(w, d.Percentiles) }})
		}
		add(mkdirAndWrite(x.hgrmDir, files...))
	}
	return errors.Join(errs...)
}

// stepSummary appends what write writes to the file GitHub Actions names
// in $GITHUB_STEP_SUMMARY, so the job's summary page shows it; nothing
// when the variable is unset or the flags say not to.
func (x *exportFlags) stepSummary(e *env, write func(io.Writer) error) {
	path := os.Getenv("GITHUB_STEP_SUMMARY")
	if path == "" || x.noStepSummary {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		err = write(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "spillway: $GITHUB_STEP_SUMMARY: %v\n", err)
	}
}

// writeFileAt creates path (and its folder) and writes it.
func writeFileAt(path string, write func(io.Writer) error) error {
	return mkdirAndWrite(filepath.Dir(path), outFile{filepath.Base(path), write})
}

// mkdirAndWrite makes dir if need be and writes the files in it.
func mkdirAndWrite(dir string, files ...outFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeFiles(dir, files...); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}
