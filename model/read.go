package model

import (
	"sort"
	"time"
)

// IteratorType is where a shard iterator or subscription starts (API
// ShardIteratorType).
type IteratorType uint8

// Iterator types.
const (
	// TrimHorizon starts at the oldest record still retained.
	TrimHorizon IteratorType = iota
	// Latest starts after the newest record: only records written later.
	Latest
	// AtSequenceNumber and AfterSequenceNumber start at or after a
	// sequence number of the shard.
	AtSequenceNumber
	AfterSequenceNumber
	// AtTimestamp starts at the first record written at or after a time.
	AtTimestamp
)

var iteratorTypeNames = [...]string{"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"}

func (t IteratorType) String() string {
	if int(t) < len(iteratorTypeNames) {
		return iteratorTypeNames[t]
	}
	return "UNKNOWN"
}

// StartingPosition says where reading starts: Type, with Seq for the
// sequence number types and At for AtTimestamp.
type StartingPosition struct {
	Type IteratorType
	Seq  uint64
	At   time.Time
}

// ShardIterator is a position in a shard, valid for IteratorLifetime after
// it was issued. The zero value is no iterator: GetRecords returns it at
// the end of a closed shard.
type ShardIterator struct {
	shard    int
	next     uint64
	issuedNs int64
	valid    bool
}

// Valid reports whether it is an iterator (false at the end of a closed
// shard).
func (it ShardIterator) Valid() bool { return it.valid }

// ReadRecord is one record as a reader gets it.
type ReadRecord struct {
	// Seq is the record's sequence number in its shard.
	Seq uint64
	// Arrival is when the stream accepted it
	// (ApproximateArrivalTimestamp).
	Arrival      time.Time
	SizeBytes    int64
	PartitionKey string
	Ref          Ref
}

// GetRecordsOutput is one GetRecords answer.
type GetRecordsOutput struct {
	// Records holds what was read, appended to the caller's buffer.
	Records []ReadRecord
	// Next is where the next call reads; not Valid at the end of a closed
	// shard, which is when ChildShards lists the shards to read next.
	Next        ShardIterator
	ChildShards []string
	// MillisBehindLatest is how far the next unread record is behind now,
	// in milliseconds; 0 when the reader has caught up.
	MillisBehindLatest int64
}

// GetShardIterator returns an iterator for the shard (API GetShardIterator).
// An expired shard, or one that does not exist, is ResourceNotFound.
func (s *Stream) GetShardIterator(now time.Time, shardID string, pos StartingPosition) (ShardIterator, error) {
	nowNs := s.ns(now)
	s.rlockAt(nowNs)
	defer s.topo.RUnlock()
	i, err := s.shardByID(shardID)
	if err != nil {
		return ShardIterator{}, err
	}
	sh := s.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	next, err := s.position(sh, pos)
	if err != nil {
		return ShardIterator{}, err
	}
	return ShardIterator{shard: i, next: next, issuedNs: nowNs, valid: true}, nil
}

// position resolves a starting position to the next sequence number to
// read in sh, which must be readable. Callers hold topo for reading and
// sh.mu, or topo for writing.
func (s *Stream) position(sh *shard, pos StartingPosition) (uint64, error) {
	shardID := sh.info.ID
	if sh.info.State == ShardExpired {
		return 0, apiErrorf(ErrResourceNotFound, "shard %s of stream %s has expired", shardID, s.cfg.Name)
	}
	switch pos.Type {
	case TrimHorizon:
		return sh.oldest(), nil
	case Latest:
		return sh.seq + 1, nil
	case AtSequenceNumber, AfterSequenceNumber:
		if pos.Seq < 1 || pos.Seq > sh.seq {
			return 0, apiErrorf(ErrInvalidArgument, "sequence number %d is not in shard %s (1–%d)", pos.Seq, shardID, sh.seq)
		}
		next := pos.Seq
		if pos.Type == AfterSequenceNumber {
			next++
		}
		return max(next, sh.oldest()), nil
	case AtTimestamp:
		atNs := s.ns(pos.At)
		k := sort.Search(len(sh.log), func(k int) bool { return sh.log[k].atNs >= atNs })
		return max(sh.logBase+uint64(k), sh.oldest()), nil
	}
	return 0, apiErrorf(ErrInvalidArgument, "unknown ShardIteratorType %d", pos.Type)
}

// oldest is the sequence number of the oldest retained record, or the next
// one to be written when none is kept.
func (sh *shard) oldest() uint64 {
	if len(sh.log) == 0 {
		return sh.seq + 1
	}
	return sh.logBase
}

