package model

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Capacity planning for provisioned streams: how many shards a workload
// needs (PlanShards), how its partition keys load a given shard map
// (KeyLoad) and which splits and merges would even that load out
// (AdviseReshard). Everything here is arithmetic on rates at the workload's
// peak; nothing models time.

// Demand is a workload's demand on a provisioned stream at its peak.
type Demand struct {
	// RecordsPerSec is the records written per second at the peak, all
	// producers together. Zero (or less) means no writes: every term is
	// zero and the plan is the one-shard minimum.
	RecordsPerSec float64
	// KiBPerRecord is the mean billed size of a record in KiB (1,024
	// bytes): each record's size (data plus partition key) rounded up to a
	// whole KiB, averaged over the size distribution. Callers compute it
	// from the distribution, not from the mean size: half 100 B and half
	// 1,500 B records bill 1.5 KiB on average, not ceil(800 B) = 1 KiB.
	// Every record bills at least 1 KiB, so values below 1, zero included,
	// count as 1.
	KiBPerRecord float64
	// BytesPerRecord is the mean actual size of a record (data plus
	// partition key) in bytes, for byte throughput and reads measured in
	// bytes (KeyLoad takes it). PlanShards does not use it: the AWS sizing
	// formula counts billed KiB on both sides. Zero means unknown.
	BytesPerRecord float64
	// PollingConsumers is the number of applications reading with
	// GetRecords; they share each shard's 2 MiB/s, so they multiply the
	// read term. EFOConsumers is the number of enhanced fan-out consumers;
	// each has its own 2 MiB/s per shard, so they do not. Zero means none
	// of that kind; negative counts as zero.
	PollingConsumers, EFOConsumers int
	// Headroom is the fraction of each limit the plan may use, in (0, 1]:
	// 0.8 sizes the stream so that the peak takes 80% of every limit. Zero
	// means 1 (no headroom); values outside (0, 1] also count as 1.
	Headroom float64
	// CatchUp is a backlog the consumers must be able to drain, as time
	// of traffic at the peak (a consumer down for ten minutes leaves ten
	// minutes behind), within CatchUpWithin while the traffic goes on.
	// Zero CatchUp (or CatchUpWithin) means no catch-up term.
	CatchUp, CatchUpWithin time.Duration
}

// Names of the sizing terms, as RequiredShards.Binding gives them.
const (
	BindingWriteBytes   = "write_bytes"
	BindingWriteRecords = "write_records"
	BindingRead         = "read"
	BindingCatchUp      = "catch_up"
)

// RequiredShards is the shard count a Demand needs and the terms it comes
// from. Counts are shards; exact values are the unrounded shards each term
// needs (a fraction of a shard is still a shard).
type RequiredShards struct {
	// Total is the shards to provision: the largest term's count, at least
	// one.
	Total int
	// WriteBytes, WriteRecords and Read are each term's shard count (the
	// ceiling of its exact value; zero when the term is zero).
	WriteBytes, WriteRecords, Read int
	// CatchUp is the read term while draining Demand.CatchUp of backlog
	// within Demand.CatchUpWithin: reads at (1 + CatchUp/CatchUpWithin)
	// times the peak. Zero without a catch-up target.
	CatchUp int
	// WriteBytesExact, WriteRecordsExact, ReadExact and CatchUpExact are
	// the unrounded requirements, in shards.
	WriteBytesExact, WriteRecordsExact, ReadExact, CatchUpExact float64
	// Binding names the term that sets Total: BindingWriteBytes,
	// BindingWriteRecords or BindingRead. On a tie of the counts the term
	// with the largest exact value binds; on a tie of those too (as with no
	// demand at all, when Total is the one-shard minimum) the first in the
	// order write_bytes, write_records, read.
	Binding string
}

