package kinesis

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spillway-dev/spillway/model"
)

// Reading a stream by polling GetRecords, one goroutine per shard, parents
// before children.

const (
	// getRecordsLimit is the most records one GetRecords call may ask for.
	getRecordsLimit = 10000
	// getRecordsMinGap keeps one shard's calls at 5/s at most, the
	// GetRecords limit per shard.
	getRecordsMinGap = 200 * time.Millisecond
	// Defaults for ReadOptions fields left zero.
	defaultPollInterval = 200 * time.Millisecond
	defaultListInterval = 5 * time.Second
	// A throttled or failed call is retried after readBackoffFirst,
	// doubling up to readBackoffMax.
	readBackoffFirst = time.Second
	readBackoffMax   = 10 * time.Second
)

// ReadOptions shape a polling read of the whole stream.
type ReadOptions struct {
	// FromStart reads each shard from TRIM_HORIZON (a stream spillway just
	// created); otherwise from AT_TIMESTAMP Since.
	FromStart bool
	// Since is where a read not FromStart begins; it must be set then, and
	// not be in the future by the service's clock.
	Since time.Time
	// PollInterval is the wait between GetRecords calls on one shard while
	// it has nothing new; 0 means 200 ms (5 calls/s per shard, the
	// GetRecords limit). When a call returns records, poll again at once
	// but never faster than 5 calls/s per shard.
	PollInterval time.Duration
	// ListInterval is how often shards are listed again to find children;
	// 0 means 5 s.
	ListInterval time.Duration
}

// ReadRecord is one record as read.
type ReadRecord struct {
	ShardID, PartitionKey, SequenceNumber string
	Data                                  []byte
	ReadAt                                time.Time // when GetRecords returned it, or its SubscribeToShard event arrived (the client's clock)
}

// ReadStats counts what the readers did (for results): GetRecords calls,
// records read, throttled calls and other failed calls (GetRecords,
// GetShardIterator, ListShards and ReadEFO's calls alike; an expired
// iterator counts as an error).
type ReadStats struct {
	GetRecordsCalls, Records, Throttles, Errors int64
	// Subscriptions counts ReadEFO's SubscribeToShard calls, answered or
	// failed (a renewal is a call; the events of one are not).
	Subscriptions int64
	// IteratorAgeMaxMs is the largest iterator age seen, in milliseconds:
	// CloudWatch's GetRecords.IteratorAgeMilliseconds, the age of the last
	// record a call returned (by the server's ApproximateArrivalTimestamp),
	// or MillisBehindLatest when that is larger.
	IteratorAgeMaxMs int64
}

// readCounters are a Target's ReadStats as they accrue.
type readCounters struct {
	calls, records, throttles, errors atomic.Int64
	subscriptions                     atomic.Int64
	ageMaxMs                          atomic.Int64
}

// age records one call's iterator age, keeping the largest.
func (c *readCounters) age(ms int64) {
	for {
		old := c.ageMaxMs.Load()
		if ms <= old || c.ageMaxMs.CompareAndSwap(old, ms) {
			return
		}
	}
}

func (t *Target) ReadStats() ReadStats {
	c := &t.reads
	return ReadStats{
		GetRecordsCalls:  c.calls.Load(),
		Records:          c.records.Load(),
		Throttles:        c.throttles.Load(),
		Errors:           c.errors.Load(),
		Subscriptions:    c.subscriptions.Load(),
		IteratorAgeMaxMs: c.ageMaxMs.Load(),
	}
}

