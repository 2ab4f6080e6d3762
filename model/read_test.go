package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const mib = 1 << 20

// mustPut writes one record with PutRecords and fails unless it is accepted.
func mustPut(t *testing.T, s *Stream, at time.Time, e PutEntry) PutResult {
	t.Helper()
	out := make([]PutResult, 1)
	if err := s.PutRecords(at, []PutEntry{e}, out); err != nil {
		t.Fatal(err)
	}
	if out[0].ErrorCode != "" {
		t.Fatalf("write at %v throttled on %v", at.Sub(epoch), out[0].Limit)
	}
	return out[0]
}

// mustIter gets a shard iterator or fails.
func mustIter(t *testing.T, s *Stream, at time.Time, shardID string, pos StartingPosition) ShardIterator {
	t.Helper()
	it, err := s.GetShardIterator(at, shardID, pos)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// seqs lists the sequence numbers of rs.
func seqs(rs []ReadRecord) []uint64 {
	out := []uint64{}
	for _, r := range rs {
		out = append(out, r.Seq)
	}
	return out
}

// oneShardWithRecords is a 1-shard stream keeping records, with five
// records written at t0+1s … t0+5s: sequence numbers 1–5, Ref.IDs 1–5.
func oneShardWithRecords(t *testing.T, cfg StreamConfig) *Stream {
	t.Helper()
	cfg.Name, cfg.Shards, cfg.KeepRecords = "read", 1, true
	s := newTestStream(t, cfg)
	for i := 1; i <= 5; i++ {
		mustPut(t, s, epoch.Add(time.Duration(i)*time.Second), PutEntry{PartitionKey: "k", DataBytes: 99, Ref: Ref{ID: uint64(i)}})
	}
	return s
}

// Every ShardIteratorType starts where the API says.
func TestShardIteratorPositions(t *testing.T) {
	t0 := epoch
	at := t0.Add(10 * time.Second)
	tests := []struct {
		pos  StartingPosition
		want []uint64
	}{
		{StartingPosition{Type: TrimHorizon}, []uint64{1, 2, 3, 4, 5}},
		{StartingPosition{Type: Latest}, []uint64{}},
		{StartingPosition{Type: AtSequenceNumber, Seq: 3}, []uint64{3, 4, 5}},
		{StartingPosition{Type: AtSequenceNumber, Seq: 1}, []uint64{1, 2, 3, 4, 5}},
		{StartingPosition{Type: AfterSequenceNumber, Seq: 3}, []uint64{4, 5}},
		{StartingPosition{Type: AfterSequenceNumber, Seq: 5}, []uint64{}},
		{StartingPosition{Type: AtTimestamp, At: t0.Add(3 * time.Second)}, []uint64{3, 4, 5}},
		{StartingPosition{Type: AtTimestamp, At: t0.Add(2500 * time.Millisecond)}, []uint64{3, 4, 5}},
		{StartingPosition{Type: AtTimestamp, At: t0}, []uint64{1, 2, 3, 4, 5}},
		{StartingPosition{Type: AtTimestamp, At: t0.Add(6 * time.Second)}, []uint64{}},
	}
	for _, tt := range tests {
		s := oneShardWithRecords(t, StreamConfig{})
		it := mustIter(t, s, at, ShardID(0), tt.pos)
		out, err := s.GetRecords(at, it, 0, nil)
		if err != nil {
			t.Fatalf("%v: %v", tt.pos.Type, err)
		}
		if got := seqs(out.Records); !slices.Equal(got, tt.want) {
			t.Errorf("%v %d %v: read %v, want %v", tt.pos.Type, tt.pos.Seq, tt.pos.At.Sub(t0), got, tt.want)
		}
		for _, r := range out.Records {
			if r.Ref.ID != r.Seq || r.PartitionKey != "k" || r.SizeBytes != 100 || !r.Arrival.Equal(t0.Add(time.Duration(r.Seq)*time.Second)) {
				t.Errorf("record %+v, want Ref.ID = Seq, key k, 100 B, arrival t0+%ds", r, r.Seq)
			}
		}
		// A record written after the iterator was issued is read next.
		mustPut(t, s, at, PutEntry{PartitionKey: "k", DataBytes: 99, Ref: Ref{ID: 6}})
		out, err = s.GetRecords(at.Add(time.Second), out.Next, 0, nil)
		if err != nil || !slices.Equal(seqs(out.Records), []uint64{6}) {
			t.Errorf("%v: then read %v, %v; want [6]", tt.pos.Type, seqs(out.Records), err)
		}
	}
	s := oneShardWithRecords(t, StreamConfig{})
	for _, seq := range []uint64{0, 6} {
		_, err := s.GetShardIterator(at, ShardID(0), StartingPosition{Type: AtSequenceNumber, Seq: seq})
		wantCode(t, fmt.Sprintf("AT_SEQUENCE_NUMBER %d of 1–5", seq), err, ErrInvalidArgument)
	}
	_, err := s.GetShardIterator(at, ShardID(1), StartingPosition{Type: TrimHorizon})
	wantCode(t, "unknown shard", err, ErrResourceNotFound)
}

// GetRecords sees a record PollingPropagation after it was written (100 ms
// by default), not before.
func TestPollingPropagation(t *testing.T) {
	for _, tt := range []struct {
		cfg  time.Duration
		want time.Duration
	}{{0, DefaultPollingPropagation}, {time.Second, time.Second}, {-1, 0}} {
		s := newTestStream(t, StreamConfig{Name: "p", Shards: 1, KeepRecords: true, PollingPropagation: tt.cfg})
		w := epoch.Add(time.Second)
		it := mustIter(t, s, w, ShardID(0), StartingPosition{Type: Latest})
		mustPut(t, s, w, PutEntry{PartitionKey: "k", DataBytes: 1})
		if tt.want > 0 {
			out, err := s.GetRecords(w.Add(tt.want-time.Millisecond), it, 0, nil)
			if err != nil || len(out.Records) != 0 {
				t.Errorf("propagation %v: %d records %v at %v, want none", tt.want, len(out.Records), err, tt.want-time.Millisecond)
			}
			if err == nil {
				it = out.Next
				// The unread record is the lag.
				if out.MillisBehindLatest != (tt.want - time.Millisecond).Milliseconds() {
					t.Errorf("propagation %v: MillisBehindLatest %d, want %d", tt.want, out.MillisBehindLatest, (tt.want - time.Millisecond).Milliseconds())
				}
			}
		}
		out, err := s.GetRecords(w.Add(tt.want), it, 0, nil)
		if err != nil || len(out.Records) != 1 {
			t.Errorf("propagation %v: %d records %v at %v, want 1", tt.want, len(out.Records), err, tt.want)
		}
	}
}

// GetRecords takes 5 calls a second per shard (API, Q), shared by every
// reader: five calls at once pass, the sixth is throttled; the bucket then
// refills one call per 200 ms. The calls read nothing, so the byte limit
// plays no part.
func TestGetRecordsCallRate(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "r", Shards: 2, KeepRecords: true})
	at := epoch.Add(time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: Latest})
	for i := range 5 {
		_, err := s.GetRecords(at, it, 0, nil)
		wantCode(t, fmt.Sprintf("call %d", i+1), err, "")
	}
	_, err := s.GetRecords(at, it, 0, nil)
	wantCode(t, "6th call in the same second", err, ErrThroughputExceeded)
	// Another reader of the same shard shares the limit; another shard does not.
	other := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	_, err = s.GetRecords(at.Add(100*time.Millisecond), other, 0, nil)
	wantCode(t, "another reader of the shard 100 ms later (0.5 calls refilled)", err, ErrThroughputExceeded)
	_, err = s.GetRecords(at, mustIter(t, s, at, ShardID(1), StartingPosition{Type: Latest}), 0, nil)
	wantCode(t, "another shard", err, "")
	// 201 ms refill 1.005 calls: one passes, the next is throttled.
	_, err = s.GetRecords(at.Add(201*time.Millisecond), it, 0, nil)
	wantCode(t, "after 201 ms", err, "")
	_, err = s.GetRecords(at.Add(201*time.Millisecond), it, 0, nil)
	wantCode(t, "again after 201 ms", err, ErrThroughputExceeded)
	for i := range 5 {
		_, err := s.GetRecords(at.Add(2*time.Second), it, 0, nil)
		wantCode(t, fmt.Sprintf("call %d a second later", i+1), err, "")
	}
}

