// Package kinesis is the loadgen.Target for Amazon Kinesis Data Streams, on
// aws-sdk-go-v2. It leaves every retry to spillway's own policy, so that
// throttles and failures come back as data, and attributes failed records
// to shards on the client side from the stream's hash key ranges.
package kinesis

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
	"github.com/spillway-dev/spillway/model"
)

// Defaults for Options fields left zero.
const (
	defaultRequestTimeout = 10 * time.Second
	defaultMaxConns       = 256
)

// Waiting for a stream to become ACTIVE polls with this backoff.
const (
	waitFirst = 100 * time.Millisecond
	waitMax   = 2 * time.Second
)

// Options configures a Target.
type Options struct {
	// Region is the AWS region; "" means the SDK's usual chain (AWS_REGION,
	// the profile), and us-east-1 if that finds none.
	Region string
	// Profile is the shared config profile; "" means the default chain
	// (AWS_PROFILE etc.).
	Profile string
	// Endpoint is the service's base URL, e.g. http://127.0.0.1:4567; ""
	// means AWS (or AWS_ENDPOINT_URL_KINESIS, which the SDK reads itself).
	Endpoint string
	// Stream is the stream's name.
	Stream string
	// RequestTimeout bounds one HTTP request, from sending it to reading
	// the whole answer; 0 means 10 s.
	RequestTimeout time.Duration
	// MaxConns is the most connections per host; 0 means 256.
	MaxConns int
	// AccessKeyID and SecretAccessKey are static credentials for tests and
	// local endpoints; empty means the standard chain. They are handed to
	// the SDK and kept nowhere else.
	AccessKeyID, SecretAccessKey string
	// CAFile is a PEM file of root certificates to trust besides the usual
	// ones (the system's, or AWS_CA_BUNDLE's), for an HTTPS Endpoint with
	// its own certificate, e.g. kinesis-local's TLS port, which ReadEFO
	// needs for HTTP/2. "" adds none.
	CAFile string
}

// Target is a Kinesis data stream as a loadgen.Target (and ShardLister and
// Namer). Its methods are safe for concurrent use.
type Target struct {
	client *kinesis.Client
	stream string

	// shards maps hash keys to open shards, for records whose answer
	// names no shard. mapTried is set once PutRecords has tried to fill an
	// empty map itself, so that a failing ListShards is not repeated on
	// every request.
	mu       sync.RWMutex
	shards   []shardRange
	mapTried atomic.Bool
	// listedAt is when ListShards last answered and reshardedAt when this
	// target last started a resharding (Unix nanoseconds, 0 never): for a
	// while after a resharding, the map is listed again as it changes.
	listedAt, reshardedAt atomic.Int64

	// reads accrues ReadStats over every Read and ReadEFO.
	reads readCounters
	// subscribeHTTP is the HTTP client for SubscribeToShard (efo.go).
	subscribeHTTP sdkhttp.Doer
}

// shardRange is an open shard and the first hash key it owns.
type shardRange struct {
	start model.HashKey
	id    string
}

