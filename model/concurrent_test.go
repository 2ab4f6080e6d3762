package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestKeyHashSameAsHashing checks that entries carrying their key's MD5 in
// KeyHash get exactly the results of entries the stream hashes itself, and
// that ExplicitHashKey still wins over KeyHash.
func TestKeyHashSameAsHashing(t *testing.T) {
	cfg := StreamConfig{Name: "k", Shards: 7, ShardRecordsPerSec: 300, ShardBytesPerSec: 40_000, KeepRecords: true, PollingPropagation: -1}
	plain, cached := newTestStream(t, cfg), newTestStream(t, cfg)
	rng := rand.New(rand.NewPCG(1, 2))
	for req := range 200 {
		now := epoch.Add(time.Duration(req) * 10 * time.Millisecond)
		entries := make([]PutEntry, 1+rng.IntN(60))
		for i := range entries {
			e := PutEntry{PartitionKey: keyForTest(rng.IntN(50)), DataBytes: rng.IntN(2000), Ref: Ref{ID: uint64(req*1000 + i)}}
			if rng.IntN(5) == 0 {
				e.ExplicitHashKey, e.HasExplicitHashKey = HashKey{Hi: rng.Uint64(), Lo: rng.Uint64()}, true
			}
			entries[i] = e
		}
		withHash := slices.Clone(entries)
		for i := range withHash {
			e := &withHash[i]
			e.KeyHash, e.HasKeyHash = HashPartitionKey(e.PartitionKey), true
			if e.HasExplicitHashKey {
				// Wrong on purpose: the explicit key must win.
				e.KeyHash = HashKey{}
			}
		}
		want, got := make([]PutResult, len(entries)), make([]PutResult, len(entries))
		if req%10 == 9 {
			var err error
			if want[0], err = plain.PutRecord(now, entries[0]); err != nil {
				t.Fatal(err)
			}
			if got[0], err = cached.PutRecord(now, withHash[0]); err != nil {
				t.Fatal(err)
			}
			want, got = want[:1], got[:1]
		} else {
			if err := plain.PutRecords(now, entries, want); err != nil {
				t.Fatal(err)
			}
			if err := cached.PutRecords(now, withHash, got); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("request %d: with KeyHash %+v, hashed by the stream %+v", req, got, want)
		}
	}
	end := epoch.Add(time.Hour)
	for _, sh := range plain.Shards() {
		read := func(s *Stream) []ReadRecord {
			it, err := s.GetShardIterator(end, sh.ID, StartingPosition{Type: TrimHorizon})
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.GetRecords(end, it, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			return out.Records
		}
		if got, want := read(cached), read(plain); !reflect.DeepEqual(got, want) {
			t.Errorf("shard %s: read %d records with KeyHash, %d without, or different ones", sh.ID, len(got), len(want))
		}
	}
}

// TestLookupMatchesShardIndex checks the table-narrowed search against the
// plain binary search over uneven starts: clustered, sharing their high
// word, and at the table's bucket edges.
func TestLookupMatchesShardIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		n := 1 + rng.IntN(300)
		starts := []HashKey{{}}
		for len(starts) < n {
			var h HashKey
			switch rng.IntN(4) {
			case 0: // anywhere
				h = HashKey{Hi: rng.Uint64(), Lo: rng.Uint64()}
			case 1: // clustered in one table bucket
				h = HashKey{Hi: 0x5a5<<52 | rng.Uint64N(1<<52), Lo: rng.Uint64()}
			case 2: // same high word as another start
				h = HashKey{Hi: starts[rng.IntN(len(starts))].Hi, Lo: rng.Uint64()}
			default: // on a bucket edge
				h = HashKey{Hi: rng.Uint64N(1<<startTableBits) << (64 - startTableBits)}
			}
			starts = append(starts, h)
		}
		slices.SortFunc(starts, HashKey.Cmp)
		starts = slices.Compact(starts)
		s := &Stream{starts: starts}
		s.indexStarts()
		probe := func(h HashKey) {
			if got, want := s.lookup(h), shardIndex(starts, h); got != want {
				t.Fatalf("round %d: lookup(%v) = %d, shardIndex = %d", round, h, got, want)
			}
		}
		probe(HashKey{})
		probe(MaxHashKey)
		for _, st := range starts {
			probe(st)
			probe(st.Sub(HashKey{Lo: 1}))
		}
		for range 2000 {
			probe(HashKey{Hi: rng.Uint64(), Lo: rng.Uint64()})
		}
	}
}

// TestConcurrentPuts hammers one stream with PutRecords and PutRecord from
// many goroutines, one of which moves the clock past retention, while
// others reshard (or switch capacity mode), read, subscribe and trim, and
// then checks what
// no interleaving may break: every record got one answer, each shard's
// accepted records have the sequence numbers 1…n once each, every record
// went to a shard whose range holds its hash key, and readers read back
// what was written under each sequence number. Run it with -race.
func TestConcurrentPuts(t *testing.T) {
	for _, mode := range []CapacityMode{Provisioned, OnDemand} {
		t.Run(mode.String(), func(t *testing.T) { hammer(t, mode) })
	}
}

