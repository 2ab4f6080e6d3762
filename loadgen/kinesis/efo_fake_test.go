package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/smithy-go"
)

// ReadEFO through the real SDK against a fake Kinesis whose SubscribeToShard
// answers are scripted per shard, event streams without initial-response
// as kinesis-local sends them (over HTTP/1.1: the SDK needs HTTP/2 only
// for streams in both directions).

const (
	efoFakeStreamARN   = "arn:aws:kinesis:us-east-1:123456789012:stream/s"
	efoFakeConsumerARN = efoFakeStreamARN + "/consumer/c:1"
	efoFakeParent      = "shardId-000000000000"
	efoFakeChild1      = "shardId-000000000001"
	efoFakeChild2      = "shardId-000000000002"
)

// efoSubscribe is one SubscribeToShard request as the fake saw it.
type efoSubscribe struct {
	ConsumerARN, ShardId string
	StartingPosition     struct{ Type, SequenceNumber string }
	at                   time.Time
}

// efoEvent is a SubscribeToShardEvent payload.
type efoEvent struct {
	Records                    []map[string]any
	ContinuationSequenceNumber *string `json:",omitempty"`
	MillisBehindLatest         int64
	ChildShards                []map[string]any `json:",omitempty"`
}

func efoRecord(seq, data string) map[string]any {
	return map[string]any{"SequenceNumber": seq, "PartitionKey": "k-" + seq, "Data": []byte(data), "ApproximateArrivalTimestamp": 1.7e9}
}

// efoFake is the fake endpoint: script answers the n-th (from 1)
// SubscribeToShard of a shard, writing events with send, or returns an
// error type to answer with instead; a stream ends when script returns,
// or when the client goes if hold.
type efoFake struct {
	t      *testing.T
	script func(in efoSubscribe, n int, send func(efoEvent)) (errType string, hold bool)

	mu          sync.Mutex
	subscribes  []efoSubscribe
	deregisters int
	describes   int
}

func (f *efoFake) handle(w http.ResponseWriter, r *http.Request) {
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
	switch op {
	case "DescribeStreamSummary":
		reply(w, 200, map[string]any{"StreamDescriptionSummary": map[string]any{"StreamARN": efoFakeStreamARN, "StreamName": "s", "StreamStatus": "ACTIVE"}})
	case "RegisterStreamConsumer":
		reply(w, 200, map[string]any{"Consumer": map[string]any{"ConsumerARN": efoFakeConsumerARN, "ConsumerName": "c", "ConsumerStatus": "CREATING"}})
	case "DescribeStreamConsumer":
		f.mu.Lock()
		f.describes++
		status := "CREATING"
		if f.describes > 1 {
			status = "ACTIVE"
		}
		f.mu.Unlock()
		reply(w, 200, map[string]any{"ConsumerDescription": map[string]any{"ConsumerARN": efoFakeConsumerARN, "ConsumerName": "c", "ConsumerStatus": status}})
	case "ListShards":
		child := func(id, start, end string) map[string]any {
			s := fakeShard(id, start, end)
			s["ParentShardId"] = efoFakeParent
			return s
		}
		parent := fakeShard(efoFakeParent, "0", "340282366920938463463374607431768211455")
		parent["SequenceNumberRange"] = map[string]string{"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"}
		reply(w, 200, map[string]any{"Shards": []any{
			parent,
			child(efoFakeChild1, "0", "170141183460469231731687303715884105727"),
			child(efoFakeChild2, mid, "340282366920938463463374607431768211455"),
		}})
	case "SubscribeToShard":
		f.subscribe(w, r)
	case "DeregisterStreamConsumer":
		f.mu.Lock()
		f.deregisters++
		f.mu.Unlock()
		reply(w, 200, map[string]any{})
	default:
		replyError(w, 400, "UnknownOperationException", op)
	}
}

func (f *efoFake) subscribe(w http.ResponseWriter, r *http.Request) {
	var in efoSubscribe
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("SubscribeToShard body: %v", err)
	}
	in.at = time.Now()
	f.mu.Lock()
	f.subscribes = append(f.subscribes, in)
	n := 0
	for _, s := range f.subscribes {
		if s.ShardId == in.ShardId {
			n++
		}
	}
	f.mu.Unlock()
	started := false
	send := func(ev efoEvent) {
		if !started {
			w.Header().Set("Content-Type", eventStreamContentType)
			w.WriteHeader(200)
			started = true
		}
		payload, err := json.Marshal(ev)
		if err != nil {
			f.t.Error(err)
		}
		if err := eventstream.NewEncoder().Encode(w, esEvent("SubscribeToShardEvent", string(payload))); err != nil {
			return // the client went
		}
		w.(http.Flusher).Flush()
	}
	errType, hold := f.script(in, n, send)
	switch {
	case errType != "":
		replyError(w, 400, errType, "scripted")
	case hold:
		<-r.Context().Done()
	}
}

// calls is a copy of the SubscribeToShard requests so far.
func (f *efoFake) calls() []efoSubscribe {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.subscribes)
}

