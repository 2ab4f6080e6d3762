package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

const sweepHelp = `
Usage: spillway sweep SCENARIO [flags]

Plays the scenario's traffic through its Firehose stream once per buffer
setting (size x interval), in virtual time, and reports for each the
delivery delay (p50, p95, max), objects per hour, S3 PUT requests and the
monthly Firehose cost; then the cheapest setting whose p95 delay meets
firehose.delivery_delay_target. Writes sweep.json and sweep.html (charts)
to OUT/<time>-<name>-sweep/. The scenario needs a firehose section.

Examples:
  spillway sweep scenarios/examples/firehose-buffers.yaml
  spillway sweep my.yaml --buffer-size 1MiB,8MiB,64MiB --buffer-interval 60s,300s
  spillway sweep my.yaml --duration 1h --json > sweep.json
`

func sweepCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sweep", sweepHelp)
	sizes := fs.String("buffer-size", "", "comma-separated buffer sizes (default 1MiB,5MiB,16MiB,64MiB,128MiB)")
	intervals := fs.String("buffer-interval", "", "comma-separated buffer intervals (default 0s,60s,300s,900s)")
	duration := fs.Duration("duration", 0, "traffic to play: override the scenario's load.duration (e.g. 1h)")
	seed := fs.Uint64("seed", 1, "seed for record sizes and keys")
	asJSON := fs.Bool("json", false, "print the sweep as JSON on standard output instead of the table")
	out := fs.String("out", "out", "directory under which the sweep gets its own folder")
	file, err := oneArg(fs, args, "scenario file")
	if err != nil {
		return err
	}
	points, err := sweepPoints(*sizes, *intervals)
	if err != nil {
		return usageErr("%v", err)
	}
	sc, err := loadScenario(e, file)
	if err != nil {
		return err
	}
	if sc.Firehose == nil {
		return usageErr("%s has no firehose section: the sweep needs one", file)
	}
	sw, err := runSweep(sc, points, *duration, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		return sw.WriteJSON(e.stdout)
	}
	dir, err := runDir(*out, sc.Name+"-sweep", time.Now())
	if err != nil {
		return err
	}
	if err := writeFiles(dir,
		outFile{"sweep.json", sw.WriteJSON},
		outFile{"sweep.html", func(w io.Writer) error { return reports.WriteSweepHTML(w, sw) }},
	); err != nil {
		return err
	}
	if err := reports.WriteSweepText(e.stdout, sw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nsweep:  %s\nreport: %s\n", filepath.Join(dir, "sweep.json"), filepath.Join(dir, "sweep.html"))
	return nil
}

// sweepPoints is the grid from the flags, or the default grid.
func sweepPoints(sizes, intervals string) ([]model.SweepPoint, error) {
	szs := model.DefaultSweepSizes
	if sizes != "" {
		szs = nil
		for _, s := range strings.Split(sizes, ",") {
			b, err := scenarios.ParseByteSize(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("--buffer-size: %v", err)
			}
			szs = append(szs, int64(b))
		}
	}
	ivs := model.DefaultSweepIntervals
	if intervals != "" {
		ivs = nil
		for _, s := range strings.Split(intervals, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("--buffer-interval: %v", err)
			}
			ivs = append(ivs, d)
		}
	}
	var pts []model.SweepPoint
	for _, iv := range ivs {
		for _, sz := range szs {
			pts = append(pts, model.SweepPoint{BufferSizeBytes: sz, BufferInterval: iv})
		}
	}
	return pts, nil
}

// runSweep plays the scenario through every point and prices each.
func runSweep(sc *scenarios.Scenario, points []model.SweepPoint, d time.Duration, seed uint64) (*reports.Sweep, error) {
	f := sc.Firehose
	ratio, err := loadgen.CompressionRatio(sc, f.Compression, seed, 4<<20)
	if err != nil {
		return nil, err
	}
	base := loadgen.DeliveryConfigFor(sc, ratio)
	arrivals, sched, err := loadgen.Arrivals(sc, d, seed, f.PartitionBy != "")
	if err != nil {
		return nil, err
	}
	span := sched.Duration()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	results := model.SweepDelivery(base, points, start, span, arrivals)
	perMonth := float64(model.HoursPerMonth) * float64(time.Hour) / float64(span)
	sw := &reports.Sweep{
		Schema: reports.SweepSchema, Tool: toolVersion(), Seed: int64(seed), Scenario: *sc,
		SpanS: span.Seconds(), CompressionRatio: ratio, DelayTargetMs: float64(f.DelayTarget.D()) / 1e6,
		S3PutPer1000USD: model.DefaultPrices.S3PutPer1000USD,
	}
	for _, r := range results {
		row := reports.SweepRow{
			BufferSizeBytes: r.BufferSizeBytes, BufferIntervalS: r.BufferInterval.Seconds(),
			Records: r.Records, Throttled: r.Throttled, Objects: r.Objects, ObjectsPerHour: r.ObjectsPerHour,
			MeanObjectBytes: r.MeanObjectBytes, MeanStoredBytes: r.MeanStoredBytes, S3PutRequests: r.S3PutRequests,
			DelayMeanMs: r.DelayMeanMs, DelayP50Ms: r.DelayP50Ms, DelayP95Ms: r.DelayP95Ms, DelayMaxMs: r.DelayMaxMs,
			Err: r.Err,
		}
		if r.Err == "" {
			usage := model.FirehoseUsage{
				Records: float64(r.Records) * perMonth, BilledBytes: float64(r.BilledBytes) * perMonth,
				Objects: float64(r.Objects) * perMonth, FormatConversion: f.FormatConversion, DynamicPartitioning: f.PartitionBy != "",
			}
			row.FirehoseMonthlyUSD = model.TotalUSD(model.DefaultPrices.FirehoseMonthly(usage))
			row.S3PutMonthlyUSD = float64(r.S3PutRequests) * perMonth * model.DefaultPrices.S3PutPer1000USD / 1000
			row.MonthlyUSD = row.FirehoseMonthlyUSD + row.S3PutMonthlyUSD
		}
		sw.Points = append(sw.Points, row)
	}
	sw.Recommend()
	return sw, nil
}
