package model

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// mustSubscribe subscribes or fails.
func mustSubscribe(t *testing.T, s *Stream, at time.Time, consumer, shardID string, pos StartingPosition) *Subscription {
	t.Helper()
	sub, err := s.SubscribeToShard(at, consumer, shardID, pos)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// At most 20 registered consumers a stream (Q, API); names are unique.
func TestRegisterConsumerLimit(t *testing.T) {
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1})
	for i := range MaxEFOConsumersPerStream {
		wantCode(t, fmt.Sprintf("consumer %d", i+1), s.RegisterConsumer(fmt.Sprintf("c%d", i)), "")
	}
	wantCode(t, "21st consumer", s.RegisterConsumer("c20"), ErrLimitExceeded)
	wantCode(t, "deregister c3", s.DeregisterConsumer("c3"), "")
	wantCode(t, "a duplicate name", s.RegisterConsumer("c4"), ErrResourceInUse)
	wantCode(t, "20th again after a deregistration", s.RegisterConsumer("c20"), "")
	wantCode(t, "deregister an unknown consumer", s.DeregisterConsumer("nobody"), ErrResourceNotFound)
	_, err := s.SubscribeToShard(epoch, "nobody", ShardID(0), StartingPosition{Type: Latest})
	wantCode(t, "subscribe as an unknown consumer", err, ErrResourceNotFound)
	_, err = s.SubscribeToShard(epoch, "c0", ShardID(7), StartingPosition{Type: Latest})
	wantCode(t, "subscribe to an unknown shard", err, ErrResourceNotFound)
}

// Each consumer has its own 2 MiB/s per shard (API RegisterStreamConsumer,
// CONS): two consumers read the same 20 MiB backlog side by side, each in
// 20 MiB / 2 MiB/s = 10 s, with no error, while the shard's shared polling
// limit is untouched. A single shared 2 MiB/s would take 20 s.
//
// The backlog is 320 records of 64 KiB written at 8 a second (0.5 MiB/s,
// under the 1 MiB/s write limit). Subscriptions start at t0+60s; their
// buckets start empty and each Next every 100 ms pushes what 2 MiB/s has
// refilled (plus one record into debt), so after 5 s each has about 10 MiB
// and after 10 s all of it.
func TestEFOConsumersEachGetTheirOwnRate(t *testing.T) {
	t0 := epoch
	const recBytes = 64 << 10
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true})
	for i := range 320 {
		mustPut(t, s, t0.Add(time.Duration(i)*time.Second/8), PutEntry{PartitionKey: pk(i), DataBytes: recBytes - 11, Ref: Ref{ID: uint64(i + 1)}})
	}
	start := t0.Add(time.Minute)
	subs := map[string]*Subscription{}
	got := map[string][]ReadRecord{}
	for _, c := range []string{"a", "b"} {
		if err := s.RegisterConsumer(c); err != nil {
			t.Fatal(err)
		}
		subs[c] = mustSubscribe(t, s, start, c, ShardID(0), StartingPosition{Type: TrimHorizon})
	}
	finished := map[string]time.Duration{}
	for step := 1; step <= 150; step++ {
		d := time.Duration(step) * 100 * time.Millisecond
		for _, c := range []string{"a", "b"} {
			ev := subs[c].Next(start.Add(d), got[c])
			if ev.Ended {
				t.Fatalf("consumer %s: subscription ended at +%v", c, d)
			}
			got[c] = ev.Records
			if len(got[c]) == 320 && finished[c] == 0 {
				finished[c] = d
			}
		}
		if d == 5*time.Second {
			for _, c := range []string{"a", "b"} {
				// 2 MiB/s × 5 s = 10 MiB = 160 records, + 1 into debt.
				if n := len(got[c]); n < 159 || n > 161 {
					t.Errorf("consumer %s after 5 s: %d records (%d KiB), want about 160 (10 MiB)", c, n, n*64)
				}
			}
		}
	}
	for _, c := range []string{"a", "b"} {
		if f := finished[c]; f < 9800*time.Millisecond || f > 10*time.Second {
			t.Errorf("consumer %s read the 20 MiB in %v, want 10 s at 2 MiB/s", c, f)
		}
		for i, r := range got[c] {
			if r.Seq != uint64(i+1) || r.Ref.ID != uint64(i+1) {
				t.Fatalf("consumer %s: record %d is %+v, want sequence number and Ref.ID %d", c, i, r, i+1)
			}
		}
	}
	// Polling readers have their own shard-wide budget, untouched by EFO.
	at := start.Add(10 * time.Second)
	it := mustIter(t, s, at, ShardID(0), StartingPosition{Type: TrimHorizon})
	if out, err := s.GetRecords(at, it, 10, nil); err != nil || len(out.Records) != 10 {
		t.Errorf("a polling read during fan-out: %d records, %v; want 10", len(out.Records), err)
	}
}

