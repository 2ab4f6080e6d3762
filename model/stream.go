package model

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// CapacityMode is how a stream's write capacity is set.
type CapacityMode uint8

// Capacity modes (kinesis-facts §4).
const (
	// Provisioned streams have the shards the caller asks for, each with
	// the per-shard limits; resharding is the caller's job.
	Provisioned CapacityMode = iota
	// OnDemand streams start with OnDemandStartShards shards and a
	// stream-wide write capacity of twice the previous peak, and split hot
	// shards themselves.
	OnDemand
)

func (m CapacityMode) String() string {
	if m == OnDemand {
		return "ON_DEMAND"
	}
	return "PROVISIONED"
}

// StreamConfig describes a stream. Zero fields take the documented
// defaults.
type StreamConfig struct {
	// Name of the stream, used in error messages.
	Name string
	// Mode is Provisioned (the zero value) or OnDemand.
	Mode CapacityMode
	// Shards is the number of open shards at creation, 1–MaxShardsPerStream.
	// Zero means OnDemandStartShards for an on-demand stream.
	Shards int
	// MaxRecordSizeBytes is the largest record (data plus partition key).
	// Zero means DefaultMaxRecordSizeBytes.
	MaxRecordSizeBytes int64
	// PutRecordsMaxBytes is the largest PutRecords request. Zero means
	// DefaultPutRecordsMaxBytes (10 MiB; 5 MiB before 2025-10-28).
	PutRecordsMaxBytes int64
	// ShardRecordsPerSec and ShardBytesPerSec are the per-shard write
	// limits. Zero means ShardWriteRecordsPerSec and ShardWriteBytesPerSec.
	ShardRecordsPerSec float64
	ShardBytesPerSec   float64
	// BurstSeconds is the seconds of capacity each shard's buckets hold.
	// Zero means DefaultBurstSeconds. Buckets may go into debt by one
	// record, so a record above 1 MiB is accepted by a shard that is not in
	// debt and repaid at the shard's byte rate (LR, BLOG-LR).
	BurstSeconds float64
	// LargeRecordBurstBytes is the burst that records above 1 MiB draw
	// on, refilled at the shard's byte rate. Zero means
	// MaxMaxRecordSizeBytes (10 MiB). Source: LR, BLOG-LR.
	LargeRecordBurstBytes float64

	// Retention is how long records stay readable, DefaultRetention (zero)
	// to MaxRetention.
	Retention time.Duration
	// KeepRecords stores accepted records so that readers can read them
	// back. False keeps counts only (a write-only model: cheaper, and the
	// read calls return nothing).
	KeepRecords bool

	// SplitTime, MergeTime and UpdateShardCountTime are how long each
	// resharding keeps the stream UPDATING before the children open. Zero
	// means the Default…Time constants; a negative value means at once.
	SplitTime, MergeTime, UpdateShardCountTime time.Duration
	// MaxUpdatesPer24h is how many UpdateShardCount calls a rolling 24
	// hours allows. Zero means MaxUpdateShardCountPer24h.
	MaxUpdatesPer24h int
	// AccountShardLimit is the account's shard quota, which open shards
	// after a resharding must not exceed. Zero means
	// DefaultAccountShardLimit.
	AccountShardLimit int

	// OnDemandMaxBytesPerSec and OnDemandMaxRecordsPerSec cap an on-demand
	// stream's write capacity. Zero means OnDemandMaxBytesPerSec and
	// OnDemandMaxRecordsPerSec.
	OnDemandMaxBytesPerSec, OnDemandMaxRecordsPerSec float64
	// OnDemandWindow is the window in which on-demand traffic may at most
	// double, and how long a shard must stay above OnDemandSplitBytesPerSec
	// before it is split. Zero means OnDemandWindow (15 minutes).
	OnDemandWindow time.Duration

	// PollingPropagation and EFOPropagation are how long after it is
	// written a record becomes visible to GetRecords and to fan-out
	// subscriptions. Zero means DefaultPollingPropagation and
	// DefaultEFOPropagation; a negative value means at once.
	PollingPropagation, EFOPropagation time.Duration
}

// orDefault returns def for zero, 0 for negative, else d.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

