package kinesis

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
)

// Reading a stream through an enhanced fan-out (EFO) consumer: one
// SubscribeToShard subscription per shard, parents before children, with
// the shard bookkeeping of reader.go.

const (
	// subscribeMinGap keeps one shard's SubscribeToShard calls at 1/s, the
	// limit per consumer and shard (LimitExceededException above it).
	subscribeMinGap = time.Second
	// subscribeInUseGap is how long after a successful SubscribeToShard a
	// new one on the same consumer and shard gets ResourceInUseException.
	subscribeInUseGap = 5 * time.Second
	// A subscription's connection that has been silent for
	// subscribePingAfter is pinged (HTTP/2), and closed if the ping is not
	// answered within subscribePingTimeout; the subscription is renewed.
	subscribePingAfter   = 30 * time.Second
	subscribePingTimeout = 15 * time.Second
	// deregisterTimeout bounds deregistering the consumer once the read
	// is over (the caller's context has ended by then).
	deregisterTimeout = 10 * time.Second
)

// ReadEFO reads every shard of the stream through the enhanced fan-out
// consumer named consumer until ctx ends, calling fn for each record as
// Read does (from several goroutines; one shard's records in order from
// one goroutine; ReadAt is when the record's event arrived). o.PollInterval
// is not used.
//
// It registers the consumer (one already registered under that name, say
// left by a run that was killed, is used instead: names must differ between
// readers running at once), waits until it is ACTIVE (polling every 100 ms
// at first, backing off to 2 s), and subscribes to each shard from
// TRIM_HORIZON (o.FromStart) or AT_TIMESTAMP o.Since, parents before
// children as Read does. A subscription that ends (AWS ends them after 5
// minutes) or fails with a retryable error is renewed
// AFTER_SEQUENCE_NUMBER its last ContinuationSequenceNumber, at most once a
// second per shard; after ResourceInUseException (a subscription less than
// 5 s old) it waits until the old one is 5 s old, after a throttle
// (LimitExceededException) or transport error it backs off (1 s, doubling
// to 10 s). Calls, throttles and errors are counted in ReadStats
// (Subscriptions; ResourceInUseException counts as a throttle).
//
// SubscribeToShard needs HTTP/2 on some servers (kinesis-local serves it on
// its TLS port only: see Options.CAFile). When ctx ends, ReadEFO closes the
// subscriptions, deregisters the consumer (within 10 s of a context of its
// own) and returns nil, or the deregistration's error. Errors that cannot
// be retried end the read and are returned, after the same clean-up.
func (t *Target) ReadEFO(ctx context.Context, consumer string, o ReadOptions, fn func(ReadRecord)) (err error) {
	if consumer == "" {
		return errors.New("kinesis: ReadEFO: no consumer name")
	}
	if !o.FromStart && o.Since.IsZero() {
		return errors.New("kinesis: ReadEFO: ReadOptions needs FromStart or Since")
	}
	if o.ListInterval <= 0 {
		o.ListInterval = defaultListInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &reader{
		t: t, o: o, fn: fn, c: &t.reads,
		events: make(chan shardEvent),
		listed: make(chan listResult),
		relist: make(chan struct{}, 1),
		shards: map[string]*shardState{},
	}
	e := &efoReader{r: r}
	r.readFn = e.readShard

	e.consumerARN, err = e.register(ctx, consumer)
	if e.consumerARN == "" {
		return err // nil if ctx ended first
	}
	defer func() { err = errors.Join(err, e.deregister(ctx)) }()
	if err := e.waitActive(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	err = r.run(ctx)
	cancel()
	r.wg.Wait() // every subscription closed before deregistering
	return err
}

// subscribeClient is the HTTP client for SubscribeToShard, from the
// Target's pooled client (its transport, with connections and roots
// set): HTTP/2 wherever the server offers it, no overall timeout (a
// subscription streams for up to 5 minutes), headerTimeout to wait for the
// answer's headers, HTTP/2 pings to find a dead connection, and the
// initial-response work-around for kinesis-local (eventstream_fix.go).
//
// It is not wrapped in sdkhttp.KeepBodyClient: over HTTP/2 the transport closes the
// request body only when the whole exchange ends, so Do would not return
// before the subscription does. Nor is it needed: the server reads the
// small request body before it answers, and Do returns after the answer's
// headers.
func subscribeClient(pooled *awshttp.BuildableClient, headerTimeout time.Duration) sdkhttp.Doer {
	c := pooled.WithTransportOptions(func(t *http.Transport) {
		t.ForceAttemptHTTP2 = true
		t.ResponseHeaderTimeout = headerTimeout
		if t.HTTP2 == nil {
			t.HTTP2 = &http.HTTP2Config{}
		}
		t.HTTP2.SendPingTimeout = subscribePingAfter
		t.HTTP2.PingTimeout = subscribePingTimeout
	}).WithTimeout(0)
	return initialResponseClient{next: c}
}

// efoReader is the EFO side of one ReadEFO call; r does the shard
// bookkeeping.
type efoReader struct {
	r           *reader
	consumerARN string // set before any shard is read
}

// register registers the consumer with the stream and returns its ARN,
// retrying throttles and transport errors. It returns "" and nil if ctx
// ends first.
func (e *efoReader) register(ctx context.Context, name string) (string, error) {
	client := e.r.t.client
	var streamARN string
	err := e.retry(ctx, func() error {
		res, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(e.r.t.stream)})
		if err == nil {
			streamARN = aws.ToString(res.StreamDescriptionSummary.StreamARN)
		}
		return err
	})
	if err != nil || ctx.Err() != nil {
		return "", ctxNil(ctx, fmt.Errorf("kinesis: ReadEFO: describing stream %s: %w", e.r.t.stream, err))
	}
	var arn string
	err = e.retry(ctx, func() error {
		res, err := client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{
			StreamARN: aws.String(streamARN), ConsumerName: aws.String(name),
		})
		if err == nil {
			arn = aws.ToString(res.Consumer.ConsumerARN)
			return nil
		}
		if Classify(err) != "ResourceInUseException" {
			return err
		}
		// The name is taken (by a registration whose answer was lost, or
		// by an earlier run), or the stream is not ACTIVE.
		arn = e.existing(ctx, streamARN, name)
		if arn == "" {
			return err // retried: a throttle to efoErrorKind
		}
		return nil
	})
	if err != nil || ctx.Err() != nil {
		return "", ctxNil(ctx, fmt.Errorf("kinesis: ReadEFO: registering consumer %s: %w", name, err))
	}
	return arn, nil
}

