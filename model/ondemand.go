package model

import (
	"sync"
	"time"
)

// onDemand is an on-demand stream's stream-wide write capacity (MODES,
// FAQ): twice the peak write throughput seen before the current window,
// never below the starting capacity nor above the per-stream maximum.
// Traffic that more than doubles within OnDemandWindow is throttled until
// the window has passed over the new peak.
type onDemand struct {
	cfg *StreamConfig
	// mu guards the admission state below, which every put on any shard
	// updates; nextSplitCheckNs is guarded by the stream's topology lock.
	mu sync.Mutex
	// records and bytes meter the capacity; their rates follow it.
	records, bytes tokenBucket
	// sec is the current second (stream time, whole seconds) and its
	// accepted totals.
	sec                    int64
	secRecords, secBytes   float64
	window                 []secondTotal
	peakRecords, peakBytes float64
	capRecords, capBytes   float64
	nextSplitCheckNs       int64
}

type secondTotal struct {
	sec            int64
	records, bytes float64
}

func newOnDemand(cfg *StreamConfig) *onDemand {
	o := &onDemand{cfg: cfg, peakRecords: OnDemandStartRecordsPerSec / 2, peakBytes: OnDemandStartBytesPerSec / 2}
	o.setCapacity()
	o.records = newTokenBucket(o.capRecords, o.capRecords, 0)
	o.bytes = newTokenBucket(o.capBytes, o.capBytes, 0)
	return o
}

func (o *onDemand) setCapacity() {
	o.capRecords = min(max(2*o.peakRecords, OnDemandStartRecordsPerSec), o.cfg.OnDemandMaxRecordsPerSec)
	o.capBytes = min(max(2*o.peakBytes, OnDemandStartBytesPerSec), o.cfg.OnDemandMaxBytesPerSec)
}

// roll closes the seconds before nowNs's and lets seconds older than the
// window count towards the peak.
func (o *onDemand) roll(nowNs int64) {
	sec := nowNs / int64(time.Second)
	if sec <= o.sec {
		return
	}
	if o.secRecords > 0 {
		o.window = append(o.window, secondTotal{o.sec, o.secRecords, o.secBytes})
	}
	o.sec, o.secRecords, o.secBytes = sec, 0, 0
	windowSec := int64(o.cfg.OnDemandWindow / time.Second)
	n := 0
	for n < len(o.window) && o.window[n].sec < sec-windowSec {
		o.peakRecords = max(o.peakRecords, o.window[n].records)
		o.peakBytes = max(o.peakBytes, o.window[n].bytes)
		n++
	}
	if n > 0 {
		o.window = append(o.window[:0], o.window[n:]...)
		o.records.refill(nowNs)
		o.bytes.refill(nowNs)
		o.setCapacity()
		o.records.ratePerNs, o.records.capacity = o.capRecords/1e9, o.capRecords
		o.bytes.ratePerNs, o.bytes.capacity = o.capBytes/1e9, o.capBytes
	}
}

// admit takes one record of size bytes if the stream's capacity allows.
func (o *onDemand) admit(nowNs int64, size float64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.roll(nowNs)
	o.records.refill(nowNs)
	o.bytes.refill(nowNs)
	if !o.records.ok() || !o.bytes.ok() {
		return false
	}
	o.records.take(1)
	o.bytes.take(size)
	o.secRecords++
	o.secBytes += size
	return true
}

// Capacity returns an on-demand stream's write capacity at now, in records
// and bytes per second; a provisioned stream's is its open shards' limits.
func (s *Stream) Capacity(now time.Time) (recordsPerSec, bytesPerSec float64) {
	nowNs := s.ns(now)
	s.rlockAt(nowNs)
	defer s.topo.RUnlock()
	n := float64(len(s.open))
	recordsPerSec, bytesPerSec = n*s.cfg.ShardRecordsPerSec, n*s.cfg.ShardBytesPerSec
	if o := s.od; o != nil {
		o.mu.Lock()
		o.roll(nowNs)
		recordsPerSec, bytesPerSec = min(recordsPerSec, o.capRecords), min(bytesPerSec, o.capBytes)
		o.mu.Unlock()
	}
	return recordsPerSec, bytesPerSec
}