func (c *StreamConfig) withDefaults() StreamConfig {
	d := *c
	if d.Shards == 0 && d.Mode == OnDemand {
		d.Shards = OnDemandStartShards
	}
	if d.MaxRecordSizeBytes == 0 {
		d.MaxRecordSizeBytes = DefaultMaxRecordSizeBytes
	}
	if d.PutRecordsMaxBytes == 0 {
		d.PutRecordsMaxBytes = DefaultPutRecordsMaxBytes
	}
	if d.ShardRecordsPerSec == 0 {
		d.ShardRecordsPerSec = ShardWriteRecordsPerSec
	}
	if d.ShardBytesPerSec == 0 {
		d.ShardBytesPerSec = ShardWriteBytesPerSec
	}
	if d.BurstSeconds == 0 {
		d.BurstSeconds = DefaultBurstSeconds
	}
	if d.LargeRecordBurstBytes == 0 {
		d.LargeRecordBurstBytes = MaxMaxRecordSizeBytes
	}
	if d.Retention == 0 {
		d.Retention = DefaultRetention
	}
	d.SplitTime = orDefault(d.SplitTime, DefaultSplitShardTime)
	d.MergeTime = orDefault(d.MergeTime, DefaultMergeShardsTime)
	d.UpdateShardCountTime = orDefault(d.UpdateShardCountTime, DefaultUpdateShardCountTime)
	if d.MaxUpdatesPer24h == 0 {
		d.MaxUpdatesPer24h = MaxUpdateShardCountPer24h
	}
	if d.AccountShardLimit == 0 {
		d.AccountShardLimit = DefaultAccountShardLimit
	}
	if d.OnDemandMaxBytesPerSec == 0 {
		d.OnDemandMaxBytesPerSec = OnDemandMaxBytesPerSec
	}
	if d.OnDemandMaxRecordsPerSec == 0 {
		d.OnDemandMaxRecordsPerSec = OnDemandMaxRecordsPerSec
	}
	if d.OnDemandWindow == 0 {
		d.OnDemandWindow = OnDemandWindow
	}
	d.PollingPropagation = orDefault(d.PollingPropagation, DefaultPollingPropagation)
	d.EFOPropagation = orDefault(d.EFOPropagation, DefaultEFOPropagation)
	return d
}

// Validate reports the first setting that is out of range.
func (c *StreamConfig) Validate() error {
	shards := c.Shards
	if shards == 0 && c.Mode == OnDemand {
		shards = OnDemandStartShards
	}
	switch {
	case shards < 1 || shards > MaxShardsPerStream:
		return fmt.Errorf("shards: %d is outside 1–%d", c.Shards, MaxShardsPerStream)
	case c.AccountShardLimit > 0 && shards > c.AccountShardLimit:
		return fmt.Errorf("shards: %d is above the account shard limit of %d", shards, c.AccountShardLimit)
	case c.MaxRecordSizeBytes != 0 && (c.MaxRecordSizeBytes < DefaultMaxRecordSizeBytes || c.MaxRecordSizeBytes > MaxMaxRecordSizeBytes):
		return fmt.Errorf("max record size: %d bytes is outside 1 MiB–10 MiB", c.MaxRecordSizeBytes)
	case c.Retention != 0 && (c.Retention < DefaultRetention || c.Retention > MaxRetention):
		return fmt.Errorf("retention: %v is outside 24h–8760h", c.Retention)
	case c.PutRecordsMaxBytes < 0, c.ShardRecordsPerSec < 0, c.ShardBytesPerSec < 0, c.BurstSeconds < 0,
		c.LargeRecordBurstBytes < 0, c.MaxUpdatesPer24h < 0, c.AccountShardLimit < 0,
		c.OnDemandMaxBytesPerSec < 0, c.OnDemandMaxRecordsPerSec < 0, c.OnDemandWindow < 0:
		return errors.New("limits must not be negative")
	}
	return nil
}

// ShardState is where a shard is in its life (kinesis-facts §3).
type ShardState uint8

// Shard states.
const (
	// ShardOpen takes writes.
	ShardOpen ShardState = iota
	// ShardClosed was resharded: no writes, still readable until its
	// records pass retention.
	ShardClosed
	// ShardExpired is closed and past retention: gone.
	ShardExpired
)

