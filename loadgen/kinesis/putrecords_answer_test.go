package kinesis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/spillway-dev/spillway/loadgen"
)

// PutRecords answers as services send them, the seeds of the tests and of
// FuzzDecodePutRecords.
var realAnswers = map[string]string{
	// The example of the PutRecords API reference: a partial failure, one
	// record throttled and one failed.
	"aws-partial": `{
    "FailedRecordCount": 2,
    "Records": [
        {
            "SequenceNumber": "49543463076548007577105092703039560359975228518395012686",
            "ShardId": "shardId-000000000000"
        },
        {
            "ErrorCode": "ProvisionedThroughputExceededException",
            "ErrorMessage": "Rate exceeded for shard shardId-000000000001 in stream exampleStreamName under account 111111111111."
        },
        {
            "ErrorCode": "InternalFailure",
            "ErrorMessage": "Internal service failure."
        }
    ]
}`,
	"aws-kms": `{"EncryptionType":"KMS","FailedRecordCount":0,"Records":[{"SequenceNumber":"49543463076548007577105092703039560359975228518395012686","ShardId":"shardId-000000000000"},{"SequenceNumber":"49543463076570308322303623326179887152428262250726293522","ShardId":"shardId-000000000001"}]}`,
	// Captured from the emulators of the contract tests (three records,
	// two shards): kinesis-local writes absent members as null.
	"kinesalite":    `{"FailedRecordCount":0,"Records":[{"ShardId":"shardId-000000000001","SequenceNumber":"49680880606027733347061278285811486149417034641943035922"},{"ShardId":"shardId-000000000001","SequenceNumber":"49680880606027733347061278285812695075236649271117742098"},{"ShardId":"shardId-000000000001","SequenceNumber":"49680880606027733347061278285813904001056263900292448274"}]}`,
	"kinesis-local": `{"EncryptionType":"NONE","FailedRecordCount":0,"Records":[{"ErrorCode":null,"ErrorMessage":null,"SequenceNumber":"49680880607811792962943728137135552537048518397754605586","ShardId":"shardId-000000000001"},{"ErrorCode":null,"ErrorMessage":null,"SequenceNumber":"49680880607811792962943728137136761462868133026929311762","ShardId":"shardId-000000000001"},{"ErrorCode":null,"ErrorMessage":null,"SequenceNumber":"49680880607811792962943728137137970388687747656104017938","ShardId":"shardId-000000000001"}]}`,
	// Every record throttled, in the reference's format.
	"all-throttled": `{"FailedRecordCount":2,"Records":[{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000000 in stream s under account 111111111111."},{"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded for shard shardId-000000000000 in stream s under account 111111111111."}]}`,
	"bench":         benchAnswer(500),
	"empty":         `{"FailedRecordCount":0,"Records":[]}`,
	// What a service may add or leave out.
	"unknown-members": `{"Future":{"a":[1,2.5e-3,true,false,null,"x\"y"]},"Records":[{"ShardId":"shardId-000000000000","SequenceNumber":"1","New":[{}]}],"FailedRecordCount":0}`,
	"nulls":           `{"EncryptionType":null,"FailedRecordCount":null,"Records":[null,{"ShardId":null,"SequenceNumber":"2","ErrorCode":null}]}`,
	"escapes":         `{"Records":[{"ErrorCode":"InternalFailure","ErrorMessage":"caf\u00e9 \"quoted\" \\ \/ \ud83d\ude00 tab\t","Shard\u0049d":"shardId-000000000000"}]}`,
	"duplicates":      `{"FailedRecordCount":1,"FailedRecordCount":0,"Records":[{"SequenceNumber":"1"}],"Records":[{"SequenceNumber":"2","SequenceNumber":"3"}]}`,
}

