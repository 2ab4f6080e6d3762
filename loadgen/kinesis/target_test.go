package kinesis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
)

// The real SDK against a fake Kinesis: an httptest server speaking the JSON
// 1.1 protocol, answering as each test says.

// fakeRequest is the union of the request fields the tests look at.
type fakeRequest struct {
	StreamName string
	Records    []struct {
		Data                          []byte
		PartitionKey, ExplicitHashKey string
	}
	Data                          []byte
	PartitionKey, ExplicitHashKey string
	NextToken                     string
	ShardCount                    int
	StreamModeDetails             struct{ StreamMode string }
	EnforceConsumerDeletion       bool
}

// fakeHandler answers one request for operation op (e.g. "PutRecords").
type fakeHandler func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest)

// fake is a fake Kinesis endpoint that counts the requests per operation.
type fake struct {
	mu    sync.Mutex
	calls map[string]int
}

func (f *fake) count(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// newFake starts a fake endpoint and returns it with a Target on stream
// "s" there; opts may adjust the Target's options.
func newFake(t *testing.T, h fakeHandler, opts ...func(*Options)) (*fake, *Target) {
	t.Helper()
	f := &fake{calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "Kinesis_20131202.")
		var in fakeRequest
		if err := json.NewDecoder(r.Body).Decode(&in); !ok || err != nil {
			t.Errorf("request %q: decoding body: %v", r.Header.Get("X-Amz-Target"), err)
			reply(w, http.StatusBadRequest, map[string]string{"__type": "SerializationException"})
			return
		}
		f.mu.Lock()
		f.calls[op]++
		f.mu.Unlock()
		h(w, r, op, &in)
	}))
	t.Cleanup(srv.Close)
	o := Options{Region: "us-east-1", Endpoint: srv.URL, Stream: "s", AccessKeyID: "AKIDTEST", SecretAccessKey: "test"}
	for _, fn := range opts {
		fn(&o)
	}
	tg, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

// reply writes v as a Kinesis JSON answer with status.
func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// replyError writes an error answer of type typ.
func replyError(w http.ResponseWriter, status int, typ, msg string) {
	reply(w, status, map[string]string{"__type": typ, "message": msg})
}

const throttleMsg = "Rate exceeded for shard shardId-000000000001 in stream s under account 123"

// The fake stream has two shards splitting the hash space at 2^127.
const (
	shard0 = "shardId-000000000000"
	shard1 = "shardId-000000000001"
	mid    = "170141183460469231731687303715884105728" // 2^127
)

var twoShards = []map[string]any{
	fakeShard(shard0, "0", "170141183460469231731687303715884105727"),
	fakeShard(shard1, mid, "340282366920938463463374607431768211455"),
}

func fakeShard(id, start, end string) map[string]any {
	return map[string]any{
		"ShardId":             id,
		"HashKeyRange":        map[string]string{"StartingHashKey": start, "EndingHashKey": end},
		"SequenceNumberRange": map[string]string{"StartingSequenceNumber": "1"},
	}
}

// shardForKey is the fake stream's shard for a partition key.
func shardForKey(key string) string {
	if model.HashPartitionKey(key).Hi < 1<<63 {
		return shard0
	}
	return shard1
}

// keyIn returns a partition key whose MD5 falls in shard.
func keyIn(t *testing.T, shard string) string {
	t.Helper()
	for i := range 1000 {
		if k := fmt.Sprintf("key-%d", i); shardForKey(k) == shard {
			return k
		}
	}
	t.Fatalf("no key for %s", shard)
	return ""
}

func records(keys ...string) []loadgen.Record {
	recs := make([]loadgen.Record, len(keys))
	for i, k := range keys {
		recs[i] = loadgen.Record{PartitionKey: k, Data: []byte("data-" + k)}
	}
	return recs
}

func TestPutRecordsAllAccepted(t *testing.T) {
	recs := records("a", "b", "c")
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		if op != "PutRecords" || in.StreamName != "s" || len(in.Records) != 3 {
			t.Errorf("got %s %+v", op, in)
		}
		var entries []map[string]string
		for i, rec := range in.Records {
			if want := "data-" + rec.PartitionKey; string(rec.Data) != want {
				t.Errorf("record %d data %q, want %q", i, rec.Data, want)
			}
			entries = append(entries, map[string]string{"ShardId": shardForKey(rec.PartitionKey), "SequenceNumber": fmt.Sprint(100 + i)})
		}
		reply(w, 200, map[string]any{"FailedRecordCount": 0, "Records": entries})
	})
	out := make([]loadgen.Outcome, len(recs))
	if err := tg.PutRecords(t.Context(), recs, out); err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		want := loadgen.Outcome{ShardID: shardForKey(recs[i].PartitionKey), SequenceNumber: fmt.Sprint(100 + i)}
		if o != want {
			t.Errorf("outcome %d: %+v, want %+v", i, o, want)
		}
	}
	if n := f.count("ListShards"); n != 0 {
		t.Errorf("%d ListShards calls for a batch without failures, want 0", n)
	}
}