// shardRate follows one on-demand shard's incoming bytes, averaged over
// splitRateWindow: per-second counts of a shard's traffic vary too much
// (a shard at 650 KB/s of random keys dips below 500 KB/s in some second
// of most quarters of an hour), and AWS judges from its metrics, which are
// per minute.
type shardRate struct {
	// win is the current window (whole splitRateWindows of stream time)
	// and winBytes what the shard took in it.
	win      int64
	winBytes float64
	// hotSinceNs is the start of the run of windows above the split
	// threshold, or -1; lastHot is the last such window.
	hotSinceNs int64
	lastHot    int64
}

// splitRateWindow is the window over which an on-demand shard's incoming
// rate is compared with OnDemandSplitBytesPerSec: one CloudWatch minute.
const splitRateWindow = time.Minute

func (r *shardRate) add(nowNs int64, size float64) {
	if w := nowNs / int64(splitRateWindow); w != r.win {
		r.close(w)
	}
	r.winBytes += size
}

// close ends the current window, which runs the hot streak on or breaks it.
func (r *shardRate) close(win int64) {
	if r.winBytes > OnDemandSplitBytesPerSec*splitRateWindow.Seconds() {
		if r.hotSinceNs < 0 || r.lastHot != r.win-1 {
			r.hotSinceNs = r.win * int64(splitRateWindow)
		}
		r.lastHot = r.win
	} else {
		r.hotSinceNs = -1
	}
	r.win, r.winBytes = win, 0
}

// onDemandSplits splits, at the midpoint of its range, every open shard
// whose per-minute rate has stayed above OnDemandSplitBytesPerSec for the
// whole window
// (MODES: "splits within 15 minutes", evenly, without isolating hot keys).
// Checked once a second of stream time; callers hold topo for writing.
func (s *Stream) onDemandSplits(nowNs int64) {
	o := s.od
	if nowNs < o.nextSplitCheckNs {
		return
	}
	o.nextSplitCheckNs = nowNs + int64(time.Second)
	win := nowNs / int64(splitRateWindow)
	var hot []int
	for _, i := range s.open {
		r := &s.shards[i].od
		if r.win != win {
			r.close(win)
		}
		if r.hotSinceNs >= 0 && r.lastHot >= win-1 && nowNs-r.hotSinceNs >= int64(s.cfg.OnDemandWindow) {
			hot = append(hot, i)
		}
	}
	for _, i := range hot {
		if len(s.open) >= min(MaxShardsPerStream, s.cfg.AccountShardLimit) {
			return
		}
		rg := s.shards[i].info.Range
		if rg.Start == rg.End {
			continue
		}
		mid := rg.Midpoint()
		s.split(nowNs, []int{i}, []newShard{
			{r: HashKeyRange{Start: rg.Start, End: mid.Sub(HashKey{Lo: 1})}, parents: []int{i}},
			{r: HashKeyRange{Start: mid, End: rg.End}, parents: []int{i}},
		})
	}
}

// SwitchMode changes the stream between provisioned and on-demand, as
// UpdateStreamMode does: at most MaxModeSwitchesPer24h times in a rolling
// 24 hours (LimitExceeded), not while a resharding runs (ResourceInUse).
// The stream keeps its shards (Q, MODES). An on-demand stream starts from
// the starting capacity again: the model keeps no peak across a switch.
func (s *Stream) SwitchMode(now time.Time, mode CapacityMode) error {
	nowNs := s.ns(now)
	s.lockAt(nowNs)
	defer s.unlock()
	if s.cfg.Mode == mode {
		return apiErrorf(ErrInvalidArgument, "stream %s is already %s", s.cfg.Name, mode)
	}
	if s.pending != nil {
		return apiErrorf(ErrResourceInUse, "stream %s is UPDATING: a resharding is in progress", s.cfg.Name)
	}
	s.switches = lastDay(s.switches, nowNs)
	if len(s.switches) >= MaxModeSwitchesPer24h {
		return apiErrorf(ErrLimitExceeded, "stream %s switched capacity mode %d times in the last 24 hours, the most allowed", s.cfg.Name, len(s.switches))
	}
	s.switches = append(s.switches, nowNs)
	s.cfg.Mode = mode
	s.od = nil
	if mode == OnDemand {
		s.od = newOnDemand(&s.cfg)
		s.od.records.lastNs, s.od.bytes.lastNs = nowNs, nowNs
		s.od.sec = nowNs / int64(time.Second)
		s.od.nextSplitCheckNs = nowNs
		for _, i := range s.open {
			s.shards[i].od = shardRate{hotSinceNs: -1, win: nowNs / int64(splitRateWindow)}
		}
	}
	return nil
}