// SubscribeToShard: one call per second per consumer and shard
// (LimitExceededException); a repeat within 5 s of a successful one is
// ResourceInUseException; from 5 s on the new one takes over and the old
// one ends (API).
func TestSubscribeRateAndTakeover(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 2, KeepRecords: true})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	if err := s.RegisterConsumer("d"); err != nil {
		t.Fatal(err)
	}
	pos := StartingPosition{Type: Latest}
	old := mustSubscribe(t, s, t0, "c", ShardID(0), pos)
	for _, c := range []struct {
		at   time.Duration
		code string
	}{
		{0, ErrLimitExceeded},
		{999 * time.Millisecond, ErrLimitExceeded},
		{time.Second, ErrResourceInUse},
		{4999 * time.Millisecond, ErrResourceInUse},
	} {
		_, err := s.SubscribeToShard(t0.Add(c.at), "c", ShardID(0), pos)
		wantCode(t, fmt.Sprintf("again at +%v", c.at), err, c.code)
	}
	// Other shards and other consumers are independent.
	mustSubscribe(t, s, t0, "c", ShardID(1), pos)
	mustSubscribe(t, s, t0, "d", ShardID(0), pos)

	if ev := old.Next(t0.Add(4999*time.Millisecond), nil); ev.Ended {
		t.Fatalf("the first subscription ended before being taken over")
	}
	newer := mustSubscribe(t, s, t0.Add(5*time.Second), "c", ShardID(0), pos)
	if ev := old.Next(t0.Add(5*time.Second), nil); !ev.Ended {
		t.Errorf("the old subscription did not end once a new one took over")
	}
	mustPut(t, s, t0.Add(6*time.Second), PutEntry{PartitionKey: "x", ExplicitHashKey: HashKey{}, HasExplicitHashKey: true, DataBytes: 1})
	if ev := newer.Next(t0.Add(7*time.Second), nil); ev.Ended || len(ev.Records) != 1 {
		t.Errorf("the new subscription: %d records, ended %v; want the record and not ended", len(ev.Records), ev.Ended)
	}
	// A failed call does not count as a subscription: 1 s after the
	// takeover is ResourceInUse, not the rate limit.
	_, err := s.SubscribeToShard(t0.Add(6*time.Second), "c", ShardID(0), pos)
	wantCode(t, "1 s after the takeover", err, ErrResourceInUse)

	// Deregistering ends the consumer's subscriptions.
	if err := s.DeregisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	if ev := newer.Next(t0.Add(8*time.Second), nil); !ev.Ended {
		t.Errorf("a subscription of a deregistered consumer did not end")
	}
}