// Read polls every shard of the stream until ctx ends, calling fn for each
// record (from several goroutines: fn must be safe for concurrent use; one
// shard's records come in order from one goroutine). It follows
// resharding: a shard whose parent(s) are still open/unfinished waits until
// they are drained (NextShardIterator nil) — parents before children, so
// per-key order holds — and new shards are found by listing again
// (kinesalite gives no ChildShards) and from ChildShards in GetRecords
// answers (kinesis-local). Throttling (ProvisionedThroughputExceededException)
// and transport errors back off (1 s, doubling to 10 s) and retry; an
// expired iterator (ExpiredIteratorException) is renewed
// AFTER_SEQUENCE_NUMBER of the last record read (or the original position
// if none). Returns nil when ctx ends (ctx.Err() is not an error here), or
// an error only for something that cannot be retried (e.g.
// ResourceNotFoundException).
func (t *Target) Read(ctx context.Context, o ReadOptions, fn func(ReadRecord)) error {
	if !o.FromStart && o.Since.IsZero() {
		return errors.New("kinesis: Read: ReadOptions needs FromStart or Since")
	}
	if o.PollInterval <= 0 {
		o.PollInterval = defaultPollInterval
	}
	if o.ListInterval <= 0 {
		o.ListInterval = defaultListInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{
		t: t, o: o, fn: fn, c: &t.reads,
		events: make(chan shardEvent),
		listed: make(chan listResult),
		relist: make(chan struct{}, 1),
		shards: map[string]*shardState{},
	}
	r.readFn = r.readShard
	err := r.run(ctx)
	cancel()
	r.wg.Wait()
	return err
}

// reader is one Read (or ReadEFO) call.
type reader struct {
	t  *Target
	o  ReadOptions
	fn func(ReadRecord)
	c  *readCounters
	wg sync.WaitGroup
	// readFn reads one shard until it is drained or ctx ends, telling the
	// coordinator through send: readShard, or ReadEFO's subscriber.
	readFn func(ctx context.Context, id string)

	events chan shardEvent // from the shard goroutines
	listed chan listResult // from the lister
	relist chan struct{}   // asks the lister to list now
	// listGen counts listings begun; a listing with a larger number than
	// listGen had when a shard was heard of began after it.
	listGen atomic.Int64

	// Of the coordinating goroutine (run) only.
	shards map[string]*shardState
}

// shardState is what the coordinator knows of one shard.
type shardState struct {
	parents []string
	// placeholder is a parent heard of only from a child's ChildShards
	// entry: it is not read until a listing shows it, and counts as
	// drained if a listing begun after needGen does not.
	placeholder bool
	needGen     int64
	started     bool
	done        bool
}

// shardEvent is a shard goroutine's news: children it found, its end, or
// an error that cannot be retried.
type shardEvent struct {
	id       string
	children []types.ChildShard
	done     bool
	err      error
}

// listResult is one complete listing of the stream's shards.
type listResult struct {
	gen    int64
	shards []types.Shard
	err    error
}

// run coordinates until ctx ends or an error cannot be retried.
func (r *reader) run(ctx context.Context) error {
	r.wg.Go(func() { r.lister(ctx) })
	for {
		select {
		case <-ctx.Done():
			return nil
		case res := <-r.listed:
			if res.err != nil {
				return res.err
			}
			r.onListing(res)
		case ev := <-r.events:
			if ev.err != nil {
				return ev.err
			}
			r.onEvent(ev)
		}
		r.startReady(ctx)
	}
}

// onListing adds the listed shards and settles placeholders.
func (r *reader) onListing(res listResult) {
	seen := make(map[string]bool, len(res.shards))
	for _, s := range res.shards {
		id := aws.ToString(s.ShardId)
		seen[id] = true
		var parents []string
		for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
			if aws.ToString(p) != "" {
				parents = append(parents, *p)
			}
		}
		st := r.shards[id]
		switch {
		case st == nil:
			r.shards[id] = &shardState{parents: parents}
		case st.placeholder:
			st.placeholder, st.parents = false, parents
		}
	}
	for id, st := range r.shards {
		if st.placeholder && !seen[id] && res.gen >= st.needGen {
			// Gone (past retention): nothing left to read before its children.
			st.placeholder, st.done = false, true
		}
	}
}

// onEvent records a shard's children or its end.
func (r *reader) onEvent(ev shardEvent) {
	for _, c := range ev.children {
		id := aws.ToString(c.ShardId)
		if id == "" || r.shards[id] != nil {
			continue
		}
		r.shards[id] = &shardState{parents: c.ParentShards}
		for _, p := range c.ParentShards {
			if r.shards[p] == nil {
				r.shards[p] = &shardState{placeholder: true, needGen: r.listGen.Load() + 1}
				r.listNow()
			}
		}
	}
	if ev.done {
		r.shards[ev.id].done = true
		// Its children are due: list now unless they are known already.
		if !r.hasChild(ev.id) {
			r.listNow()
		}
	}
}

// hasChild reports whether a known shard names id as a parent.
func (r *reader) hasChild(id string) bool {
	for _, st := range r.shards {
		for _, p := range st.parents {
			if p == id {
				return true
			}
		}
	}
	return false
}

