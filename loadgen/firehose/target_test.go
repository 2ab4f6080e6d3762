package firehose

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/kinesis"
	"github.com/spillway-dev/spillway/model"
)

// The real SDK against a fake Firehose: an httptest server speaking the
// JSON 1.1 protocol, answering as each test says.

// fakeRequest is the union of the request fields the tests look at. Data
// stays raw JSON so that the tests see the wire form (base64).
type fakeRequest struct {
	DeliveryStreamName string
	Records            []struct{ Data json.RawMessage }
}

// fakeHandler answers one request for operation op (e.g. "PutRecordBatch").
type fakeHandler func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest)

// fake is a fake Firehose endpoint that counts the requests per operation.
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
// "s" there.
func newFake(t *testing.T, h fakeHandler) (*fake, *Target) {
	t.Helper()
	f := &fake{calls: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "Firehose_20150804.")
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
	tg, err := New(t.Context(), Options{Region: "us-east-1", Endpoint: srv.URL, Stream: "s", AccessKeyID: "AKIDTEST", SecretAccessKey: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return f, tg
}

func reply(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// entry is one RequestResponses entry of a PutRecordBatch answer.
type entry struct {
	RecordId     string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

// batchAnswer is a PutRecordBatch answer with FailedPutCount counted from
// the entries.
func batchAnswer(entries []entry) map[string]any {
	failed := 0
	for _, e := range entries {
		if e.ErrorCode != "" {
			failed++
		}
	}
	return map[string]any{"FailedPutCount": failed, "Encrypted": false, "RequestResponses": entries}
}

// records makes n records of size bytes each, stamped with their ids.
func records(n, size int) []loadgen.Record {
	recs := make([]loadgen.Record, n)
	for i := range recs {
		data := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		loadgen.PutStamp(data, loadgen.Stamp{RunID: 7, RecordID: uint64(i)})
		recs[i] = loadgen.Record{PartitionKey: fmt.Sprint("k", i), Data: data, ID: uint64(i)}
	}
	return recs
}

// checkBody fails the test unless in is a PutRecordBatch of recs to "s",
// each record's Data its bytes in base64.
func checkBody(t *testing.T, in *fakeRequest, recs []loadgen.Record) {
	t.Helper()
	if in.DeliveryStreamName != "s" {
		t.Errorf("DeliveryStreamName = %q, want s", in.DeliveryStreamName)
	}
	if len(in.Records) != len(recs) {
		t.Fatalf("%d records in the request, want %d", len(in.Records), len(recs))
	}
	for i, r := range in.Records {
		want := `"` + base64.StdEncoding.EncodeToString(recs[i].Data) + `"`
		if string(r.Data) != want {
			t.Fatalf("record %d: Data %s, want %s", i, r.Data, want)
		}
	}
}

func TestPutRecordsAllAccepted(t *testing.T) {
	for _, n := range []int{1, 3, model.MaxRecordsPerPutRecordBatch} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			recs := records(n, 100)
			f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
				if op != "PutRecordBatch" {
					t.Errorf("operation %s, want PutRecordBatch", op)
				}
				checkBody(t, in, recs)
				entries := make([]entry, len(in.Records))
				for i := range entries {
					entries[i].RecordId = fmt.Sprint("rid-", i)
				}
				reply(w, http.StatusOK, batchAnswer(entries))
			})
			out := make([]loadgen.Outcome, n)
			if err := tg.PutRecords(t.Context(), recs, out); err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				if want := (loadgen.Outcome{SequenceNumber: fmt.Sprint("rid-", i)}); o != want {
					t.Fatalf("out[%d] = %+v, want %+v", i, o, want)
				}
			}
			if c := f.count("PutRecordBatch"); c != 1 {
				t.Fatalf("%d PutRecordBatch calls, want 1", c)
			}
		})
	}
}

