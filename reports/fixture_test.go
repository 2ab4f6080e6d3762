package reports

import (
	"fmt"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// fixture returns a realistic run: 30 s at 3,000 records/s on 4 shards,
// with a hot partition key overloading shard 2, which throttles on its
// records/s limit while the other shards run at under half capacity.
func fixture() *Results {
	const (
		seconds = 30
		shards  = 4
		recSize = 512
	)
	sc := scenarios.Scenario{
		Name:   "hot-key",
		Stream: scenarios.Stream{Name: "spillway-hot-key", Shards: shards},
		Load:   scenarios.Load{Duration: scenarios.Duration(30 * time.Second), Rate: 3000},
		Record: scenarios.Record{Size: scenarios.SizeSpec{Dist: scenarios.SizeFixed, Bytes: recSize}},
		Keys:   scenarios.Keys{Dist: scenarios.KeysHot, HotShare: 0.25},
		Producer: scenarios.Producer{
			Batch: 500, Linger: scenarios.Duration(50 * time.Millisecond), MaxInFlight: 16,
			Retry: scenarios.Retry{
				MaxAttempts: 3,
				Backoff:     scenarios.Duration(100 * time.Millisecond),
				MaxBackoff:  scenarios.Duration(time.Second),
				TTL:         scenarios.Duration(5 * time.Second),
			},
		},
		Thresholds: []scenarios.Threshold{
			{Expr: "throttle_ratio < 0.05", Metric: "throttle_ratio", Op: "<", Value: 0.05},
			{Expr: "put_latency_p99 < 500ms", Metric: "put_latency_p99", Op: "<", Value: 500},
			{Expr: "error_ratio <= 1%", Metric: "error_ratio", Op: "<=", Value: 0.01},
		},
		Source: "scenarios/examples/hot-key.yaml",
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	r := &Results{
		Schema:    Schema,
		Tool:      "v0.1.0",
		RunID:     "01JX4Q7ZB9T3M8K2",
		Target:    "sim",
		Seed:      42,
		Scenario:  sc,
		StartTime: start,
		EndTime:   start.Add(30 * time.Second),
		DurationS: 30,
		Generator: Generator{LateRequests: 37, MaxInFlight: 16, SaturatedS: 3},
		Errors:    map[string]int64{"ProvisionedThroughputExceededException": 12000, "InternalFailure": 3},
		Latency: Latency{
			ResponseMs: Percentiles{Count: 89850, Min: 8.4, Mean: 95.2, P50: 42.1, P90: 180.4, P95: 402.6, P99: 912.7, P999: 1450.2, Max: 2210.9},
			ServiceMs:  Percentiles{Count: 1230, Min: 7.9, Mean: 41.3, P50: 38.5, P90: 61.2, P95: 77.3, P99: 120.8, P999: 240.1, Max: 310.4},
			SendLagMs:  Percentiles{Count: 1230, Min: 0, Mean: 1.2, P50: 0.4, P90: 2.1, P95: 4.8, P99: 14.9, P999: 30.2, Max: 35},
		},
	}

	// Shards 0, 1 and 3 get 550 records/s each; shard 2 gets the hot key's
	// share plus retries, 1,400 attempts/s, and throttles 400 of them.
	util := make([][]float64, shards)
	for t := range seconds {
		s := SecondSample{
			T: t, Offered: 3000, Attempts: 3400, Throttled: 400,
			Failed: 3, Expired: 2, Acked: 2995, BytesAcked: 2995 * recSize,
			P50Ms: 40 + float64(t%7), P90Ms: 170 + float64(t%5)*4, P99Ms: 800 + float64(t%10)*20,
			MaxMs: 1200 + float64(t%10)*100, InFlight: 4 + t%13,
		}
		r.Series = append(r.Series, s)
		for i := range shards {
			u := 0.45 + float64((t+i)%5)*0.01
			if i == 2 {
				u = 1.4 + float64(t%3)*0.05
				if t == 15 {
					u = 1.83
				}
			}
			util[i] = append(util[i], u)
		}
	}
	for i := range shards {
		row := ShardRow{
			ShardID:         fmt.Sprintf("shardId-%012d", i),
			StartingHashKey: fmt.Sprint(i),
			EndingHashKey:   fmt.Sprint(i + 1),
			Attempts:        550 * seconds,
			Acked:           550 * seconds,
			BytesAcked:      550 * seconds * recSize,
			Utilization:     util[i],
		}
		if i == 2 {
			row.Attempts, row.Acked = 1400*seconds, 1000*seconds-150
			row.BytesAcked = row.Acked * recSize
			row.Throttled, row.ThrottledRecordsLimit, row.ThrottledBy = 400*seconds, 400*seconds, LimitRecords
		}
		for _, u := range row.Utilization {
			row.PeakUtilization = max(row.PeakUtilization, u)
		}
		r.PerShard = append(r.PerShard, row)
	}
	for _, s := range r.Series {
		r.Totals.Offered += s.Offered
		r.Totals.Attempts += s.Attempts
		r.Totals.Acked += s.Acked
		r.Totals.Throttled += s.Throttled
		r.Totals.Failed += s.Failed
		r.Totals.Expired += s.Expired
		r.Totals.BytesAcked += s.BytesAcked
	}
	r.Totals.Retried = r.Totals.Attempts - r.Totals.Offered
	r.Totals.Requests = 1230
	r.Totals.ThrottleRatio = float64(r.Totals.Throttled) / float64(r.Totals.Attempts)
	cost, err := RunCostOf(r, "us-east-1", model.DefaultPrices)
	if err != nil {
		panic(err)
	}
	r.Cost = cost
	r.Thresholds = Evaluate(r, sc.Thresholds)
	return r
}

// readFixture returns fixture's run read back by two consumers while
// shard 1 was split and shards 2 and 3 merged; a third event was refused
// and a fourth was due after the run ended.
func readFixture() *Results {
	r := fixture()
	r.Events = []Event{
		{AtS: 10, Action: "split shardId-000000000001"},
		{AtS: 20, Action: "merge shardId-000000000002 shardId-000000000003"},
		{AtS: 25.5, Action: "update_shard_count 8", Error: "LimitExceededException: Rate exceeded for stream spillway-hot-key"},
		{AtS: 40, Action: "update_shard_count 4", Skipped: true},
	}
	for i := range r.PerShard {
		r.PerShard[i].State = "CLOSED"
	}
	r.PerShard[0].State = "OPEN"
	for i, parents := range [][]string{
		{"shardId-000000000001"},
		{"shardId-000000000001"},
		{"shardId-000000000002", "shardId-000000000003"},
	} {
		r.PerShard = append(r.PerShard, ShardRow{
			ShardID:         fmt.Sprintf("shardId-%012d", 4+i),
			StartingHashKey: fmt.Sprint(4 + i),
			EndingHashKey:   fmt.Sprint(5 + i),
			Parents:         parents,
			State:           "OPEN",
			Attempts:        1000, Acked: 1000, BytesAcked: 1000 * 512,
			PeakUtilization: 0.6,
			Utilization:     make([]float64, len(r.Series)),
		})
	}
	for t := range r.Series {
		s := &r.Series[t]
		s.Read = 2 * s.Acked
		if t >= 20 && t < 24 {
			s.ReadThrottles = int64(t - 19)
		}
		s.IteratorAgeMaxMs = int64(200 + 150*max(0, t-18))
	}
	polling := ConsumerE2E{
		Name: "polling-0", Type: "polling", Read: 89850, Lost: 0, Duplicates: 12, OutOfOrder: 3,
		GetRecordsCalls: 6000, ReadThrottles: 10, IteratorAgeMaxMs: 1850,
		LatencyMs: Percentiles{Count: 89850, Mean: 1320.4, P50: 1105.2, P90: 1802.9, P99: 2950.1, P999: 3210.5, Max: 3402.8},
	}
	efo := ConsumerE2E{
		Name: "efo-0", Type: "efo", Read: 89848, Lost: 2,
		GetRecordsCalls: 310, IteratorAgeMaxMs: 420,
		LatencyMs: Percentiles{Count: 89848, Mean: 240.7, P50: 212.3, P90: 350.8, P99: 610.4, P999: 880.2, Max: 1010.9},
	}
	r.E2E = &E2E{
		Read: polling.Read + efo.Read, Lost: polling.Lost + efo.Lost, Duplicates: polling.Duplicates + efo.Duplicates,
		OutOfOrder: polling.OutOfOrder + efo.OutOfOrder, GraceS: 5,
		GetRecordsCalls: polling.GetRecordsCalls + efo.GetRecordsCalls, ReadThrottles: polling.ReadThrottles + efo.ReadThrottles,
		IteratorAgeMaxMs: max(polling.IteratorAgeMaxMs, efo.IteratorAgeMaxMs),
		LatencyMs:        Percentiles{Count: 179698, Min: 101.2, Mean: 780.6, P50: 640.9, P90: 1650.3, P95: 2210.7, P99: 2870.6, P999: 3190.4, Max: 3402.8},
		Consumers:        []ConsumerE2E{polling, efo},
	}
	return r
}