// A 10 MiB answer uses five seconds of the shard's 2 MiB/s: every call in
// the next 5 s is throttled (API GetRecords), and one after is allowed.
func TestLargeReadPenalty(t *testing.T) {
	for _, tt := range []struct {
		name   string
		maxRec int64
		n      int // records of size each
		size   int
	}{
		{"ten 1 MiB records", 0, 10, mib},
		{"one 10 MiB record", MaxMaxRecordSizeBytes, 1, 10 * mib},
	} {
		s := newTestStream(t, StreamConfig{Name: "r", Shards: 1, KeepRecords: true, MaxRecordSizeBytes: tt.maxRec})
		// One record each 1.5 s keeps the 1 MiB/s byte bucket out of debt
		// (a 10 MiB record goes alone, on the large-record burst).
		for i := range tt.n {
			mustPut(t, s, epoch.Add(time.Duration(i)*1500*time.Millisecond), PutEntry{PartitionKey: "k", DataBytes: tt.size - 1})
		}
		at := epoch.Add(time.Minute)
		it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
		out, err := s.GetRecords(at, it, 0, nil)
		var bytes int64
		for _, r := range out.Records {
			bytes += r.SizeBytes
		}
		if err != nil || bytes != 10*mib {
			t.Fatalf("%s: read %d B, %v; want 10 MiB", tt.name, bytes, err)
		}
		// 10 MiB of debt at 2 MiB/s is repaid at +5 s.
		second := mustIter(t, s, at, ShardID(0), StartingPosition{Type: Latest})
		for _, d := range []time.Duration{time.Millisecond, time.Second, 4 * time.Second, 5*time.Second - time.Millisecond} {
			_, err := s.GetRecords(at.Add(d), out.Next, 0, nil)
			wantCode(t, fmt.Sprintf("%s: +%v", tt.name, d), err, ErrThroughputExceeded)
			_, err = s.GetRecords(at.Add(d), second, 0, nil)
			wantCode(t, fmt.Sprintf("%s: another reader +%v", tt.name, d), err, ErrThroughputExceeded)
		}
		_, err = s.GetRecords(at.Add(5*time.Second+time.Millisecond), out.Next, 0, nil)
		wantCode(t, tt.name+": +5.001 s", err, "")
	}
}