// newEFOFake starts the fake and returns it with a Target on it.
func newEFOFake(t *testing.T, script func(efoSubscribe, int, func(efoEvent)) (string, bool)) (*efoFake, *Target) {
	f := &efoFake{t: t, script: script}
	srv := httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(srv.Close)
	tg, err := New(t.Context(), Options{Region: "us-east-1", Endpoint: srv.URL, Stream: "s", AccessKeyID: "AKIDTEST", SecretAccessKey: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

func strp(s string) *string { return &s }

// The parent is throttled once, streams two records, ends its stream (as
// AWS does every 5 minutes), is renewed after its continuation and ends
// with a record and its children; the children are subscribed only then,
// one of them after a ResourceInUseException.
func TestReadEFOFakeSplitAndRenew(t *testing.T) {
	f, tg := newEFOFake(t, func(in efoSubscribe, n int, send func(efoEvent)) (string, bool) {
		switch {
		case in.ShardId == efoFakeParent && n == 1:
			return "LimitExceededException", false
		case in.ShardId == efoFakeParent && n == 2:
			send(efoEvent{Records: []map[string]any{efoRecord("1", "p1"), efoRecord("2", "p2")}, ContinuationSequenceNumber: strp("2")})
			return "", false // the stream ends: renewed
		case in.ShardId == efoFakeParent:
			send(efoEvent{Records: []map[string]any{efoRecord("3", "p3")}, ChildShards: []map[string]any{
				{"ShardId": efoFakeChild1, "ParentShards": []string{efoFakeParent}, "HashKeyRange": map[string]string{"StartingHashKey": "0", "EndingHashKey": "1"}},
				{"ShardId": efoFakeChild2, "ParentShards": []string{efoFakeParent}, "HashKeyRange": map[string]string{"StartingHashKey": "2", "EndingHashKey": "3"}},
			}})
			return "", false
		case in.ShardId == efoFakeChild1 && n == 1:
			return "ResourceInUseException", false
		default:
			data := map[string]string{efoFakeChild1: "c1", efoFakeChild2: "c2"}[in.ShardId]
			send(efoEvent{Records: []map[string]any{efoRecord("10", data)}, ContinuationSequenceNumber: strp("10")})
			return "", true
		}
	})
	var (
		mu  sync.Mutex
		got []string
	)
	all := make(chan struct{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- tg.ReadEFO(ctx, "c", ReadOptions{FromStart: true}, func(r ReadRecord) {
			mu.Lock()
			defer mu.Unlock()
			if r.ReadAt.IsZero() {
				t.Errorf("record %s without ReadAt", r.Data)
			}
			if got = append(got, r.ShardID+"/"+string(r.Data)); len(got) == 5 {
				close(all)
			}
		})
	}()
	select {
	case <-all:
	case err := <-done:
		t.Fatalf("ReadEFO returned early: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatalf("records after 20 s: %v; subscribes %+v", got, f.calls())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ReadEFO returned %v, want nil once its context ended", err)
	}

	mu.Lock()
	defer mu.Unlock()
	want := []string{efoFakeParent + "/p1", efoFakeParent + "/p2", efoFakeParent + "/p3"}
	if !slices.Equal(got[:3], want) {
		t.Errorf("records %v, want the parent's first, in order: %v", got, want)
	}
	rest := slices.Sorted(slices.Values(got[3:]))
	if !slices.Equal(rest, []string{efoFakeChild1 + "/c1", efoFakeChild2 + "/c2"}) {
		t.Errorf("children's records %v", rest)
	}

	calls := f.calls()
	var parentEnd time.Time
	var positions []string
	for _, c := range calls {
		if c.ConsumerARN != efoFakeConsumerARN {
			t.Errorf("subscribed as %q, want %q", c.ConsumerARN, efoFakeConsumerARN)
		}
		if c.ShardId == efoFakeParent {
			parentEnd = c.at
			positions = append(positions, c.StartingPosition.Type+" "+c.StartingPosition.SequenceNumber)
		}
	}
	if want := []string{"TRIM_HORIZON ", "TRIM_HORIZON ", "AFTER_SEQUENCE_NUMBER 2"}; !slices.Equal(positions, want) {
		t.Errorf("parent subscribed at %q, want %q", positions, want)
	}
	for _, c := range calls {
		if c.ShardId != efoFakeParent && c.at.Before(parentEnd) {
			t.Errorf("child %s subscribed before the parent's last subscription", c.ShardId)
		}
	}
	st := tg.ReadStats()
	f.mu.Lock()
	deregisters := f.deregisters
	f.mu.Unlock()
	t.Logf("%d subscribes; stats %+v", len(calls), st)
	if st.Records != 5 || st.Subscriptions != int64(len(calls)) || len(calls) != 6 || st.Throttles != 2 || st.Errors != 0 {
		t.Errorf("ReadStats %+v after %d subscribes, want 5 records, 6 subscriptions, 2 throttles, no errors", st, len(calls))
	}
	if deregisters != 1 {
		t.Errorf("%d DeregisterStreamConsumer calls, want 1", deregisters)
	}
}

// An error that cannot be retried ends the read with it, and the consumer
// is deregistered all the same; options without a start or a consumer
// name are refused.
func TestReadEFOFakeFatal(t *testing.T) {
	f, tg := newEFOFake(t, func(efoSubscribe, int, func(efoEvent)) (string, bool) {
		return "InvalidArgumentException", false
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err := tg.ReadEFO(ctx, "c", ReadOptions{FromStart: true}, func(ReadRecord) { t.Error("fn called") })
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidArgumentException" {
		t.Errorf("ReadEFO: %v, want InvalidArgumentException", err)
	}
	f.mu.Lock()
	if f.deregisters != 1 {
		t.Errorf("%d DeregisterStreamConsumer calls, want 1", f.deregisters)
	}
	f.mu.Unlock()
	if err := tg.ReadEFO(ctx, "c", ReadOptions{}, func(ReadRecord) {}); err == nil {
		t.Error("ReadEFO with neither FromStart nor Since: nil error")
	}
	if err := tg.ReadEFO(ctx, "", ReadOptions{FromStart: true}, func(ReadRecord) {}); err == nil {
		t.Error("ReadEFO without a consumer name: nil error")
	}
}