func TestPutRecordsPartialFailure(t *testing.T) {
	k0, k1 := keyIn(t, shard0), keyIn(t, shard1)
	recs := records(k0, k1, k1, k0, k1, k1)
	recs[4].ExplicitHashKey = "1" // shard 0, whatever its key
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		switch op {
		case "ListShards":
			reply(w, 200, map[string]any{"Shards": twoShards})
		case "PutRecords":
			if in.Records[4].ExplicitHashKey != "1" || in.Records[0].ExplicitHashKey != "" {
				t.Errorf("explicit hash keys %q, %q; want \"1\", \"\"", in.Records[4].ExplicitHashKey, in.Records[0].ExplicitHashKey)
			}
			ok := func(i int) map[string]string {
				return map[string]string{"ShardId": shardForKey(in.Records[i].PartitionKey), "SequenceNumber": fmt.Sprint(i)}
			}
			reply(w, 200, map[string]any{"FailedRecordCount": 3, "Records": []map[string]string{
				ok(0),
				{"ErrorCode": model.ErrThroughputExceeded, "ErrorMessage": throttleMsg},
				ok(2),
				{"ErrorCode": "InternalFailure", "ErrorMessage": "Internal service failure."},
				{"ErrorCode": model.ErrThroughputExceeded, "ErrorMessage": "Rate exceeded for shard shardId-000000000000"},
				ok(5),
			}})
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	out := make([]loadgen.Outcome, len(recs))
	if err := tg.PutRecords(t.Context(), recs, out); err != nil {
		t.Fatal(err)
	}
	want := []loadgen.Outcome{
		{ShardID: shard0, SequenceNumber: "0"},
		{ShardID: shard1, ErrorCode: model.ErrThroughputExceeded, ErrorMessage: throttleMsg},
		{ShardID: shard1, SequenceNumber: "2"},
		{ShardID: shard0, ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure."},
		{ShardID: shard0, ErrorCode: model.ErrThroughputExceeded, ErrorMessage: "Rate exceeded for shard shardId-000000000000"},
		{ShardID: shard1, SequenceNumber: "5"},
	}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("outcome %d: %+v, want %+v", i, out[i], want[i])
		}
		if out[i].Limit != model.LimitNone {
			t.Errorf("outcome %d: limit %v, want none", i, out[i].Limit)
		}
	}
	if !out[1].Throttled() || out[3].Throttled() {
		t.Errorf("Throttled() = %v, %v; want true, false", out[1].Throttled(), out[3].Throttled())
	}
	// The shard map is loaded once, lazily, and then kept.
	if err := tg.PutRecords(t.Context(), recs, out); err != nil {
		t.Fatal(err)
	}
	if n := f.count("ListShards"); n != 1 {
		t.Errorf("%d ListShards calls, want 1", n)
	}
}

func TestPutRecordsUnknownShardsLeftEmpty(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		switch op {
		case "ListShards":
			replyError(w, 400, "AccessDeniedException", "no")
		case "PutRecords":
			reply(w, 200, map[string]any{"FailedRecordCount": 2, "Records": []map[string]string{
				{"ErrorCode": model.ErrThroughputExceeded, "ErrorMessage": throttleMsg},
				{"ErrorCode": model.ErrThroughputExceeded, "ErrorMessage": throttleMsg},
			}})
		}
	})
	out := make([]loadgen.Outcome, 2)
	if err := tg.PutRecords(t.Context(), records("a", "b"), out); err != nil {
		t.Fatal(err)
	}
	for i, o := range out {
		if o.ShardID != "" || !o.Throttled() {
			t.Errorf("outcome %d: %+v, want throttled on an unknown shard", i, o)
		}
	}
}