// Limit is 1–10,000 (0 means the default), and an iterator is needed.
func TestGetRecordsLimit(t *testing.T) {
	s := oneShardWithRecords(t, StreamConfig{})
	at := epoch.Add(10 * time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	for _, limit := range []int{10001, -1} {
		_, err := s.GetRecords(at, it, limit, nil)
		wantCode(t, fmt.Sprintf("Limit %d", limit), err, ErrInvalidArgument)
	}
	_, err := s.GetRecords(at, ShardIterator{}, 0, nil)
	wantCode(t, "zero iterator", err, ErrInvalidArgument)
	out, err := s.GetRecords(at, it, 10000, nil)
	if err != nil || len(out.Records) != 5 {
		t.Errorf("Limit 10000: %d records, %v; want 5", len(out.Records), err)
	}
	out, err = s.GetRecords(at.Add(time.Second), it, 2, nil)
	if err != nil || !slices.Equal(seqs(out.Records), []uint64{1, 2}) {
		t.Errorf("Limit 2: %v, %v; want [1 2]", seqs(out.Records), err)
	}
}

// An iterator is valid for 5 minutes after it is issued (API, Q); every
// answer carries a new one.
func TestIteratorExpires(t *testing.T) {
	s := oneShardWithRecords(t, StreamConfig{})
	at := epoch.Add(10 * time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	out, err := s.GetRecords(at.Add(IteratorLifetime), it, 1, nil)
	wantCode(t, "at 5 min", err, "")
	_, err = s.GetRecords(at.Add(IteratorLifetime+time.Second), it, 0, nil)
	wantCode(t, "at 5 min 1 s", err, ErrExpiredIterator)
	got, err := s.GetRecords(at.Add(IteratorLifetime+time.Second), out.Next, 0, nil)
	if err != nil || !slices.Equal(seqs(got.Records), []uint64{2, 3, 4, 5}) {
		t.Errorf("the iterator of the answer at 5 min: %v, %v; want [2 3 4 5]", seqs(got.Records), err)
	}
}

// MillisBehindLatest is the age of the next unread record, 0 once caught up.
// Records arrived at t0+1s … t0+5s; the k-th read, one record at a time,
// is at t0+10s+(k−1) ms and leaves record k+1, which arrived at t0+(k+1) s,
// unread: (10 − k − 1) s + (k − 1) ms behind, so 8,000, 7,001, 6,002,
// 5,003, then 0.
func TestMillisBehindLatest(t *testing.T) {
	s := oneShardWithRecords(t, StreamConfig{})
	at := epoch.Add(10 * time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	for i, want := range []int64{8000, 7001, 6002, 5003, 0} {
		out, err := s.GetRecords(at, it, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.MillisBehindLatest != want {
			t.Errorf("after record %d: MillisBehindLatest %d, want %d", i+1, out.MillisBehindLatest, want)
		}
		it = out.Next
		at = at.Add(time.Millisecond) // repay the read's bytes (100 B at 2 MiB/s ≈ 48 µs)
	}
}

// At the end of a closed shard Next is no iterator and ChildShards names
// the children; records written after the split go to the children.
func TestReadClosedShardToTheEnd(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "r", Shards: 1, KeepRecords: true, SplitTime: -1})
	for i := range 3 {
		mustPut(t, s, t0.Add(time.Second), PutEntry{PartitionKey: pk(i), DataBytes: 10})
	}
	if err := s.SplitShard(t0.Add(2*time.Second), ShardID(0), HashKey{Hi: 1 << 63}); err != nil {
		t.Fatal(err)
	}
	if r := mustPut(t, s, t0.Add(2*time.Second), PutEntry{PartitionKey: "late", DataBytes: 10}); r.ShardID == ShardID(0) {
		t.Errorf("a write after the split went to the closed parent")
	}
	at := t0.Add(3 * time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	out, err := s.GetRecords(at, it, 2, nil)
	if err != nil || len(out.Records) != 2 || !out.Next.Valid() || out.ChildShards != nil {
		t.Fatalf("first 2 of 3: %d records, Next valid %v, children %v, %v; want 2, valid, none", len(out.Records), out.Next.Valid(), out.ChildShards, err)
	}
	out, err = s.GetRecords(at.Add(time.Second), out.Next, 2, nil)
	if err != nil || len(out.Records) != 1 || out.Next.Valid() {
		t.Fatalf("last record: %d records, Next valid %v, %v; want 1 and no next iterator", len(out.Records), out.Next.Valid(), err)
	}
	if got := strings.Join(out.ChildShards, ","); got != ShardID(1)+","+ShardID(2) {
		t.Errorf("ChildShards %q, want %s,%s", got, ShardID(1), ShardID(2))
	}
	_, err = s.GetRecords(at.Add(2*time.Second), out.Next, 0, nil)
	wantCode(t, "reading past the end", err, ErrInvalidArgument)
}

// Records older than Retention are gone; a closed shard whose close is older
// than Retention is EXPIRED and GetShardIterator says ResourceNotFound.
//
// Records r1 at t0+1h and r2 at t0+2h in shard 0, which is split at t0+3h
// (closing it); r3 at t0+4h in a child. Retention is 24 h, so r1 goes at
// t0+25h, r2 at t0+26h, shard 0 expires at t0+27h and r3 goes at t0+28h.
// The model applies retention once a second of stream time, so the checks
// stay half an hour off the boundaries.
func TestRetention(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "r", Shards: 1, KeepRecords: true, SplitTime: -1})
	mustPut(t, s, t0.Add(time.Hour), PutEntry{PartitionKey: "k", DataBytes: 10, Ref: Ref{ID: 1}})
	mustPut(t, s, t0.Add(2*time.Hour), PutEntry{PartitionKey: "k", DataBytes: 10, Ref: Ref{ID: 2}})
	if err := s.SplitShard(t0.Add(3*time.Hour), ShardID(0), HashKey{Hi: 1 << 63}); err != nil {
		t.Fatal(err)
	}
	child := mustPut(t, s, t0.Add(4*time.Hour), PutEntry{PartitionKey: "k", DataBytes: 10, Ref: Ref{ID: 3}}).ShardID

	refs := func(at time.Time, shardID string) ([]uint64, GetRecordsOutput, error) {
		it, err := s.GetShardIterator(at, shardID, StartingPosition{Type: TrimHorizon})
		if err != nil {
			return nil, GetRecordsOutput{}, err
		}
		out, err := s.GetRecords(at, it, 0, nil)
		ids := []uint64{}
		for _, r := range out.Records {
			ids = append(ids, r.Ref.ID)
		}
		return ids, out, err
	}
	h := func(x float64) time.Time { return t0.Add(time.Duration(x * float64(time.Hour))) }

	if ids, _, err := refs(h(24.5), ShardID(0)); err != nil || !slices.Equal(ids, []uint64{1, 2}) {
		t.Errorf("t0+24.5h: shard 0 holds %v, %v; want [1 2]", ids, err)
	}
	if ids, _, err := refs(h(25.5), ShardID(0)); err != nil || !slices.Equal(ids, []uint64{2}) {
		t.Errorf("t0+25.5h: shard 0 holds %v, %v; want [2]", ids, err)
	}
	ids, out, err := refs(h(26.5), ShardID(0))
	if err != nil || len(ids) != 0 || out.Next.Valid() || len(out.ChildShards) != 2 {
		t.Errorf("t0+26.5h: shard 0 holds %v, Next valid %v, children %v, %v; want an empty closed shard pointing to its 2 children",
			ids, out.Next.Valid(), out.ChildShards, err)
	}
	if st := s.AllShards(h(26.5))[0].State; st != ShardClosed {
		t.Errorf("t0+26.5h: shard 0 is %v, want CLOSED", st)
	}
	// An iterator issued just before the shard expires fails after.
	late := mustIter(t, s, h(27).Add(-time.Second), ShardID(0), StartingPosition{Type: TrimHorizon})
	_, err = s.GetRecords(h(27).Add(time.Minute), late, 0, nil)
	wantCode(t, "GetRecords on a shard that expired since", err, ErrResourceNotFound)
	if st := s.AllShards(h(27.5))[0].State; st != ShardExpired {
		t.Errorf("t0+27.5h: shard 0 is %v, want EXPIRED", st)
	}
	_, _, err = refs(h(27.5), ShardID(0))
	wantCode(t, "t0+27.5h: GetShardIterator on the expired shard", err, ErrResourceNotFound)
	if ids, _, err := refs(h(27.5), child); err != nil || !slices.Equal(ids, []uint64{3}) {
		t.Errorf("t0+27.5h: the child holds %v, %v; want [3]", ids, err)
	}
	if ids, _, err := refs(h(28.5), child); err != nil || len(ids) != 0 {
		t.Errorf("t0+28.5h: the child holds %v, %v; want nothing", ids, err)
	}
	if st := s.AllShards(h(28.5))[1].State; st != ShardOpen {
		t.Errorf("an open shard past retention is %v, want OPEN", st)
	}
}

// Trim forgets the records below a sequence number before retention does.
func TestTrim(t *testing.T) {
	s := oneShardWithRecords(t, StreamConfig{})
	at := epoch.Add(10 * time.Second)
	read := func(pos StartingPosition) []uint64 {
		at = at.Add(time.Second)
		out, err := s.GetRecords(at, mustIter(t, s, at, ShardID(0), pos), 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		return seqs(out.Records)
	}
	old := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	s.Trim(ShardID(0), 3)
	if got := read(StartingPosition{Type: TrimHorizon}); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Errorf("after Trim(3): TRIM_HORIZON reads %v, want [3 4 5]", got)
	}
	if got := read(StartingPosition{Type: AtSequenceNumber, Seq: 1}); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Errorf("after Trim(3): AT_SEQUENCE_NUMBER 1 reads %v, want the oldest kept on, [3 4 5]", got)
	}
	at = at.Add(time.Second)
	if out, err := s.GetRecords(at, old, 0, nil); err != nil || !slices.Equal(seqs(out.Records), []uint64{3, 4, 5}) {
		t.Errorf("an iterator from before the trim reads %v, %v; want [3 4 5]", seqs(out.Records), err)
	}
	s.Trim(ShardID(0), 2) // below what is kept: no change
	s.Trim(ShardID(9), 9) // unknown shard: ignored
	if got := read(StartingPosition{Type: TrimHorizon}); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Errorf("after Trim(2): %v, want [3 4 5]", got)
	}
	s.Trim(ShardID(0), 100)
	if got := read(StartingPosition{Type: TrimHorizon}); len(got) != 0 {
		t.Errorf("after Trim(100): %v, want nothing", got)
	}
	mustPut(t, s, at, PutEntry{PartitionKey: "k", DataBytes: 1})
	if got := read(StartingPosition{Type: TrimHorizon}); !slices.Equal(got, []uint64{6}) {
		t.Errorf("a record after trimming all: %v, want [6]", got)
	}
}

