package model

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestReshardProperties runs 200 random sequences of 30 steps (fixed seeds)
// of splits, merges, UpdateShardCount, writes of random keys and time
// advances, with short random resharding times, and after every step
// checks:
//
//   - the open shards (AllShards with State OPEN, and Shards()) are sorted,
//     contiguous and cover 0 … 2^128−1 exactly once;
//   - every key written, random hash keys and every open shard's bounds map
//     to exactly one open shard, the one ShardFor names;
//   - sequence numbers increase within a shard, and records land in the
//     shard holding their hash;
//   - a resharding is refused with ResourceInUseException exactly while the
//     stream is UPDATING, and a bad split or merge with
//     InvalidArgumentException otherwise;
//   - an incremental reader, which reads each shard from TRIM_HORIZON and a
//     child only after all its parents have ended, never sees a record twice
//     and sees each partition key's records in write order.
//
// At the end of each sequence the reader catches up and must have read
// every accepted record exactly once.
func TestReshardProperties(t *testing.T) {
	const sequences, steps = 200, 30
	for seed := range uint64(sequences) {
		w := newPropWorld(t, seed)
		for step := range steps {
			w.step = step
			w.randomStep()
			w.checkShards()
			w.reader.pass(w, false)
		}
		w.finalRead()
		if t.Failed() {
			return
		}
	}
}

const propMaxShards = 24

type propWorld struct {
	t    *testing.T
	seed uint64
	step int
	rng  *rand.Rand
	s    *Stream
	now  time.Time
	keys []string
	// accepted maps the Ref.ID of every accepted record to its key;
	// nextID numbers the records written, accepted or not.
	accepted map[uint64]string
	nextID   uint64
	// lastSeq is the last sequence number a write got, by shard id.
	lastSeq map[string]uint64
	reader  *propReader
}

func newPropWorld(t *testing.T, seed uint64) *propWorld {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	reshardTime := func() time.Duration {
		if rng.IntN(4) == 0 {
			return -1 // at once
		}
		return time.Duration(1+rng.IntN(3000)) * time.Millisecond
	}
	cfg := StreamConfig{
		Name:                 "prop",
		Shards:               1 + rng.IntN(6),
		KeepRecords:          true,
		SplitTime:            reshardTime(),
		MergeTime:            reshardTime(),
		UpdateShardCountTime: reshardTime(),
		MaxUpdatesPer24h:     1000,
	}
	s, err := NewStream(cfg, epoch)
	if err != nil {
		t.Fatal(err)
	}
	w := &propWorld{t: t, seed: seed, rng: rng, s: s, now: epoch,
		accepted: map[uint64]string{}, lastSeq: map[string]uint64{}, reader: newPropReader()}
	for i := range 48 {
		w.keys = append(w.keys, fmt.Sprintf("k%d.%x", i, rng.Uint32()))
	}
	return w
}

func (w *propWorld) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf("seed %d step %d at +%v: %s", w.seed, w.step, w.now.Sub(epoch), fmt.Sprintf(format, args...))
}

// advance moves the virtual clock on.
func (w *propWorld) advance(d time.Duration) { w.now = w.now.Add(d) }

func (w *propWorld) randomStep() {
	switch r := w.rng.IntN(100); {
	case r < 20:
		w.split()
	case r < 35:
		w.merge()
	case r < 45:
		w.updateShardCount()
	case r < 85:
		w.write()
	default:
		d := time.Duration(w.rng.IntN(4000)) * time.Millisecond
		if w.rng.IntN(10) == 0 {
			d = 6 * time.Minute // past an iterator's lifetime
		}
		w.advance(d)
	}
}

// wantReshard checks a resharding's error: ResourceInUse while UPDATING,
// else want.
func (w *propWorld) wantReshard(op string, updating bool, err error, want string) {
	w.t.Helper()
	if updating {
		want = ErrResourceInUse
	}
	if got := errCode(err); got != want {
		w.fatalf("%s (updating %v): error %v, want %q", op, updating, err, want)
	}
}

