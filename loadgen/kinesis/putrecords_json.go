package kinesis

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spillway-dev/spillway/loadgen"
)

// putRecordsProtocol is the SDK's awsJson1.1 protocol with one change:
// PutRecords request bodies are written in one exactly sized buffer. The
// SDK's generic serializer grows its buffer record by record (base64 data
// and escaped keys appended one by one), which at hundreds of thousands of
// records a second made serializing the biggest cost of the send path and
// of its garbage. Everything else (signing, sending, reading the answer,
// every other operation) is the SDK's own.
type putRecordsProtocol struct {
	smithyhttp.ClientProtocol
}

// SerializeRequest writes PutRecords bodies itself and hands every other
// operation to the SDK's protocol. The headers are the ones the SDK sets.
func (p putRecordsProtocol) SerializeRequest(ctx context.Context, schema *smithy.OperationSchema, in smithy.Serializable, req *smithyhttp.Request) error {
	pr, ok := in.(*kinesis.PutRecordsInput)
	if !ok || schema.ID().Name != "PutRecords" {
		return p.ClientProtocol.SerializeRequest(ctx, schema, in, req)
	}
	req.Method = http.MethodPost
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.PutRecords")
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	var body []byte
	if pc, ok := ctx.Value(putCallKey{}).(*putCall); ok {
		pc.body = appendPutRecords(slices.Grow(pc.body[:0], putRecordsSize(pr)), pr)
		body = pc.body
	} else {
		body = appendPutRecords(nil, pr)
	}
	sreq, err := req.SetStream(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("set stream: %w", err)
	}
	*req = *sreq
	return nil
}

// putCall is what Target.PutRecords hands putRecordsProtocol, through the
// context (putCallKey), to spare the garbage of a call.
type putCall struct {
	// body is the buffer SerializeRequest writes the request body into,
	// reusing its array. Whoever made the putCall owns it again only once
	// the transport has closed the request body.
	body []byte
	// out, when not nil, receives the entries of a successful answer as
	// outcomes, instead of PutRecordsOutput.Records (which stays nil), if
	// the answer has len(out) entries. decoded is set when an answer was
	// decoded so, and entries is how many entries it had.
	out     []loadgen.Outcome
	decoded bool
	entries int
}

// putCallKey is the context key of a *putCall.
type putCallKey struct{}

// appendPutRecords appends the JSON body of a PutRecords request to b,
// sized in advance when no string needs escaping.
func appendPutRecords(b []byte, in *kinesis.PutRecordsInput) []byte {
	if b == nil {
		b = make([]byte, 0, putRecordsSize(in))
	}
	b = append(b, '{')
	if in.StreamName != nil {
		b = append(b, `"StreamName":`...)
		b = appendJSONString(b, *in.StreamName)
		b = append(b, ',')
	}
	if in.StreamARN != nil {
		b = append(b, `"StreamARN":`...)
		b = appendJSONString(b, *in.StreamARN)
		b = append(b, ',')
	}
	b = append(b, `"Records":[`...)
	for i := range in.Records {
		e := &in.Records[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Data":"`...)
		b = base64.StdEncoding.AppendEncode(b, e.Data)
		b = append(b, '"')
		if e.PartitionKey != nil {
			b = append(b, `,"PartitionKey":`...)
			b = appendJSONString(b, *e.PartitionKey)
		}
		if e.ExplicitHashKey != nil {
			b = append(b, `,"ExplicitHashKey":`...)
			b = appendJSONString(b, *e.ExplicitHashKey)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// putRecordsSize is the body's length when no string needs escaping.
func putRecordsSize(in *kinesis.PutRecordsInput) int {
	n := len(`{"Records":[]}`)
	if in.StreamName != nil {
		n += len(`"StreamName":"",`) + len(*in.StreamName)
	}
	if in.StreamARN != nil {
		n += len(`"StreamARN":"",`) + len(*in.StreamARN)
	}
	if len(in.Records) > 0 {
		n-- // no comma after the last record
	}
	for i := range in.Records {
		e := &in.Records[i]
		n += len(`{"Data":""},`) + base64.StdEncoding.EncodedLen(len(e.Data))
		if e.PartitionKey != nil {
			n += len(`,"PartitionKey":""`) + len(*e.PartitionKey)
		}
		if e.ExplicitHashKey != nil {
			n += len(`,"ExplicitHashKey":""`) + len(*e.ExplicitHashKey)
		}
	}
	return n
}

// appendJSONString appends s as a JSON string. Printable ASCII without
// quotes or backslashes (every key spillway generates) is copied; anything
// else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
