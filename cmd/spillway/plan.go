package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

const planHelp = `
Usage: spillway plan SCENARIO [flags]

Sizes a provisioned stream for the scenario before anything is sent: the
shards the sizing formula needs at the peak of the rate profile (write
KiB/s / 1,024, records/s / 1,000, polling reads / 2,048; each record's size
rounded up to a KiB, from the scenario's size distribution), the load the
key distribution puts on each of the scenario's shards, the keys that no
resharding can fix, and the splits and merges (as aws kinesis commands)
that bring every shard under the headroom.

Examples:
  spillway plan scenarios/examples/quickstart.yaml
  spillway plan my.yaml --headroom 0.8 --json > plan.json
  spillway plan scenarios/examples/diurnal-24h.yaml --replay --out out
`

func planCmd(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "plan", planHelp)
	headroom := fs.Float64("headroom", 0.8, "fraction of each shard limit the plan may use, in (0, 1]")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	seed := fs.Uint64("seed", 1, "seed for the record size and key samples")
	replay := fs.Bool("replay", false, "also replay the rate profile in virtual time with no scaling, the advised thresholds, and on-demand")
	out := fs.String("out", "", "also write plan.json and plan.html (charts) to a new folder under this directory")
	catchUp := fs.Duration("catch-up", 0, "a backlog the consumers must be able to drain, as time of peak traffic (e.g. 10m: a consumer down for ten minutes)")
	within := fs.Duration("catch-up-within", 0, "with --catch-up: how soon the backlog must be drained, while traffic goes on")
	file, err := oneArg(fs, args, "scenario file")
	if err != nil {
		return err
	}
	if (*catchUp > 0) != (*within > 0) || *catchUp < 0 || *within < 0 {
		return usageErr("--catch-up and --catch-up-within go together, both above 0")
	}
	if !(*headroom > 0 && *headroom <= 1) {
		return usageErr("--headroom %v: want a fraction in (0, 1]", *headroom)
	}
	sc, err := loadScenario(e, file)
	if err != nil {
		return err
	}
	if sc.Stream.Shards == 0 {
		return usageErr("%s has no Kinesis stream to plan (a Direct PUT Firehose only)", file)
	}
	p, err := makePlan(sc, *headroom, *seed, *replay, *catchUp, *within)
	if err != nil {
		return err
	}
	if *out != "" {
		dir, err := runDir(*out, sc.Name+"-plan", time.Now())
		if err != nil {
			return err
		}
		if err := writeFiles(dir,
			outFile{"plan.json", p.WriteJSON},
			outFile{"plan.html", func(w io.Writer) error { return reports.WritePlanHTML(w, p) }},
		); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "spillway: plan written to %s\n", dir)
	}
	if *asJSON {
		return p.WriteJSON(e.stdout)
	}
	return reports.WritePlanText(e.stdout, p)
}

// makePlan sizes the scenario's stream and advises on its current shards
// (even ranges of stream.shards, as CreateStream makes them).
func makePlan(sc *scenarios.Scenario, headroom float64, seed uint64, replay bool, catchUp, within time.Duration) (*reports.Plan, error) {
	sizes, err := loadgen.SizesOf(sc, seed)
	if err != nil {
		return nil, err
	}
	d, err := loadgen.DemandOf(sc, 0, headroom, sizes)
	if err != nil {
		return nil, err
	}
	d.CatchUp, d.CatchUpWithin = catchUp, within
	keys, spread, err := loadgen.KeySharesOf(sc.Keys)
	if err != nil {
		return nil, err
	}
	var shards []model.ShardInfo
	for i, r := range model.EvenRanges(sc.Stream.Shards) {
		shards = append(shards, model.ShardInfo{ID: model.ShardID(i), Range: r})
	}
	loads, hot, err := model.KeyLoad(shards, keys, spread, d.RecordsPerSec, d.BytesPerRecord)
	if err != nil {
		return nil, err
	}
	actions := model.AdviseReshard(loads, keys, spread, d.RecordsPerSec, d.BytesPerRecord, headroom)
	req := model.PlanShards(d)
	p := reports.PlanOf(sc.Name, sc.Stream.Name, d, req, loads, hot, actions)

	sched, err := loadgen.ScheduleFor(sc.Load, 0)
	if err != nil {
		return nil, err
	}
	trough := d
	trough.RecordsPerSec = sched.Trough()
	// The resharding time as the simulated stream takes it (an explicit 0
	// in the scenario means at once).
	update := loadgen.StreamConfigFor(sc, false).UpdateShardCountTime
	auto := model.AdviseAutoscaling(req.Total, model.PlanShards(trough).Total, req.Total, headroom, update)
	seconds := int(sched.Duration() / time.Second)
	od := model.CheckOnDemandGrowth(sched.RateAt, seconds, d.BytesPerRecord)
	if err := p.AddAutoscaling(auto, od); err != nil {
		return nil, err
	}
	if traffic, err := costTraffic(sc, sizes, seed); err == nil {
		if prices, err := model.PricesFor(model.DefaultPriceTable(), model.DefaultRegion); err == nil {
			c := reports.CostOf(sc.Name, sc.Source, toolVersion(), model.DefaultRegion, prices, traffic)
			p.Cost, p.CostRegion = &c.Cost, model.DefaultRegion
		}
	}
	if !replay {
		return p, nil
	}
	base := model.ReplayConfig{
		Keys: keys, Spread: spread, BytesPerRecord: d.BytesPerRecord, Autoscaling: auto,
		UpdateTime: update, MaxAttempts: sc.Producer.Retry.MaxAttempts,
		RetryBackoff: sc.Producer.Retry.Backoff.D(), RetryMaxBackoff: sc.Producer.Retry.MaxBackoff.D(),
		PollingConsumers: d.PollingConsumers, Prices: model.DefaultPrices,
		PutPayloadUnitsPerRecord: sizes.PutPayloadUnits, OnDemandBilledBytesPerRecord: sizes.OnDemandBilledBytes,
	}
	for _, pol := range []struct {
		policy model.ScalingPolicy
		start  int
	}{
		{model.ScaleNone, req.Total},
		{model.ScaleThresholds, auto.MinShards},
		{model.ScaleOnDemand, model.OnDemandStartShards},
	} {
		cfg := base
		cfg.Policy, cfg.Shards = pol.policy, pol.start
		r, err := model.Replay(sched.RateAt, seconds, cfg)
		if err != nil {
			return nil, err
		}
		p.AddReplay(pol.policy.String(), pol.start, r)
	}
	return p, nil
}