func (s ShardState) String() string {
	switch s {
	case ShardClosed:
		return "CLOSED"
	case ShardExpired:
		return "EXPIRED"
	}
	return "OPEN"
}

// ShardInfo describes one shard.
type ShardInfo struct {
	// ID is the shard id as Kinesis writes it: shardId-000000000000.
	ID    string
	Range HashKeyRange
	// Parents are the ids of the shards this one was made from: one for a
	// split, two for a merge, one or more for UpdateShardCount; none for a
	// shard made with the stream.
	Parents []string
	State   ShardState
	// Opened and Closed are when the shard opened and closed (Closed is
	// zero while it is open).
	Opened, Closed time.Time
}

// Limit names the shard limit that throttled a record.
type Limit uint8

// Limits a record can be throttled on.
const (
	LimitNone Limit = iota
	LimitRecords
	LimitBytes
	// LimitStream is an on-demand stream's write capacity (twice the
	// previous peak), as opposed to one shard's.
	LimitStream
)

func (l Limit) String() string {
	switch l {
	case LimitRecords:
		return "records"
	case LimitBytes:
		return "bytes"
	case LimitStream:
		return "stream"
	}
	return ""
}

// Ref is the caller's handle on a record: the stream keeps it with the
// record and gives it back to readers. spillway stores the record's number
// in the run and its intended send time.
type Ref struct {
	ID       uint64
	UnixNano int64
}

// PutEntry is one record of a put request. Only sizes and hash keys matter
// to the model.
type PutEntry struct {
	// PartitionKey decides the shard unless ExplicitHashKey is set; its
	// UTF-8 bytes count towards the record's size.
	PartitionKey string
	// ExplicitHashKey, when HasExplicitHashKey, replaces the key's MD5.
	ExplicitHashKey    HashKey
	HasExplicitHashKey bool
	// KeyHash, when HasKeyHash, is HashPartitionKey(PartitionKey) as the
	// caller already has it: it saves hashing keys that repeat (an MD5 is
	// about 90 ns). The stream uses it instead of hashing the key and does
	// not check it: a KeyHash that is not the key's MD5 sends the record
	// to the shard of the wrong hash. ExplicitHashKey still wins when set.
	KeyHash    HashKey
	HasKeyHash bool
	// DataBytes is the size of the data blob before base64.
	DataBytes int
	// Ref is kept with the record for readers (KeepRecords only).
	Ref Ref
}

// Size is the bytes the record counts for: data plus partition key.
func (e *PutEntry) Size() int64 { return int64(e.DataBytes) + int64(len(e.PartitionKey)) }

// hashKey is the hash key that decides the record's shard: the explicit
// one, else the caller's KeyHash, else the key's MD5.
func (e *PutEntry) hashKey() HashKey {
	switch {
	case e.HasExplicitHashKey:
		return e.ExplicitHashKey
	case e.HasKeyHash:
		return e.KeyHash
	}
	return HashPartitionKey(e.PartitionKey)
}

// PutResult is the outcome of one record, in request order.
type PutResult struct {
	// Shard is the index in AllShards of the shard the record maps to,
	// for accepted and throttled records alike; ShardID is its id.
	Shard   int
	ShardID string
	// Seq is the record's sequence number within its shard (accepted
	// records only); it increases with every record the shard accepts,
	// from 1.
	Seq uint64
	// ErrorCode is "" for an accepted record, else ErrThroughputExceeded;
	// ErrorMessage is then AWS's message for it.
	ErrorCode, ErrorMessage string
	// Limit is the bucket that throttled the record.
	Limit Limit
}

