package model

import (
	"math/big"
	"slices"
	"time"
)

// reshard is a resharding in progress: at doneNs the shards in close are
// closed and the ranges in open are opened, with the given parents.
type reshard struct {
	doneNs int64
	close  []int
	open   []newShard
}

type newShard struct {
	r       HashKeyRange
	parents []int
}

// SplitShard splits an open shard in two at newStart, as SplitShard does:
// newStart and the keys above go to one child, the keys below to the
// other. newStart must lie strictly inside the shard's range (above its
// start, at most its end). The children open after SplitTime; until then
// the stream is UPDATING and the parent takes the writes. Provisioned
// streams only (API, RESH).
func (s *Stream) SplitShard(now time.Time, shardID string, newStart HashKey) error {
	nowNs := s.ns(now)
	s.lockAt(nowNs)
	defer s.unlock()
	if err := s.canReshard("SplitShard", 1); err != nil {
		return err
	}
	i, err := s.openShard(shardID)
	if err != nil {
		return err
	}
	r := s.shards[i].info.Range
	if !r.Start.Less(newStart) || r.End.Less(newStart) {
		return apiErrorf(ErrInvalidArgument, "NewStartingHashKey %s is not inside the range %s–%s of shard %s", newStart, r.Start, r.End, shardID)
	}
	s.pending = &reshard{doneNs: nowNs + int64(s.cfg.SplitTime), close: []int{i}, open: []newShard{
		{r: HashKeyRange{Start: r.Start, End: newStart.Sub(HashKey{Lo: 1})}, parents: []int{i}},
		{r: HashKeyRange{Start: newStart, End: r.End}, parents: []int{i}},
	}}
	s.advance(nowNs)
	return nil
}

// Midpoint returns the hash key halfway through r, rounded up: the
// NewStartingHashKey that splits r into two even halves.
func (r HashKeyRange) Midpoint() HashKey {
	sum := new(big.Int).Add(r.Start.Big(), r.End.Big())
	sum.Add(sum, big.NewInt(1))
	return hashKeyFromBig(sum.Rsh(sum, 1))
}

// MergeShards merges two open shards whose ranges are adjacent, as
// MergeShards does. The child opens after MergeTime; its parents are
// [shardID, adjacentID]. Provisioned streams only (API, RESH).
func (s *Stream) MergeShards(now time.Time, shardID, adjacentID string) error {
	nowNs := s.ns(now)
	s.lockAt(nowNs)
	defer s.unlock()
	if err := s.canReshard("MergeShards", -1); err != nil {
		return err
	}
	a, err := s.openShard(shardID)
	if err != nil {
		return err
	}
	b, err := s.openShard(adjacentID)
	if err != nil {
		return err
	}
	ra, rb := s.shards[a].info.Range, s.shards[b].info.Range
	lo, hi := ra, rb
	if rb.Start.Less(ra.Start) {
		lo, hi = rb, ra
	}
	if a == b || lo.End.Cmp(hi.Start.Sub(HashKey{Lo: 1})) != 0 {
		return apiErrorf(ErrInvalidArgument, "shards %s and %s are not adjacent", shardID, adjacentID)
	}
	s.pending = &reshard{doneNs: nowNs + int64(s.cfg.MergeTime), close: []int{a, b}, open: []newShard{
		{r: HashKeyRange{Start: lo.Start, End: hi.End}, parents: []int{a, b}},
	}}
	s.advance(nowNs)
	return nil
}

