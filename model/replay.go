package model

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// ScalingPolicy is how a replayed stream's capacity follows its traffic.
type ScalingPolicy uint8

// Scaling policies.
const (
	// ScaleNone keeps the starting shards.
	ScaleNone ScalingPolicy = iota
	// ScaleThresholds scales a provisioned stream with UpdateShardCount
	// from the alarms of an Autoscaling advice.
	ScaleThresholds
	// ScaleOnDemand is an on-demand stream: capacity twice the peak settled
	// before the last OnDemandWindow, at least the starting capacity.
	ScaleOnDemand
)

func (p ScalingPolicy) String() string {
	switch p {
	case ScaleThresholds:
		return "thresholds"
	case ScaleOnDemand:
		return "on-demand"
	}
	return "none"
}

// ReplayConfig describes a replay of a rate profile through the model.
type ReplayConfig struct {
	// Shards is the provisioned stream's shards at the start (even ranges,
	// as CreateStream and UpdateShardCount make them).
	Shards int
	// Keys and Spread place the records on shards, as for KeyLoad.
	Keys   []KeyShare
	Spread float64
	// BytesPerRecord is the mean record size (data plus key), in bytes.
	BytesPerRecord float64
	Policy         ScalingPolicy
	// Autoscaling is the advice ScaleThresholds follows (its alarms'
	// utilisations, steps, cooldowns and bounds; thresholds are recomputed
	// for the shards open at each step).
	Autoscaling Autoscaling
	// UpdateTime is how long UpdateShardCount takes; 0 means
	// DefaultUpdateShardCountTime, a negative value at once.
	UpdateTime time.Duration
	// MaxAttempts is the producer's attempts per record (1: no retries);
	// 0 means 1. RetryBackoff and RetryMaxBackoff are its exponential
	// backoff with full jitter: a retry whose mean wait is under half a
	// second comes back within the second it was refused in, a longer one
	// the next second. Zero RetryBackoff means every retry waits for the
	// next second. (On-demand replays retry the next second.)
	MaxAttempts                   int
	RetryBackoff, RetryMaxBackoff time.Duration
	// PollingConsumers, when above 0, read the stream: each second they
	// read what the shards' shared 2 MiB/s allows, and the backlog gives
	// the iterator age.
	PollingConsumers int
	// Prices price the shard-hours (or on-demand stream-hours and ingest)
	// as the replay goes; zero Prices cost nothing. PutPayloadUnitsPerRecord
	// and OnDemandBilledBytesPerRecord are the mean billing of one record
	// over the size distribution (each record rounds up on its own); zero
	// means the mean size's.
	Prices                                                 Prices
	PutPayloadUnitsPerRecord, OnDemandBilledBytesPerRecord float64
}

// ReplaySecond is one second of a replay.
type ReplaySecond struct {
	T int
	// Demand is the new records of the second; Offered adds the retries;
	// Accepted and Throttled split Offered; Failed gave up after
	// MaxAttempts.
	Demand, Offered, Accepted, Throttled, Failed float64
	// Shards is the open shards; CapacityRecords the stream's write limit
	// in records/s (for the mean record size).
	Shards          int
	CapacityRecords float64
	// IteratorAgeS is how far the polling consumers are behind, in seconds.
	IteratorAgeS float64
	// CostUSD is the cost so far.
	CostUSD float64
}

// ScalingEvent is one UpdateShardCount the replay made.
type ScalingEvent struct {
	// At is when it was called and Done when the new shards opened.
	At, Done time.Duration
	From, To int
	Why      string
}

// ReplayResult is a whole replay.
type ReplayResult struct {
	Seconds []ReplaySecond
	Events  []ScalingEvent
	// Totals over the replay, in records; ThrottleRatio is Throttled ÷
	// Offered (attempts), FailedRatio Failed ÷ Demand.
	Demand, Offered, Accepted, Throttled, Failed float64
	ThrottleRatio, FailedRatio                   float64
	MaxShards                                    int
	CostUSD                                      float64
	// RuleBreaks lists every UpdateShardCount that broke AWS's rules (more
	// than MaxUpdateShardCountPer24h in a rolling 24 h, or a step beyond
	// double or half); a correct policy leaves it empty. Refused lists the
	// scalings the policy asked for that AWS would have refused for the
	// daily limit (the replay does not make them): a policy that scales too
	// often shows here.
	RuleBreaks, Refused []string
}

