package model

import (
	"time"
)

// consumer is a registered enhanced fan-out consumer.
type consumer struct {
	name   string
	shards map[int]*consumerShard
}

// consumerShard is one consumer's pipe from one shard: its own
// ShardReadBytesPerSec, and the subscribe-rate bookkeeping. bytes is
// guarded by the shard's mu, the rest by the stream's topology lock.
type consumerShard struct {
	bytes tokenBucket
	// lastSubscribeNs is the last successful SubscribeToShard; gen counts
	// them, so that a subscription taken over by a newer one ends.
	lastSubscribeNs int64
	gen             uint64
}

// RegisterConsumer registers an enhanced fan-out consumer (API
// RegisterStreamConsumer): at most MaxEFOConsumersPerStream per stream,
// names unique.
func (s *Stream) RegisterConsumer(name string) error {
	s.topo.Lock()
	defer s.topo.Unlock()
	if s.consumers == nil {
		s.consumers = map[string]*consumer{}
	}
	switch {
	case s.consumers[name] != nil:
		return apiErrorf(ErrResourceInUse, "consumer %s is already registered with stream %s", name, s.cfg.Name)
	case len(s.consumers) >= MaxEFOConsumersPerStream:
		return apiErrorf(ErrLimitExceeded, "stream %s already has %d registered consumers, the most allowed", s.cfg.Name, MaxEFOConsumersPerStream)
	}
	s.consumers[name] = &consumer{name: name, shards: map[int]*consumerShard{}}
	return nil
}

// DeregisterConsumer removes a consumer; its subscriptions end.
func (s *Stream) DeregisterConsumer(name string) error {
	s.topo.Lock()
	defer s.topo.Unlock()
	if s.consumers[name] == nil {
		return apiErrorf(ErrResourceNotFound, "consumer %s is not registered with stream %s", name, s.cfg.Name)
	}
	delete(s.consumers, name)
	return nil
}

// Subscription is one SubscribeToShard session: records are pushed to the
// consumer, at most ShardReadBytesPerSec of its own, for
// SubscriptionLifetime.
type Subscription struct {
	s     *Stream
	c     *consumer
	cs    *consumerShard
	shard int
	gen   uint64
	// next, finished and cs.bytes are guarded by the shard's mu.
	next     uint64
	endNs    int64
	finished bool
}

// SubscribeEvent is what one push carries (API SubscribeToShardEvent).
type SubscribeEvent struct {
	// Records holds what was pushed, appended to the caller's buffer.
	Records []ReadRecord
	// ContinuationSeq is where a new subscription resumes
	// (AtSequenceNumber).
	ContinuationSeq    uint64
	MillisBehindLatest int64
	// ChildShards is set, and Ended true, at the end of a closed shard.
	ChildShards []string
	// Ended means the subscription is over: its lifetime passed, a newer
	// subscription took over, the consumer was deregistered or the shard
	// closed and was read to the end. Subscribe again to go on.
	Ended bool
}

// SubscribeToShard starts pushing records of a shard to a registered
// consumer (API SubscribeToShard). At most one call per second per
// consumer and shard (LimitExceeded); a call within 5 s of a successful one
// is ResourceInUse; a later one takes over from the previous session.
func (s *Stream) SubscribeToShard(now time.Time, consumerName, shardID string, pos StartingPosition) (*Subscription, error) {
	nowNs := s.ns(now)
	s.lockAt(nowNs)
	defer s.unlock()
	c := s.consumers[consumerName]
	if c == nil {
		return nil, apiErrorf(ErrResourceNotFound, "consumer %s is not registered with stream %s", consumerName, s.cfg.Name)
	}
	i, err := s.shardByID(shardID)
	if err != nil {
		return nil, err
	}
	next, err := s.position(s.shards[i], pos)
	if err != nil {
		return nil, err
	}
	cs := c.shards[i]
	if cs == nil {
		cs = &consumerShard{bytes: newTokenBucket(ShardReadBytesPerSec, ShardReadBytesPerSec, nowNs), lastSubscribeNs: -1}
		c.shards[i] = cs
	}
	if cs.lastSubscribeNs >= 0 {
		switch since := nowNs - cs.lastSubscribeNs; {
		case since < int64(time.Second):
			return nil, apiErrorf(ErrLimitExceeded, "consumer %s subscribed to shard %s less than a second ago", consumerName, shardID)
		case since < 5*int64(time.Second):
			return nil, apiErrorf(ErrResourceInUse, "consumer %s has a subscription to shard %s from less than 5 s ago", consumerName, shardID)
		}
	}
	cs.lastSubscribeNs = nowNs
	cs.gen++
	return &Subscription{s: s, c: c, cs: cs, shard: i, gen: cs.gen, next: next, endNs: nowNs + int64(SubscriptionLifetime)}, nil
}

// Next returns the records pushed by now since the last call: those written
// at least EFOPropagation ago, as far as the consumer's own 2 MiB/s on this
// shard allows. Records are appended to buf.
func (sub *Subscription) Next(now time.Time, buf []ReadRecord) SubscribeEvent {
	s := sub.s
	nowNs := s.ns(now)
	s.rlockAt(nowNs)
	defer s.topo.RUnlock()
	sh := s.shards[sub.shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	ev := SubscribeEvent{Records: buf, ContinuationSeq: sub.next}
	if sub.finished || sub.cs.gen != sub.gen || s.consumers[sub.c.name] != sub.c || sh.info.State == ShardExpired {
		ev.Ended = true
		return ev
	}
	until := min(nowNs, sub.endNs)
	sub.cs.bytes.refill(until)
	if sub.cs.bytes.ok() {
		// Up to one second of the consumer's rate per push, repaid if a
		// large record takes it into debt.
		budget := int64(sub.cs.bytes.tokens) + 1
		out, bytes := s.collect(sh, sub.next, until-int64(s.cfg.EFOPropagation), GetRecordsMaxRecords, budget, buf)
		if len(out.Records) == len(buf) && max(sub.next, sh.logBase)-sh.logBase < uint64(len(sh.log)) {
			// A record bigger than the budget goes alone, into debt.
			out, bytes = s.collect(sh, sub.next, until-int64(s.cfg.EFOPropagation), 1, MaxMaxRecordSizeBytes, buf)
		}
		sub.cs.bytes.take(float64(bytes))
		ev.Records = out.Records
		if n := len(out.Records); n > len(buf) {
			sub.next = out.Records[n-1].Seq + 1
		}
	}
	sub.next = max(sub.next, sh.oldest())
	ev.ContinuationSeq = sub.next
	var tail GetRecordsOutput
	s.finish(sh, &tail, sub.next, nowNs)
	ev.MillisBehindLatest = tail.MillisBehindLatest
	if !tail.Next.valid {
		ev.ChildShards, ev.Ended = tail.ChildShards, true
		sub.finished = true
	}
	if nowNs >= sub.endNs {
		ev.Ended = true
		sub.finished = true
	}
	return ev
}

// NextVisible returns when the next record not yet pushed becomes visible
// to the subscription, and false when there is none yet.
func (sub *Subscription) NextVisible() (time.Time, bool) {
	s := sub.s
	s.topo.RLock()
	defer s.topo.RUnlock()
	sh := s.shards[sub.shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	k := max(sub.next, sh.logBase) - sh.logBase
	if k >= uint64(len(sh.log)) {
		return time.Time{}, false
	}
	at := sh.log[k].atNs + int64(s.cfg.EFOPropagation)
	return s.epoch.Add(time.Duration(at)), true
}