func TestPutRecordsEntryCountMismatch(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		reply(w, 200, map[string]any{"FailedRecordCount": 0, "Records": []map[string]string{{"ShardId": shard0, "SequenceNumber": "1"}}})
	})
	err := tg.PutRecords(t.Context(), records("a", "b"), make([]loadgen.Outcome, 2))
	if err == nil || !strings.Contains(err.Error(), "1 entries for 2 records") {
		t.Fatalf("err = %v, want a count mismatch", err)
	}
}

func TestPutRecordThrottled(t *testing.T) {
	key := keyIn(t, shard1)
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		switch op {
		case "ListShards":
			reply(w, 200, map[string]any{"Shards": twoShards})
		case "PutRecord":
			if in.PartitionKey != key || string(in.Data) != "data-"+key {
				t.Errorf("PutRecord %+v", in)
			}
			replyError(w, 400, model.ErrThroughputExceeded, throttleMsg)
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	if _, err := tg.ListShards(t.Context()); err != nil {
		t.Fatal(err)
	}
	out := make([]loadgen.Outcome, 1)
	if err := tg.PutRecords(t.Context(), records(key), out); err != nil {
		t.Fatalf("PutRecords: %v, want a throttled outcome", err)
	}
	want := loadgen.Outcome{ShardID: shard1, ErrorCode: model.ErrThroughputExceeded, ErrorMessage: throttleMsg}
	if out[0] != want {
		t.Errorf("outcome %+v, want %+v", out[0], want)
	}
	if n := f.count("PutRecord"); n != 1 {
		t.Errorf("server saw %d PutRecord requests, want 1 (no SDK retry)", n)
	}
}

func TestPutRecordAccepted(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		if in.ExplicitHashKey != mid {
			t.Errorf("ExplicitHashKey %q, want %s", in.ExplicitHashKey, mid)
		}
		reply(w, 200, map[string]string{"ShardId": shard1, "SequenceNumber": "42"})
	})
	recs := records("k")
	recs[0].ExplicitHashKey = mid
	out := make([]loadgen.Outcome, 1)
	if err := tg.PutRecords(t.Context(), recs, out); err != nil {
		t.Fatal(err)
	}
	if want := (loadgen.Outcome{ShardID: shard1, SequenceNumber: "42"}); out[0] != want {
		t.Errorf("outcome %+v, want %+v", out[0], want)
	}
}

// Request-level failures come back as errors with a code, after exactly
// one request.
func TestPutRequestErrors(t *testing.T) {
	cases := []struct {
		name   string
		n      int // records
		status int
		body   string
		want   string
	}{
		{"500 without body", 2, 500, "", ErrServer},
		{"503 without body, PutRecord", 1, 503, "", ErrServer},
		{"500 with a code", 2, 500, `{"__type":"InternalFailure","message":"boom"}`, "InternalFailure"},
		{"503 with a code", 2, 503, `{"__type":"ServiceUnavailable"}`, "ServiceUnavailable"},
		{"KMS throttling", 2, 400, `{"__type":"KMSThrottlingException","message":"slow"}`, "KMSThrottlingException"},
		{"no such stream, PutRecord", 1, 400, `{"__type":"ResourceNotFoundException","message":"Stream s not found"}`, "ResourceNotFoundException"},
		{"throttled PutRecords call", 2, 400, `{"__type":"ProvisionedThroughputExceededException"}`, model.ErrThroughputExceeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			})
			keys := []string{"a", "b"}[:c.n]
			err := tg.PutRecords(t.Context(), records(keys...), make([]loadgen.Outcome, c.n))
			if err == nil {
				t.Fatal("no error")
			}
			t.Logf("err: %v", err)
			if got := loadgen.ErrorCode(err); got != c.want {
				t.Errorf("ErrorCode = %q, want %q (err %v)", got, c.want, err)
			}
			if n := f.count("PutRecords") + f.count("PutRecord"); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}

func TestPutRecordsClosedConnection(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conn.Close()
	})
	err := tg.PutRecords(t.Context(), records("a", "b"), make([]loadgen.Outcome, 2))
	t.Logf("err: %v", err)
	if got := loadgen.ErrorCode(err); got != ErrTransport {
		t.Fatalf("ErrorCode = %q, want %q (err %v)", got, ErrTransport, err)
	}
}

func TestPutRecordsRequestTimeout(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}, func(o *Options) { o.RequestTimeout = 200 * time.Millisecond })
	err := tg.PutRecords(t.Context(), records("a", "b"), make([]loadgen.Outcome, 2))
	t.Logf("err: %v", err)
	if got := loadgen.ErrorCode(err); got != ErrTransport {
		t.Fatalf("ErrorCode = %q, want %q (err %v)", got, ErrTransport, err)
	}
}

