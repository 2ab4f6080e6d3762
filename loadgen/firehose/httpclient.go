package firehose

import (
	"io"
	"net/http"
	"sync"
)

// httpDoer is the HTTP client the SDK calls (firehose.HTTPClient).
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// keepBodyClient hands the transport a request body that the SDK cannot
// close under it, and returns to the SDK only once the transport has closed
// that body itself. It is loadgen/kinesis's workaround, repeated here: the
// SDK's ClientHandler closes the request body as soon as Do returns, and a
// transport still writing it then cuts the request short, so that a call
// the server answered fails with "use of closed network connection"
// (aws-sdk-go-v2 issues #1825 and #2737).
type keepBodyClient struct {
	next httpDoer
}

// Do sends req through the wrapped client.
func (c keepBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.next.Do(req)
	}
	body := &trackedBody{ReadCloser: req.Body, closed: make(chan struct{})}
	r := req.WithContext(req.Context()) // a shallow copy: the SDK keeps req
	r.Body = body
	resp, err := c.next.Do(r)
	// A transport always closes the body, on success and on failure, though
	// perhaps later from its own goroutine. A cancelled request is being
	// torn down anyway: don't wait for it.
	select {
	case <-body.closed:
	case <-req.Context().Done():
	}
	return resp, err
}

// trackedBody is a request body that reports when the transport closes it.
type trackedBody struct {
	io.ReadCloser
	once   sync.Once
	closed chan struct{}
}

// Close closes the underlying body, once, and reports it.
func (b *trackedBody) Close() error {
	var err error
	b.once.Do(func() {
		err = b.ReadCloser.Close()
		close(b.closed)
	})
	return err
}
