package loadgen

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// The resharding check: 6,000 records/s of uuid keys on 4 shards
// (4,000/s of capacity) throttle about a third of the attempts; an
// update_shard_count to 8 at 20 s (taking 5 s) ends the throttling for the
// same offered load, and the results list the 4 closed parents and the 8
// children with their parents.
func TestRunUpdateShardCountEvent(t *testing.T) {
	sc := testScenario(4, 6000, 40*time.Second, 100)
	sc.Stream.Resharding = scenarios.Resharding{UpdateShardCount: dur(5 * time.Second)}
	sc.Events = []scenarios.Event{{At: dur(20 * time.Second), UpdateShardCount: 8}}
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		stream, err := model.NewStream(model.StreamConfig{Name: "test", Shards: 4, UpdateShardCountTime: 5 * time.Second}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(Config{Scenario: sc, Seed: 1}, NewSimTarget(stream, SimConfig{}, time.Now))
		if err != nil {
			t.Fatal(err)
		}
		if sum, err = r.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	checkBooks(t, sum)
	if len(sum.Events) != 1 || sum.Events[0].Error != "" || sum.Events[0].Skipped || sum.Events[0].Action != "update_shard_count 8" {
		t.Fatalf("events %+v", sum.Events)
	}
	var before, after, attemptsBefore, attemptsAfter int64
	for _, s := range sum.Series {
		switch {
		case s.T >= 2 && s.T < 20: // past the first second's empty buckets
			before += s.Throttled
			attemptsBefore += s.Attempts
		case s.T >= 26 && s.T < 40: // the children opened at 25 s
			after += s.Throttled
			attemptsAfter += s.Attempts
		}
	}
	// Before: 6,000 offered, 4,000 accepted per second: 2,000 of every
	// 6,000 first attempts throttled (retries are off).
	if share := float64(before) / float64(attemptsBefore); share < 0.30 || share > 0.37 {
		t.Errorf("before the event %d of %d attempts throttled (%.1f%%), want about 33%%", before, attemptsBefore, 100*share)
	}
	if after != 0 || attemptsAfter == 0 {
		t.Errorf("after the event %d of %d attempts throttled, want none", after, attemptsAfter)
	}
	parents, children := 0, 0
	for _, sh := range sum.Shards {
		switch {
		case sh.State == "CLOSED" && len(sh.Parents) == 0:
			parents++
		case sh.State == "OPEN" && len(sh.Parents) == 1:
			children++
		}
	}
	if parents != 4 || children != 8 || len(sum.Shards) != 12 {
		t.Errorf("%d closed parents and %d children with one parent among %d shards, want 4, 8 and 12: %+v", parents, children, len(sum.Shards), sum.Shards)
	}
}

// A target that cannot reshard refuses a scenario with events up front.
func TestEventsNeedResharder(t *testing.T) {
	sc := testScenario(1, 10, time.Second, 100)
	sc.Events = []scenarios.Event{{At: 0, UpdateShardCount: 2}}
	if _, err := New(Config{Scenario: sc}, &slowTarget{}); err == nil {
		t.Fatal("want an error for events on a target without resharding")
	}
}