// Large records (LR, BLOG-LR): with MaxRecordSizeBytes 10 MiB a fresh shard
// accepts a 5 MiB record from its 10 MiB large-record burst, which starts
// full, though its 1 MiB/s byte bucket starts empty (it goes 5 MiB into
// debt). A second 5 MiB record right after is throttled: at the same
// instant on records (that bucket too starts empty and the first record
// took it to −1), from 10 ms on on bytes; the debt is repaid at 1 MiB/s, so
// 5 s later one is accepted again.
func TestLargeRecordWrites(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "lr", Shards: 1, MaxRecordSizeBytes: MaxMaxRecordSizeBytes})
	five := PutEntry{PartitionKey: "k", DataBytes: 5*mib - 1} // 5 MiB with the key
	for _, c := range []struct {
		at    time.Duration
		limit Limit
	}{
		{0, LimitNone},
		{0, LimitRecords}, // the records bucket also starts empty: 1 record into debt
		{10 * time.Millisecond, LimitBytes},
		{time.Second, LimitBytes},
		{5*time.Second - time.Millisecond, LimitBytes},
		{5*time.Second + time.Millisecond, LimitNone},
	} {
		r, err := s.PutRecord(epoch.Add(c.at), five)
		if err != nil || r.Limit != c.limit || (c.limit == LimitNone) != (r.ErrorCode == "") {
			t.Errorf("5 MiB at +%v: %+v, %v; want limit %q", c.at, r, err, c.limit)
		}
	}
	// Above the stream's maximum is a request error.
	_, err := s.PutRecord(epoch.Add(time.Minute), PutEntry{PartitionKey: "k", DataBytes: 10 * mib})
	wantCode(t, "10 MiB + 1 B", err, ErrValidation)
}