// New loads the AWS configuration and makes a Target on o.Stream. It
// sends no request.
func New(ctx context.Context, o Options) (*Target, error) {
	if o.Stream == "" {
		return nil, errors.New("kinesis: no stream name")
	}
	cfg, err := sdkhttp.LoadConfig(ctx, "kinesis", o.Region, o.Profile, o.AccessKeyID, o.SecretAccessKey)
	if err != nil {
		return nil, err
	}
	timeout := cmp.Or(o.RequestTimeout, defaultRequestTimeout)
	pooled := sdkhttp.PooledClient(cfg, cmp.Or(o.MaxConns, defaultMaxConns))
	if o.CAFile != "" {
		if pooled, err = withRootCAs(pooled, o.CAFile); err != nil {
			return nil, err
		}
	}
	// Every call but SubscribeToShard goes over HTTP/1.1: over HTTP/2
	// sdkhttp.KeepBodyClient would hold a response until the exchange ended, which
	// for answers above the stream's 4 MiB flow-control window (GetRecords
	// returns up to 10 MiB) is never. SubscribeToShard, which needs HTTP/2,
	// has its own client (subscribeClient).
	httpClient := pooled.WithTransportOptions(func(t *http.Transport) {
		t.ForceAttemptHTTP2 = false
		t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		if t.TLSClientConfig != nil { // it may offer h2 in ALPN already
			t.TLSClientConfig = t.TLSClientConfig.Clone()
			t.TLSClientConfig.NextProtos = []string{"http/1.1"}
		}
	}).WithTimeout(timeout)

	client := kinesis.NewFromConfig(cfg, func(so *kinesis.Options) {
		so.HTTPClient = sdkhttp.KeepBodyClient{Next: httpClient}
		so.Protocol = putRecordsProtocol{so.Protocol}
		// Retries are spillway's: the scenario's retry policy must see
		// every throttle and failure, each attempt measured. The SDK's
		// standard retryer would retry throttles itself (3 attempts
		// against a 500-token quota, then fail fast), hiding them and
		// inflating latency. RetryMaxAttempts (AWS_MAX_ATTEMPTS) would
		// wrap the retryer again, so clear it too.
		so.Retryer = aws.NopRetryer{}
		so.RetryMaxAttempts = 0
		// Packages below cmd never print: the SDK's default logger writes
		// warnings (e.g. an answer cut short) to stderr.
		so.Logger = logging.Nop{}
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	return &Target{client: client, stream: o.Stream, subscribeHTTP: subscribeClient(pooled, timeout)}, nil
}

// Name is the target's name in results: "kinesis".
func (t *Target) Name() string { return "kinesis" }

// Client is the SDK client, for readers and tests.
func (t *Target) Client() *kinesis.Client { return t.client }

// PutRecords sends recs with one PutRecords call, or PutRecord for a single
// record, and fills out[i] for recs[i]. A throttled PutRecord is an outcome,
// as a throttled PutRecords entry is. Failed records get the shard their
// hash key falls in, when the shard map is known. A failed request returns
// the caller's context error if that context has ended, else an error
// whose ErrorCode() is its Classify code (when it has one).
func (t *Target) PutRecords(ctx context.Context, recs []loadgen.Record, out []loadgen.Outcome) error {
	switch len(recs) {
	case 0:
		return nil
	case 1:
		return t.putRecord(ctx, recs[:1], out[:1])
	}
	// The request points into recs (no copy of each key) and reuses its
	// entries: the SDK is done with both when PutRecords returns.
	ep, _ := entryPool.Get().(*[]types.PutRecordsRequestEntry)
	if ep == nil {
		ep = new([]types.PutRecordsRequestEntry)
	}
	defer func() { clear(*ep); entryPool.Put(ep) }()
	entries := (*ep)[:0]
	for i := range recs {
		r := &recs[i]
		e := types.PutRecordsRequestEntry{Data: r.Data, PartitionKey: &r.PartitionKey}
		if r.ExplicitHashKey != "" {
			e.ExplicitHashKey = &r.ExplicitHashKey
		}
		entries = append(entries, e)
	}
	*ep = entries
	// The body is written into a recycled buffer, about 200 B a record
	// that would otherwise be garbage, and the answer decoded straight into
	// out (putRecordsProtocol). The buffer can be used again once the
	// transport has closed the request body, which sdkhttp.KeepBodyClient
	// waits for unless ctx has ended.
	pc, _ := callPool.Get().(*putCall)
	if pc == nil {
		pc = new(putCall)
	}
	pc.out = out[:len(recs)]
	res, err := t.client.PutRecords(context.WithValue(ctx, putCallKey{}, pc), &kinesis.PutRecordsInput{StreamName: &t.stream, Records: entries})
	decoded, n := pc.decoded, pc.entries
	pc.out, pc.decoded, pc.entries = nil, false, 0
	if ctx.Err() == nil {
		callPool.Put(pc)
	}
	if err != nil {
		return requestError(ctx, err)
	}
	if !decoded { // decoded by the SDK
		n = len(res.Records)
		if n == len(recs) {
			for i, e := range res.Records {
				out[i] = outcome(aws.ToString(e.ShardId), aws.ToString(e.SequenceNumber), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
			}
		}
	}
	if n != len(recs) {
		return fmt.Errorf("kinesis: PutRecords answered %d entries for %d records", n, len(recs))
	}
	failed := false
	for i := range recs {
		if out[i].ErrorCode != "" {
			failed = true
			break
		}
	}
	if failed {
		t.attribute(ctx, recs, out)
	}
	return nil
}

// outcome is the outcome of a PutRecords answer's entry: a failure when
// it has an error code, else a success.
func outcome(shard, seq, code, msg string) loadgen.Outcome {
	if code != "" {
		return loadgen.Outcome{ShardID: shard, ErrorCode: code, ErrorMessage: msg}
	}
	return loadgen.Outcome{ShardID: shard, SequenceNumber: seq}
}

// entryPool recycles PutRecords request entries between calls, and
// callPool their putCall (and so their bodies).
var entryPool, callPool sync.Pool // *[]types.PutRecordsRequestEntry, *putCall

// putRecord is PutRecords for the one record of recs.
func (t *Target) putRecord(ctx context.Context, recs []loadgen.Record, out []loadgen.Outcome) error {
	r := &recs[0]
	in := &kinesis.PutRecordInput{StreamName: aws.String(t.stream), Data: r.Data, PartitionKey: aws.String(r.PartitionKey)}
	if r.ExplicitHashKey != "" {
		in.ExplicitHashKey = aws.String(r.ExplicitHashKey)
	}
	res, err := t.client.PutRecord(ctx, in)
	if err == nil {
		out[0] = loadgen.Outcome{ShardID: aws.ToString(res.ShardId), SequenceNumber: aws.ToString(res.SequenceNumber)}
		return nil
	}
	var apiErr smithy.APIError
	if ctx.Err() == nil && errors.As(err, &apiErr) && apiErr.ErrorCode() == model.ErrThroughputExceeded {
		out[0] = loadgen.Outcome{ErrorCode: apiErr.ErrorCode(), ErrorMessage: apiErr.ErrorMessage()}
		t.attribute(ctx, recs, out)
		return nil
	}
	return requestError(ctx, err)
}

// After a resharding this target started, the shard map is listed again
// at most every mapRefresh while failed records need their shard, for
// mapRefreshFor (UpdateShardCount takes "a few minutes").
const (
	mapRefresh    = 2 * time.Second
	mapRefreshFor = 10 * time.Minute
)

// attribute sets the shard of each failed outcome without one from the
// shard map, loading the map first if it is empty and no earlier request
// tried to, or again if a resharding may have changed it.
func (t *Target) attribute(ctx context.Context, recs []loadgen.Record, out []loadgen.Outcome) {
	t.mu.RLock()
	empty := len(t.shards) == 0
	t.mu.RUnlock()
	now := time.Now().UnixNano()
	resharded := t.reshardedAt.Load()
	switch {
	case empty && t.mapTried.CompareAndSwap(false, true):
		_, _ = t.ListShards(ctx) // on failure, shards stay unknown
	case resharded != 0 && now-resharded < int64(mapRefreshFor):
		// One caller lists; the others use the map as it is.
		if last := t.listedAt.Load(); now-last > int64(mapRefresh) && t.listedAt.CompareAndSwap(last, now) {
			_, _ = t.ListShards(ctx)
		}
	}
	for i := range out {
		if out[i].ErrorCode != "" && out[i].ShardID == "" {
			out[i].ShardID = t.shardOf(&recs[i])
		}
	}
}

// shardOf is the open shard that owns r's hash key: its ExplicitHashKey,
// else the MD5 of its partition key. It is "" if the map is empty or the
// explicit hash key is malformed.
func (t *Target) shardOf(r *loadgen.Record) string {
	h := model.HashPartitionKey(r.PartitionKey)
	if r.ExplicitHashKey != "" {
		var err error
		if h, err = model.ParseHashKey(r.ExplicitHashKey); err != nil {
			return ""
		}
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	// The last shard starting at or below h.
	i, found := slices.BinarySearchFunc(t.shards, h, func(s shardRange, h model.HashKey) int { return s.start.Cmp(h) })
	if !found {
		i--
	}
	if i < 0 {
		return ""
	}
	return t.shards[i].id
}

// ListShards lists the stream's open shards, following NextToken, in hash
// key order, and refreshes the shard map with them. Shards closed by
// resharding take no more writes and are left out.
func (t *Target) ListShards(ctx context.Context) ([]loadgen.Shard, error) {
	type keyed struct {
		start model.HashKey
		shard loadgen.Shard
	}
	var open, closed []keyed
	in := &kinesis.ListShardsInput{StreamName: aws.String(t.stream)}
	for {
		res, err := t.client.ListShards(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, s := range res.Shards {
			if s.HashKeyRange == nil {
				return nil, fmt.Errorf("kinesis: ListShards: shard %s has no hash key range", aws.ToString(s.ShardId))
			}
			sh := loadgen.Shard{
				ID:              aws.ToString(s.ShardId),
				StartingHashKey: aws.ToString(s.HashKeyRange.StartingHashKey),
				EndingHashKey:   aws.ToString(s.HashKeyRange.EndingHashKey),
				State:           "OPEN",
			}
			for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
				if aws.ToString(p) != "" {
					sh.Parents = append(sh.Parents, aws.ToString(p))
				}
			}
			start, err := model.ParseHashKey(sh.StartingHashKey)
			if err != nil {
				return nil, fmt.Errorf("kinesis: ListShards: shard %s: %w", sh.ID, err)
			}
			if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
				sh.State = "CLOSED"
				closed = append(closed, keyed{start, sh})
				continue
			}
			open = append(open, keyed{start, sh})
		}
		if aws.ToString(res.NextToken) == "" {
			break
		}
		// The API takes NextToken without the stream name.
		in = &kinesis.ListShardsInput{NextToken: res.NextToken}
	}
	byStart := func(a, b keyed) int { return a.start.Cmp(b.start) }
	slices.SortFunc(open, byStart)
	slices.SortFunc(closed, byStart)
	shards := make([]loadgen.Shard, 0, len(open)+len(closed))
	ranges := make([]shardRange, len(open))
	for i, k := range open {
		shards = append(shards, k.shard)
		ranges[i] = shardRange{start: k.start, id: k.shard.ID}
	}
	for _, k := range closed {
		shards = append(shards, k.shard)
	}
	if len(ranges) > 0 {
		t.mu.Lock()
		t.shards = ranges
		t.mu.Unlock()
	}
	t.listedAt.Store(time.Now().UnixNano())
	return shards, nil
}

// UpdateShardCount implements loadgen.Resharder (UNIFORM_SCALING). The
// stream is UPDATING for a while afterwards; records keep going to the old
// shards until the shard map is listed again.
func (t *Target) UpdateShardCount(ctx context.Context, target int) error {
	_, err := t.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{
		StreamName: aws.String(t.stream), TargetShardCount: aws.Int32(int32(target)),
		ScalingType: types.ScalingTypeUniformScaling,
	})
	if err == nil {
		t.reshardedAt.Store(time.Now().UnixNano())
	}
	return err
}

// SplitShard implements loadgen.Resharder; an empty newStartingHashKey
// splits at the midpoint of the shard's range.
func (t *Target) SplitShard(ctx context.Context, shardID, newStartingHashKey string) error {
	if newStartingHashKey == "" {
		shards, err := t.ListShards(ctx)
		if err != nil {
			return err
		}
		for _, sh := range shards {
			if sh.ID != shardID || sh.State != "OPEN" {
				continue
			}
			start, err1 := model.ParseHashKey(sh.StartingHashKey)
			end, err2 := model.ParseHashKey(sh.EndingHashKey)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			newStartingHashKey = model.HashKeyRange{Start: start, End: end}.Midpoint().String()
		}
		if newStartingHashKey == "" {
			return fmt.Errorf("kinesis: split: no open shard %s in stream %s", shardID, t.stream)
		}
	}
	_, err := t.client.SplitShard(ctx, &kinesis.SplitShardInput{
		StreamName: aws.String(t.stream), ShardToSplit: aws.String(shardID), NewStartingHashKey: aws.String(newStartingHashKey),
	})
	if err == nil {
		t.reshardedAt.Store(time.Now().UnixNano())
	}
	return err
}

// MergeShards implements loadgen.Resharder.
func (t *Target) MergeShards(ctx context.Context, shardID, adjacentShardID string) error {
	_, err := t.client.MergeShards(ctx, &kinesis.MergeShardsInput{
		StreamName: aws.String(t.stream), ShardToMerge: aws.String(shardID), AdjacentShardToMerge: aws.String(adjacentShardID),
	})
	if err == nil {
		t.reshardedAt.Store(time.Now().UnixNano())
	}
	return err
}

// CreateStream creates the stream, provisioned with shards shards or, with
// onDemand, in on-demand mode (shards is then ignored: AWS picks the start),
// then waits, within ctx, until it is ACTIVE (polling every 100 ms at
// first, backing off to 2 s).
func (t *Target) CreateStream(ctx context.Context, shards int, onDemand bool) error {
	in := &kinesis.CreateStreamInput{
		StreamName:        aws.String(t.stream),
		ShardCount:        aws.Int32(int32(shards)),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned},
	}
	if onDemand {
		in.ShardCount = nil
		in.StreamModeDetails.StreamMode = types.StreamModeOnDemand
	}
	_, err := t.client.CreateStream(ctx, in)
	if err != nil {
		return err
	}
	wait := waitFirst
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("kinesis: waiting for stream %s to become ACTIVE: %w", t.stream, ctx.Err())
		case <-timer.C:
		}
		res, err := t.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(t.stream)})
		switch {
		case isNotFound(err):
			// Not visible yet (eventual consistency): keep waiting.
		case err != nil:
			return err
		case res.StreamDescriptionSummary != nil && res.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive:
			return nil
		}
		wait = min(2*wait, waitMax)
		timer.Reset(wait)
	}
}

// DeleteStream deletes the stream and its consumers and waits until it is
// gone (bounded by ctx). A stream that does not exist counts as deleted.
func (t *Target) DeleteStream(ctx context.Context) error {
	_, err := t.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{
		StreamName:              aws.String(t.stream),
		EnforceConsumerDeletion: aws.Bool(true),
	})
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// Deletion is asynchronous (the stream is DELETING for a while): wait
	// until it is gone, so that "deleted" is true and the name can be used
	// again at once.
	wait := 100 * time.Millisecond
	for {
		exists, err := t.StreamExists(ctx)
		if err != nil || !exists {
			return err
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("kinesis: waiting for stream %s to be deleted: %w", t.stream, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// StreamExists reports whether the stream exists, in any state (DELETING
// included).
func (t *Target) StreamExists(ctx context.Context) (bool, error) {
	_, err := t.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(t.stream)})
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, err
}

// isNotFound reports whether err is a ResourceNotFoundException answer.
func isNotFound(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException"
}