// GetRecords reads from it at now (API GetRecords): at most limit records
// (0 means GetRecordsMaxRecords) and GetRecordsMaxBytes, of those written
// at least PollingPropagation ago. The shard's ShardReadCallsPerSec and
// ShardReadBytesPerSec are shared by every caller; a call while either is
// used up returns ErrThroughputExceeded and no data. A 10 MiB answer thus
// blocks the shard's readers for five seconds. Records are appended to buf.
func (s *Stream) GetRecords(now time.Time, it ShardIterator, limit int, buf []ReadRecord) (GetRecordsOutput, error) {
	if !it.valid {
		return GetRecordsOutput{}, apiErrorf(ErrInvalidArgument, "no shard iterator")
	}
	switch {
	case limit == 0:
		limit = GetRecordsMaxRecords
	case limit < 0 || limit > GetRecordsMaxRecords:
		return GetRecordsOutput{}, apiErrorf(ErrInvalidArgument, "Limit %d is outside 1–%d", limit, GetRecordsMaxRecords)
	}
	nowNs := s.ns(now)
	s.rlockAt(nowNs)
	defer s.topo.RUnlock()
	if nowNs-it.issuedNs > int64(IteratorLifetime) {
		return GetRecordsOutput{}, apiErrorf(ErrExpiredIterator, "iterator issued %v ago has expired", time.Duration(nowNs-it.issuedNs).Round(time.Second))
	}
	sh := s.shards[it.shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.info.State == ShardExpired {
		return GetRecordsOutput{}, apiErrorf(ErrResourceNotFound, "shard %s of stream %s has expired", sh.info.ID, s.cfg.Name)
	}
	sh.readCalls.refill(nowNs)
	sh.readBytes.refill(nowNs)
	if sh.readCalls.tokens < 1 || !sh.readBytes.ok() {
		return GetRecordsOutput{}, apiErrorf(ErrThroughputExceeded, "Rate exceeded for shard %s in stream %s", sh.info.ID, s.cfg.Name)
	}
	sh.readCalls.take(1)
	out, bytes := s.collect(sh, it.next, nowNs-int64(s.cfg.PollingPropagation), limit, GetRecordsMaxBytes, buf)
	sh.readBytes.take(float64(bytes))
	next := it.next
	if n := len(out.Records) - len(buf); n > 0 {
		next = out.Records[len(out.Records)-1].Seq + 1
	}
	next = max(next, sh.oldest())
	s.finish(sh, &out, next, nowNs)
	if out.Next.valid {
		out.Next = ShardIterator{shard: it.shard, next: next, issuedNs: nowNs, valid: true}
	}
	return out, nil
}

// collect appends the records of sh from seq next that arrived by
// visibleNs, up to limit records and maxBytes bytes, to buf. Callers hold
// topo for reading and sh.mu.
func (s *Stream) collect(sh *shard, next uint64, visibleNs int64, limit int, maxBytes int64, buf []ReadRecord) (GetRecordsOutput, int64) {
	out := GetRecordsOutput{Records: buf}
	var bytes int64
	k := 0
	if next > sh.logBase {
		k = int(next - sh.logBase)
	}
	for n := 0; k < len(sh.log) && n < limit; k, n = k+1, n+1 {
		r := &sh.log[k]
		if r.atNs > visibleNs || bytes+r.size > maxBytes {
			break
		}
		bytes += r.size
		out.Records = append(out.Records, ReadRecord{
			Seq: sh.logBase + uint64(k), Arrival: s.epoch.Add(time.Duration(r.atNs)),
			SizeBytes: r.size, PartitionKey: r.key, Ref: r.ref,
		})
	}
	return out, bytes
}

// finish fills in what follows a read that stops before next: the lag, and
// at the end of a closed shard the children instead of a next position.
// Callers hold topo for reading and sh.mu.
func (s *Stream) finish(sh *shard, out *GetRecordsOutput, next uint64, nowNs int64) {
	out.Next.valid = true
	if next <= sh.seq {
		if k := int(next - sh.logBase); next >= sh.logBase && k < len(sh.log) {
			out.MillisBehindLatest = max(0, (nowNs-sh.log[k].atNs)/int64(time.Millisecond))
		}
		return
	}
	if sh.info.State != ShardOpen {
		out.Next.valid = false
		for _, c := range sh.children {
			out.ChildShards = append(out.ChildShards, s.shards[c].info.ID)
		}
	}
}

// Trim tells the stream that no reader needs the records of the shard
// below seq, so it may forget them before retention does. A simulated run
// calls it once all its consumers have read past them; it keeps memory to
// what readers still need.
func (s *Stream) Trim(shardID string, seq uint64) {
	s.topo.RLock()
	defer s.topo.RUnlock()
	i, err := s.shardByID(shardID)
	if err != nil {
		return
	}
	sh := s.shards[i]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if seq > sh.logBase {
		sh.dropLog(min(int(seq-sh.logBase), len(sh.log)))
	}
}