// PlanShards sizes a provisioned stream for d with the AWS formula
// (kinesis-facts §4 "Provisioned sizing formula", MODES):
//
//	write bytes   = records/s × KiB/record / 1,024 / headroom
//	write records = records/s / 1,000 / headroom
//	read          = records/s × KiB/record × readers / 2,048 / headroom
//	catch-up      = read × (1 + CatchUp / CatchUpWithin)
//
// where 1,024 KiB/s and 1,000 records/s are one shard's write limits
// (ShardWriteBytesPerSec, ShardWriteRecordsPerSec) and 2,048 KiB/s its read
// limit (ShardReadBytesPerSec). readers is PollingConsumers, since they
// share the read side; if there are none but there are fan-out consumers it
// is 1 (each fan-out consumer has its own 2 MiB/s, so the stream needs the
// read capacity of one), and with no consumers at all the read term is
// zero. A term within a relative 1e-9 above a whole number counts as that
// number, so that float rounding of the headroom does not add a shard.
// Counts are capped at math.MaxInt32.
func PlanShards(d Demand) RequiredShards {
	h := d.Headroom
	if !(h > 0 && h <= 1) {
		h = 1
	}
	rps := d.RecordsPerSec
	if !(rps > 0) {
		rps = 0
	}
	kib := d.KiBPerRecord
	if !(kib >= 1) {
		kib = 1
	}
	readers := 0
	switch {
	case d.PollingConsumers > 0:
		readers = d.PollingConsumers
	case d.EFOConsumers > 0:
		readers = 1
	}
	const writeKiBPerSec = ShardWriteBytesPerSec / 1024 // 1,024
	const readKiBPerSec = ShardReadBytesPerSec / 1024   // 2,048
	r := RequiredShards{
		WriteBytesExact:   rps * kib / writeKiBPerSec / h,
		WriteRecordsExact: rps / ShardWriteRecordsPerSec / h,
		ReadExact:         rps * kib * float64(readers) / readKiBPerSec / h,
	}
	if d.CatchUp > 0 && d.CatchUpWithin > 0 {
		r.CatchUpExact = r.ReadExact * (1 + d.CatchUp.Seconds()/d.CatchUpWithin.Seconds())
	}
	r.WriteBytes = shardCeil(r.WriteBytesExact)
	r.WriteRecords = shardCeil(r.WriteRecordsExact)
	r.Read = shardCeil(r.ReadExact)
	r.CatchUp = shardCeil(r.CatchUpExact)
	terms := []struct {
		name  string
		count int
		exact float64
	}{
		{BindingWriteBytes, r.WriteBytes, r.WriteBytesExact},
		{BindingWriteRecords, r.WriteRecords, r.WriteRecordsExact},
		{BindingRead, r.Read, r.ReadExact},
		{BindingCatchUp, r.CatchUp, r.CatchUpExact},
	}
	best := 0
	for i := 1; i < len(terms); i++ {
		t, b := terms[i], terms[best]
		if t.count > b.count || (t.count == b.count && t.exact > b.exact) {
			best = i
		}
	}
	r.Binding = terms[best].name
	r.Total = max(terms[best].count, 1)
	return r
}

// shardCeil rounds a requirement in shards up to whole shards, forgiving
// float noise of a relative 1e-9 above a whole number. Zero, negative and
// NaN requirements are zero shards.
func shardCeil(x float64) int {
	if !(x > 0) {
		return 0
	}
	if x >= math.MaxInt32 {
		return math.MaxInt32
	}
	c := math.Ceil(x)
	if c > x && x-(c-1) <= 1e-9*x {
		c--
	}
	return int(c)
}

// hotFraction is the share of one shard's write limit (either of them) above
// which KeyLoad reports a single key as hot: a key at more than half a
// shard leaves at most half of its shard for every other key that hashes
// there, and the next doubling of its traffic throttles it.
const hotFraction = 0.5

// KeyShare is one partition key (or explicit hash key) and the share of
// records it gets.
type KeyShare struct {
	// Key names the key: the partition key, or a label for an explicit
	// hash key. Empty is allowed; reports then show Hash in decimal.
	Key string
	// Hash is where the key's records go: HashPartitionKey(Key) for a
	// partition key, the explicit hash key otherwise. It is not derived
	// from Key: the zero HashKey is hash key 0.
	Hash HashKey
	// Share is the fraction of all records that carry this key, in [0, 1].
	// Zero means the key gets no records.
	Share float64
}