func TestPutRecordsPartialFailure(t *testing.T) {
	recs := records(5, 100)
	recs[3].Data = recs[3].Data[:loadgen.StampBytes-1] // short, accepted
	recs[4].Data = recs[4].Data[:10]                   // short, refused
	answer := []entry{
		{RecordId: "r0"},
		{ErrorCode: model.ErrServiceUnavailable, ErrorMessage: "Slow down."},
		{ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure."},
		{RecordId: "r3"},
		{ErrorCode: model.ErrServiceUnavailable, ErrorMessage: "Slow down."},
	}
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		checkBody(t, in, recs)
		reply(w, http.StatusOK, batchAnswer(answer))
	})
	out := make([]loadgen.Outcome, len(recs))
	if err := tg.PutRecords(t.Context(), recs, out); err != nil {
		t.Fatal(err)
	}
	want := []loadgen.Outcome{
		{SequenceNumber: "r0"},
		{ErrorCode: model.ErrServiceUnavailable, ErrorMessage: "Slow down."},
		{ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure."},
		{SequenceNumber: "r3"},
		{ErrorCode: model.ErrServiceUnavailable, ErrorMessage: "Slow down."},
	}
	for i := range want {
		if out[i] != want[i] {
			t.Errorf("out[%d] = %+v, want %+v", i, out[i], want[i])
		}
		if got, wantT := out[i].Throttled(), want[i].ErrorCode == model.ErrServiceUnavailable; got != wantT {
			t.Errorf("out[%d].Throttled() = %v, want %v", i, got, wantT)
		}
	}
	if s := tg.Short(); s.Len() != 1 || !s.Has(3) {
		t.Errorf("Short() holds %d ids (3: %v), want only the accepted short record 3", s.Len(), s.Has(3))
	}
}

func TestPutRecordsInconsistentAnswer(t *testing.T) {
	for name, answer := range map[string]map[string]any{
		"too few entries":         batchAnswer([]entry{{RecordId: "r0"}}),
		"FailedPutCount too low":  {"FailedPutCount": 0, "RequestResponses": []entry{{RecordId: "r0"}, {ErrorCode: "InternalFailure"}}},
		"FailedPutCount too high": {"FailedPutCount": 2, "RequestResponses": []entry{{RecordId: "r0"}, {ErrorCode: "InternalFailure"}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
				reply(w, http.StatusOK, answer)
			})
			if err := tg.PutRecords(t.Context(), records(2, 100), make([]loadgen.Outcome, 2)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestPutRecordsTooManyRecords(t *testing.T) {
	f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		reply(w, http.StatusOK, batchAnswer(make([]entry, len(in.Records))))
	})
	n := model.MaxRecordsPerPutRecordBatch + 1
	if err := tg.PutRecords(t.Context(), records(n, 40), make([]loadgen.Outcome, n)); err == nil {
		t.Fatal("no error")
	}
	if c := f.count("PutRecordBatch"); c != 0 {
		t.Fatalf("%d calls sent, want 0", c)
	}
}

func TestPutRecordsRequestErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc
		code      string
		throttled bool
	}{
		{"throttled call", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusServiceUnavailable, map[string]string{"__type": "ServiceUnavailableException", "message": "Slow down."})
		}, model.ErrServiceUnavailable, true},
		{"500 without a code", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, kinesis.ErrServer, false},
		{"502 html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>bad gateway</html>")
		}, kinesis.ErrServer, false},
		{"no such stream", func(w http.ResponseWriter, r *http.Request) {
			reply(w, http.StatusBadRequest, map[string]string{"__type": "ResourceNotFoundException", "message": "Firehose s not found."})
		}, "ResourceNotFoundException", false},
		{"closed connection", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		}, kinesis.ErrTransport, false},
		{"answer cut short", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"FailedPutCount":0,"RequestResp`)
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
		}, kinesis.ErrTransport, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// AWS_MAX_ATTEMPTS would make the SDK retry if it were read.
			t.Setenv("AWS_MAX_ATTEMPTS", "5")
			f, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) { tc.handler(w, r) })
			err := tg.PutRecords(t.Context(), records(2, 100), make([]loadgen.Outcome, 2))
			if err == nil {
				t.Fatal("no error")
			}
			if code := loadgen.ErrorCode(err); code != tc.code {
				t.Fatalf("ErrorCode = %q, want %q (err: %v)", code, tc.code, err)
			}
			// The runner gives each record of a failed request this outcome.
			o := loadgen.Outcome{ErrorCode: loadgen.ErrorCode(err)}
			if o.Throttled() != tc.throttled {
				t.Fatalf("Throttled() = %v, want %v", o.Throttled(), tc.throttled)
			}
			if c := f.count("PutRecordBatch"); c != 1 {
				t.Fatalf("%d calls, want 1: the SDK must not retry", c)
			}
		})
	}
}

func TestPutRecordsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		cancel()
		<-r.Context().Done()
	})
	err := tg.PutRecords(ctx, records(2, 100), make([]loadgen.Outcome, 2))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestPutRecordsRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handler
	tg, err := New(t.Context(), Options{Region: "us-east-1", Endpoint: srv.URL, Stream: "s", AccessKeyID: "a", SecretAccessKey: "b",
		RequestTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = tg.PutRecords(t.Context(), records(1, 100), make([]loadgen.Outcome, 1))
	if code := loadgen.ErrorCode(err); code != kinesis.ErrTransport {
		t.Fatalf("ErrorCode = %q, want %q (err: %v)", code, kinesis.ErrTransport, err)
	}
}

func TestPutRecordsConcurrent(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		entries := make([]entry, len(in.Records))
		for i := range entries {
			entries[i].RecordId = "r"
		}
		reply(w, http.StatusOK, batchAnswer(entries))
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			recs := records(50+g, 64)
			out := make([]loadgen.Outcome, len(recs))
			for range 20 {
				if err := tg.PutRecords(t.Context(), recs, out); err != nil {
					t.Error(err)
					return
				}
				for i := range out {
					if out[i].ErrorCode != "" || out[i].SequenceNumber != "r" {
						t.Errorf("out[%d] = %+v", i, out[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestExists(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    any
		exists  bool
		wantErr bool
	}{
		{"exists", http.StatusOK, describeAnswer("ACTIVE"), true, false},
		{"missing", http.StatusBadRequest, map[string]string{"__type": "ResourceNotFoundException", "message": "no"}, false, false},
		{"denied", http.StatusBadRequest, map[string]string{"__type": "AccessDeniedException", "message": "no"}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
				if op != "DescribeDeliveryStream" || in.DeliveryStreamName != "s" {
					t.Errorf("%s of %q, want DescribeDeliveryStream of s", op, in.DeliveryStreamName)
				}
				reply(w, tc.status, tc.body)
			})
			exists, err := tg.Exists(t.Context())
			if exists != tc.exists || (err != nil) != tc.wantErr {
				t.Fatalf("Exists = %v, %v; want %v, error %v", exists, err, tc.exists, tc.wantErr)
			}
		})
	}
}

// describeAnswer is a DescribeDeliveryStream answer for a Direct PUT stream
// delivering to S3 with GZIP and dynamic partitioning.
func describeAnswer(status string) map[string]any {
	return map[string]any{"DeliveryStreamDescription": map[string]any{
		"DeliveryStreamName":   "s",
		"DeliveryStreamARN":    "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
		"DeliveryStreamStatus": status,
		"DeliveryStreamType":   "DirectPut",
		"VersionId":            "3",
		"HasMoreDestinations":  false,
		"Destinations": []any{map[string]any{
			"DestinationId": "destinationId-000000000001",
			"ExtendedS3DestinationDescription": map[string]any{
				"BucketARN":                        "arn:aws:s3:::my-bucket",
				"RoleARN":                          "arn:aws:iam::000000000000:role/r",
				"Prefix":                           "fh/",
				"CompressionFormat":                "GZIP",
				"BufferingHints":                   map[string]any{"SizeInMBs": 64, "IntervalInSeconds": 60},
				"DynamicPartitioningConfiguration": map[string]any{"Enabled": true},
				"FileExtension":                    ".json.gz",
			},
		}},
	}}
}

func TestDescribe(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		reply(w, http.StatusOK, describeAnswer("CREATING"))
	})
	info, err := tg.Describe(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := StreamInfo{Status: "CREATING", Type: "DirectPut", Version: "3", S3: &S3Destination{
		Bucket: "my-bucket", Prefix: "fh/", Compression: model.CompressionGzip,
		BufferSizeBytes: 64 << 20, BufferInterval: 60 * time.Second, DynamicPartitioning: true, FileExtension: ".json.gz",
	}}
	if info.Status != want.Status || info.Type != want.Type || info.Version != want.Version || info.S3 == nil || *info.S3 != *want.S3 {
		t.Fatalf("Describe = %+v (S3 %+v)\nwant %+v (S3 %+v)", info, info.S3, want, want.S3)
	}
}

func TestName(t *testing.T) {
	var n loadgen.Namer = &Target{}
	if n.Name() != "firehose" {
		t.Fatalf("Name() = %q", n.Name())
	}
	var _ loadgen.Target = &Target{}
}

func TestEndpointFromEnvironment(t *testing.T) {
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		reply(w, http.StatusOK, describeAnswer("ACTIVE"))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_FIREHOSE", srv.URL)
	tg, err := New(t.Context(), Options{Region: "us-east-1", Stream: "s", AccessKeyID: "a", SecretAccessKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := tg.Exists(t.Context()); !ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Fatalf("%d calls reached AWS_ENDPOINT_URL_FIREHOSE, want 1", calls)
	}
}