func (w *propWorld) split() {
	updating := w.s.Status(w.now) == "UPDATING"
	open := w.s.Shards()
	if len(open) >= propMaxShards {
		w.merge()
		return
	}
	sh := open[w.rng.IntN(len(open))]
	if sh.Range.Start == sh.Range.End {
		return
	}
	if w.rng.IntN(10) == 0 {
		bad := sh.Range.Start // at the start: not strictly inside
		if sh.Range.End != MaxHashKey && w.rng.IntN(2) == 0 {
			bad = plusOne(sh.Range.End) // the next shard's start
		}
		w.wantReshard("split at "+bad.String(), updating, w.s.SplitShard(w.now, sh.ID, bad), ErrInvalidArgument)
		return
	}
	var key HashKey
	switch w.rng.IntN(5) {
	case 0:
		key = sh.Range.Midpoint()
	case 1:
		key = plusOne(sh.Range.Start)
	case 2:
		key = sh.Range.End
	default:
		// Start + 1 + a uniform value below End − Start.
		width := sh.Range.End.Sub(sh.Range.Start).Big()
		r := new(big.Int).SetUint64(w.rng.Uint64())
		r.Lsh(r, 64).Or(r, new(big.Int).SetUint64(w.rng.Uint64()))
		r.Mod(r, width)
		r.Add(r, sh.Range.Start.Big()).Add(r, big.NewInt(1))
		key = hashKeyFromBig(r)
	}
	w.wantReshard("split", updating, w.s.SplitShard(w.now, sh.ID, key), "")
}

func (w *propWorld) merge() {
	updating := w.s.Status(w.now) == "UPDATING"
	open := w.s.Shards()
	if len(open) < 2 {
		return
	}
	if len(open) >= 3 && w.rng.IntN(10) == 0 {
		w.wantReshard("merge non-adjacent", updating, w.s.MergeShards(w.now, open[0].ID, open[2].ID), ErrInvalidArgument)
		return
	}
	i := w.rng.IntN(len(open) - 1)
	a, b := open[i].ID, open[i+1].ID
	if w.rng.IntN(2) == 0 {
		a, b = b, a
	}
	w.wantReshard("merge", updating, w.s.MergeShards(w.now, a, b), "")
}

func (w *propWorld) updateShardCount() {
	updating := w.s.Status(w.now) == "UPDATING"
	n := len(w.s.Shards())
	lo, hi := (n+1)/2, min(2*n, propMaxShards)
	target := lo + w.rng.IntN(hi-lo+1)
	w.wantReshard(fmt.Sprintf("UpdateShardCount %d → %d", n, target), updating, w.s.UpdateShardCount(w.now, target), "")
}

// write puts 1–3 batches of 1–40 records with keys from the pool, a little
// apart in time.
func (w *propWorld) write() {
	for range 1 + w.rng.IntN(3) {
		entries := make([]PutEntry, 1+w.rng.IntN(40))
		for i := range entries {
			w.nextID++
			entries[i] = PutEntry{PartitionKey: w.keys[w.rng.IntN(len(w.keys))], DataBytes: w.rng.IntN(200), Ref: Ref{ID: w.nextID}}
		}
		out := make([]PutResult, len(entries))
		if err := w.s.PutRecords(w.now, entries, out); err != nil {
			w.fatalf("PutRecords: %v", err)
		}
		all := w.s.AllShards(w.now)
		for i, r := range out {
			sh := all[r.Shard]
			if sh.ID != r.ShardID || sh.State != ShardOpen || !sh.Range.Contains(HashPartitionKey(entries[i].PartitionKey)) {
				w.fatalf("record %d went to %+v (%s), not the open shard holding its hash", entries[i].Ref.ID, sh, r.ShardID)
			}
			if r.ErrorCode != "" {
				continue
			}
			if r.Seq <= w.lastSeq[r.ShardID] {
				w.fatalf("shard %s gave sequence number %d after %d", r.ShardID, r.Seq, w.lastSeq[r.ShardID])
			}
			w.lastSeq[r.ShardID] = r.Seq
			w.accepted[entries[i].Ref.ID] = entries[i].PartitionKey
		}
		w.advance(time.Duration(w.rng.IntN(50)) * time.Millisecond)
	}
}