// keyLabel is how reports name k: its Key, or its hash key in decimal.
func keyLabel(k KeyShare) string {
	if k.Key != "" {
		return k.Key
	}
	return k.Hash.String()
}

// ShardLoad is one shard's write load at the workload's peak.
type ShardLoad struct {
	// Shard is the shard (ID and Range are what KeyLoad reads).
	Shard ShardInfo
	// RecordsPerSec and BytesPerSec are the records and bytes (data plus
	// partition key) written to the shard per second; zero means none.
	RecordsPerSec, BytesPerSec float64
	// Utilization is the fraction of the shard's write limit in use:
	// max(RecordsPerSec/ShardWriteRecordsPerSec,
	// BytesPerSec/ShardWriteBytesPerSec). Above 1 the shard throttles.
	Utilization float64
	// TopKey is the key with the largest share on this shard (labelled as
	// in KeyShare) and TopKeyShare that key's fraction of the shard's
	// records, 0–1. Both are zero values when no key with a positive share
	// hashes to the shard (only spread load).
	TopKey      string
	TopKeyShare float64
}

// HotKey is one key whose own load is above hotFraction of a shard's write
// limit.
type HotKey struct {
	// Key labels the key as in KeyShare (its hash key in decimal when Key
	// is empty); Hash is its hash key; ShardID the shard it maps to.
	Key     string
	Hash    HashKey
	ShardID string
	// RecordsPerSec and BytesPerSec are the key's own write load.
	RecordsPerSec, BytesPerSec float64
	// Unfixable means the key alone is above one shard's limit (1,000
	// records/s or 1 MiB/s): no resharding can help, since a key's records
	// all go to one shard; salt the key or use explicit hash keys.
	Unfixable bool
}

// KeyLoad spreads a workload over a shard map and reports each shard's load
// and the hot keys.
//
// shards are the open shards (any order); their ranges must cover
// 0 … 2^128−1 exactly once. keys lists the keys with a known share (zipf
// ranks, hot keys) and spread is the share of records spread evenly over
// the whole hash space (random partition keys such as UUIDs, random
// explicit hash keys), divided between shards by their range's Fraction.
// The keys' shares plus spread must sum to 1 (within 1e-9); every share
// and spread must be in [0, 1]. recordsPerSec is the stream's peak
// records/s and bytesPerRecord the mean record size (data plus partition
// key) in bytes; both must be finite and not negative (zero gives zero
// loads).
//
// The loads come back in hash key order. Hot keys are the keys whose own
// load is above hotFraction of one shard's limit, heaviest first (ties in
// hash key order); those above the whole limit are Unfixable.
func KeyLoad(shards []ShardInfo, keys []KeyShare, spread float64, recordsPerSec, bytesPerRecord float64) ([]ShardLoad, []HotKey, error) {
	sorted, err := sortShardMap(shards)
	if err != nil {
		return nil, nil, err
	}
	if err := checkShares(keys, spread); err != nil {
		return nil, nil, err
	}
	if !(recordsPerSec >= 0) || math.IsInf(recordsPerSec, 0) {
		return nil, nil, fmt.Errorf("records/s: %g, want a finite rate of at least 0", recordsPerSec)
	}
	if !(bytesPerRecord >= 0) || math.IsInf(bytesPerRecord, 0) {
		return nil, nil, fmt.Errorf("bytes per record: %g, want a finite size of at least 0", bytesPerRecord)
	}
	starts := make([]HashKey, len(sorted))
	shareOn := make([]float64, len(sorted))
	top := make([]int, len(sorted))
	for i, sh := range sorted {
		starts[i] = sh.Range.Start
		shareOn[i] = spread * sh.Range.Fraction()
		top[i] = -1
	}
	var hot []HotKey
	for j, k := range keys {
		i := shardIndex(starts, k.Hash)
		shareOn[i] += k.Share
		if k.Share > 0 && (top[i] < 0 || k.Share > keys[top[i]].Share) {
			top[i] = j
		}
		r := k.Share * recordsPerSec
		if u := writeUtil(r, r*bytesPerRecord); u > hotFraction {
			hot = append(hot, HotKey{Key: keyLabel(k), Hash: k.Hash, ShardID: sorted[i].ID,
				RecordsPerSec: r, BytesPerSec: r * bytesPerRecord, Unfixable: u > 1})
		}
	}
	slices.SortStableFunc(hot, func(a, b HotKey) int {
		if c := cmp.Compare(b.RecordsPerSec, a.RecordsPerSec); c != 0 {
			return c
		}
		return a.Hash.Cmp(b.Hash)
	})
	loads := make([]ShardLoad, len(sorted))
	for i, sh := range sorted {
		r := recordsPerSec * shareOn[i]
		loads[i] = ShardLoad{Shard: sh, RecordsPerSec: r, BytesPerSec: r * bytesPerRecord,
			Utilization: writeUtil(r, r*bytesPerRecord)}
		if j := top[i]; j >= 0 {
			loads[i].TopKey = keyLabel(keys[j])
			loads[i].TopKeyShare = min(keys[j].Share/shareOn[i], 1)
		}
	}
	return loads, hot, nil
}