func TestPutRecordsCallerCancelled(t *testing.T) {
	entered := make(chan struct{})
	var once sync.Once
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		once.Do(func() { close(entered) })
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-entered
		cancel()
	}()
	err := tg.PutRecords(ctx, records("a", "b"), make([]loadgen.Outcome, 2))
	if err != context.Canceled {
		t.Fatalf("err = %v, want context.Canceled itself", err)
	}
}

func TestListShardsPaginated(t *testing.T) {
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		switch in.NextToken {
		case "":
			if in.StreamName != "s" {
				t.Errorf("first page for stream %q", in.StreamName)
			}
			closed := fakeShard("shardId-000000000002", "0", "340282366920938463463374607431768211455")
			closed["SequenceNumberRange"] = map[string]string{"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"}
			reply(w, 200, map[string]any{"Shards": []map[string]any{twoShards[1], closed}, "NextToken": "page-2"})
		case "page-2":
			if in.StreamName != "" {
				t.Errorf("second page with StreamName %q: the API takes one or the other", in.StreamName)
			}
			reply(w, 200, map[string]any{"Shards": twoShards[:1]})
		default:
			t.Errorf("NextToken %q", in.NextToken)
		}
	})
	got, err := tg.ListShards(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Open shards first, in hash key order, then the closed ones, which
	// the per-shard table lists but the shard map leaves out.
	want := []loadgen.Shard{
		{ID: shard0, StartingHashKey: "0", EndingHashKey: "170141183460469231731687303715884105727", State: "OPEN"},
		{ID: shard1, StartingHashKey: mid, EndingHashKey: "340282366920938463463374607431768211455", State: "OPEN"},
		{ID: "shardId-000000000002", StartingHashKey: "0", EndingHashKey: "340282366920938463463374607431768211455", State: "CLOSED"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shards %+v, want %+v", got, want)
	}
	if n := f.count("ListShards"); n != 2 {
		t.Errorf("%d ListShards calls, want 2", n)
	}
	// The map follows the listed ranges, boundaries included.
	for _, c := range []struct{ key, want string }{
		{"0", shard0}, {"170141183460469231731687303715884105727", shard0}, {mid, shard1},
		{"340282366920938463463374607431768211455", shard1}, {"not a number", ""},
	} {
		if got := tg.shardOf(&loadgen.Record{PartitionKey: "k", ExplicitHashKey: c.key}); got != c.want {
			t.Errorf("shard of hash key %s: %q, want %q", c.key, got, c.want)
		}
	}
	// Every key lands in the shard whose range holds its MD5.
	half := new(big.Int).Lsh(big.NewInt(1), 127)
	for i := range 50 {
		k := fmt.Sprint("k", i)
		want := shard1
		if model.HashPartitionKey(k).Big().Cmp(half) < 0 {
			want = shard0
		}
		if got := tg.shardOf(&loadgen.Record{PartitionKey: k}); got != want {
			t.Errorf("shard of key %s: %q, want %q", k, got, want)
		}
	}
}

func TestCreateWaitExistsDelete(t *testing.T) {
	var (
		mu       sync.Mutex
		created  bool
		describe int // DescribeStreamSummary calls since CreateStream
	)
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		mu.Lock()
		defer mu.Unlock()
		switch op {
		case "CreateStream":
			if in.StreamName != "s" || in.ShardCount != 2 || in.StreamModeDetails.StreamMode != "PROVISIONED" {
				t.Errorf("CreateStream %+v", in)
			}
			created = true
			reply(w, 200, struct{}{})
		case "DescribeStreamSummary":
			if !created {
				replyError(w, 400, "ResourceNotFoundException", "Stream s under account 123 not found.")
				return
			}
			describe++
			status := "ACTIVE"
			if describe <= 2 {
				status = "CREATING"
			}
			reply(w, 200, map[string]any{"StreamDescriptionSummary": map[string]any{
				"StreamName": "s", "StreamARN": "arn:aws:kinesis:us-east-1:123:stream/s", "StreamStatus": status,
				"RetentionPeriodHours": 24, "StreamCreationTimestamp": 1.7e9, "OpenShardCount": 2,
			}})
		case "DeleteStream":
			if !in.EnforceConsumerDeletion {
				t.Errorf("DeleteStream %+v, want EnforceConsumerDeletion", in)
			}
			replyError(w, 400, "ResourceNotFoundException", "Stream s under account 123 not found.")
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if ok, err := tg.StreamExists(ctx); ok || err != nil {
		t.Fatalf("StreamExists before CreateStream = %v, %v; want false, nil", ok, err)
	}
	if err := tg.CreateStream(ctx, 2, false); err != nil {
		t.Fatal(err)
	}
	if n := f.count("DescribeStreamSummary"); n != 4 {
		t.Errorf("%d DescribeStreamSummary calls, want 4 (1 + CREATING twice, then ACTIVE)", n)
	}
	if ok, err := tg.StreamExists(ctx); !ok || err != nil {
		t.Fatalf("StreamExists after CreateStream = %v, %v; want true, nil", ok, err)
	}
	if err := tg.DeleteStream(ctx); err != nil {
		t.Fatalf("DeleteStream of a missing stream: %v, want nil", err)
	}
}

// CreateStream's wait ends with its context.
func TestCreateStreamWaitBounded(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		if op == "CreateStream" {
			reply(w, 200, struct{}{})
			return
		}
		reply(w, 200, map[string]any{"StreamDescriptionSummary": map[string]any{"StreamName": "s", "StreamStatus": "CREATING"}})
	})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := tg.CreateStream(ctx, 1, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestNewNeedsStream(t *testing.T) {
	if _, err := New(t.Context(), Options{Region: "us-east-1", AccessKeyID: "AKIDTEST", SecretAccessKey: "test"}); err == nil {
		t.Fatal("New without a stream name: no error")
	}
}

var (
	_ loadgen.Target      = (*Target)(nil)
	_ loadgen.ShardLister = (*Target)(nil)
	_ loadgen.Namer       = (*Target)(nil)
)

// After a resharding the target started, a failed record's shard comes
// from a fresh listing: one shard becomes two, and a throttled record on
// the upper half is attributed to the new child, not the closed parent.
func TestShardMapRefreshedAfterResharding(t *testing.T) {
	var mu sync.Mutex
	updated := false
	k1 := keyIn(t, shard1)
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		mu.Lock()
		defer mu.Unlock()
		switch op {
		case "ListShards":
			if !updated {
				reply(w, 200, map[string]any{"Shards": []map[string]any{fakeShard(shard0, "0", "340282366920938463463374607431768211455")}})
				return
			}
			closed := fakeShard(shard0, "0", "340282366920938463463374607431768211455")
			closed["SequenceNumberRange"] = map[string]string{"StartingSequenceNumber": "1", "EndingSequenceNumber": "9"}
			children := []map[string]any{closed, fakeShard(shard1, "0", "170141183460469231731687303715884105727"), fakeShard("shardId-000000000002", mid, "340282366920938463463374607431768211455")}
			reply(w, 200, map[string]any{"Shards": children})
		case "UpdateShardCount":
			updated = true
			reply(w, 200, map[string]any{"StreamName": "s", "CurrentShardCount": 1, "TargetShardCount": 2})
		case "PutRecords":
			var res []map[string]string
			for range in.Records {
				res = append(res, map[string]string{"ErrorCode": model.ErrThroughputExceeded, "ErrorMessage": throttleMsg})
			}
			reply(w, 200, map[string]any{"FailedRecordCount": len(res), "Records": res})
		default:
			t.Errorf("unexpected %s", op)
		}
	})
	out := make([]loadgen.Outcome, 2)
	if err := tg.PutRecords(t.Context(), records(k1, k1), out); err != nil {
		t.Fatal(err)
	}
	if out[0].ShardID != shard0 {
		t.Fatalf("before: %+v, want %s", out[0], shard0)
	}
	if err := tg.UpdateShardCount(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	tg.listedAt.Store(0) // as if mapRefresh had passed since the last listing
	if err := tg.PutRecords(t.Context(), records(k1, k1), out); err != nil {
		t.Fatal(err)
	}
	if out[0].ShardID != "shardId-000000000002" {
		t.Errorf("after: %+v, want the child shardId-000000000002", out[0])
	}
	// Within mapRefresh of that listing, the map is used as it is.
	if err := tg.PutRecords(t.Context(), records(k1, k1), out); err != nil {
		t.Fatal(err)
	}
	if n := f.count("ListShards"); n != 2 {
		t.Errorf("%d ListShards calls, want 2", n)
	}
}