// existing is the ARN of the consumer name of the stream if it is
// registered and not being deleted, else "".
func (e *efoReader) existing(ctx context.Context, streamARN, name string) string {
	res, err := e.r.t.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{
		StreamARN: aws.String(streamARN), ConsumerName: aws.String(name),
	})
	if err != nil || res.ConsumerDescription == nil || res.ConsumerDescription.ConsumerStatus == types.ConsumerStatusDeleting {
		return ""
	}
	return aws.ToString(res.ConsumerDescription.ConsumerARN)
}

// waitActive polls the consumer until it is ACTIVE, every 100 ms at first,
// backing off to 2 s. It returns nil if ctx ends first.
func (e *efoReader) waitActive(ctx context.Context) error {
	wait := waitFirst
	for {
		res, err := e.r.t.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String(e.consumerARN)})
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil && res.ConsumerDescription != nil:
			switch res.ConsumerDescription.ConsumerStatus {
			case types.ConsumerStatusActive:
				return nil
			case types.ConsumerStatusDeleting:
				return fmt.Errorf("kinesis: ReadEFO: consumer %s is being deleted", e.consumerARN)
			}
		case err == nil, isNotFound(err):
			// Not visible yet (eventual consistency): keep waiting.
		case e.count(err) == readFatal:
			return fmt.Errorf("kinesis: ReadEFO: describing consumer %s: %w", e.consumerARN, err)
		}
		if !sleepCtx(ctx, wait) {
			return nil
		}
		wait = min(2*wait, waitMax)
	}
}

// deregister deregisters the consumer within deregisterTimeout, on a
// context that ctx's end does not cancel. A consumer already gone is no
// error.
func (e *efoReader) deregister(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deregisterTimeout)
	defer cancel()
	err := e.retry(ctx, func() error {
		_, err := e.r.t.client.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: aws.String(e.consumerARN)})
		if isNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("kinesis: ReadEFO: deregistering consumer %s: %w", e.consumerARN, err)
	}
	return nil
}