// writeUtil is the fraction of one shard's write limit that a load of
// records/s and bytes/s takes.
func writeUtil(records, bytes float64) float64 {
	return max(records/ShardWriteRecordsPerSec, bytes/ShardWriteBytesPerSec)
}

// sortShardMap returns the shards in hash key order after checking that
// their ranges cover the hash space exactly once.
func sortShardMap(shards []ShardInfo) ([]ShardInfo, error) {
	if len(shards) == 0 {
		return nil, errors.New("shards: none given")
	}
	sorted := slices.Clone(shards)
	slices.SortStableFunc(sorted, func(a, b ShardInfo) int { return a.Range.Start.Cmp(b.Range.Start) })
	if sorted[0].Range.Start != (HashKey{}) {
		return nil, fmt.Errorf("shards: the first range starts at %s, not 0", sorted[0].Range.Start)
	}
	for i, sh := range sorted {
		if sh.Range.End.Less(sh.Range.Start) {
			return nil, fmt.Errorf("shards: %s ends at %s, before its start %s", sh.ID, sh.Range.End, sh.Range.Start)
		}
		if i+1 < len(sorted) {
			next := sorted[i+1]
			if sh.Range.End == MaxHashKey || hashKeyNext(sh.Range.End) != next.Range.Start {
				return nil, fmt.Errorf("shards: %s ends at %s but the next range (%s) starts at %s: the ranges must not overlap or leave gaps",
					sh.ID, sh.Range.End, next.ID, next.Range.Start)
			}
		}
	}
	if last := sorted[len(sorted)-1]; last.Range.End != MaxHashKey {
		return nil, fmt.Errorf("shards: the last range (%s) ends at %s, not 2^128-1", last.ID, last.Range.End)
	}
	return sorted, nil
}

// checkShares checks that every share is in [0, 1] and that they sum to 1.
func checkShares(keys []KeyShare, spread float64) error {
	if !(spread >= 0 && spread <= 1) {
		return fmt.Errorf("spread: share %g is outside 0–1", spread)
	}
	sum := spread
	for _, k := range keys {
		if !(k.Share >= 0 && k.Share <= 1) {
			return fmt.Errorf("key %q: share %g is outside 0–1", keyLabel(k), k.Share)
		}
		sum += k.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		return fmt.Errorf("shares: the keys' shares plus spread (%g) sum to %g, want 1", spread, sum)
	}
	return nil
}

// hashKeyNext returns h+1 (modulo 2^128).
func hashKeyNext(h HashKey) HashKey { return h.Sub(MaxHashKey) }

