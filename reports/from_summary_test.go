package reports

import (
	"reflect"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/scenarios"
)

func TestFromSummaryReshard(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	parents := []string{"shardId-000000000000", "shardId-000000000001"}
	s := &loadgen.Summary{
		RunID: "run", Target: "sim", Start: start, End: start.Add(3 * time.Second),
		Series: []loadgen.Second{{T: 0}, {T: 1}, {T: 2}},
		Shards: []loadgen.ShardSummary{
			{Shard: loadgen.Shard{ID: "shardId-000000000000", State: "CLOSED"}, Attempts: 10},
			{Shard: loadgen.Shard{ID: "shardId-000000000001", State: "CLOSED"}, Attempts: 20},
			{Shard: loadgen.Shard{ID: "shardId-000000000002", State: "OPEN", Parents: parents}, Attempts: 30},
		},
		Events: []loadgen.EventResult{
			{At: 1500 * time.Millisecond, Action: "merge shardId-000000000000 shardId-000000000001"},
			{At: 2 * time.Second, Action: "update_shard_count 4", Error: "LimitExceededException: no"},
			{At: 5 * time.Second, Action: "update_shard_count 2", Skipped: true},
		},
	}
	r := FromSummary(s, &scenarios.Scenario{Name: "reshard"}, "test")

	for i, want := range []struct {
		state   string
		parents []string
	}{{"CLOSED", nil}, {"CLOSED", nil}, {"OPEN", parents}} {
		if sh := r.PerShard[i]; sh.State != want.state || !reflect.DeepEqual(sh.Parents, want.parents) {
			t.Errorf("shard %d: state %q parents %q, want %q %q", i, sh.State, sh.Parents, want.state, want.parents)
		}
	}
	parents[0] = "changed"
	if r.PerShard[2].Parents[0] != "shardId-000000000000" {
		t.Error("the shard row shares its parents with the summary")
	}
	wantEvents := []Event{
		{AtS: 1.5, Action: "merge shardId-000000000000 shardId-000000000001"},
		{AtS: 2, Action: "update_shard_count 4", Error: "LimitExceededException: no"},
		{AtS: 5, Action: "update_shard_count 2", Skipped: true},
	}
	if !reflect.DeepEqual(r.Events, wantEvents) {
		t.Errorf("events %+v, want %+v", r.Events, wantEvents)
	}

	// A run without resharding or events has neither.
	r = FromSummary(&loadgen.Summary{Shards: []loadgen.ShardSummary{{Shard: loadgen.Shard{ID: "shardId-000000000000"}}}},
		&scenarios.Scenario{}, "test")
	if sh := r.PerShard[0]; sh.State != "" || sh.Parents != nil || r.Events != nil {
		t.Errorf("run without resharding: state %q parents %q events %v", sh.State, sh.Parents, r.Events)
	}
}

func TestE2EOf(t *testing.T) {
	polling := loadgen.E2EResult{
		Read: 100, Lost: 1, Duplicates: 2, OutOfOrder: 3, GetRecordsCalls: 40, ReadThrottles: 5, IteratorAgeMaxMs: 900,
		Latency: loadgen.Percentiles{Count: 100, P50: 10, P99: 90, Max: 120},
	}
	efo := loadgen.E2EResult{
		Read: 101, GetRecordsCalls: 7, IteratorAgeMaxMs: 60,
		Latency: loadgen.Percentiles{Count: 101, P50: 5, P99: 20, Max: 30},
	}
	r := loadgen.E2EResult{
		Read: 201, Lost: 1, Duplicates: 2, OutOfOrder: 3, Foreign: 4, Unrecognised: 6,
		GetRecordsCalls: 47, ReadThrottles: 5, IteratorAgeMaxMs: 900,
		Latency: loadgen.Percentiles{Count: 201, P50: 7, P99: 88, Max: 120},
		Consumers: []loadgen.ConsumerResult{
			{Name: "polling-0", Type: "polling", E2EResult: polling},
			{Name: "efo-0", Type: "efo", E2EResult: efo},
		},
	}
	got := E2EOf(r, 2500*time.Millisecond)
	want := &E2E{
		Read: 201, Lost: 1, Duplicates: 2, OutOfOrder: 3, Foreign: 4, Unrecognised: 6, GraceS: 2.5,
		GetRecordsCalls: 47, ReadThrottles: 5, IteratorAgeMaxMs: 900,
		LatencyMs: Percentiles{Count: 201, P50: 7, P99: 88, Max: 120},
		Consumers: []ConsumerE2E{
			{Name: "polling-0", Type: "polling", Read: 100, Lost: 1, Duplicates: 2, OutOfOrder: 3,
				GetRecordsCalls: 40, ReadThrottles: 5, IteratorAgeMaxMs: 900,
				LatencyMs: Percentiles{Count: 100, P50: 10, P99: 90, Max: 120}},
			{Name: "efo-0", Type: "efo", Read: 101, GetRecordsCalls: 7, IteratorAgeMaxMs: 60,
				LatencyMs: Percentiles{Count: 101, P50: 5, P99: 20, Max: 30}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("E2EOf:\ngot  %+v\nwant %+v", got, want)
	}

	// A single reader has no consumer table.
	if got := E2EOf(polling, time.Second); got.Consumers != nil || got.ReadThrottles != 5 || got.IteratorAgeMaxMs != 900 || got.GetRecordsCalls != 40 {
		t.Errorf("single reader: %+v", got)
	}
}

func TestAddReadSeries(t *testing.T) {
	r := &Results{Series: []SecondSample{{T: 0, Acked: 5}, {T: 1}, {T: 2}}}
	AddReadSeries(r, []loadgen.ReadSecond{
		{T: 0, Records: 10, Throttles: 1, IteratorAgeMaxMs: 300},
		{T: 0, Records: 5, Throttles: 2, IteratorAgeMaxMs: 100}, // added to the same second
		{T: 2, Records: 7, IteratorAgeMaxMs: 50},
		{T: 3, Records: 99, Throttles: 99, IteratorAgeMaxMs: 99}, // the grace period: beyond the run
		{T: -1, Records: 99},
	})
	want := []SecondSample{
		{T: 0, Acked: 5, Read: 15, ReadThrottles: 3, IteratorAgeMaxMs: 300},
		{T: 1},
		{T: 2, Read: 7, IteratorAgeMaxMs: 50},
	}
	if !reflect.DeepEqual(r.Series, want) {
		t.Errorf("series:\ngot  %+v\nwant %+v", r.Series, want)
	}
	AddReadSeries(r, nil)
	AddReadSeries(&Results{}, []loadgen.ReadSecond{{T: 0, Records: 1}})
}