type sentRecord struct {
	hash HashKey
	ref  Ref
	res  PutResult
}

type readRecord struct {
	shard int
	rec   ReadRecord
}

func hammer(t *testing.T, mode CapacityMode) {
	const writers, requests = 8, 150
	s := newTestStream(t, StreamConfig{
		Name: "h", Mode: mode, Shards: 4, ShardRecordsPerSec: 10_000, ShardBytesPerSec: 4e6, BurstSeconds: 0.05,
		KeepRecords: true, SplitTime: time.Millisecond, MergeTime: time.Millisecond,
		UpdateShardCountTime: 2 * time.Millisecond, MaxUpdatesPer24h: 1 << 20,
		PollingPropagation: -1, EFOPropagation: -1,
	})
	var clock atomic.Int64
	at := func() time.Time { return epoch.Add(time.Duration(clock.Load())) }
	// tick moves the clock 100 µs per request: hundreds of thousands of
	// records a second of stream time, well above the limits.
	tick := func() time.Time { return epoch.Add(time.Duration(clock.Add(int64(100 * time.Microsecond)))) }
	apiErr := func(who string, err error) {
		var ae *APIError
		if err != nil && !errors.As(err, &ae) {
			t.Errorf("%s: %v is not an *APIError", who, err)
		}
	}

	sent := make([][]sentRecord, writers)
	var writing sync.WaitGroup
	for w := range writers {
		writing.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			var id uint64
			for req := range requests {
				entries := make([]PutEntry, 1+rng.IntN(100))
				hashes := make([]HashKey, len(entries))
				for i := range entries {
					id++
					e := PutEntry{PartitionKey: keyForTest(rng.IntN(500)), DataBytes: 1 + rng.IntN(1000), Ref: Ref{ID: uint64(w)<<32 | id}}
					hashes[i] = HashPartitionKey(e.PartitionKey)
					switch rng.IntN(6) {
					case 0, 1:
						e.KeyHash, e.HasKeyHash = hashes[i], true
					case 2:
						e.ExplicitHashKey, e.HasExplicitHashKey = HashKey{Hi: rng.Uint64(), Lo: rng.Uint64()}, true
						hashes[i] = e.ExplicitHashKey
					}
					entries[i] = e
				}
				if w == 0 && req%50 == 49 {
					// Twice past half the retention: by the end the
					// first records and shards have expired.
					clock.Add(int64(13 * time.Hour))
				}
				out := make([]PutResult, len(entries))
				if req%7 == 0 {
					r, err := s.PutRecord(tick(), entries[0])
					if err != nil {
						t.Error(err)
						return
					}
					entries, out = entries[:1], []PutResult{r}
				} else if err := s.PutRecords(tick(), entries, out); err != nil {
					t.Error(err)
					return
				}
				// A request's records are judged in request order: those
				// one shard accepted have increasing sequence numbers.
				lastSeq := map[int]uint64{}
				for i, e := range entries {
					if r := out[i]; r.ErrorCode == "" {
						if r.Seq <= lastSeq[r.Shard] {
							t.Errorf("request %d of writer %d: seq %d on %s after %d", req, w, r.Seq, r.ShardID, lastSeq[r.Shard])
						}
						lastSeq[r.Shard] = r.Seq
					}
					sent[w] = append(sent[w], sentRecord{hash: hashes[i], ref: e.Ref, res: out[i]})
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { writing.Wait(); close(done) }()
	running := func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}

	var others sync.WaitGroup
	var reshards atomic.Int64
	others.Go(func() {
		rng := rand.New(rand.NewPCG(6, 7))
		for running() {
			open := s.Shards()
			var err error
			switch op := rng.IntN(4); {
			case mode == OnDemand && op == 0:
				if err = s.SwitchMode(at(), Provisioned); err == nil {
					err = s.UpdateShardCount(at(), len(open)+1)
					apiErr("UpdateShardCount", err)
					err = s.SwitchMode(at().Add(time.Second), OnDemand)
				}
			case op == 0 && len(open) < 24:
				sh := open[rng.IntN(len(open))]
				err = s.SplitShard(at(), sh.ID, sh.Range.Midpoint())
			case op == 1 && len(open) > 1:
				k := rng.IntN(len(open) - 1)
				err = s.MergeShards(at(), open[k].ID, open[k+1].ID)
			case op == 2:
				err = s.UpdateShardCount(at(), max((len(open)+1)/2, min(2*len(open), 1+rng.IntN(24))))
			default:
				_ = s.Status(at())
				_, _ = s.Capacity(at())
			}
			if err == nil {
				reshards.Add(1)
			}
			apiErr("resharding", err)
			time.Sleep(50 * time.Microsecond)
		}
	})
	// Two polling readers, each following one random shard for a while and
	// trimming what it has read.
	read := make([][]readRecord, 2)
	for r := range read {
		others.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 8))
			for running() {
				all := s.AllShards(at())
				i := rng.IntN(len(all))
				it, err := s.GetShardIterator(at(), all[i].ID, StartingPosition{Type: TrimHorizon})
				apiErr("GetShardIterator", err)
				var last uint64
				for k := 0; err == nil && it.Valid() && k < 20; k++ {
					var out GetRecordsOutput
					out, err = s.GetRecords(at(), it, 1+rng.IntN(GetRecordsMaxRecords), nil)
					apiErr("GetRecords", err)
					if err != nil {
						break
					}
					for _, rec := range out.Records {
						if rec.Seq <= last {
							t.Errorf("shard %s: read seq %d after %d", all[i].ID, rec.Seq, last)
						}
						last = rec.Seq
						read[r] = append(read[r], readRecord{shard: i, rec: rec})
					}
					if rng.IntN(3) == 0 && last > 0 {
						s.Trim(all[i].ID, last)
					}
					it = out.Next
				}
			}
		})
	}
	// Fan-out consumers, subscribing to random shards: a new consumer
	// name for each subscription, as a consumer may subscribe to a shard
	// once in 5 s, and the oldest deregistered to stay within the limit.
	others.Go(func() {
		rng := rand.New(rand.NewPCG(9, 10))
		for k := 0; running(); k++ {
			name := fmt.Sprint("c", k)
			if k >= MaxEFOConsumersPerStream {
				apiErr("DeregisterConsumer", s.DeregisterConsumer(fmt.Sprint("c", k-MaxEFOConsumersPerStream)))
			}
			apiErr("RegisterConsumer", s.RegisterConsumer(name))
			all := s.AllShards(at())
			sub, err := s.SubscribeToShard(at(), name, all[rng.IntN(len(all))].ID, StartingPosition{Type: TrimHorizon})
			apiErr("SubscribeToShard", err)
			for k := 0; err == nil && k < 10; k++ {
				sub.NextVisible()
				if ev := sub.Next(at(), nil); ev.Ended {
					break
				}
			}
		}
	})
	others.Wait()
	if t.Failed() {
		return
	}

	end := at()
	all := s.AllShards(end)
	var accepted, throttled int
	seqs := make([][]uint64, len(all))
	refs := map[[2]uint64]Ref{}
	for _, recs := range sent {
		for _, r := range recs {
			switch {
			case r.res.ShardID == "" || r.res.ShardID != ShardID(r.res.Shard):
				t.Fatalf("record %v: no answer or a wrong shard id: %+v", r.ref, r.res)
			case !all[r.res.Shard].Range.Contains(r.hash):
				t.Errorf("record %v with hash key %v went to %s, range %v", r.ref, r.hash, r.res.ShardID, all[r.res.Shard].Range)
			}
			if r.res.ErrorCode == "" {
				accepted++
				seqs[r.res.Shard] = append(seqs[r.res.Shard], r.res.Seq)
				refs[[2]uint64{uint64(r.res.Shard), r.res.Seq}] = r.ref
			} else if r.res.ErrorCode == ErrThroughputExceeded && r.res.Seq == 0 {
				throttled++
			} else {
				t.Errorf("record %v: %+v", r.ref, r.res)
			}
		}
	}
	var records int
	for _, recs := range sent {
		records += len(recs)
	}
	if accepted+throttled != records || accepted == 0 || throttled == 0 {
		t.Errorf("%d accepted + %d throttled, want %d records sent with some of each", accepted, throttled, records)
	}
	for i, got := range seqs {
		slices.Sort(got)
		for k, seq := range got {
			if seq != uint64(k+1) {
				t.Fatalf("shard %s: accepted sequence numbers %v…, want 1…%d once each", all[i].ID, got[:min(len(got), k+3)], len(got))
			}
		}
		if all[i].State == ShardExpired {
			continue
		}
		it, err := s.GetShardIterator(end, all[i].ID, StartingPosition{Type: Latest})
		if err != nil {
			t.Fatal(err)
		}
		if it.next != uint64(len(got))+1 {
			t.Errorf("shard %s: next sequence number %d after %d accepted records", all[i].ID, it.next, len(got))
		}
	}
	var expired, nread int
	for _, sh := range all {
		if sh.State == ShardExpired {
			expired++
		}
	}
	for _, recs := range read {
		for _, r := range recs {
			nread++
			if want := refs[[2]uint64{uint64(r.shard), r.rec.Seq}]; r.rec.Ref != want {
				t.Errorf("shard %s seq %d: read ref %v, written %v", all[r.shard].ID, r.rec.Seq, r.rec.Ref, want)
			}
		}
	}
	if len(all) == 4 || nread == 0 || expired == 0 {
		t.Errorf("%d shards made, %d expired, %d records read: the hammer did not reshard, expire or read", len(all), expired, nread)
	}
	t.Logf("%d records, %d accepted, %d shards (%d expired), %d reshardings, %d read, %v of stream time",
		records, accepted, len(all), expired, reshards.Load(), nread, end.Sub(epoch))
}
