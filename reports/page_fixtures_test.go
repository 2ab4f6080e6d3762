package reports

import (
	"fmt"
	"math"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// recordedPercentiles records n durations, the i-th of them d(i), in a
// histogram of the results' geometry and returns their Percentiles with
// the histogram, as a version 2 results file has them.
func recordedPercentiles(n int, d func(i int) time.Duration) Percentiles {
	h := loadgen.NewLatencyHistogram()
	for i := range n {
		h.Record(d(i))
	}
	return PercentilesOf(h.Percentiles())
}

// spread is the i-th of n points of a smooth distribution from lo up,
// with a tail: lo + scale × (−ln(1 − u)) for u evenly spread over (0, 1).
func spread(i, n int, lo, scale time.Duration) time.Duration {
	u := (float64(i) + 0.5) / float64(n)
	return lo + time.Duration(float64(scale)*-math.Log(1-u))
}

// withHistograms gives r's latency distributions histograms, as runs
// since results version 2 have them: 89,850 response times of 20 ms and
// up with a long tail, 1,230 service times and send lags.
func withHistograms(r *Results) *Results {
	r.Latency.ResponseMs = recordedPercentiles(89850, func(i int) time.Duration {
		return spread(i, 89850, 20*time.Millisecond, 60*time.Millisecond)
	})
	r.Latency.ServiceMs = recordedPercentiles(1230, func(i int) time.Duration {
		return spread(i, 1230, 15*time.Millisecond, 20*time.Millisecond)
	})
	r.Latency.SendLagMs = recordedPercentiles(1230, func(i int) time.Duration {
		return spread(i, 1230, 0, 2*time.Millisecond)
	})
	return r
}

// reshardFixture is readFixture's run with the times its shards opened
// and closed, as the simulated stream reports them: shard 1 split into 4
// and 5 at 10 s, shards 2 and 3 merged into 6 at 20 s. The parents' load
// is zero after they closed and the children's before they opened.
func reshardFixture() *Results {
	r := withHistograms(readFixture())
	r.PerShard[1].ClosedS = 10
	r.PerShard[2].ClosedS, r.PerShard[3].ClosedS = 20, 20
	for i, opened := range []float64{10, 10, 20} {
		r.PerShard[4+i].OpenedS = opened
	}
	for i := range r.PerShard {
		sh := &r.PerShard[i]
		for t := range sh.Utilization {
			switch {
			case sh.ClosedS > 0 && float64(t) >= sh.ClosedS, float64(t) < sh.OpenedS:
				sh.Utilization[t] = 0
			case sh.OpenedS > 0:
				sh.Utilization[t] = 0.3 + 0.01*float64(t%4)
			}
		}
	}
	for i := range r.Series {
		r.Series[i].OpenShards = 4 // 4, then 5 after the split, 4 after the merge
		if i >= 10 && i < 20 {
			r.Series[i].OpenShards = 5
		}
	}
	return r
}

// firehoseFixture is a Direct PUT Firehose run: 30 s at 3,000 records/s
// of 512 B into a 5 MiB or 60 s buffer with GZIP, delivered to S3 (but
// for 3 records lost) between about 2 s and 64 s after its intended send
// time, against a p95 target of 90 s.
func firehoseFixture() *Results {
	r := withHistograms(fixture())
	r.Target = "sim-firehose"
	r.Scenario.Name = "firehose-buffers"
	r.Scenario.Source = "scenarios/examples/firehose-buffers.yaml"
	r.Scenario.Firehose = &scenarios.Firehose{
		Source: scenarios.FirehoseDirectPut, BufferSize: 5 << 20,
		BufferInterval: scenarios.Duration(60 * time.Second), Compression: "GZIP",
		DelayTarget: scenarios.Duration(90 * time.Second),
	}
	r.PerShard = nil
	r.Errors = nil
	n := r.Totals.Acked
	r.Delivery = &Delivery{
		Dir:             "out/20250601-120000-firehose-buffers/s3/spillway-firehose-buffers/2025/06/01/12",
		BufferSizeBytes: 5 << 20, BufferIntervalS: 60, Compression: "GZIP",
		Accepted: n, Delivered: n - 3, Lost: 3, Duplicates: 0, Unverifiable: 0,
		Objects: 9, StoredBytes: 11 << 20,
		DelayMs: recordedPercentiles(int(n), func(i int) time.Duration {
			// Records wait in the buffer for up to the 5 MiB it takes
			// (about 3.4 s at 1.5 MiB/s) and then S3's write; a few
			// wait for the 60 s interval at the end of the run.
			if i > int(n)-3000 {
				return time.Duration(55+i%9) * time.Second
			}
			return time.Duration(2000+i%3500) * time.Millisecond
		}),
	}
	cost, err := RunCostOf(r, "us-east-1", model.DefaultPrices)
	if err != nil {
		panic(err)
	}
	r.Cost = cost
	r.Scenario.Thresholds = []scenarios.Threshold{
		{Expr: "delivery_delay_p95 < 90s", Metric: "delivery_delay_p95", Op: "<", Value: 90000},
		{Expr: "delivery_lost < 1", Metric: "delivery_lost", Op: "<", Value: 1},
	}
	r.Thresholds = Evaluate(r, r.Scenario.Thresholds)
	return r
}

// sweepFixture is a sweep of a 1.5 MiB/s stream over 1 MiB to 128 MiB and
// 0 s, 60 s and 300 s: zero buffering writes an object per record batch
// and its S3 bill dwarfs every other setting's; 128 MiB with 0 s is not
// allowed.
func sweepFixture() *Sweep {
	s := &Sweep{
		Schema: SweepSchema, Tool: "test", Seed: 1,
		Scenario: scenarios.Scenario{Name: "firehose-buffers", Firehose: &scenarios.Firehose{Compression: "GZIP"}},
		SpanS:    3600, CompressionRatio: 0.31, S3PutPer1000USD: 0.005, DelayTargetMs: 90_000,
	}
	const bytesPerSec = 1.5 * (1 << 20)
	for _, iv := range []float64{0, 60, 300} {
		for _, mib := range []int64{1, 2, 5, 16, 64, 128} {
			size := mib << 20
			p := SweepRow{BufferSizeBytes: size, BufferIntervalS: iv, Records: 3000 * 3600, FirehoseMonthlyUSD: 190.31}
			fill := float64(size) / bytesPerSec // seconds to fill the buffer
			flush := fill
			switch {
			case iv == 0:
				flush = 0.2
			case iv < fill:
				flush = iv
			}
			if iv == 0 && mib == 128 {
				p.Err = "zero buffering takes at most 64 MiB here (an example)"
			}
			p.Objects = int64(3600 / flush)
			p.ObjectsPerHour = float64(p.Objects)
			p.MeanObjectBytes = bytesPerSec * flush
			p.MeanStoredBytes = p.MeanObjectBytes * 0.31
			p.S3PutRequests = p.Objects
			p.DelayMeanMs, p.DelayP50Ms = 500*flush+400, 500*flush+400
			p.DelayP95Ms, p.DelayMaxMs = 950*flush+400, 1000*flush+600
			p.S3PutMonthlyUSD = p.ObjectsPerHour * model.HoursPerMonth * s.S3PutPer1000USD / 1000
			p.MonthlyUSD = p.FirehoseMonthlyUSD + p.S3PutMonthlyUSD
			s.Points = append(s.Points, p)
		}
	}
	s.Recommend()
	return s
}

// planFixture is the plan of fixture's hot-key scenario made as spillway
// plan --replay makes it: 4 shards at 3,000 records/s of 515 B with 25%
// of the records on one key, a day of a diurnal profile replayed under
// the three policies.
func planFixture() *Plan {
	keys := []model.KeyShare{{Key: "customer-42", Hash: model.HashPartitionKey("customer-42"), Share: 0.25}}
	d := model.Demand{RecordsPerSec: 3000, KiBPerRecord: 1, BytesPerRecord: 515, Headroom: 0.8}
	var shards []model.ShardInfo
	for i, rg := range model.EvenRanges(4) {
		shards = append(shards, model.ShardInfo{ID: model.ShardID(i), Range: rg})
	}
	loads, hot, err := model.KeyLoad(shards, keys, 0.75, d.RecordsPerSec, d.BytesPerRecord)
	if err != nil {
		panic(err)
	}
	actions := model.AdviseReshard(loads, keys, 0.75, d.RecordsPerSec, d.BytesPerRecord, d.Headroom)
	req := model.PlanShards(d)
	p := PlanOf("hot-key", "spillway-hot-key", d, req, loads, hot, actions)
	// A day from 600 records/s at night to 3,000 in the afternoon.
	rate := func(t time.Duration) float64 {
		return 1800 - 1200*math.Cos(2*math.Pi*t.Hours()/24)
	}
	const seconds = 24 * 3600
	auto := model.AdviseAutoscaling(req.Total, 1, req.Total, d.Headroom, 0)
	if err := p.AddAutoscaling(auto, model.CheckOnDemandGrowth(rate, seconds, d.BytesPerRecord)); err != nil {
		panic(err)
	}
	for _, pol := range []struct {
		policy model.ScalingPolicy
		start  int
	}{{model.ScaleNone, req.Total}, {model.ScaleThresholds, auto.MinShards}, {model.ScaleOnDemand, model.OnDemandStartShards}} {
		rr, err := model.Replay(rate, seconds, model.ReplayConfig{
			Shards: pol.start, Keys: keys, Spread: 0.75, BytesPerRecord: d.BytesPerRecord, Policy: pol.policy,
			Autoscaling: auto, MaxAttempts: 3, Prices: model.DefaultPrices,
			PutPayloadUnitsPerRecord: 1, OnDemandBilledBytesPerRecord: 1024,
		})
		if err != nil {
			panic(fmt.Sprintf("replay %v: %v", pol.policy, err))
		}
		p.AddReplay(pol.policy.String(), pol.start, rr)
	}
	c := CostOf("hot-key", "", "test", "us-east-1", model.DefaultPrices, steady())
	p.Cost, p.CostRegion = &c.Cost, "us-east-1"
	return p
}
