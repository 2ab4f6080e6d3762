package scenarios

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spillway-dev/spillway/model"
)

// This file checks the sections that act on the Kinesis stream during the
// run: consumers and resharding events.

var consumerTypes = []string{ConsumerPolling, ConsumerEFO}

func (c *checker) consumers() {
	cs := c.s.Consumers
	if len(cs) > 0 && c.noStream() {
		c.errorf("consumers", "need a Kinesis stream to read; with firehose source %s there is none unless stream.shards is set", FirehoseDirectPut)
	}
	names := map[string]int{}
	efo := 0
	for i, con := range cs {
		p := fmt.Sprintf("consumers[%d]", i)
		c.consumerType(p, con.Type)
		c.consumerName(p, con, names, i)
		switch {
		case con.Count < 1:
			c.errorf(p+".count", "%d is below 1", con.Count)
		case con.Count > MaxConsumerCount:
			c.errorf(p+".count", "%d is above spillway's limit of %d consumers per entry", con.Count, MaxConsumerCount)
		case con.Type == ConsumerEFO:
			if efo += con.Count; efo > model.MaxEFOConsumersPerStream && efo-con.Count <= model.MaxEFOConsumersPerStream {
				c.errorf(p+".count", "brings the efo consumers to %d, above the RegisterStreamConsumer limit of %d per stream",
					efo, model.MaxEFOConsumersPerStream)
			}
		}
		c.pollInterval(p, con)
	}
}

func (c *checker) consumerType(p, t string) {
	switch {
	case t == ConsumerPolling || t == ConsumerEFO:
	case t == "" && !c.set(p+".type"):
		c.errorf(p+".type", "required: %s (GetRecords) or %s (enhanced fan-out, SubscribeToShard)", ConsumerPolling, ConsumerEFO)
	default:
		c.errorf(p+".type", "%q is not %s or %s%s", t, ConsumerPolling, ConsumerEFO, suggest(t, consumerTypes))
	}
}

// consumerName checks that the name of consumers[i] is unique, recording
// it in names.
func (c *checker) consumerName(p string, con Consumer, names map[string]int, i int) {
	p += ".name"
	first, dup := names[con.Name]
	switch {
	case con.Name == "" && c.set(p):
		c.errorf(p, "must not be empty (omit it for <type>-<index>)")
	case con.Name == "":
		// Only the missing type is to blame.
	case dup:
		why := ""
		if !c.set(p) {
			why = " (made from type and index; set name)"
		}
		c.errorf(p, "%q is already the name of consumers[%d]%s", con.Name, first, why)
	default:
		names[con.Name] = i
	}
}

func (c *checker) pollInterval(p string, con Consumer) {
	p += ".poll_interval"
	switch d := con.PollInterval; {
	case con.Type == ConsumerEFO && (d != 0 || c.set(p)):
		c.errorf(p, "efo consumers are pushed records; poll_interval is for polling consumers")
	case con.Type != ConsumerPolling:
	case d <= 0:
		c.errorf(p, "%s is not above 0", d)
	case d > MaxPollInterval:
		c.errorf(p, "%s is above the shard iterator lifetime of %s (GetShardIterator): the iterator would expire between polls", d, MaxPollInterval)
	}
}

// Resharding operations, as events names them.
const (
	opUpdate = "update_shard_count"
	opSplit  = "split"
	opMerge  = "merge"
)

var shardIDPattern = regexp.MustCompile(`^shardId-[0-9]{12}$`)

func (c *checker) events() {
	evs := c.s.Events
	if len(evs) == 0 {
		return
	}
	onDemand := c.s.Stream.Mode == StreamOnDemand
	switch {
	case onDemand:
		c.errorf("events", "SplitShard, MergeShards and UpdateShardCount apply to provisioned streams only (kinesis-facts §3); stream.mode is %s", StreamOnDemand)
	case c.noStream():
		c.errorf("events", "need a Kinesis stream to reshard; with firehose source %s there is none unless stream.shards is set", FirehoseDirectPut)
	}
	// open is the number of open shards before each event; 0 once unknown.
	open := c.s.Stream.Shards
	if onDemand || open < 1 || open > model.MaxShardsPerStream || c.bad("stream.shards") {
		open = 0
	}
	last, updates := -1, 0
	for i, e := range evs {
		p := fmt.Sprintf("events[%d]", i)
		last = c.eventAt(i, last)
		c.eventShards(p, e)
		switch c.eventOp(p, e) {
		case opUpdate:
			updates++
			open = c.updateShardCount(p+"."+opUpdate, e.UpdateShardCount, open, updates)
		case opSplit:
			open = c.split(p+"."+opSplit, open)
		case opMerge:
			open = c.merge(p+"."+opMerge, open)
		default:
			open = 0
		}
	}
}