// A subscription pushes for 5 minutes (API), then ends.
func TestSubscriptionLifetime(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	sub := mustSubscribe(t, s, t0, "c", ShardID(0), StartingPosition{Type: Latest})
	mustPut(t, s, t0.Add(time.Minute), PutEntry{PartitionKey: "k", DataBytes: 1})
	if ev := sub.Next(t0.Add(SubscriptionLifetime-time.Second), nil); ev.Ended || len(ev.Records) != 1 {
		t.Errorf("at 4m59s: %d records, ended %v; want 1, not ended", len(ev.Records), ev.Ended)
	}
	mustPut(t, s, t0.Add(SubscriptionLifetime-500*time.Millisecond), PutEntry{PartitionKey: "k", DataBytes: 1})
	ev := sub.Next(t0.Add(SubscriptionLifetime), nil)
	if !ev.Ended || len(ev.Records) != 1 || ev.ContinuationSeq != 3 {
		t.Errorf("at 5m: %d records, ended %v, continuation %d; want the last record, ended, continue at 3", len(ev.Records), ev.Ended, ev.ContinuationSeq)
	}
	if ev := sub.Next(t0.Add(SubscriptionLifetime+time.Second), nil); !ev.Ended {
		t.Errorf("after 5m: not ended")
	}
	// Resume from the continuation sequence number.
	mustPut(t, s, t0.Add(SubscriptionLifetime+time.Second), PutEntry{PartitionKey: "k", DataBytes: 1})
	again := mustSubscribe(t, s, t0.Add(SubscriptionLifetime+time.Second), "c", ShardID(0), StartingPosition{Type: AtSequenceNumber, Seq: ev.ContinuationSeq})
	if ev := again.Next(t0.Add(SubscriptionLifetime+2*time.Second), nil); len(ev.Records) != 1 || ev.Records[0].Seq != 3 {
		t.Errorf("resumed: %v, want record 3", seqs(ev.Records))
	}
}

// A subscription sees a record EFOPropagation (70 ms by default) after it
// was written, and NextVisible says when.
func TestEFOPropagation(t *testing.T) {
	for _, tt := range []struct{ cfg, want time.Duration }{
		{0, DefaultEFOPropagation}, {time.Second, time.Second}, {-1, 0},
	} {
		s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true, EFOPropagation: tt.cfg})
		if err := s.RegisterConsumer("c"); err != nil {
			t.Fatal(err)
		}
		sub := mustSubscribe(t, s, epoch, "c", ShardID(0), StartingPosition{Type: Latest})
		if _, ok := sub.NextVisible(); ok {
			t.Errorf("NextVisible with nothing written says there is a record")
		}
		w := epoch.Add(2 * time.Second) // the consumer's bucket holds 2 MiB by then
		mustPut(t, s, w, PutEntry{PartitionKey: "k", DataBytes: 1})
		if at, ok := sub.NextVisible(); !ok || !at.Equal(w.Add(tt.want)) {
			t.Errorf("propagation %v: NextVisible %v, %v; want %v", tt.want, at.Sub(w), ok, tt.want)
		}
		if tt.want > 0 {
			if ev := sub.Next(w.Add(tt.want-time.Millisecond), nil); len(ev.Records) != 0 {
				t.Errorf("propagation %v: pushed %d records 1 ms early", tt.want, len(ev.Records))
			}
		}
		if ev := sub.Next(w.Add(tt.want), nil); len(ev.Records) != 1 {
			t.Errorf("propagation %v: pushed %d records on time, want 1", tt.want, len(ev.Records))
		}
		if _, ok := sub.NextVisible(); ok {
			t.Errorf("NextVisible after everything was pushed says there is a record")
		}
	}
}

// At the end of a closed shard the subscription ends and names the children.
func TestEFOClosedShardEnds(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true, SplitTime: -1})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	sub := mustSubscribe(t, s, t0, "c", ShardID(0), StartingPosition{Type: TrimHorizon})
	mustPut(t, s, t0.Add(time.Second), PutEntry{PartitionKey: "k", DataBytes: 1})
	if err := s.SplitShard(t0.Add(2*time.Second), ShardID(0), HashKey{Hi: 1 << 63}); err != nil {
		t.Fatal(err)
	}
	ev := sub.Next(t0.Add(3*time.Second), nil)
	if len(ev.Records) != 1 || !ev.Ended || strings.Join(ev.ChildShards, ",") != ShardID(1)+","+ShardID(2) {
		t.Errorf("end of a closed shard: %d records, ended %v, children %v; want 1, ended, [1 2]", len(ev.Records), ev.Ended, ev.ChildShards)
	}
}