// UpdateShardCount rescales the stream to target shards with uniform
// scaling: after UpdateShardCountTime every open shard closes and target
// shards over even ranges open, each with the old shards it overlaps as
// parents. AWS reaches the same even ranges through intermediate splits
// and merges; the model goes there in one step. The rules (API, Q): at
// most MaxUpdatesPer24h calls in a rolling 24 hours, a target from half to
// double the open shard count, at most MaxShardsPerStream and the account
// shard limit. Provisioned streams only.
func (s *Stream) UpdateShardCount(now time.Time, target int) error {
	nowNs := s.ns(now)
	s.lockAt(nowNs)
	defer s.unlock()
	n := len(s.open)
	if err := s.canReshard("UpdateShardCount", target-n); err != nil {
		return err
	}
	switch {
	case target < 1 || target > MaxShardsPerStream:
		return apiErrorf(ErrInvalidArgument, "TargetShardCount %d is outside 1–%d", target, MaxShardsPerStream)
	case target > 2*n:
		return apiErrorf(ErrLimitExceeded, "TargetShardCount %d is above double the %d open shards", target, n)
	case 2*target < n:
		return apiErrorf(ErrLimitExceeded, "TargetShardCount %d is below half the %d open shards", target, n)
	}
	s.updates = lastDay(s.updates, nowNs)
	if len(s.updates) >= s.cfg.MaxUpdatesPer24h {
		return apiErrorf(ErrLimitExceeded, "UpdateShardCount was called %d times in the last 24 hours, the most allowed", len(s.updates))
	}
	s.updates = append(s.updates, nowNs)
	p := &reshard{doneNs: nowNs + int64(s.cfg.UpdateShardCountTime), close: append([]int(nil), s.open...)}
	for _, r := range EvenRanges(target) {
		ns := newShard{r: r}
		for _, i := range s.open {
			pr := s.shards[i].info.Range
			if !pr.End.Less(r.Start) && !r.End.Less(pr.Start) {
				ns.parents = append(ns.parents, i)
			}
		}
		p.open = append(p.open, ns)
	}
	s.pending = p
	s.advance(nowNs)
	return nil
}

// lastDay keeps the times (stream nanoseconds, in order) of the rolling 24
// hours before nowNs, for the per-day limits.
func lastDay(times []int64, nowNs int64) []int64 {
	day := int64(24 * time.Hour)
	kept := times[:0]
	for _, t := range times {
		if nowNs-t < day {
			kept = append(kept, t)
		}
	}
	return kept
}

// canReshard checks what every resharding needs: a provisioned, ACTIVE
// stream whose open shards after the change (delta more) stay within the
// account limit.
func (s *Stream) canReshard(op string, delta int) error {
	switch {
	case s.cfg.Mode == OnDemand:
		return apiErrorf(ErrValidation, "%s is not supported for on-demand stream %s", op, s.cfg.Name)
	case s.pending != nil:
		return apiErrorf(ErrResourceInUse, "stream %s is UPDATING: a resharding is in progress", s.cfg.Name)
	case len(s.open)+delta > s.cfg.AccountShardLimit:
		return apiErrorf(ErrLimitExceeded, "%s would take stream %s to %d open shards, above the account shard limit of %d",
			op, s.cfg.Name, len(s.open)+delta, s.cfg.AccountShardLimit)
	}
	return nil
}

// openShard finds an open shard by id.
func (s *Stream) openShard(id string) (int, error) {
	i, err := s.shardByID(id)
	if err != nil {
		return 0, err
	}
	if st := s.shards[i].info.State; st != ShardOpen {
		return 0, apiErrorf(ErrResourceInUse, "shard %s is %s", id, st)
	}
	return i, nil
}

func (s *Stream) shardByID(id string) (int, error) {
	const prefix = "shardId-"
	if len(id) == len(prefix)+12 && id[:len(prefix)] == prefix {
		n := 0
		for _, c := range id[len(prefix):] {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 0 && n < len(s.shards) {
			return n, nil
		}
	}
	return 0, apiErrorf(ErrResourceNotFound, "shard %s not found in stream %s", id, s.cfg.Name)
}

// apply finishes a resharding at its due time: parents close, children
// open with fresh buckets, and the open list stays in hash key order.
func (s *Stream) apply(p *reshard) {
	s.split(p.doneNs, p.close, p.open)
}

// split closes the shards in closing and opens children at nowNs.
func (s *Stream) split(nowNs int64, closing []int, children []newShard) {
	at := s.epoch.Add(time.Duration(nowNs))
	gone := make(map[int]bool, len(closing))
	for _, i := range closing {
		sh := s.shards[i]
		sh.info.State, sh.info.Closed = ShardClosed, at
		gone[i] = true
	}
	open := make([]int, 0, len(s.open)-len(closing)+len(children))
	for _, i := range s.open {
		if !gone[i] {
			open = append(open, i)
		}
	}
	for _, c := range children {
		parents := make([]string, len(c.parents))
		for k, pi := range c.parents {
			parents[k] = s.shards[pi].info.ID
		}
		ci := s.addShard(c.r, parents, nowNs)
		for _, pi := range c.parents {
			s.shards[pi].children = append(s.shards[pi].children, ci)
		}
		open = append(open, ci)
	}
	sortByStart(open, s.shards)
	s.open = open
	s.reindex()
}

func sortByStart(idx []int, shards []*shard) {
	slices.SortFunc(idx, func(a, b int) int { return shards[a].info.Range.Start.Cmp(shards[b].info.Range.Start) })
}