// eventAt checks the time of events[i] against the run and against
// events[last], the latest event before it with a valid time; it returns
// the new latest (-1 for none).
func (c *checker) eventAt(i, last int) int {
	p, at, d := fmt.Sprintf("events[%d].at", i), c.s.Events[i].At, c.s.Load.Duration
	switch {
	case at < 0:
		c.errorf(p, "%s is negative", at)
		return last
	case last >= 0 && at < c.s.Events[last].At:
		c.errorf(p, "%s is before events[%d].at %s: list events in time order", at, last, c.s.Events[last].At)
		return last
	case d > 0 && at > d && !c.bad("load.duration"):
		c.errorf(p, "%s is after the end of the run (load.duration %s)", at, d)
	}
	return i
}

// eventOp returns the one operation events[i] sets, or "" after reporting
// that it sets none or several.
func (c *checker) eventOp(p string, e Event) string {
	var ops []string
	for _, o := range []struct {
		name string
		has  bool
	}{{opUpdate, e.UpdateShardCount != 0}, {opSplit, e.Split != ""}, {opMerge, e.Merge != nil}} {
		if o.has || c.set(p+"."+o.name) {
			ops = append(ops, o.name)
		}
	}
	switch len(ops) {
	case 0:
		c.errorf(p, "set one of update_shard_count, split or merge")
		return ""
	case 1:
		return ops[0]
	}
	c.errorf(p, "set only one of update_shard_count, split and merge, not %s", strings.Join(ops, " and "))
	return ""
}

// eventShards checks the shard ids and the hash key of events[i].
func (c *checker) eventShards(p string, e Event) {
	split := e.Split != "" || c.set(p+".split")
	if split {
		c.shardID(p+".split", e.Split)
	}
	if e.SplitAt != "" || c.set(p+".split_at") {
		if !split {
			c.errorf(p+".split_at", "only used with split")
		} else if _, err := model.ParseHashKey(e.SplitAt); err != nil {
			c.errorf(p+".split_at", "%v (SplitShard NewStartingHashKey)", err)
		}
	}
	if e.Merge == nil && !c.set(p+".merge") {
		return
	}
	switch m := e.Merge; {
	case len(m) != 2:
		c.errorf(p+".merge", "want the ids of two adjacent shards, got %d", len(m))
	case m[0] == m[1] && shardIDPattern.MatchString(m[0]):
		c.errorf(p+".merge", "merges %s with itself: want two adjacent shards", m[0])
	}
	for j, id := range e.Merge {
		c.shardID(fmt.Sprintf("%s.merge[%d]", p, j), id)
	}
}

func (c *checker) shardID(p, id string) {
	if !shardIDPattern.MatchString(id) {
		c.errorf(p, "%q is not a shard id: want shardId- and 12 digits, such as shardId-000000000001", id)
	}
}

// updateShardCount checks the target of the calls-th UpdateShardCount
// with open shards open (0 if unknown) and returns the count after it.
func (c *checker) updateShardCount(p string, target, open, calls int) int {
	if calls == model.MaxUpdateShardCountPer24h+1 {
		// A run is shorter than the rolling 24 hours, so every call counts.
		c.errorf(p, "UpdateShardCount call %d: a stream takes at most %d calls in a rolling 24 hours (kinesis-facts §3)",
			calls, model.MaxUpdateShardCountPer24h)
	}
	lo, hi := (open+1)/2, 2*open
	switch {
	case c.bad(p):
		return 0
	case target < 1:
		c.errorf(p, "%d is below 1", target)
		return 0
	case target > model.MaxShardsPerStream:
		c.errorf(p, "%s is above the UpdateShardCount maximum of %s shards per stream",
			thousands(target), thousands(model.MaxShardsPerStream))
	case open > 0 && target < lo:
		c.errorf(p, "%d is below %d, half the %d shards open at this point (UpdateShardCount scales from half to double the open shard count)",
			target, lo, open)
	case open > 0 && target > hi:
		c.errorf(p, "%d is above %d, double the %d shards open at this point (UpdateShardCount scales from half to double the open shard count)",
			target, hi, open)
	}
	return target
}

// split returns the open shard count after a SplitShard, 0 if unknown.
func (c *checker) split(p string, open int) int {
	if open == 0 {
		return 0
	}
	if open == model.MaxShardsPerStream {
		c.errorf(p, "would open %s shards, above the maximum of %s shards per stream",
			thousands(open+1), thousands(model.MaxShardsPerStream))
	}
	return open + 1
}

// merge returns the open shard count after a MergeShards, 0 if unknown.
func (c *checker) merge(p string, open int) int {
	if open == 1 {
		c.errorf(p, "MergeShards needs two open shards; 1 is open at this point")
	}
	return max(open-1, 0)
}