// listNow asks the lister for a listing soon.
func (r *reader) listNow() {
	select {
	case r.relist <- struct{}{}:
	default:
	}
}

// startReady starts reading each shard whose parents are drained (or were
// never known: trimmed before the read began).
func (r *reader) startReady(ctx context.Context) {
	for _, id := range r.ready() {
		r.shards[id].started = true
		r.wg.Go(func() { r.readFn(ctx, id) })
	}
}

// ready lists the shards due to be read and not started yet.
func (r *reader) ready() []string {
	var ids []string
	for id, st := range r.shards {
		if !st.started && !st.done && !st.placeholder && r.parentsDone(st) {
			ids = append(ids, id)
		}
	}
	return ids
}

func (r *reader) parentsDone(st *shardState) bool {
	for _, p := range st.parents {
		if ps := r.shards[p]; ps != nil && !ps.done {
			return false
		}
	}
	return true
}

// send hands ev to the coordinator unless ctx ends first.
// deliver calls fn for each record read from shard id at at, and counts
// them and the iterator age: CloudWatch's, the age of the last record
// returned, or how far behind the tip the read is when that is more.
func (r *reader) deliver(id string, recs []types.Record, millisBehind *int64, at time.Time) {
	for _, rec := range recs {
		r.fn(ReadRecord{
			ShardID:        id,
			PartitionKey:   aws.ToString(rec.PartitionKey),
			SequenceNumber: aws.ToString(rec.SequenceNumber),
			Data:           rec.Data,
			ReadAt:         at,
		})
	}
	age := aws.ToInt64(millisBehind)
	if n := len(recs); n > 0 && recs[n-1].ApproximateArrivalTimestamp != nil {
		age = max(age, at.Sub(*recs[n-1].ApproximateArrivalTimestamp).Milliseconds())
	}
	r.c.age(age)
	r.c.records.Add(int64(len(recs)))
}

func (r *reader) send(ctx context.Context, ev shardEvent) {
	select {
	case r.events <- ev:
	case <-ctx.Done():
	}
}

// lister lists the stream's shards now, every ListInterval and when
// asked, until ctx ends or a listing fails for good.
func (r *reader) lister(ctx context.Context) {
	tick := time.NewTicker(r.o.ListInterval)
	defer tick.Stop()
	for {
		gen := r.listGen.Add(1)
		shards, err := r.listShards(ctx)
		if ctx.Err() != nil {
			return
		}
		select {
		case r.listed <- listResult{gen: gen, shards: shards, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-r.relist:
		}
	}
}

// listShards lists every shard of the stream, closed ones included,
// retrying throttles and transport errors.
func (r *reader) listShards(ctx context.Context) ([]types.Shard, error) {
	var b backoff
	for {
		shards, err := r.listOnce(ctx)
		if err == nil || ctx.Err() != nil {
			return shards, err
		}
		switch r.count(err) {
		case readRetry, readExpired:
			if !sleepCtx(ctx, b.next()) {
				return nil, ctx.Err()
			}
		default:
			return nil, fmt.Errorf("kinesis: Read: listing the shards of %s: %w", r.t.stream, err)
		}
	}
}

// listOnce is one listing, following NextToken.
func (r *reader) listOnce(ctx context.Context) ([]types.Shard, error) {
	var all []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(r.t.stream)}
	for {
		res, err := r.t.client.ListShards(ctx, in)
		if err != nil {
			return nil, err
		}
		all = append(all, res.Shards...)
		if aws.ToString(res.NextToken) == "" {
			return all, nil
		}
		// The API takes NextToken without the stream name.
		in = &kinesis.ListShardsInput{NextToken: res.NextToken}
	}
}