// Resharding actions, as Action.Action names them.
const (
	ActionSplit = "split"
	ActionMerge = "merge"
)

// Action is one resharding step, as aws kinesis split-shard and
// merge-shards take it.
type Action struct {
	// Action is ActionSplit or ActionMerge.
	Action string
	// ShardID is the shard to split, or the first (lower) shard to merge.
	// Empty means the shard does not exist yet: it is the shard that the
	// previous action's split makes, the one starting at
	// NewStartingHashKey−1 (Command looks its id up).
	ShardID string
	// NewStartingHashKey is where a split cuts: the hash key that starts
	// the upper child. Nil for a merge.
	NewStartingHashKey *HashKey
	// AdjacentShardID is the shard merged with ShardID, the one just above
	// it in hash key order. Empty for a split.
	AdjacentShardID string
	// Why says it in words.
	Why string
	// Utilization is the resulting shards' fraction of the write limit
	// (as ShardLoad.Utilization): a split's two children, lower first, or
	// a merge's child.
	Utilization []float64
}

// Command returns the AWS CLI command that performs a. Each command needs
// the stream ACTIVE, so run them one at a time and wait between them
// (aws kinesis wait stream-exists); the command for a split of a shard that
// the previous split makes (ShardID empty) waits itself and then looks the
// child's id up with list-shards by its starting hash key. It returns ""
// for an Action it does not know.
func (a Action) Command(stream string) string {
	s := shellWord(stream)
	switch a.Action {
	case ActionSplit:
		if a.NewStartingHashKey == nil {
			return ""
		}
		if a.ShardID != "" {
			return fmt.Sprintf("aws kinesis split-shard --stream-name %s --shard-to-split %s --new-starting-hash-key %s",
				s, shellWord(a.ShardID), a.NewStartingHashKey)
		}
		childStart := a.NewStartingHashKey.Sub(HashKey{Lo: 1})
		query := "Shards[?HashKeyRange.StartingHashKey==`\"" + childStart.String() +
			"\"` && !SequenceNumberRange.EndingSequenceNumber].ShardId"
		return fmt.Sprintf("aws kinesis wait stream-exists --stream-name %s && "+
			"aws kinesis split-shard --stream-name %s --shard-to-split \"$(aws kinesis list-shards --stream-name %s --query '%s' --output text)\" --new-starting-hash-key %s",
			s, s, s, query, a.NewStartingHashKey)
	case ActionMerge:
		return fmt.Sprintf("aws kinesis merge-shards --stream-name %s --shard-to-merge %s --adjacent-shard-to-merge %s",
			s, shellWord(a.ShardID), shellWord(a.AdjacentShardID))
	}
	return ""
}

