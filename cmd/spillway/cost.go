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

const costHelp = `
Usage: spillway cost SCENARIO [flags]

Prices a month (730 hours) of the scenario's traffic at its mean rate, the
schedule's records divided by its duration, line by line:

  provisioned          the shards the sizing formula needs at the peak of the
                       rate profile at 80% of each limit (as spillway plan
                       sizes them): shard-hours, PUT payload units, fan-out
                       consumer-shard-hours and retrieval, retention
  on-demand Standard   stream-hours, ingest (each record rounded up to 1 KiB),
                       retrieval by polling and fan-out consumers, retention
  On-demand Advantage  the same at Advantage rates (derived from AWS's
                       announced discounts), billed for at least 25 MiB/s of
                       ingest and 25 MiB/s of retrieval
  Firehose             with a firehose section: ingestion (each record
                       rounded up to 5 KiB), format conversion, dynamic
                       partitioning (S3 objects and requests not included)

A Direct PUT Firehose is priced alone: its records never reach the Kinesis
stream. Record sizes are sampled from the scenario's size and key
distributions; every consumer reads every record, and GetRecords reads are
free in provisioned mode; retention above 24 h comes from stream.retention.
Prices are us-east-1's unless --region names another Region, whose prices
must then come from a --pricing file (YAML or JSON, see the README): a
Region without prices is an error, never a guess.

With --out, also writes cost.json and cost.html, a chart of the monthly cost
of each mode against throughput from 0 to 4x the mean rate (same records,
the peak scaled with the rate) marking where provisioned and on-demand
Standard cost the same, to OUT/<time>-<name>-cost/.

Examples:
  spillway cost scenarios/examples/quickstart.yaml
  spillway cost my.yaml --json | jq .cost
  spillway cost my.yaml --out out
  spillway cost my.yaml --pricing prices.yaml --region eu-west-1
`

// costHeadroom is the fraction of each shard limit the provisioned stream
// is sized to use at the peak, spillway plan's default.
const costHeadroom = 0.8

func costCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "cost", costHelp)
	region := fs.String("region", model.DefaultRegion, "AWS Region to price")
	pricing := fs.String("pricing", "", "YAML or JSON file of prices that override or add Regions")
	asJSON := fs.Bool("json", false, "print the report as JSON on standard output instead of the tables")
	out := fs.String("out", "", "also write cost.json and cost.html (with the chart) to a new folder under this directory")
	seed := fs.Uint64("seed", 1, "seed for the record size and key samples")
	file, err := oneArg(fs, args, "scenario file")
	if err != nil {
		return err
	}
	table := model.DefaultPriceTable()
	if *pricing != "" {
		if table, err = model.LoadPricing(*pricing); err != nil {
			fmt.Fprintln(e.stderr, err)
			return &codedError{code: exitUsage, err: fmt.Errorf("%s is not a valid pricing file", *pricing)}
		}
	}
	prices, err := model.PricesFor(table, *region)
	if err != nil {
		return usageErr("%v: give them in a --pricing file", err)
	}
	sc, err := loadScenario(e, file)
	if err != nil {
		return err
	}
	sizes, err := loadgen.SizesOf(sc, *seed)
	if err != nil {
		return err
	}
	traffic, err := costTraffic(sc, sizes, *seed)
	if err != nil {
		return err
	}
	c := reports.CostOf(sc.Name, sc.Source, toolVersion(), *region, prices, traffic)

	var paths string
	if *out != "" {
		dir, err := runDir(*out, sc.Name+"-cost", time.Now())
		if err != nil {
			return err
		}
		if err := writeFiles(dir,
			outFile{"cost.json", c.WriteJSON},
			outFile{"cost.html", func(w io.Writer) error { return reports.WriteCostHTML(w, c) }},
		); err != nil {
			return err
		}
		paths = fmt.Sprintf("\ncost:   %s\nreport: %s\n", filepath.Join(dir, "cost.json"), filepath.Join(dir, "cost.html"))
	}
	if *asJSON {
		if err := c.WriteJSON(e.stdout); err != nil {
			return err
		}
		fmt.Fprint(e.stderr, strings.TrimPrefix(paths, "\n"))
		return nil
	}
	if err := reports.WriteCostText(e.stdout, c); err != nil {
		return err
	}
	fmt.Fprint(e.stdout, paths)
	return nil
}

// costTraffic is what spillway cost prices of sc: the schedule's mean
// rate, the demand at its peak (loadgen.DemandOf at costHeadroom, as
// spillway plan sizes it), and the per-record billing of the size
// distribution.
func costTraffic(sc *scenarios.Scenario, sizes loadgen.RecordSizes, seed uint64) (reports.CostTraffic, error) {
	sched, err := loadgen.ScheduleFor(sc.Load, 0)
	if err != nil {
		return reports.CostTraffic{}, err
	}
	d, err := loadgen.DemandOf(sc, 0, costHeadroom, sizes)
	if err != nil {
		return reports.CostTraffic{}, err
	}
	t := reports.CostTraffic{
		ScheduleRecords: sched.Total(), ScheduleSeconds: sched.Duration().Seconds(),
		PeakRecordsPerSec: d.RecordsPerSec, BytesPerRecord: d.BytesPerRecord, KiBPerRecord: d.KiBPerRecord,
		PutPayloadUnitsPerRecord: sizes.PutPayloadUnits, OnDemandBilledBytesPerRecord: sizes.OnDemandBilledBytes, FirehoseBilledBytesPerRecord: sizes.FirehoseBilledBytes,
		PollingConsumers: d.PollingConsumers, EFOConsumers: d.EFOConsumers,
		RetentionHours: max(sc.Stream.Retention.D().Hours(), model.DefaultRetentionHours),
		Headroom:       costHeadroom,
		Kinesis:        sc.Firehose == nil || sc.Firehose.Source == scenarios.FirehoseKinesis,
	}
	if t.ScheduleSeconds > 0 {
		t.MeanRecordsPerSec = float64(t.ScheduleRecords) / t.ScheduleSeconds
	}
	if f := sc.Firehose; f != nil {
		t.Firehose = &reports.CostFirehose{Source: f.Source, FormatConversion: f.FormatConversion, DynamicPartitioning: f.PartitionBy != ""}
		// Objects an hour with the scenario's buffers, as the sweep plays
		// them: the dynamic partitioning charge is per 1,000 objects.
		sw, err := runSweep(sc, []model.SweepPoint{{BufferSizeBytes: int64(f.BufferSize), BufferInterval: f.BufferInterval.D()}}, 0, seed)
		if err != nil {
			return t, err
		}
		t.Firehose.ObjectsPerHour = sw.Points[0].ObjectsPerHour
	}
	return t, nil
}

// runCost prices a run at the built-in prices of region (us-east-1 when
// ""). A Region without prices does not fail the run: the note goes to
// stderr and the run has no cost (its cost thresholds fail).
func runCost(e *env, res *reports.Results, region string) *reports.RunCost {
	if region == "" {
		region = model.DefaultRegion
	}
	p, err := model.PricesFor(model.DefaultPriceTable(), region)
	if err == nil {
		var c *reports.RunCost
		if c, err = reports.RunCostOf(res, region, p); err == nil {
			return c
		}
	}
	fmt.Fprintf(e.stderr, "spillway: the run's cost is not computed: %v\n", err)
	return nil
}