// checkShards checks the open shards' cover of the hash space and the key
// to shard mapping.
func (w *propWorld) checkShards() {
	w.t.Helper()
	all := w.s.AllShards(w.now)
	var open []ShardInfo
	for i, sh := range all {
		if sh.ID != ShardID(i) {
			w.fatalf("AllShards[%d] is %s", i, sh.ID)
		}
		if sh.State == ShardOpen {
			open = append(open, sh)
		} else if sh.Closed.Before(sh.Opened) {
			w.fatalf("%s closed at %v before it opened at %v", sh.ID, sh.Closed, sh.Opened)
		}
		var parents []HashKeyRange
		for _, p := range sh.Parents {
			var pi int
			if _, err := fmt.Sscanf(p, "shardId-%d", &pi); err != nil || pi >= i || all[pi].State == ShardOpen || !all[pi].Closed.Equal(sh.Opened) {
				w.fatalf("%s has parent %s, which is not an older shard closed when it opened", sh.ID, p)
			}
			parents = append(parents, all[pi].Range)
		}
		// The parents are exactly the shards the child's range came from:
		// contiguous, each overlapping the child, together covering it.
		slices.SortFunc(parents, func(a, b HashKeyRange) int { return a.Start.Cmp(b.Start) })
		for k, pr := range parents {
			if pr.End.Less(sh.Range.Start) || sh.Range.End.Less(pr.Start) || (k > 0 && plusOne(parents[k-1].End) != pr.Start) {
				w.fatalf("%s over %v: parents %v are not contiguous ranges overlapping it", sh.ID, sh.Range, parents)
			}
		}
		if len(parents) > 0 && (sh.Range.Start.Less(parents[0].Start) || parents[len(parents)-1].End.Less(sh.Range.End)) {
			w.fatalf("%s over %v: parents %v do not cover it", sh.ID, sh.Range, parents)
		}
	}
	slices.SortFunc(open, func(a, b ShardInfo) int { return a.Range.Start.Cmp(b.Range.Start) })
	listed := w.s.Shards()
	if len(listed) != len(open) {
		w.fatalf("Shards() lists %d shards, AllShards has %d open", len(listed), len(open))
	}
	for i := range open {
		if listed[i].ID != open[i].ID {
			w.fatalf("Shards()[%d] is %s, want %s (hash key order)", i, listed[i].ID, open[i].ID)
		}
		if open[i].Range.End.Less(open[i].Range.Start) {
			w.fatalf("%s has an empty range %v", open[i].ID, open[i].Range)
		}
		if i > 0 && plusOne(open[i-1].Range.End) != open[i].Range.Start {
			w.fatalf("%s ends at %v but %s starts at %v", open[i-1].ID, open[i-1].Range.End, open[i].ID, open[i].Range.Start)
		}
	}
	if open[0].Range.Start != (HashKey{}) || open[len(open)-1].Range.End != MaxHashKey {
		w.fatalf("open shards cover %v … %v, want 0 … 2^128−1", open[0].Range.Start, open[len(open)-1].Range.End)
	}
	hashes := make([]HashKey, 0, len(w.keys)+16+2*len(open))
	for _, k := range w.keys {
		hashes = append(hashes, HashPartitionKey(k))
	}
	for range 16 {
		hashes = append(hashes, HashKey{Hi: w.rng.Uint64(), Lo: w.rng.Uint64()})
	}
	for _, sh := range open {
		hashes = append(hashes, sh.Range.Start, sh.Range.End)
	}
	for _, h := range hashes {
		holders := 0
		var holder string
		for _, sh := range open {
			if sh.Range.Contains(h) {
				holders++
				holder = sh.ID
			}
		}
		if got := ShardID(w.s.ShardFor(h)); holders != 1 || got != holder {
			w.fatalf("hash %v: %d open shards hold it (%s), ShardFor says %s", h, holders, holder, got)
		}
	}
}

// finalRead advances past the polling delay and reads everything that is
// left; every accepted record must then have been read exactly once.
func (w *propWorld) finalRead() {
	w.advance(time.Second)
	for range 1000 {
		if !w.reader.pass(w, true) {
			break
		}
	}
	r := w.reader
	for id, key := range w.accepted {
		if r.seen[id] != 1 {
			w.fatalf("accepted record %d (key %s) read %d times", id, key, r.seen[id])
		}
	}
	if len(r.seen) != len(w.accepted) {
		w.fatalf("read %d distinct records, %d were accepted", len(r.seen), len(w.accepted))
	}
}

