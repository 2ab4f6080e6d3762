package model

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
	"unicode/utf8"
)

// StreamConfig describes a provisioned stream. Zero fields take the
// documented defaults.
type StreamConfig struct {
	// Name of the stream, used in error messages.
	Name string
	// Shards is the number of open shards, 1–MaxShardsPerStream.
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
}

func (c *StreamConfig) withDefaults() StreamConfig {
	d := *c
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
	return d
}

// Validate reports the first setting that is out of range.
func (c *StreamConfig) Validate() error {
	switch {
	case c.Shards < 1 || c.Shards > MaxShardsPerStream:
		return fmt.Errorf("shards: %d is outside 1–%d", c.Shards, MaxShardsPerStream)
	case c.MaxRecordSizeBytes != 0 && (c.MaxRecordSizeBytes < DefaultMaxRecordSizeBytes || c.MaxRecordSizeBytes > MaxMaxRecordSizeBytes):
		return fmt.Errorf("max record size: %d bytes is outside 1 MiB–10 MiB", c.MaxRecordSizeBytes)
	case c.PutRecordsMaxBytes < 0, c.ShardRecordsPerSec < 0, c.ShardBytesPerSec < 0, c.BurstSeconds < 0:
		return errors.New("limits must not be negative")
	}
	return nil
}

// ShardInfo describes one shard.
type ShardInfo struct {
	// ID is the shard id as Kinesis writes it: shardId-000000000000.
	ID    string
	Range HashKeyRange
}

// Limit names the shard limit that throttled a record.
type Limit uint8

// Limits a record can be throttled on.
const (
	LimitNone Limit = iota
	LimitRecords
	LimitBytes
)

func (l Limit) String() string {
	switch l {
	case LimitRecords:
		return "records"
	case LimitBytes:
		return "bytes"
	}
	return ""
}

// PutEntry is one record of a put request. Only sizes matter to the model.
type PutEntry struct {
	// PartitionKey decides the shard unless ExplicitHashKey is set; its
	// UTF-8 bytes count towards the record's size.
	PartitionKey string
	// ExplicitHashKey, when HasExplicitHashKey, replaces the key's MD5.
	ExplicitHashKey    HashKey
	HasExplicitHashKey bool
	// DataBytes is the size of the data blob before base64.
	DataBytes int
}

// Size is the bytes the record counts for: data plus partition key.
func (e *PutEntry) Size() int64 { return int64(e.DataBytes) + int64(len(e.PartitionKey)) }

// PutResult is the outcome of one record, in request order.
type PutResult struct {
	// Shard is the index in Stream.Shards of the shard the record maps to,
	// for accepted and throttled records alike.
	Shard int
	// Seq is the record's sequence number within its shard (accepted
	// records only); it increases with every record the shard accepts.
	Seq uint64
	// ErrorCode is "" for an accepted record, else ErrThroughputExceeded.
	ErrorCode string
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

type shard struct {
	info    ShardInfo
	records tokenBucket
	bytes   tokenBucket
	seq     uint64
}

// Stream is a provisioned Kinesis data stream with per-shard write
// throttling. It is safe for concurrent use. Times passed in must not go
// backwards by more than the callers' races.
type Stream struct {
	cfg   StreamConfig
	epoch time.Time

	mu     sync.Mutex
	shards []shard
	// starts holds each shard's starting hash key, ascending, for the
	// binary search from hash key to shard.
	starts []HashKey
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
	ranges := EvenRanges(c.Shards)
	s.shards = make([]shard, len(ranges))
	s.starts = make([]HashKey, len(ranges))
	byteCap := c.ShardBytesPerSec * c.BurstSeconds
	for i, r := range ranges {
		s.shards[i] = shard{
			info:    ShardInfo{ID: ShardID(i), Range: r},
			records: newTokenBucket(c.ShardRecordsPerSec, c.ShardRecordsPerSec*c.BurstSeconds, 0),
			bytes:   newTokenBucket(c.ShardBytesPerSec, byteCap, 0),
		}
		s.starts[i] = r.Start
	}
	return s, nil
}

// ShardID formats a shard id as Kinesis does.
func ShardID(i int) string { return fmt.Sprintf("shardId-%012d", i) }

// Config returns the stream's settings with defaults filled in.
func (s *Stream) Config() StreamConfig { return s.cfg }

// Shards lists the open shards in hash key order.
func (s *Stream) Shards() []ShardInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ShardInfo, len(s.shards))
	for i := range s.shards {
		out[i] = s.shards[i].info
	}
	return out
}

// ShardFor returns the index of the open shard whose range holds h.
func (s *Stream) ShardFor(h HashKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return shardIndex(s.starts, h)
}

// shardIndex finds the last start ≤ h. The ranges cover the whole space, so
// the first start is 0 and the answer always exists.
func shardIndex(starts []HashKey, h HashKey) int {
	i := sort.Search(len(starts), func(i int) bool { return h.Less(starts[i]) })
	return i - 1
}

// PutRecords applies a PutRecords call at time now: each record is checked
// against its shard's record and byte buckets in request order and either
// accepted, when neither bucket is in debt (taking one record and its size
// in bytes), or throttled on its own, as the API does. out must have len(entries) elements. A request that
// breaks a request limit fails whole with an *APIError and changes nothing.
func (s *Stream) PutRecords(now time.Time, entries []PutEntry, out []PutResult) error {
	if err := s.checkRequest(entries, out); err != nil {
		return err
	}
	nowNs := int64(now.Sub(s.epoch))
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range entries {
		e := &entries[i]
		h := e.ExplicitHashKey
		if !e.HasExplicitHashKey {
			h = HashPartitionKey(e.PartitionKey)
		}
		idx := shardIndex(s.starts, h)
		sh := &s.shards[idx]
		sh.records.refill(nowNs)
		sh.bytes.refill(nowNs)
		size := float64(e.Size())
		switch {
		case !sh.records.ok():
			out[i] = PutResult{Shard: idx, ErrorCode: ErrThroughputExceeded, Limit: LimitRecords}
		case !sh.bytes.ok():
			out[i] = PutResult{Shard: idx, ErrorCode: ErrThroughputExceeded, Limit: LimitBytes}
		default:
			sh.records.take(1)
			sh.bytes.take(size)
			sh.seq++
			out[i] = PutResult{Shard: idx, Seq: sh.seq}
		}
	}
	return nil
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