// readShard reads shard id through subscriptions until the shard is
// drained (its last event has no ContinuationSequenceNumber), ctx ends or
// an error cannot be retried, and tells the coordinator.
func (e *efoReader) readShard(ctx context.Context, id string) {
	in := &kinesis.SubscribeToShardInput{ConsumerARN: aws.String(e.consumerARN), ShardId: aws.String(id)}
	if e.r.o.FromStart {
		in.StartingPosition = &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}
	} else {
		in.StartingPosition = &types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: aws.Time(e.r.o.Since)}
	}
	var (
		b              backoff
		nextAt, lastOK time.Time
	)
	for {
		if !sleepUntil(ctx, nextAt) {
			return
		}
		began := time.Now()
		nextAt = began.Add(subscribeMinGap)
		stream, err := e.subscribe(ctx, in)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if e.count(err) == readFatal {
				e.r.send(ctx, shardEvent{id: id, err: fmt.Errorf("kinesis: ReadEFO: SubscribeToShard(%s): %w", id, err)})
				return
			}
			wait := b.next()
			if Classify(err) == "ResourceInUseException" {
				wait = max(wait, time.Until(lastOK.Add(subscribeInUseGap)))
			}
			nextAt = time.Now().Add(wait)
			continue
		}
		lastOK = began
		drained, err := e.consume(ctx, id, stream, in)
		switch {
		case ctx.Err() != nil:
			return
		case drained:
			e.r.send(ctx, shardEvent{id: id, done: true})
			return
		case err == nil: // the subscription ran its course: renew at once
			b.reset()
		case e.count(err) == readFatal:
			e.r.send(ctx, shardEvent{id: id, err: fmt.Errorf("kinesis: ReadEFO: SubscribeToShard(%s) events: %w", id, err)})
			return
		default:
			if at := time.Now().Add(b.next()); at.After(nextAt) {
				nextAt = at
			}
		}
	}
}

// subscribe is one SubscribeToShard call, counted, through the
// subscription HTTP client. The stream lives until ctx ends or it is
// closed.
//
// Each call gets a protocol of its own (the one the SDK's client makes,
// awsJson 1.1): smithy-go's event stream codec belongs to the protocol and
// keeps unguarded state that every message of every stream writes, so
// subscriptions running at once on one protocol race (aws/smithy-go#714;
// go test -race flags smithy-go v1.28.9 internal/eventstream/codec.go).
func (e *efoReader) subscribe(ctx context.Context, in *kinesis.SubscribeToShardInput) (*kinesis.SubscribeToShardEventStream, error) {
	res, err := e.r.t.client.SubscribeToShard(ctx, in, func(o *kinesis.Options) {
		o.HTTPClient = e.r.t.subscribeHTTP
		o.Protocol = awsjson.New11(schemas.Kinesis_20131202)
	})
	if ctx.Err() == nil {
		e.r.c.subscriptions.Add(1)
	}
	if err != nil {
		return nil, err
	}
	return res.GetStream(), nil
}

// consume hands on one subscription's records until its stream ends, ctx
// ends or the shard is drained, and closes the stream. It moves in's
// starting position past each event, reports children to the coordinator,
// and returns the stream's error, if any.
func (e *efoReader) consume(ctx context.Context, id string, stream *kinesis.SubscribeToShardEventStream, in *kinesis.SubscribeToShardInput) (drained bool, err error) {
	defer stream.Close()
	for {
		var ev types.SubscribeToShardEventStream
		var ok bool
		select {
		case <-ctx.Done():
			return false, nil
		case ev, ok = <-stream.Events():
		}
		if !ok {
			return false, stream.Err()
		}
		member, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			continue // an event type this SDK does not know
		}
		v := &member.Value
		e.r.deliver(id, v.Records, v.MillisBehindLatest, time.Now())
		if len(v.ChildShards) > 0 {
			e.r.send(ctx, shardEvent{id: id, children: v.ChildShards})
		}
		if v.ContinuationSequenceNumber == nil {
			return true, nil
		}
		in.StartingPosition = &types.StartingPosition{
			Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: v.ContinuationSequenceNumber,
		}
	}
}

// retry calls f until it succeeds, fails for good or ctx ends, backing off
// (1 s, doubling to 10 s) after throttles and transport errors, each
// counted. It returns f's last error, or ctx's if ctx ends first.
func (e *efoReader) retry(ctx context.Context, f func() error) error {
	var b backoff
	for {
		err := f()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.count(err) == readFatal {
			return err
		}
		if !sleepCtx(ctx, b.next()) {
			return ctx.Err()
		}
	}
}

// count counts a failed call in the stats and says what to do about it.
func (e *efoReader) count(err error) int {
	kind, throttled := efoErrorKind(err)
	if throttled {
		e.r.c.throttles.Add(1)
	} else {
		e.r.c.errors.Add(1)
	}
	return kind
}

// efoErrorKind is readErrorKind for EFO calls: ResourceInUseException (a
// subscription less than 5 s old on the same consumer and shard, a consumer
// or stream not ACTIVE yet) is retried, as a throttle.
func efoErrorKind(err error) (kind int, throttled bool) {
	if Classify(err) == "ResourceInUseException" {
		return readRetry, true
	}
	kind, throttled = readErrorKind(err)
	if kind == readExpired {
		kind = readRetry
	}
	return kind, throttled
}

// ctxNil is nil if ctx has ended, else err.
func ctxNil(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}
