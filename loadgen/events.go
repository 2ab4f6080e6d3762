package loadgen

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spillway-dev/spillway/scenarios"
)

// EventResult is one scenario event as the run played it.
type EventResult struct {
	// At is when the event was due, from the start of the run.
	At time.Duration
	// Action is the event as written: "update_shard_count 8",
	// "split shardId-000000000001", "merge shardId-… shardId-…".
	Action string
	// Error is the target's answer when it refused the event, "" when it
	// accepted it; Skipped is set when the run ended first.
	Error   string
	Skipped bool
}

// EventAction describes an event in words, as in EventResult.Action.
func EventAction(ev scenarios.Event) string {
	switch {
	case ev.Split != "":
		if ev.SplitAt != "" {
			return "split " + ev.Split + " at " + ev.SplitAt
		}
		return "split " + ev.Split
	case len(ev.Merge) > 0:
		return "merge " + strings.Join(ev.Merge, " ")
	}
	return fmt.Sprintf("update_shard_count %d", ev.UpdateShardCount)
}

// fire calls the target for one event.
func fire(ctx context.Context, t Resharder, ev scenarios.Event) error {
	switch {
	case ev.Split != "":
		return t.SplitShard(ctx, ev.Split, ev.SplitAt)
	case len(ev.Merge) == 2:
		return t.MergeShards(ctx, ev.Merge[0], ev.Merge[1])
	case len(ev.Merge) > 0:
		return fmt.Errorf("merge needs two shards, got %d", len(ev.Merge))
	}
	return t.UpdateShardCount(ctx, ev.UpdateShardCount)
}

// eventPlayer fires a scenario's events at their times in the background.
type eventPlayer struct {
	done    chan struct{}
	mu      sync.Mutex
	results []EventResult
}

// playEvents starts firing events at start+At until ended is closed (the
// schedule is over) or ctx ends; the remaining ones are reported skipped.
func (r *Runner) playEvents(ctx context.Context, start time.Time, t Resharder, events []scenarios.Event, ended <-chan struct{}) *eventPlayer {
	p := &eventPlayer{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i, ev := range events {
			res := EventResult{At: ev.At.D(), Action: EventAction(ev)}
			timer := time.NewTimer(start.Add(ev.At.D()).Sub(r.now()))
			select {
			case <-timer.C:
				if err := fire(ctx, t, ev); err != nil {
					res.Error = err.Error()
				}
				p.add(res)
				continue
			case <-ended:
			case <-ctx.Done():
			}
			timer.Stop()
			for _, ev := range events[i:] {
				p.add(EventResult{At: ev.At.D(), Action: EventAction(ev), Skipped: true})
			}
			return
		}
	}()
	return p
}

func (p *eventPlayer) add(res EventResult) {
	p.mu.Lock()
	p.results = append(p.results, res)
	p.mu.Unlock()
}

// wait waits for the player to finish and returns what it did.
func (p *eventPlayer) wait() []EventResult {
	if p == nil {
		return nil
	}
	<-p.done
	return p.results
}
