package kinesis

import (
	"bytes"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"

	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
)

// Work-around for kinesis-local (the npm build of kinesis-mock, 0.6.2): its
// SubscribeToShard answer starts straight with SubscribeToShardEvent
// messages and never sends the `initial-response` event that AWS sends
// first. aws-sdk-go-v2 reads the first message of the stream as that
// response, so every SubscribeToShard against kinesis-local fails with
// "deserialize initial response: expected initial-response, got
// SubscribeToShardEvent" (and the first event would be lost).
//
// initialResponseClient peeks at the first message of a SubscribeToShard
// event stream and, only if it is not an initial-response, puts an empty
// initial-response before it. A stream that already starts with one (AWS)
// passes through byte for byte, so the wrapper is safe against AWS.

const (
	// subscribeToShardTarget is the X-Amz-Target of a SubscribeToShard
	// request (JSON 1.1 protocol).
	subscribeToShardTarget = "Kinesis_20131202.SubscribeToShard"
	// eventStreamContentType is the Content-Type of an event stream answer.
	eventStreamContentType = "application/vnd.amazon.eventstream"
	// initialResponseEvent is the :event-type of the first message the SDK
	// expects.
	initialResponseEvent = "initial-response"
)

// initialResponseClient is an HTTP client that fixes up SubscribeToShard
// event streams lacking an initial-response; every other request and
// answer passes through untouched.
type initialResponseClient struct {
	next sdkhttp.Doer
}

// Do sends req through the wrapped client.
func (c initialResponseClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK ||
		req.Header.Get("X-Amz-Target") != subscribeToShardTarget ||
		resp.Header.Get("Content-Type") != eventStreamContentType {
		return resp, err
	}
	resp.Body = &initialResponseBody{body: resp.Body}
	return resp, nil
}

// initialResponseBody is an event stream body that starts with an
// initial-response message. It looks at the first message on the first
// Read, so that reading the body still blocks where the SDK expects it to.
type initialResponseBody struct {
	body io.ReadCloser
	r    io.Reader // nil until the first message has been looked at
}

// Read reads the stream, with an initial-response put first if needed.
func (b *initialResponseBody) Read(p []byte) (int, error) {
	if b.r == nil {
		b.r = b.peek()
	}
	return b.r.Read(p)
}

// Close closes the underlying body.
func (b *initialResponseBody) Close() error { return b.body.Close() }

// peek reads the first message of the stream and returns a reader of the
// whole stream: the message as read, after an empty initial-response when
// it is something else. If the first message cannot be decoded (the stream
// ended, was cut short or is malformed), the bytes read so far and the
// rest are handed on unchanged, for the SDK to report.
func (b *initialResponseBody) peek() io.Reader {
	var first bytes.Buffer
	msg, err := eventstream.NewDecoder().Decode(io.TeeReader(b.body, &first), nil)
	if err != nil || isInitialResponse(msg) {
		return io.MultiReader(&first, b.body)
	}
	var head bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&head, initialResponseMessage()); err != nil {
		// Encoding a fixed message into memory does not fail; if it
		// did, the SDK reports the stream as it came.
		return io.MultiReader(&first, b.body)
	}
	return io.MultiReader(&head, &first, b.body)
}

// isInitialResponse reports whether msg is an initial-response event.
func isInitialResponse(msg eventstream.Message) bool {
	v := msg.Headers.Get(eventstreamapi.EventTypeHeader)
	return v != nil && v.String() == initialResponseEvent
}

// initialResponseMessage is an initial-response event with no payload: a
// SubscribeToShardOutput has no members outside its event stream.
func initialResponseMessage() eventstream.Message {
	var msg eventstream.Message
	msg.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(eventstreamapi.EventMessageType))
	msg.Headers.Set(eventstreamapi.EventTypeHeader, eventstream.StringValue(initialResponseEvent))
	return msg
}