// shellWord quotes s for a POSIX shell unless it is plainly safe (stream
// names and shard ids always are).
func shellWord(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_.-:/=+@,%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// AdviseReshard proposes splits and merges that bring every shard under
// target, the fraction of a shard's write limit to stay under (e.g. 0.8);
// zero means 1, and values outside (0, 1] count as 1. loads are KeyLoad's
// result for keys, spread, recordsPerSec and bytesPerRecord, which must be
// the same arguments KeyLoad accepted: the loads decide which shards are
// over target, the keys and spread where to cut them.
//
// For each shard above target (by Utilization):
//
//   - Keys that alone are above one shard's limit (HotKey.Unfixable) are
//     left to HotKeys: if the shard's load without them is within target,
//     nothing is advised, and otherwise they are ignored when choosing the
//     cut (the children's utilisations still count them).
//   - If the shard's largest other key alone is above target (but within
//     the limit), the shard is split to isolate it: at the key's hash h
//     (children [start, h−1] and [h, end]) and, when there is load on both
//     sides of the key, a second split of the upper child at h+1, whose
//     ShardID is empty because Kinesis names the child only when the first
//     split is done.
//   - Otherwise it is split at its load midpoint: the hash key below which
//     half of its load lies, spread load being uniform over the range and
//     keys points (a key's records all go to whichever child holds its
//     hash). With only spread load that is the range's Midpoint.
//
// Then adjacent shards, in hash key order and not split above, whose
// combined utilisation is under target/2 are merged, greedily left to
// right, each shard in at most one merge.
//
// The advice is one round: a child still above target (a shard far over,
// or several heavy keys on one shard) says so in Why; apply the actions,
// then compute the new loads and advise again. Actions come in hash key
// order.
func AdviseReshard(loads []ShardLoad, keys []KeyShare, spread float64, recordsPerSec, bytesPerRecord float64, target float64) []Action {
	if !(target > 0 && target <= 1) {
		target = 1
	}
	if len(loads) == 0 {
		return nil
	}
	ls := slices.Clone(loads)
	slices.SortStableFunc(ls, func(a, b ShardLoad) int { return a.Shard.Range.Start.Cmp(b.Shard.Range.Start) })
	starts := make([]HashKey, len(ls))
	for i, l := range ls {
		starts[i] = l.Shard.Range.Start
	}
	// Utilisation per record/s: every record is bytesPerRecord bytes, so
	// a load's utilisation is its records/s times this.
	perRecord := writeUtil(1, bytesPerRecord)
	points := make([][]loadPoint, len(ls))
	for _, k := range keys {
		if !(k.Share > 0) {
			continue
		}
		i := shardIndex(starts, k.Hash)
		if i < 0 || !ls[i].Shard.Range.Contains(k.Hash) {
			continue
		}
		r := k.Share * recordsPerSec
		points[i] = append(points[i], loadPoint{key: k, records: r, unfixable: r*perRecord > 1})
	}
	type placed struct {
		at HashKey
		a  Action
	}
	var out []placed
	split := make([]bool, len(ls))
	for i, l := range ls {
		if !(l.Utilization > target) {
			continue
		}
		slices.SortStableFunc(points[i], func(a, b loadPoint) int { return a.key.Hash.Cmp(b.key.Hash) })
		d := newShardDist(l.Shard.Range, spread*l.Shard.Range.Fraction()*recordsPerSec, points[i])
		for _, a := range adviseSplit(l, d, perRecord, target) {
			at := l.Shard.Range.Start
			if a.ShardID == "" {
				at = a.NewStartingHashKey.Sub(HashKey{Lo: 1})
			}
			out = append(out, placed{at, a})
			split[i] = true
		}
	}
	for i := 0; i+1 < len(ls); i++ {
		a, b := ls[i], ls[i+1]
		if split[i] || split[i+1] || a.Shard.Range.End == MaxHashKey || hashKeyNext(a.Shard.Range.End) != b.Shard.Range.Start {
			continue
		}
		u := writeUtil(a.RecordsPerSec+b.RecordsPerSec, a.BytesPerSec+b.BytesPerSec)
		if !(u < target/2) {
			continue
		}
		out = append(out, placed{a.Shard.Range.Start, Action{
			Action:          ActionMerge,
			ShardID:         a.Shard.ID,
			AdjacentShardID: b.Shard.ID,
			Why: fmt.Sprintf("%s and %s are at %s and %s of a shard's write limit; merged they are at %s, under half the target of %s",
				a.Shard.ID, b.Shard.ID, pct(a.Utilization), pct(b.Utilization), pct(u), pct(target)),
			Utilization: []float64{u},
		}})
		i++
	}
	slices.SortStableFunc(out, func(a, b placed) int { return a.at.Cmp(b.at) })
	acts := make([]Action, len(out))
	for i, p := range out {
		acts[i] = p.a
	}
	return acts
}

// loadPoint is one key's load on a shard.
type loadPoint struct {
	key       KeyShare
	records   float64
	unfixable bool
}

// shardDist is a shard's load as a distribution over its range: spread
// records/s uniform over the range plus points (sorted by hash).
type shardDist struct {
	r      HashKeyRange
	size   float64  // keys in the range, as a float
	sizeB  *big.Int // keys in the range, exactly
	spread float64
	points []loadPoint
}

func newShardDist(r HashKeyRange, spread float64, points []loadPoint) shardDist {
	n := new(big.Int).Sub(r.End.Big(), r.Start.Big())
	n.Add(n, big.NewInt(1))
	return shardDist{r: r, size: r.End.Sub(r.Start).Float64() + 1, sizeB: n, spread: spread, points: points}
}

// total is the shard's records/s.
func (d *shardDist) total() float64 {
	t := d.spread
	for _, p := range d.points {
		t += p.records
	}
	return t
}

// below is the records/s that hash below s, which must lie in the range.
func (d *shardDist) below(s HashKey) float64 {
	l := d.spread * s.Sub(d.r.Start).Float64() / d.size
	for _, p := range d.points {
		if !p.key.Hash.Less(s) {
			break
		}
		l += p.records
	}
	return l
}

// fixable is d without the unfixable keys.
func (d *shardDist) fixable() shardDist {
	f := *d
	f.points = nil
	for _, p := range d.points {
		if !p.unfixable {
			f.points = append(f.points, p)
		}
	}
	return f
}

// midpoint returns the split key in (start, end] below which half of d's
// load lies, as near as whole hash keys and whole keys' loads allow. The
// range must hold at least two hash keys.
func (d *shardDist) midpoint() HashKey {
	total := d.total()
	half := total / 2
	lo := hashKeyNext(d.r.Start) // the lowest allowed cut
	cum := 0.0                   // records/s of the keys below lo
	for _, p := range d.points {
		h := p.key.Hash
		// Cuts in [lo, h] leave p above; the spread alone moves the load.
		if !h.Less(lo) {
			if s, ok := d.spreadCut(half-cum, lo, h); ok {
				return s
			}
		}
		// At h the load below jumps by p's records: cut just before or
		// just after p, whichever balances the children better.
		lp := d.below(h)
		if lp+p.records >= half {
			canBefore := d.r.Start.Less(h)
			canAfter := h.Less(d.r.End)
			if !canAfter {
				return h
			}
			after := hashKeyNext(h)
			la := d.below(after)
			if canBefore && max(lp, total-lp) <= max(la, total-la) {
				return h
			}
			return after
		}
		cum += p.records
		if h == d.r.End {
			break
		}
		if next := hashKeyNext(h); lo.Less(next) {
			lo = next
		}
	}
	if s, ok := d.spreadCut(half-cum, lo, d.r.End); ok {
		return s
	}
	// Only float noise gets here (the load never reached half): cut in
	// the middle of what is left.
	return HashKeyRange{Start: lo, End: d.r.End}.Midpoint()
}

// spreadCut finds the cut s in [lo, hi] at which the spread below s is
// need records/s: start + floor(need/spread × size), clamped up to lo. It
// reports false when that cut lies above hi or there is no spread.
func (d *shardDist) spreadCut(need float64, lo, hi HashKey) (HashKey, bool) {
	if !(d.spread > 0) {
		return HashKey{}, false
	}
	f := max(need/d.spread, 0)
	if f >= 1 {
		f = 1
	}
	off := new(big.Float).SetPrec(256).SetInt(d.sizeB)
	off.Mul(off, new(big.Float).SetPrec(256).SetFloat64(f))
	o, _ := off.Int(nil)
	o.Add(o, d.r.Start.Big())
	if o.Cmp(hi.Big()) > 0 {
		return HashKey{}, false
	}
	s := hashKeyFromBig(o)
	if s.Less(lo) {
		s = lo
	}
	return s, true
}

// adviseSplit plans the split (or two) of one shard over target.
func adviseSplit(l ShardLoad, d shardDist, perRecord, target float64) []Action {
	r := l.Shard.Range
	if r.Start == r.End {
		return nil
	}
	id := l.Shard.ID
	total := d.total()
	fix := d.fixable()
	var unfixable []string
	for _, p := range d.points {
		if p.unfixable {
			unfixable = append(unfixable, fmt.Sprintf("%q", keyLabel(p.key)))
		}
	}
	if fix.total()*perRecord <= target {
		return nil // only unfixable keys put it over: HotKeys reports them
	}
	note := ""
	if len(unfixable) > 0 {
		note = fmt.Sprintf("; key %s alone is above one shard's limit and stays throttled until it is salted (see the hot keys)",
			strings.Join(unfixable, ", "))
	}
	head := fmt.Sprintf("%s is at %s of a shard's write limit, above the target of %s", id, pct(l.Utilization), pct(target))
	var topKey *loadPoint
	for i := range fix.points {
		if p := &fix.points[i]; topKey == nil || p.records > topKey.records {
			topKey = p
		}
	}
	if topKey != nil && topKey.records*perRecord > target {
		return isolate(l, d, *topKey, perRecord, head, note)
	}
	s := fix.midpoint()
	left := d.below(s)
	us := []float64{left * perRecord, (total - left) * perRecord}
	why := fmt.Sprintf("%s, and no single key explains it: split where half of its load lies below, giving children at %s and %s",
		head, pct(us[0]), pct(us[1]))
	if us[0] > target || us[1] > target {
		why += "; a child is still above the target: advise again once the split is done"
	}
	return []Action{{Action: ActionSplit, ShardID: id, NewStartingHashKey: &s, Why: why + note, Utilization: us}}
}

// isolate splits a shard so that key p has a shard of its own.
func isolate(l ShardLoad, d shardDist, p loadPoint, perRecord float64, head, note string) []Action {
	r, id, h := l.Shard.Range, l.Shard.ID, p.key.Hash
	total := d.total()
	// Loads below h, of [h, h] and above h, in records/s; a side with a
	// negligible load needs no cut.
	lower := d.below(h)
	keyLoad, upper := total-lower, 0.0
	if h.Less(r.End) {
		upper = total - d.below(hashKeyNext(h))
		keyLoad -= upper
	}
	const negligible = 1e-9
	cutBelow := r.Start.Less(h) && lower > negligible*total
	cutAbove := h.Less(r.End) && upper > negligible*total
	label := keyLabel(p.key)
	head = fmt.Sprintf("%s; key %q alone is at %s, above the target but within one shard's limit", head, label, pct(p.records*perRecord))
	switch {
	case cutBelow && cutAbove:
		after := hashKeyNext(h)
		return []Action{{
			Action: ActionSplit, ShardID: id, NewStartingHashKey: &h,
			Why: fmt.Sprintf("%s: split at its hash key to isolate it, then split the upper child at the next hash key (the next action)%s",
				head, note),
			Utilization: []float64{lower * perRecord, (total - lower) * perRecord},
		}, {
			Action: ActionSplit, NewStartingHashKey: &after,
			Why: fmt.Sprintf("second split isolating key %q: split the upper child of the previous split (the shard that starts at the key's hash key %s) just after the key, leaving the key on a shard of its own",
				label, h),
			Utilization: []float64{keyLoad * perRecord, upper * perRecord},
		}}
	case cutBelow:
		return []Action{{
			Action: ActionSplit, ShardID: id, NewStartingHashKey: &h,
			Why:         fmt.Sprintf("%s: split at its hash key to isolate it (nothing hashes above it on this shard)%s", head, note),
			Utilization: []float64{lower * perRecord, (total - lower) * perRecord},
		}}
	case cutAbove:
		after := hashKeyNext(h)
		return []Action{{
			Action: ActionSplit, ShardID: id, NewStartingHashKey: &after,
			Why:         fmt.Sprintf("%s: split just after its hash key to isolate it (nothing hashes below it on this shard)%s", head, note),
			Utilization: []float64{(total - upper) * perRecord, upper * perRecord},
		}}
	}
	return nil // the key is already alone on its shard
}

// pct formats a utilisation as a percentage.
func pct(u float64) string {
	v := u * 100
	if math.Abs(v) >= 10 {
		return fmt.Sprintf("%.0f%%", v)
	}
	return fmt.Sprintf("%.1f%%", v)
}