// APIError is a request-level failure, named as the Kinesis API names it.
type APIError struct {
	Code, Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the API error code, as smithy-go's APIError does.
func (e *APIError) ErrorCode() string { return e.Code }

func apiErrorf(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// shard is one shard. info (but for ID, fixed), children and the od
// split streak in onDemandSplits change only under the stream's topology
// lock for writing. The buckets, seq, log and od's per-record counts are
// guarded by mu, taken while holding the topology lock for reading; under
// the write lock nobody holds mu, so it is not needed there.
type shard struct {
	// The fields each put touches come first, to share cache lines: with
	// thousands of shards, a put's cost is mostly cache misses.
	mu          sync.Mutex
	seq         uint64
	records     tokenBucket
	bytes       tokenBucket
	info        ShardInfo
	large       tokenBucket
	throttleMsg string
	children    []int

	// log holds the accepted records still kept, log[i] having sequence
	// number logBase+i (KeepRecords only).
	log     []logRecord
	logBase uint64

	// readCalls and readBytes meter GetRecords on this shard, shared by
	// every polling consumer.
	readCalls, readBytes tokenBucket

	// ondemand tracks the shard's incoming bytes for the split rule.
	od shardRate
}

type logRecord struct {
	atNs int64
	size int64
	key  string
	ref  Ref
}

// Stream is a Kinesis data stream: shards with write throttling,
// resharding, on-demand scaling, retention and readers. It is safe for
// concurrent use. Times passed in must not go backwards by more than the
// callers' races; each call first applies what has become due by its time
// (a resharding that finished, records past retention, an on-demand split).
//
// Puts and reads take no lock for the whole stream (issue: "no global lock
// on the per-record path"): they hold topo for reading, which only the
// rare changes of topology wait for, and lock each shard they touch. The
// records of one PutRecords call are judged in request order; records of
// concurrent calls interleave on different shards, as on AWS.
type Stream struct {
	cfg   StreamConfig
	epoch time.Time

	// topo guards what puts and reads look up, for reading, and changes
	// of it, for writing: the shards slice and each shard's info and
	// children, open, starts, pending, updates, switches, od (the pointer,
	// the split check and the mode), consumers and nextExpiryNs. Lock
	// order: topo, then a shard's mu, then od.mu.
	topo sync.RWMutex
	// nextDueNs is the stream time at which advance next has something to
	// do, so that a call can skip the write lock until then.
	nextDueNs atomic.Int64
	// shards holds every shard ever made, by index (ids are
	// ShardID(index)); open lists the open ones in hash key order, and
	// starts their starting hash keys for the binary search.
	shards []*shard
	open   []int
	starts []HashKey
	// first narrows the search: first[b] is the position in starts of the
	// shard holding hash key b<<(64-startTableBits) (upper half), and
	// first[len-1] the last position.
	first []int32

	pending *reshard
	// updates and switches are the times of UpdateShardCount calls and
	// capacity mode switches in the last 24 h.
	updates, switches []int64

	od           *onDemand
	consumers    map[string]*consumer
	nextExpiryNs int64
}

// NewStream creates a stream whose shards split the hash space evenly, as
// CreateStream does. Its buckets start empty at now and fill at the shard
// limits, so an idle shard builds up to BurstSeconds of burst; a new
// stream's first second takes the per-second limit (plus one record).
func NewStream(cfg StreamConfig, now time.Time) (*Stream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("stream %q: %w", cfg.Name, err)
	}
	c := cfg.withDefaults()
	s := &Stream{cfg: c, epoch: now}
	for _, r := range EvenRanges(c.Shards) {
		s.open = append(s.open, s.addShard(r, nil, 0))
	}
	s.reindex()
	if c.Mode == OnDemand {
		s.od = newOnDemand(&s.cfg)
	}
	s.setDue()
	return s, nil
}

// addShard appends a new open shard and returns its index.
func (s *Stream) addShard(r HashKeyRange, parents []string, nowNs int64) int {
	c := &s.cfg
	i := len(s.shards)
	id := ShardID(i)
	sh := &shard{
		info:        ShardInfo{ID: id, Range: r, Parents: parents, Opened: s.epoch.Add(time.Duration(nowNs))},
		throttleMsg: "Rate exceeded for shard " + id + " in stream " + c.Name,
		records:     newTokenBucket(c.ShardRecordsPerSec, c.ShardRecordsPerSec*c.BurstSeconds, nowNs),
		bytes:       newTokenBucket(c.ShardBytesPerSec, c.ShardBytesPerSec*c.BurstSeconds, nowNs),
		large:       fullTokenBucket(c.ShardBytesPerSec, c.LargeRecordBurstBytes, nowNs),
		readCalls:   fullTokenBucket(ShardReadCallsPerSec, ShardReadCallsPerSec, nowNs),
		// No burst for read bytes: a 10 MiB answer leaves 10 MiB of debt,
		// five seconds at 2 MiB/s, the documented penalty (API).
		readBytes: newTokenBucket(ShardReadBytesPerSec, 0, nowNs),
		od:        shardRate{hotSinceNs: -1},
	}
	if parents != nil {
		// A shard made by resharding starts with full buckets: AWS does not
		// say, and capacity that vanished for the first second after every
		// split would show up as throttling that the resharding caused.
		sh.records.tokens, sh.bytes.tokens = sh.records.capacity, sh.bytes.capacity
	}
	s.shards = append(s.shards, sh)
	return i
}

// reindex rebuilds starts and first from open, which must be in hash key
// order.
func (s *Stream) reindex() {
	s.starts = s.starts[:0]
	for _, i := range s.open {
		s.starts = append(s.starts, s.shards[i].info.Range.Start)
	}
	s.indexStarts()
}

// indexStarts rebuilds first from starts.
func (s *Stream) indexStarts() {
	if s.first == nil {
		s.first = make([]int32, 1<<startTableBits+1)
	}
	for b := range 1 << startTableBits {
		s.first[b] = int32(shardIndex(s.starts, HashKey{Hi: uint64(b) << (64 - startTableBits)}))
	}
	s.first[1<<startTableBits] = int32(len(s.starts) - 1)
}

// startTableBits is how many top bits of a hash key index first: 4,096
// entries (16 KiB), about one shard each at the shard counts where the
// search matters.
const startTableBits = 12

// lookup returns the position in open of the shard whose range holds h:
// shardIndex(s.starts, h), searching only between the positions that
// first gives for h's top bits. Callers hold topo.
func (s *Stream) lookup(h HashKey) int {
	b := h.Hi >> (64 - startTableBits)
	lo, hi := int(s.first[b]), int(s.first[b+1])
	// starts[lo] ≤ h, and no start after starts[hi] is.
	return lo + 1 + shardIndex(s.starts[lo+1:hi+1], h)
}

// lockAt takes the topology lock for writing and applies what is due by
// nowNs. unlock releases it.
func (s *Stream) lockAt(nowNs int64) {
	s.topo.Lock()
	s.advance(nowNs)
}

// unlock notes when advance next has work and releases the write lock.
func (s *Stream) unlock() {
	s.setDue()
	s.topo.Unlock()
}

// rlockAt takes the topology lock for reading with nothing due by nowNs,
// applying what is due under the write lock first. Release it with
// topo.RUnlock.
func (s *Stream) rlockAt(nowNs int64) {
	for {
		if nowNs >= s.nextDueNs.Load() {
			s.lockAt(nowNs)
			s.unlock()
		}
		s.topo.RLock()
		// A resharding may have been asked for in between.
		if nowNs < s.nextDueNs.Load() {
			return
		}
		s.topo.RUnlock()
	}
}

// setDue sets nextDueNs to the first stream time at which advance has
// something to do. Callers hold topo for writing.
func (s *Stream) setDue() {
	// expire starts once a record can be past retention, then runs once a
	// second.
	due := max(s.nextExpiryNs, int64(s.cfg.Retention)+1)
	if p := s.pending; p != nil {
		due = min(due, p.doneNs)
	}
	if s.od != nil {
		due = min(due, s.od.nextSplitCheckNs)
	}
	s.nextDueNs.Store(due)
}

// ShardID formats a shard id as Kinesis does.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// Config returns the stream's settings with defaults filled in.
func (s *Stream) Config() StreamConfig {
	s.topo.RLock()
	defer s.topo.RUnlock()
	return s.cfg
}

func (s *Stream) ns(now time.Time) int64 { return int64(now.Sub(s.epoch)) }

// Shards lists the open shards in hash key order.
func (s *Stream) Shards() []ShardInfo {
	s.topo.RLock()
	defer s.topo.RUnlock()
	out := make([]ShardInfo, len(s.open))
	for k, i := range s.open {
		out[k] = s.shards[i].info
	}
	return out
}

// AllShards lists every shard the stream has had, by index (PutResult.Shard),
// as of now: open, closed and expired.
func (s *Stream) AllShards(now time.Time) []ShardInfo {
	s.rlockAt(s.ns(now))
	defer s.topo.RUnlock()
	out := make([]ShardInfo, len(s.shards))
	for i := range s.shards {
		out[i] = s.shards[i].info
	}
	return out
}

// ShardFor returns the index of the open shard whose range holds h.
func (s *Stream) ShardFor(h HashKey) int {
	s.topo.RLock()
	defer s.topo.RUnlock()
	return s.open[s.lookup(h)]
}

// shardIndex finds the last start ≤ h, or -1 if there is none. Over all
// the starts the answer always exists: the ranges cover the whole space,
// so the first start is 0. It is sort.Search written out: without the
// call per step it takes half the time.
func shardIndex(starts []HashKey, h HashKey) int {
	lo, hi := 0, len(starts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.Less(starts[m]) {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo - 1
}

// PutRecords applies a PutRecords call at time now: each record is checked
// against its shard's record and byte buckets (and an on-demand stream's
// capacity) in request order and either accepted, when no bucket is in
// debt (taking one record and its size in bytes), or throttled on its own,
// as the API does. out must have len(entries) elements. A request that
// breaks a request limit fails whole with an *APIError and changes
// nothing.
func (s *Stream) PutRecords(now time.Time, entries []PutEntry, out []PutResult) error {
	if err := s.checkRequest(entries, out); err != nil {
		return err
	}
	var hashes [MaxRecordsPerPutRecords]HashKey
	s.putAll(s.ns(now), entries, hashAll(entries, hashes[:len(entries)]), out, false)
	return nil
}

// PutRecord applies a PutRecord call: one record whose size is rounded up
// to the next KiB for throttling (TSP).
func (s *Stream) PutRecord(now time.Time, e PutEntry) (PutResult, error) {
	entries, out := []PutEntry{e}, make([]PutResult, 1)
	if err := s.checkRequest(entries, out); err != nil {
		return PutResult{}, err
	}
	var hashes [1]HashKey
	s.putAll(s.ns(now), entries, hashAll(entries, hashes[:]), out, true)
	return out[0], nil
}

// hashAll fills hashes with the entries' hash keys, outside any lock.
func hashAll(entries []PutEntry, hashes []HashKey) []HashKey {
	for i := range entries {
		hashes[i] = entries[i].hashKey()
	}
	return hashes
}

// putAll takes checked records in request order, holding the topology for
// reading and each shard's lock over a run of records that map to it.
// roundKiB rounds sizes up to the next KiB for throttling (PutRecord).
func (s *Stream) putAll(nowNs int64, entries []PutEntry, hashes []HashKey, out []PutResult, roundKiB bool) {
	s.rlockAt(nowNs)
	defer s.topo.RUnlock()
	var cur *shard
	for i := range entries {
		e := &entries[i]
		idx := s.open[s.lookup(hashes[i])]
		if sh := s.shards[idx]; sh != cur {
			if cur != nil {
				cur.mu.Unlock()
			}
			sh.mu.Lock()
			cur = sh
		}
		size := e.Size()
		if roundKiB {
			size = (size + 1023) / 1024 * 1024
		}
		out[i] = s.put(nowNs, idx, cur, e, size)
	}
	if cur != nil {
		cur.mu.Unlock()
	}
}

// put takes one checked record into shard idx, sh; size is what it counts
// for throttling. Callers hold topo for reading and sh.mu.
func (s *Stream) put(nowNs int64, idx int, sh *shard, e *PutEntry, size int64) PutResult {
	sh.records.refill(nowNs)
	sh.bytes.refill(nowNs)
	fsize := float64(size)
	large := size > DefaultMaxRecordSizeBytes
	if large {
		sh.large.refill(nowNs)
	}
	limit := LimitNone
	switch {
	case !sh.records.ok():
		limit = LimitRecords
	case !sh.bytes.ok(), large && sh.large.tokens < fsize:
		limit = LimitBytes
	case s.od != nil && !s.od.admit(nowNs, fsize):
		limit = LimitStream
	}
	if limit != LimitNone {
		return PutResult{Shard: idx, ShardID: sh.info.ID, ErrorCode: ErrThroughputExceeded, ErrorMessage: sh.throttleMsg, Limit: limit}
	}
	sh.records.take(1)
	sh.bytes.take(fsize)
	if large {
		sh.large.take(fsize)
	}
	sh.seq++
	if s.cfg.KeepRecords {
		sh.log = append(sh.log, logRecord{atNs: nowNs, size: size, key: e.PartitionKey, ref: e.Ref})
		if len(sh.log) == 1 {
			sh.logBase = sh.seq
		}
	}
	if s.od != nil {
		sh.od.add(nowNs, fsize)
	}
	return PutResult{Shard: idx, ShardID: sh.info.ID, Seq: sh.seq}
}

func (s *Stream) checkRequest(entries []PutEntry, out []PutResult) error {
	if len(out) != len(entries) {
		panic("model: PutRecords needs one result slot per entry")
	}
	if len(entries) == 0 || len(entries) > MaxRecordsPerPutRecords {
		return &APIError{Code: ErrValidation, Message: fmt.Sprintf(
			"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and %d (got %d)",
			MaxRecordsPerPutRecords, len(entries))}
	}
	var total int64
	for i := range entries {
		e := &entries[i]
		// A key of at most 256 bytes has at most 256 characters: count
		// runes only for longer keys.
		if n := len(e.PartitionKey); n < 1 || (n > MaxPartitionKeyChars && utf8.RuneCountInString(e.PartitionKey) > MaxPartitionKeyChars) {
			n = utf8.RuneCountInString(e.PartitionKey)
			return &APIError{Code: ErrValidation, Message: fmt.Sprintf(
				"record %d: partition key of %d characters is outside 1–%d", i, n, MaxPartitionKeyChars)}
		}
		if sz := e.Size(); sz > s.cfg.MaxRecordSizeBytes {
			return &APIError{Code: ErrValidation, Message: fmt.Sprintf(
				"record %d: %d bytes (data plus partition key) is above the stream's maximum record size of %d bytes",
				i, sz, s.cfg.MaxRecordSizeBytes)}
		}
		total += e.Size()
	}
	if total > s.cfg.PutRecordsMaxBytes {
		return &APIError{Code: ErrInvalidArgument, Message: fmt.Sprintf(
			"request of %d bytes is above the PutRecords limit of %d bytes", total, s.cfg.PutRecordsMaxBytes)}
	}
	return nil
}

// advance applies what is due by nowNs: a finished resharding, on-demand
// splits, records and shards past retention. Callers hold topo for
// writing, and call setDue (unlock does) once done.
func (s *Stream) advance(nowNs int64) {
	if p := s.pending; p != nil && nowNs >= p.doneNs {
		s.pending = nil
		s.apply(p)
	}
	if s.od != nil {
		s.onDemandSplits(nowNs)
	}
	s.expire(nowNs)
}

// expire drops records past retention from the shards' logs and marks
// closed shards whose last record has passed retention as expired.
func (s *Stream) expire(nowNs int64) {
	cutoff := nowNs - int64(s.cfg.Retention)
	if cutoff <= 0 || nowNs < s.nextExpiryNs {
		return
	}
	// Retention is at least a day: checking once a second of stream time
	// keeps this off the per-call path.
	s.nextExpiryNs = nowNs + int64(time.Second)
	for _, sh := range s.shards {
		if sh.info.State == ShardExpired {
			continue
		}
		n := 0
		for n < len(sh.log) && sh.log[n].atNs < cutoff {
			n++
		}
		sh.dropLog(n)
		if sh.info.State == ShardClosed && int64(sh.info.Closed.Sub(s.epoch)) < cutoff {
			sh.info.State = ShardExpired
			sh.log = nil
		}
	}
}

// dropLog forgets the first n kept records, compacting the slice once
// half of it is dead so that memory follows what readers still need.
func (sh *shard) dropLog(n int) {
	if n <= 0 {
		return
	}
	sh.logBase += uint64(n)
	sh.log = sh.log[n:]
	if len(sh.log) == 0 {
		sh.log = sh.log[:0:0]
	} else if cap(sh.log) > 1024 && len(sh.log) < cap(sh.log)/4 {
		sh.log = append([]logRecord(nil), sh.log...)
	}
}

// Status is the stream's status at now: "ACTIVE", or "UPDATING" while a
// resharding runs.
func (s *Stream) Status(now time.Time) string {
	s.rlockAt(s.ns(now))
	defer s.topo.RUnlock()
	if s.pending != nil {
		return "UPDATING"
	}
	return "ACTIVE"
}