// propReader reads every shard once its parents have ended.
type propReader struct {
	shards    map[string]*propShardRead
	seen      map[uint64]int
	lastByKey map[string]uint64
}

type propShardRead struct {
	it      ShardIterator
	started bool
	lastSeq uint64
	done    bool
}

func newPropReader() *propReader {
	return &propReader{shards: map[string]*propShardRead{}, seen: map[uint64]int{}, lastByKey: map[string]uint64{}}
}

func (r *propReader) state(id string) *propShardRead {
	st := r.shards[id]
	if st == nil {
		st = &propShardRead{}
		r.shards[id] = st
	}
	return st
}

// pass makes one GetRecords call on every shard that is ready (not ended,
// all parents ended), in random order. A throttled call is skipped, or in the final
// catch-up retried after time advances. It reports whether anything
// happened (records read, a shard ended, a throttle).
func (r *propReader) pass(w *propWorld, final bool) bool {
	all := w.s.AllShards(w.now)
	// A random order each pass: readiness alone must keep parents first.
	w.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	progress := false
	for _, sh := range all {
		st := r.state(sh.ID)
		if st.done || slices.ContainsFunc(sh.Parents, func(p string) bool { return !r.state(p).done }) {
			continue
		}
		if !st.started {
			it, err := w.s.GetShardIterator(w.now, sh.ID, StartingPosition{Type: TrimHorizon})
			if err != nil {
				w.fatalf("GetShardIterator %s: %v", sh.ID, err)
			}
			st.it, st.started = it, true
		}
		out, err := w.s.GetRecords(w.now, st.it, 0, nil)
		switch errCode(err) {
		case "":
		case ErrExpiredIterator:
			pos := StartingPosition{Type: AfterSequenceNumber, Seq: st.lastSeq}
			if st.lastSeq == 0 {
				pos = StartingPosition{Type: TrimHorizon}
			}
			if st.it, err = w.s.GetShardIterator(w.now, sh.ID, pos); err != nil {
				w.fatalf("GetShardIterator %s after expiry: %v", sh.ID, err)
			}
			progress = true
			continue
		case ErrThroughputExceeded:
			if final {
				w.advance(300 * time.Millisecond)
				progress = true
			}
			continue
		default:
			w.fatalf("GetRecords %s: %v", sh.ID, err)
		}
		for _, rec := range out.Records {
			if rec.Seq <= st.lastSeq {
				w.fatalf("%s: read sequence number %d after %d", sh.ID, rec.Seq, st.lastSeq)
			}
			st.lastSeq = rec.Seq
			key, ok := w.accepted[rec.Ref.ID]
			if !ok || key != rec.PartitionKey {
				w.fatalf("%s: read record %d with key %q, which was not accepted with that key", sh.ID, rec.Ref.ID, rec.PartitionKey)
			}
			if !sh.Range.Contains(HashPartitionKey(key)) {
				w.fatalf("%s: holds record %d whose key hashes outside its range", sh.ID, rec.Ref.ID)
			}
			r.seen[rec.Ref.ID]++
			if r.seen[rec.Ref.ID] > 1 {
				w.fatalf("%s: record %d read twice", sh.ID, rec.Ref.ID)
			}
			if last := r.lastByKey[key]; rec.Ref.ID <= last {
				w.fatalf("%s: key %s: record %d read after %d", sh.ID, key, rec.Ref.ID, last)
			}
			r.lastByKey[key] = rec.Ref.ID
			progress = true
		}
		if out.Next.Valid() {
			st.it = out.Next
			continue
		}
		// The end of a closed shard: the children are the shards naming it
		// as a parent.
		var children []string
		cur := w.s.AllShards(w.now)
		for _, c := range cur {
			if slices.Contains(c.Parents, sh.ID) {
				children = append(children, c.ID)
			}
		}
		if state := cur[slices.IndexFunc(cur, func(c ShardInfo) bool { return c.ID == sh.ID })].State; state != ShardClosed || !slices.Equal(out.ChildShards, children) {
			w.fatalf("%s (%v) ended with children %v, want %v", sh.ID, state, out.ChildShards, children)
		}
		st.done = true
		progress = true
	}
	return progress
}