// benchAnswer is an all-success answer of n entries, as putRecordsServer's.
func benchAnswer(n int) string {
	var b strings.Builder
	b.WriteString(`{"FailedRecordCount":0,"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"SequenceNumber":"49590338271490256608559692538361571095921575989136588%03d","ShardId":"shardId-000000000000"}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// sdkProtocol is the SDK's own protocol, which putRecordsProtocol wraps.
var sdkProtocol = awsjson.New11(schemas.Kinesis_20131202)

// putRecordsSchema is the operation schema the SDK decodes PutRecords with.
var putRecordsSchema = smithy.NewOperationSchema(schemas.PutRecords, schemas.PutRecordsInput, schemas.PutRecordsOutput)

// decodeWith decodes a 200 answer of body with p, as the SDK's client does.
func decodeWith(p smithyhttp.ClientProtocol, body []byte) (*sdk.PutRecordsOutput, error) {
	resp := &smithyhttp.Response{Response: &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}}
	out := new(sdk.PutRecordsOutput)
	err := p.DeserializeResponse(context.Background(), putRecordsSchema, sdk.TypeRegistry, resp, out)
	return out, err
}

// Each real answer decodes exactly as the SDK decodes it.
func TestDecodePutRecordsMatchesSDK(t *testing.T) {
	for name, body := range realAnswers {
		t.Run(name, func(t *testing.T) {
			want, err := decodeWith(sdkProtocol, []byte(body))
			if err != nil {
				t.Fatalf("the SDK fails: %v", err)
			}
			got, err := decodeWith(putRecordsProtocol{sdkProtocol}, []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("decoded\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// checkOutcomes checks that body, decoded into outcomes (putCall.out),
// gives the outcomes of want, the SDK's decoding of body.
func checkOutcomes(t *testing.T, body []byte, want *sdk.PutRecordsOutput) {
	t.Helper()
	call := &putCall{out: make([]loadgen.Outcome, len(want.Records))}
	resp := &smithyhttp.Response{Response: &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}}
	var out sdk.PutRecordsOutput
	ctx := context.WithValue(context.Background(), putCallKey{}, call)
	if err := (putRecordsProtocol{sdkProtocol}).DeserializeResponse(ctx, putRecordsSchema, sdk.TypeRegistry, resp, &out); err != nil {
		t.Fatalf("decoding into outcomes: %v", err)
	}
	if out.Records != nil {
		t.Fatalf("decoded into outcomes and Records: %q", body)
	}
	if want.Records != nil && (!call.decoded || call.entries != len(want.Records)) {
		t.Fatalf("decoded %v, %d entries, want %d: %q", call.decoded, call.entries, len(want.Records), body)
	}
	for i, e := range want.Records {
		w := outcome(aws.ToString(e.ShardId), aws.ToString(e.SequenceNumber), aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
		if call.out[i] != w {
			t.Fatalf("outcome %d: %+v, want %+v", i, call.out[i], w)
		}
	}
}

// Each real answer decodes into the same outcomes as through the SDK.
func TestDecodePutRecordsIntoOutcomes(t *testing.T) {
	for name, body := range realAnswers {
		want, err := decodeWith(sdkProtocol, []byte(body))
		if err != nil {
			t.Fatalf("%s: the SDK fails: %v", name, err)
		}
		checkOutcomes(t, []byte(body), want)
	}
}

// A partial failure keeps each entry's fields and the failed count.
func TestDecodePutRecordsPartialFailure(t *testing.T) {
	out, err := decodeWith(putRecordsProtocol{sdkProtocol}, []byte(realAnswers["aws-partial"]))
	if err != nil {
		t.Fatal(err)
	}
	if *out.FailedRecordCount != 2 || len(out.Records) != 3 {
		t.Fatalf("FailedRecordCount %d, %d records", *out.FailedRecordCount, len(out.Records))
	}
	r := out.Records
	if *r[0].ShardId != "shardId-000000000000" || r[0].ErrorCode != nil || *r[0].SequenceNumber != "49543463076548007577105092703039560359975228518395012686" {
		t.Errorf("accepted entry %+v", r[0])
	}
	if *r[1].ErrorCode != "ProvisionedThroughputExceededException" || r[1].ShardId != nil || r[1].SequenceNumber != nil ||
		!strings.HasPrefix(*r[1].ErrorMessage, "Rate exceeded for shard shardId-000000000001") {
		t.Errorf("throttled entry %+v", r[1])
	}
	if *r[2].ErrorCode != "InternalFailure" {
		t.Errorf("failed entry %+v", r[2])
	}
}

// Malformed answers are errors (DeserializationError, as the SDK's), never
// a partial output that could pass for an answer.
func TestDecodePutRecordsRejects(t *testing.T) {
	for _, body := range []string{
		`{`, `{"Records":[`, `{"Records":[{"ShardId":"x"}`, `{"Records":[{"ShardId":"x"},]}`,
		`{"Records":{}}`, `{"Records":[1]}`, `{"Records":[{"ShardId":1}]}`, `{"Records":["x"]}`,
		`{"FailedRecordCount":"1"}`, `{"FailedRecordCount":1.5}`, `{"FailedRecordCount":1e2}`,
		`{"FailedRecordCount":2147483648}`, `{"FailedRecordCount":-}`, `{"FailedRecordCount":01}`,
		`{"EncryptionType":1}`, `{"Records":[{"ShardId":"a` + "\n" + `b"}]}`, `{"Records":[{"ShardId":"abc`,
		`{"Records":[{"ShardId":"\x"}]}`, `{"Records":[{"ShardId":"\u12"}]}`, `{"a":tru}`, `{"a":nul}`, `{"a" 1}`,
		`{"a":1 "b":2}`, `{"a":[1 2]}`, `{"a":{"b"}}`, `{a:1}`, `[]`, `"x"`, `{"Records":[]} {}`, `{}x`, `null`,
		`{"a":` + strings.Repeat("[", maxAnswerDepth+1) + strings.Repeat("]", maxAnswerDepth+1) + `}`,
		"\x00",
	} {
		out, err := decodeWith(putRecordsProtocol{sdkProtocol}, []byte(body))
		var de *smithy.DeserializationError
		if !errors.As(err, &de) {
			t.Errorf("%.60q: err %v, out %+v; want a DeserializationError", body, err, out)
		}
	}
}

// Decoding an answer allocates a few times (about 6), not per entry (the
// SDK: over 2,000). The bound leaves room for the race detector, under
// which sync.Pool drops some of what it is given.
func TestDecodePutRecordsAllocs(t *testing.T) {
	body := []byte(realAnswers["bench"])
	var out sdk.PutRecordsOutput
	allocs := testing.AllocsPerRun(100, func() {
		if err := decodePutRecords(body, &out, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 20 {
		t.Errorf("%.0f allocations for a 500-entry answer, want at most 20", allocs)
	}
}

// FuzzDecodePutRecords checks decodePutRecords against the SDK's decoder:
// what it accepts, the SDK accepts and decodes the same; what the SDK
// accepts and is valid JSON, it accepts too. (The SDK also takes some
// invalid JSON, e.g. data after the answer, which this decoder refuses.)
// The corpus in testdata/fuzz/FuzzDecodePutRecords runs with every go test.
func FuzzDecodePutRecords(f *testing.F) {
	for name, body := range realAnswers {
		if name == "bench" {
			// The same, shorter: minimizing 48 KB inputs stalls the fuzzer.
			body = benchAnswer(3)
		}
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeWith(putRecordsProtocol{sdkProtocol}, body)
		want, sdkErr := decodeWith(sdkProtocol, body)
		switch {
		case err == nil && sdkErr != nil:
			t.Fatalf("accepted what the SDK refuses (%v): %q", sdkErr, body)
		case err != nil && sdkErr == nil && json.Valid(body):
			t.Fatalf("refused valid JSON the SDK accepts (%v): %q", err, body)
		case err == nil && !reflect.DeepEqual(got, want):
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("decoded %q as\n%s\nwant\n%s", body, g, w)
		}
		// Straight into outcomes, as Target.PutRecords has it, the same.
		if err == nil {
			checkOutcomes(t, body, want)
		}
		// Nothing decoded points into the recycled buffers.
		if _, err := decodeWith(putRecordsProtocol{sdkProtocol}, []byte(realAnswers["aws-partial"])); err != nil {
			t.Fatal(err)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decoding another answer changed what %q decoded to", body)
		}
	})
}

// BenchmarkDecodePutRecords decodes the 500-entry answer of the wire
// benchmarks with the SDK's decoder and with decodePutRecords.
func BenchmarkDecodePutRecords(b *testing.B) {
	body := []byte(benchAnswer(500))
	for _, c := range []struct {
		name string
		p    smithyhttp.ClientProtocol
	}{{"sdk", sdkProtocol}, {"spillway", putRecordsProtocol{sdkProtocol}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := decodeWith(c.p, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