// readShard reads shard id until it is drained, ctx ends or an error
// cannot be retried, and tells the coordinator.
func (r *reader) readShard(ctx context.Context, id string) {
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(r.t.stream), ShardId: aws.String(id)}
	if r.o.FromStart {
		in.ShardIteratorType = types.ShardIteratorTypeTrimHorizon
	} else {
		in.ShardIteratorType = types.ShardIteratorTypeAtTimestamp
		in.Timestamp = aws.Time(r.o.Since)
	}
	p := pacer{minGap: getRecordsMinGap, idle: r.o.PollInterval}
	var (
		b      backoff
		iter   *string
		nextAt time.Time
	)
	for {
		if iter == nil {
			res, err := r.t.client.GetShardIterator(ctx, in)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				if r.count(err) == readFatal {
					r.send(ctx, shardEvent{id: id, err: fmt.Errorf("kinesis: Read: GetShardIterator(%s): %w", id, err)})
					return
				}
				if !sleepCtx(ctx, b.next()) {
					return
				}
				continue
			}
			if res.ShardIterator == nil { // nothing to read from here on
				r.send(ctx, shardEvent{id: id, done: true})
				return
			}
			iter = res.ShardIterator
		}
		if !sleepUntil(ctx, nextAt) {
			return
		}
		start := time.Now()
		res, err := r.t.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(getRecordsLimit)})
		end := time.Now()
		if ctx.Err() != nil {
			return // whatever it answered, the caller is gone
		}
		r.c.calls.Add(1)
		if err != nil {
			switch r.count(err) {
			case readExpired:
				iter = nil // renewed from in, moved past each record read
				nextAt = start.Add(p.minGap)
			case readRetry:
				nextAt = end.Add(b.next())
			default:
				r.send(ctx, shardEvent{id: id, err: fmt.Errorf("kinesis: Read: GetRecords(%s): %w", id, err)})
				return
			}
			continue
		}
		b.reset()
		r.deliver(id, res.Records, res.MillisBehindLatest, end)
		if n := len(res.Records); n > 0 {
			in.ShardIteratorType = types.ShardIteratorTypeAfterSequenceNumber
			in.StartingSequenceNumber = res.Records[n-1].SequenceNumber
			in.Timestamp = nil
		}
		if len(res.ChildShards) > 0 {
			r.send(ctx, shardEvent{id: id, children: res.ChildShards})
		}
		if res.NextShardIterator == nil {
			r.send(ctx, shardEvent{id: id, done: true})
			return
		}
		iter = res.NextShardIterator
		nextAt = p.next(start, end, len(res.Records), aws.ToInt64(res.MillisBehindLatest))
	}
}

// What to do about a failed call.
const (
	readFatal   = iota // give up: Read returns the error
	readRetry          // back off and try again
	readExpired        // get a new iterator
)

// count counts a failed call in the stats and says what to do about it.
func (r *reader) count(err error) int {
	kind, throttled := readErrorKind(err)
	if throttled {
		r.c.throttles.Add(1)
	} else {
		r.c.errors.Add(1)
	}
	return kind
}

// readErrorKind classifies a failed read-side call, and whether it was
// throttled.
func readErrorKind(err error) (kind int, throttled bool) {
	switch code := Classify(err); code {
	case model.ErrThroughputExceeded, "LimitExceededException", "KMSThrottlingException":
		return readRetry, true
	case "ExpiredIteratorException":
		return readExpired, false
	case ErrTransport, ErrServer, "ServiceUnavailable", model.ErrServiceUnavailable,
		"InternalServerError", "ExpiredNextTokenException":
		return readRetry, false
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return readRetry, false
	}
	return readFatal, false
}

// pacer says when to call GetRecords next on one shard.
type pacer struct {
	// minGap is the least time from one call's start to the next's.
	minGap time.Duration
	// idle is the wait after a call that found nothing new.
	idle time.Duration
}

// next is when to call again after a call that began at start, returned at
// end with records records, behind milliseconds behind the tip. A call that
// found records, or found none while the shard holds more, is followed at
// once; one that found nothing waits idle. Calls are never closer than
// minGap.
func (p pacer) next(start, end time.Time, records int, behind int64) time.Time {
	at := start.Add(p.minGap)
	if records == 0 && behind == 0 {
		if idle := end.Add(p.idle); idle.After(at) {
			at = idle
		}
	}
	return at
}

// backoff is a retry wait: readBackoffFirst, doubling to readBackoffMax.
type backoff struct{ wait time.Duration }

func (b *backoff) next() time.Duration {
	b.wait = min(max(2*b.wait, readBackoffFirst), readBackoffMax)
	return b.wait
}

func (b *backoff) reset() { b.wait = 0 }

// sleepCtx waits d, and reports false if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// sleepUntil waits until at, and reports false if ctx ends first.
func sleepUntil(ctx context.Context, at time.Time) bool {
	return sleepCtx(ctx, time.Until(at))
}