// PutRecord rounds each record up to the next KiB for throttling (TSP): a
// 1,025 B record counts 2,048 B. After 2 s idle the byte bucket holds its
// full second, 1,048,576 B: 1,048,576 / 2,048 = 512 records empty it
// exactly, the 513th is accepted into debt and the 514th is throttled on
// bytes. Unrounded, 1,023 records would fit, and the 1,000 records/s bucket
// would stop them first. PutRecords does not round per record.
func TestPutRecordRoundsUpToKiB(t *testing.T) {
	e := PutEntry{PartitionKey: "k", DataBytes: 1024} // 1,025 B
	s := newTestStream(t, StreamConfig{Name: "round", Shards: 1})
	at := epoch.Add(2 * time.Second)
	accepted := 0
	var last PutResult
	for range 600 {
		r, err := s.PutRecord(at, e)
		if err != nil {
			t.Fatal(err)
		}
		if r.ErrorCode != "" {
			last = r
			break
		}
		accepted++
	}
	if accepted != 513 || last.Limit != LimitBytes {
		t.Errorf("PutRecord: %d accepted, then throttled on %q; want 513, then bytes", accepted, last.Limit)
	}

	s = newTestStream(t, StreamConfig{Name: "round", Shards: 1})
	out := make([]PutResult, 500)
	entries := slices.Repeat([]PutEntry{e}, 500)
	accepted = 0
	for range 3 {
		if err := s.PutRecords(at, entries, out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			if r.ErrorCode == "" {
				accepted++
			} else {
				last = r
			}
		}
	}
	// 1,000 records of 1,025 B = 1,025,000 B < 1,048,576 B: the records
	// bucket (1,000 + 1 into debt) binds, not bytes.
	if accepted != 1001 || last.Limit != LimitRecords {
		t.Errorf("PutRecords: %d accepted, then throttled on %q; want 1,001, then records", accepted, last.Limit)
	}
}
