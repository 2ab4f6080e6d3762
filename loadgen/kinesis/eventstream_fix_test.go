package kinesis

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream/eventstreamapi"
)

// esEvent is an event stream message of event type typ with payload.
func esEvent(typ, payload string) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(eventstreamapi.EventMessageType))
	m.Headers.Set(eventstreamapi.EventTypeHeader, eventstream.StringValue(typ))
	if payload != "" {
		m.Headers.Set(eventstreamapi.ContentTypeHeader, eventstream.StringValue("application/json"))
		m.Payload = []byte(payload)
	}
	return m
}

// esBytes encodes msgs as one event stream.
func esBytes(t *testing.T, msgs ...eventstream.Message) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, m := range msgs {
		if err := enc.Encode(&b, m); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// doerFunc is an sdkhttp.Doer from a function.
type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// fixedAnswer sends a request of X-Amz-Target target through
// initialResponseClient to a server answering status with body as
// contentType, and returns the body the SDK would read.
func fixedAnswer(t *testing.T, target string, status int, contentType string, body []byte) []byte {
	t.Helper()
	c := initialResponseClient{next: doerFunc(func(*http.Request) (*http.Response, error) {
		h := http.Header{}
		h.Set("Content-Type", contentType)
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body))}, nil
	})}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return got
}

func TestInitialResponseInserted(t *testing.T) {
	ev1 := esEvent("SubscribeToShardEvent", `{"Records":[],"ContinuationSequenceNumber":"1"}`)
	ev2 := esEvent("SubscribeToShardEvent", `{"Records":[],"ContinuationSequenceNumber":"2"}`)
	in := esBytes(t, ev1, ev2)
	got := fixedAnswer(t, subscribeToShardTarget, http.StatusOK, eventStreamContentType, in)
	want := append(esBytes(t, initialResponseMessage()), in...)
	if !bytes.Equal(got, want) {
		t.Fatalf("body %x, want an initial-response then the stream unchanged %x", got, want)
	}
	// And it decodes as such: an empty initial-response, then the events.
	dec := eventstream.NewDecoder()
	r := bytes.NewReader(got)
	var kinds []string
	for r.Len() > 0 {
		m, err := dec.Decode(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, m.Headers.Get(eventstreamapi.EventTypeHeader).String())
		if len(kinds) == 1 && (len(m.Payload) != 0 || m.Headers.Get(eventstreamapi.MessageTypeHeader).String() != "event") {
			t.Errorf("inserted message %+v, want an event without payload", m)
		}
	}
	if strings.Join(kinds, ",") != "initial-response,SubscribeToShardEvent,SubscribeToShardEvent" {
		t.Errorf("event types %v", kinds)
	}
}

// A stream that starts with an exception (kinesis-local answers 200 and
// then ResourceInUseException) gets the initial-response too, so that the
// SDK reports the exception.
func TestInitialResponseBeforeException(t *testing.T) {
	var ex eventstream.Message
	ex.Headers.Set(eventstreamapi.MessageTypeHeader, eventstream.StringValue(eventstreamapi.ExceptionMessageType))
	ex.Headers.Set(eventstreamapi.ExceptionTypeHeader, eventstream.StringValue("ResourceInUseException"))
	ex.Payload = []byte(`{"message":"Another active subscription exists"}`)
	in := esBytes(t, ex)
	got := fixedAnswer(t, subscribeToShardTarget, http.StatusOK, eventStreamContentType, in)
	if want := append(esBytes(t, initialResponseMessage()), in...); !bytes.Equal(got, want) {
		t.Fatalf("body %x, want %x", got, want)
	}
}

// Whatever is not a SubscribeToShard event stream lacking its
// initial-response passes unchanged.
func TestInitialResponseUnchanged(t *testing.T) {
	ev := esEvent("SubscribeToShardEvent", `{"Records":[]}`)
	withInitial := esBytes(t, esEvent(initialResponseEvent, "{}"), ev)
	withoutInitial := esBytes(t, ev)
	for _, c := range []struct {
		name, target string
		status       int
		contentType  string
		body         []byte
	}{
		{"starts with initial-response", subscribeToShardTarget, 200, eventStreamContentType, withInitial},
		{"starts with an empty initial-response", subscribeToShardTarget, 200, eventStreamContentType, esBytes(t, initialResponseMessage(), ev)},
		{"another operation", "Kinesis_20131202.GetRecords", 200, eventStreamContentType, withoutInitial},
		{"an error answer", subscribeToShardTarget, 400, "application/x-amz-json-1.1", []byte(`{"__type":"ResourceInUseException"}`)},
		{"not an event stream", subscribeToShardTarget, 200, "application/x-amz-json-1.1", []byte(`{}`)},
		{"empty stream", subscribeToShardTarget, 200, eventStreamContentType, nil},
		{"cut short", subscribeToShardTarget, 200, eventStreamContentType, withoutInitial[:len(withoutInitial)-3]},
		{"not an event stream message", subscribeToShardTarget, 200, eventStreamContentType, []byte("garbage, not a prelude")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := fixedAnswer(t, c.target, c.status, c.contentType, c.body); !bytes.Equal(got, c.body) {
				t.Errorf("body %x, want it unchanged %x", got, c.body)
			}
		})
	}
}