// shareCache holds, per shard count, the shares of the records each shard
// takes, largest first: with even ranges a replay second only needs them.
type shareCache map[int][]float64

func (c shareCache) shares(n int, keys []KeyShare, spread float64) []float64 {
	if s, ok := c[n]; ok {
		return s
	}
	ranges := EvenRanges(n)
	starts := make([]HashKey, n)
	for i, r := range ranges {
		starts[i] = r.Start
	}
	s := make([]float64, n)
	for i, r := range ranges {
		s[i] = spread * r.Fraction()
	}
	for _, k := range keys {
		s[shardIndex(starts, k.Hash)] += k.Share
	}
	slices.SortFunc(s, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	c[n] = s
	return s
}

// Replay plays seconds seconds of a rate profile (records/s at each
// second) through the model at one-second resolution, as a fluid: each
// shard takes what its limits allow of its share of the records (its range
// of the spread, plus the keys that hash to it) and throttles the rest,
// which the producer retries the next second until MaxAttempts. The
// scaling policy changes the capacity as it goes. Per-second bursts and
// the order of records within a second are not modelled (the real-time
// runs model them); the policy's decisions use per-minute sums, as
// CloudWatch alarms see them.
func Replay(rate func(t time.Duration) float64, seconds int, cfg ReplayConfig) (ReplayResult, error) {
	if cfg.Shards < 1 || cfg.BytesPerRecord <= 0 {
		return ReplayResult{}, fmt.Errorf("replay: %d shards and %v bytes per record: want at least 1 of each", cfg.Shards, cfg.BytesPerRecord)
	}
	if err := checkShares(cfg.Keys, cfg.Spread); err != nil {
		return ReplayResult{}, err
	}
	attempts := max(cfg.MaxAttempts, 1)
	update := cfg.UpdateTime
	switch {
	case update == 0:
		update = DefaultUpdateShardCountTime
	case update < 0:
		update = 0
	}
	// Which retries come back within the second they were refused in: those
	// whose mean backoff (full jitter: half the cap) is under half a second.
	sameSecond := make([]bool, attempts)
	for a := 1; a < attempts; a++ {
		if cfg.RetryBackoff > 0 {
			ceiling := cfg.RetryBackoff << (a - 1)
			if cfg.RetryMaxBackoff > 0 {
				ceiling = min(ceiling, cfg.RetryMaxBackoff)
			}
			sameSecond[a] = ceiling/2 < time.Second/2
		}
	}
	// Billing per record: the mean over the size distribution when the
	// caller gives it, else the mean size's.
	putUnits, onDemandBytes := cfg.PutPayloadUnitsPerRecord, cfg.OnDemandBilledBytesPerRecord
	if putUnits <= 0 {
		putUnits = float64(PutPayloadUnits(int64(math.Ceil(cfg.BytesPerRecord))))
	}
	if onDemandBytes <= 0 {
		onDemandBytes = float64(OnDemandBilledBytes(int64(math.Ceil(cfg.BytesPerRecord))))
	}
	// Records per second one shard takes: the tighter of its two limits.
	perShard := min(float64(ShardWriteRecordsPerSec), ShardWriteBytesPerSec/cfg.BytesPerRecord)
	cache := shareCache{}
	var (
		res     ReplayResult
		shards  = cfg.Shards
		pending struct {
			to   int
			done int
		}
		// retries[a] (a ≥ 1) is the records making attempt a+1 this second;
		// next collects them for the second after.
		retries      = make([]float64, attempts)
		next         = make([]float64, attempts)
		minute       []float64 // accepted records per second of the current minute
		minutes      []float64 // accepted records per minute, all so far
		lastOut      = -1 << 30
		lastIn       = -1 << 30
		updates      []int
		unread       []unreadSecond
		od           = onDemandFluid{}
		per          = shardRetries{}
		retriesFor   = shards
		hourFraction = 1.0 / 3600
	)
	pending.to = 0
	for t := range seconds {
		if pending.to != 0 && t >= pending.done {
			shards, pending.to = pending.to, 0
		}
		demand := max(rate(time.Duration(t)*time.Second), 0)
		var offered, throttled, failed float64
		capRecords := perShard * float64(shards)
		if cfg.Policy == ScaleOnDemand {
			// On-demand splits its shards as traffic grows; what it cannot
			// fix is a key above one shard's limit (MODES), and traffic
			// above its stream-wide capacity. Its retries spread as its
			// shards do.
			offered = demand
			for a := 1; a < attempts; a++ {
				offered += retries[a]
			}
			for _, k := range cfg.Keys {
				throttled += max(offered*k.Share-perShard, 0)
			}
			capRecords = od.capacity(t, cfg.BytesPerRecord)
			throttled = min(max(throttled, offered-capRecords), offered)
			frac := 0.0
			if offered > 0 {
				frac = throttled / offered
			}
			failed = retryOnce(retries, demand, frac, next)
			retries, next = next, retries
		} else {
			shares := cache.shares(shards, cfg.Keys, cfg.Spread)
			if shards != retriesFor {
				// A resharding moves keys between shards: spread the records
				// waiting for a retry over the new shards by their shares.
				per.respread(shares, attempts, perShard)
				retriesFor = shards
			}
			offered, throttled, failed = per.second(shares, demand, perShard, attempts, sameSecond, t == 0)
		}
		accepted := offered - throttled
		if cfg.Policy == ScaleOnDemand {
			od.record(t, accepted)
		}

		// Reading: the polling consumers share 2 MiB/s per shard and read
		// the oldest records first; the iterator age is how old the oldest
		// unread second is.
		age := 0.0
		if cfg.PollingConsumers > 0 {
			unread = append(unread, unreadSecond{t: t, records: accepted})
			read := float64(shards) * ShardReadBytesPerSec / cfg.BytesPerRecord / float64(cfg.PollingConsumers)
			for len(unread) > 0 && read > 0 {
				n := min(read, unread[0].records)
				unread[0].records -= n
				read -= n
				if unread[0].records <= 1e-9 {
					unread = unread[1:]
				}
			}
			if len(unread) > 0 {
				age = float64(t - unread[0].t)
			}
		}

		// Cost so far.
		switch cfg.Policy {
		case ScaleOnDemand:
			res.CostUSD += cfg.Prices.OnDemandStreamHourUSD*hourFraction +
				accepted*onDemandBytes/BillingGB*cfg.Prices.OnDemandIngestGBUSD
		default:
			res.CostUSD += float64(shards)*cfg.Prices.ShardHourUSD*hourFraction +
				accepted*putUnits/1e6*cfg.Prices.PutPayloadUnitsPerMillionUSD
		}

		res.Seconds = append(res.Seconds, ReplaySecond{T: t, Demand: demand, Offered: offered, Accepted: accepted, Throttled: throttled,
			Failed: failed, Shards: shards, CapacityRecords: capRecords, IteratorAgeS: age, CostUSD: res.CostUSD})
		res.Demand += demand
		res.Offered += offered
		res.Accepted += accepted
		res.Throttled += throttled
		res.Failed += failed
		res.MaxShards = max(res.MaxShards, shards, pending.to)

		// The scaling policy looks at whole minutes, as alarms do.
		minute = append(minute, accepted)
		if len(minute) < AlarmPeriodSeconds {
			continue
		}
		var sum float64
		for _, v := range minute {
			sum += v
		}
		minute = minute[:0]
		minutes = append(minutes, sum)
		if cfg.Policy != ScaleThresholds || pending.to != 0 {
			continue
		}
		a := cfg.Autoscaling
		limitPerMinute := perShard * float64(shards) * AlarmPeriodSeconds
		breaches := func(n, need int, above bool, util float64) bool {
			if len(minutes) < n {
				return false
			}
			hits := 0
			for _, m := range minutes[len(minutes)-n:] {
				if (above && m > util*limitPerMinute) || (!above && m < util*limitPerMinute) {
					hits++
				}
			}
			return hits >= need
		}
		day := 24 * 3600
		recent := 0
		for _, u := range updates {
			if t-u < day {
				recent++
			}
		}
		outUtil, inUtil := 0.8, 0.32
		if len(a.ScaleOut) > 0 {
			outUtil = a.ScaleOut[0].Utilization
		}
		if len(a.ScaleIn) > 0 {
			inUtil = a.ScaleIn[0].Utilization
		}
		// The alarms see accepted records (IncomingRecords counts what was
		// put): a stream throttling at its limit shows 100%, above any
		// scale-out threshold.
		to, why := 0, ""
		switch {
		case t-lastOut >= int(a.CooldownOut/time.Second) && shards < a.MaxShards && breaches(ScaleOutPeriods, ScaleOutDatapoints, true, outUtil):
			to, why = min(int(float64(shards)*a.ScaleOutFactor), a.MaxShards), "scale out"
		case t-lastIn >= int(a.CooldownIn/time.Second) && t-lastOut >= int(a.CooldownOut/time.Second) && shards > a.MinShards &&
			breaches(ScaleInPeriods, ScaleInDatapoints, false, inUtil):
			to, why = max(int(math.Ceil(float64(shards)*a.ScaleInFactor)), a.MinShards), "scale in"
		}
		if to == 0 || to == shards {
			continue
		}
		if recent >= MaxUpdateShardCountPer24h {
			// AWS would refuse the call: the policy wanted more scalings
			// than a rolling day allows. Count it and try again next minute.
			res.Refused = append(res.Refused, fmt.Sprintf("%ds: %s %d to %d: LimitExceededException, %d calls in the last 24 h",
				t, why, shards, to, recent))
			continue
		}
		if why == "scale out" {
			lastOut = t
		} else {
			lastIn = t
		}
		if to > 2*shards || 2*to < shards {
			res.RuleBreaks = append(res.RuleBreaks, fmt.Sprintf("%ds: %d to %d shards is beyond double or half", t, shards, to))
		}
		updates = append(updates, t)
		pending.to, pending.done = to, t+int(update/time.Second)
		res.Events = append(res.Events, ScalingEvent{At: time.Duration(t) * time.Second, Done: time.Duration(pending.done) * time.Second,
			From: shards, To: to, Why: why})
	}
	// Check the rolling-day rule over the whole replay.
	for i := range res.Events {
		n := 0
		for j := range res.Events {
			if d := res.Events[i].At - res.Events[j].At; d >= 0 && d < 24*time.Hour {
				n++
			}
		}
		if n > MaxUpdateShardCountPer24h {
			res.RuleBreaks = append(res.RuleBreaks, fmt.Sprintf("%v: %d UpdateShardCount calls in 24 h", res.Events[i].At, n))
		}
	}
	if res.Offered > 0 {
		res.ThrottleRatio = res.Throttled / res.Offered
	}
	if res.Demand > 0 {
		res.FailedRatio = res.Failed / res.Demand
	}
	return res, nil
}

// retryOnce moves one second's throttled records (frac of each attempt's:
// demand new ones, retries[a] on attempt a+1) to the next attempt in next,
// and returns those that had their last attempt.
func retryOnce(retries []float64, demand, frac float64, next []float64) (failed float64) {
	attempts := len(retries)
	clear(next)
	for a := range attempts {
		n := demand
		if a > 0 {
			n = retries[a]
		}
		if a+1 < attempts {
			next[a+1] = n * frac
		} else {
			failed += n * frac
		}
	}
	return failed
}

// shardRetries holds, per shard in share order, the records waiting to be
// retried there: a throttled record goes back to the shard its key maps
// to. Only shards that have throttled have an entry, and they come first.
type shardRetries struct {
	r [][]float64 // r[i][a]: records making attempt a+1 on shard i
	// burst[i] is shard i's unused capacity, up to a second of its limit,
	// as the real-time shards' token buckets keep it (DefaultBurstSeconds):
	// a shard that was under its limit starts an overload with a full one.
	burst []float64
	in    []float64 // scratch: one shard's attempts in the current second
}

// second plays one second on shards with the given shares (largest first):
// each takes at most perShard records plus what is left of its burst, of
// its new records, the retries due from earlier seconds, and the retries
// of this second's refusals whose backoff is short (sameSecond, by
// attempt). It returns the records offered (new and retried), throttled
// and failed. fresh says the shards were made this second: their buckets
// start empty, as a new stream's do, rather than full.
func (p *shardRetries) second(shares []float64, demand, perShard float64, attempts int, sameSecond []bool, fresh bool) (offered, throttled, failed float64) {
	offered = demand
	if len(p.in) != attempts {
		p.in = make([]float64, attempts)
	}
	in := p.in // records making each attempt this second
	for i, s := range shares {
		base := demand * s
		if i >= len(p.r) && base <= perShard {
			break // smaller shares from here, and nothing to retry
		}
		if i >= len(p.r) {
			if i < cap(p.r) && len(p.r[:i+1][i]) == attempts {
				p.r = p.r[:i+1] // reuse the slot a trimmed shard left
				clear(p.r[i])
			} else {
				p.r = append(p.r, make([]float64, attempts))
			}
			for len(p.burst) <= i {
				p.burst = append(p.burst, 0)
			}
			p.burst[i] = perShard * DefaultBurstSeconds
			if fresh {
				p.burst[i] = 0
			}
		}
		r := p.r[i]
		limit := perShard + p.burst[i]
		// The share of attempts refused, f, is 1 − capacity ÷ attempts,
		// and the attempts include this second's own retries of refused
		// records when their backoff is short: find that fixed point.
		f, off := 0.0, 0.0
		for range 50 {
			off = 0
			for a := range attempts {
				switch {
				case a == 0:
					in[a] = base
				case sameSecond[a]:
					in[a] = r[a] + in[a-1]*f
				default:
					in[a] = r[a]
				}
				off += in[a]
			}
			next := 0.0
			if off > limit {
				next = 1 - limit/off
			}
			if math.Abs(next-f) < 1e-12 {
				f = next
				break
			}
			f = next
		}
		offered += off - base
		throttled += off * f
		accepted := off * (1 - f)
		p.burst[i] = min(max(p.burst[i]+perShard-accepted, 0), perShard*DefaultBurstSeconds)
		// What is refused goes to the next attempt: this second when its
		// backoff is short (already in in[]), else the next second.
		clear(r)
		for a := range attempts {
			refused := in[a] * f
			switch {
			case a+1 == attempts:
				failed += refused
			case !sameSecond[a+1]:
				r[a+1] += refused
			}
		}
	}
	// Forget the trailing shards with nothing left to retry and a full
	// burst (as a shard under its limit has), so that the next second
	// stops as early as this one could.
	n := len(p.r)
	for n > 0 && allZero(p.r[n-1]) && p.burst[n-1] >= perShard*DefaultBurstSeconds {
		n--
	}
	p.r = p.r[:n]
	return offered, throttled, failed
}

func allZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// respread pools the waiting retries and spreads them over shards by
// their shares.
func (p *shardRetries) respread(shares []float64, attempts int, perShard float64) {
	pooled := make([]float64, attempts)
	for _, r := range p.r {
		for a := range r {
			pooled[a] += r[a]
		}
	}
	p.r = p.r[:0]
	total := 0.0
	for _, v := range pooled {
		total += v
	}
	if total == 0 {
		return
	}
	p.burst = p.burst[:0]
	for _, s := range shares {
		r := make([]float64, attempts)
		for a := range r {
			r[a] = pooled[a] * s
		}
		p.r = append(p.r, r)
		// New shards start with full buckets, as the simulated stream's
		// children do.
		p.burst = append(p.burst, perShard*DefaultBurstSeconds)
	}
}

// unreadSecond is what the consumers have yet to read of one second.
type unreadSecond struct {
	t       int
	records float64
}

// onDemandFluid is the on-demand capacity rule for a replay: twice the
// peak of accepted records per second settled before the last
// OnDemandWindow, at least the starting capacity.
type onDemandFluid struct {
	history []float64
	peak    float64
}

func (o *onDemandFluid) capacity(t int, bytesPerRecord float64) float64 {
	window := int(OnDemandWindow / time.Second)
	if old := t - window; old >= 0 && old < len(o.history) {
		o.peak = max(o.peak, o.history[old])
	}
	return max(min(OnDemandStartRecordsPerSec, OnDemandStartBytesPerSec/bytesPerRecord), 2*o.peak)
}

func (o *onDemandFluid) record(t int, accepted float64) {
	for len(o.history) <= t {
		o.history = append(o.history, 0)
	}
	o.history[t] = accepted
}