// A record bigger than what the consumer's bucket holds is pushed alone,
// into debt (efo.go, Next), and the debt is repaid at 2 MiB/s: after a
// 64 KiB record, a 5 MiB record comes alone in the next push and the
// following 64 KiB record only once the 3 MiB of debt is repaid.
func TestEFOLargeRecordGoesAloneIntoDebt(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true, MaxRecordSizeBytes: MaxMaxRecordSizeBytes})
	mustPut(t, s, t0, PutEntry{PartitionKey: "k", DataBytes: 64<<10 - 1})
	mustPut(t, s, t0.Add(10*time.Second), PutEntry{PartitionKey: "k", DataBytes: 5*mib - 1})
	mustPut(t, s, t0.Add(20*time.Second), PutEntry{PartitionKey: "k", DataBytes: 64<<10 - 1})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(30 * time.Second)
	sub := mustSubscribe(t, s, at, "c", ShardID(0), StartingPosition{Type: TrimHorizon})
	// +1 s: 2 MiB in the bucket; record 1 (64 KiB) fits, record 2 (5 MiB) does not.
	if ev := sub.Next(at.Add(time.Second), nil); !slices.Equal(seqs(ev.Records), []uint64{1}) {
		t.Fatalf("+1 s: pushed %v, want [1]", seqs(ev.Records))
	}
	// +2 s: 2 MiB − 64 KiB + 2 MiB, capped at 2 MiB: record 2 goes alone,
	// leaving 2 MiB − 5 MiB = −3 MiB, repaid at +3.5 s.
	if ev := sub.Next(at.Add(2*time.Second), nil); !slices.Equal(seqs(ev.Records), []uint64{2}) {
		t.Fatalf("+2 s: pushed %v, want [2] alone", seqs(ev.Records))
	}
	if ev := sub.Next(at.Add(3400*time.Millisecond), nil); len(ev.Records) != 0 {
		t.Errorf("+3.4 s, still in debt: pushed %v, want nothing", seqs(ev.Records))
	}
	if ev := sub.Next(at.Add(3600*time.Millisecond), nil); !slices.Equal(seqs(ev.Records), []uint64{3}) {
		t.Errorf("+3.6 s, debt repaid: pushed %v, want [3]", seqs(ev.Records))
	}
}

// The same when the large record is the first one kept in the shard: it
// must still go alone into debt, within a push or two.
func TestEFOLargeFirstRecord(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true, MaxRecordSizeBytes: MaxMaxRecordSizeBytes})
	mustPut(t, s, t0, PutEntry{PartitionKey: "k", DataBytes: 5*mib - 1})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Second)
	sub := mustSubscribe(t, s, at, "c", ShardID(0), StartingPosition{Type: TrimHorizon})
	var got []ReadRecord
	for step := 1; step <= 100 && len(got) == 0; step++ {
		got = sub.Next(at.Add(time.Duration(step)*100*time.Millisecond), got).Records
	}
	if len(got) != 1 || got[0].SizeBytes != 5*mib {
		t.Errorf("in 10 s of pushes got %d records, want the 5 MiB record", len(got))
	}
}

// NextVisible names the next record of a subscription started AT_TIMESTAMP
// on a shard that had no record yet.
func TestNextVisibleAtTimestampOnNewShard(t *testing.T) {
	t0 := epoch
	s := newTestStream(t, StreamConfig{Name: "efo", Shards: 1, KeepRecords: true})
	if err := s.RegisterConsumer("c"); err != nil {
		t.Fatal(err)
	}
	sub := mustSubscribe(t, s, t0, "c", ShardID(0), StartingPosition{Type: AtTimestamp, At: t0})
	w := t0.Add(time.Second)
	mustPut(t, s, w, PutEntry{PartitionKey: "k", DataBytes: 1})
	if at, ok := sub.NextVisible(); !ok || !at.Equal(w.Add(DefaultEFOPropagation)) {
		t.Errorf("NextVisible %v, %v; want t0+1.07s, true", at.Sub(t0), ok)
	}
}
