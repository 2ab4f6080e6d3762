package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spillway-dev/spillway/loadgen"
)

// captureServer records each request's X-Amz-Target, Content-Type and
// body, and answers PutRecords with as many successes as records.
func captureServer(t *testing.T) (*httptest.Server, *[]http.Header, *[][]byte) {
	var headers []http.Header
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		headers, bodies = append(headers, r.Header.Clone()), append(bodies, b)
		var in struct{ Records []json.RawMessage }
		_ = json.Unmarshal(b, &in)
		var out bytes.Buffer
		out.WriteString(`{"FailedRecordCount":0,"Records":[`)
		for i := range in.Records {
			if i > 0 {
				out.WriteByte(',')
			}
			fmt.Fprintf(&out, `{"SequenceNumber":"%d","ShardId":"shardId-000000000000"}`, i)
		}
		out.WriteString(`]}`)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(out.Bytes())
	}))
	t.Cleanup(srv.Close)
	return srv, &headers, &bodies
}

// The hand-written PutRecords body says exactly what the SDK's serializer
// says (compared as JSON), with the same headers, for random records:
// empty and binary data, keys needing escapes, unicode, explicit hash keys.
func TestPutRecordsBodyMatchesSDK(t *testing.T) {
	srv, headers, bodies := captureServer(t)
	mk := func(wrap bool) *sdk.Client {
		return sdk.New(sdk.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Retryer: aws.NopRetryer{},
			Credentials: aws.AnonymousCredentials{},
		}, func(o *sdk.Options) {
			if wrap {
				o.Protocol = putRecordsProtocol{o.Protocol}
			}
		})
	}
	plain, ours := mk(false), mk(true)
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"k", `quote"and\backslash`, "tab\tnewline\n", "ünïcødé-キー", "\x00\x1f", "0123456789abcdef0123456789abcdef0123"}
	for round := range 50 {
		n := 1 + rng.IntN(20)
		recs := make([]types.PutRecordsRequestEntry, n)
		for i := range recs {
			data := make([]byte, rng.IntN(300))
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			recs[i] = types.PutRecordsRequestEntry{Data: data, PartitionKey: aws.String(keys[rng.IntN(len(keys))])}
			if rng.IntN(3) == 0 {
				recs[i].ExplicitHashKey = aws.String(fmt.Sprint(rng.Uint64()))
			}
		}
		in := &sdk.PutRecordsInput{StreamName: aws.String("s-" + fmt.Sprint(round)), Records: recs}
		if round%5 == 0 {
			in.StreamARN = aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/s")
		}
		for _, c := range []*sdk.Client{plain, ours} {
			if _, err := c.PutRecords(context.Background(), in); err != nil {
				t.Fatal(err)
			}
		}
		h, b := *headers, *bodies
		want, got := h[len(h)-2], h[len(h)-1]
		for _, name := range []string{"X-Amz-Target", "Content-Type"} {
			if got.Get(name) != want.Get(name) {
				t.Fatalf("%s: got %q, SDK %q", name, got.Get(name), want.Get(name))
			}
		}
		var sdkBody, ourBody any
		if err := json.Unmarshal(b[len(b)-2], &sdkBody); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b[len(b)-1], &ourBody); err != nil {
			t.Fatalf("our body is not JSON: %v\n%s", err, b[len(b)-1])
		}
		if !reflect.DeepEqual(sdkBody, ourBody) {
			t.Fatalf("round %d: bodies differ\nSDK:  %s\nours: %s", round, b[len(b)-2], b[len(b)-1])
		}
	}
	// Other operations are the SDK's own.
	if _, err := ours.ListShards(context.Background(), &sdk.ListShardsInput{StreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if h := *headers; h[len(h)-1].Get("X-Amz-Target") != "Kinesis_20131202.ListShards" {
		t.Fatalf("ListShards sent %q", h[len(h)-1].Get("X-Amz-Target"))
	}
}

// When no string needs escaping, the buffer is sized exactly.
func TestPutRecordsSizeExact(t *testing.T) {
	in := &sdk.PutRecordsInput{StreamName: aws.String("stream"), Records: []types.PutRecordsRequestEntry{
		{Data: []byte("abc"), PartitionKey: aws.String("k1")},
		{Data: nil, PartitionKey: aws.String("k2"), ExplicitHashKey: aws.String("42")},
	}}
	b := appendPutRecords(nil, in)
	if len(b) != cap(b) || len(b) != putRecordsSize(in) {
		t.Fatalf("len %d, cap %d, size %d: %s", len(b), cap(b), putRecordsSize(in), b)
	}
}

// The Target writes request bodies into recycled buffers: concurrent calls,
// of different sizes and some cancelled, each send their own records,
// whole, and get their own answers.
func TestTargetRecyclesBodies(t *testing.T) {
	_, tg := newFake(t, func(w http.ResponseWriter, r *http.Request, op string, in *fakeRequest) {
		// Every key of a request names its caller, and the data repeats it.
		entries := make([]map[string]string, len(in.Records))
		for i, rec := range in.Records {
			if want := in.Records[0].PartitionKey; rec.PartitionKey != want || string(rec.Data) != strings.Repeat(want, 20) {
				t.Errorf("record %d of a request from %s: key %s, data %q", i, want, rec.PartitionKey, rec.Data)
			}
			entries[i] = map[string]string{"ShardId": "shardId-000000000000", "SequenceNumber": rec.PartitionKey + "-" + fmt.Sprint(i)}
		}
		reply(w, 200, map[string]any{"FailedRecordCount": 0, "Records": entries})
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for call := range 30 {
				key := fmt.Sprintf("g%d-c%d", g, call)
				recs := make([]loadgen.Record, 2+(g*7+call)%40)
				for i := range recs {
					recs[i] = loadgen.Record{PartitionKey: key, Data: []byte(strings.Repeat(key, 20))}
				}
				out := make([]loadgen.Outcome, len(recs))
				ctx, cancel := context.WithCancel(t.Context())
				if call%7 == 3 {
					cancel() // a cancelled call must not give its buffer back in use
				}
				err := tg.PutRecords(ctx, recs, out)
				cancel()
				if call%7 == 3 {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				for i, o := range out {
					if want := key + "-" + fmt.Sprint(i); o.SequenceNumber != want {
						t.Errorf("outcome %d: sequence number %q, want %q", i, o.SequenceNumber, want)
					}
				}
			}
		})
	}
	wg.Wait()
}
