// Package sdkhttp holds what loadgen's AWS targets (loadgen/kinesis and
// loadgen/firehose) put between aws-sdk-go-v2 and its HTTP transport.
package sdkhttp

import (
	"io"
	"net/http"
	"sync"
)

// Doer is the HTTP client an SDK client calls (kinesis.HTTPClient,
// firehose.HTTPClient).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// KeepBodyClient hands the transport a request body that the SDK cannot
// close under it, and returns to the SDK only once the transport has closed
// that body itself.
//
// smithy-go's ClientHandler closes the request body as soon as Do returns,
// and its body reads io.EOF once closed. If the transport is still writing
// the body then (it may return the response before it has finished), the
// request is cut short and the connection torn down, so that a call the
// server answered with 200 fails while reading the response with "use of
// closed network connection" (aws-sdk-go-v2 issues #1825 and #2737; seen on
// 0.01–0.7% of Kinesis PutRecords calls here, and gone with this wrapper).
// loadgen/kinesis and loadgen/firehose both send their calls through it.
type KeepBodyClient struct {
	Next Doer
}

// Do sends req through c.Next.
func (c KeepBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return c.Next.Do(req)
	}
	body := &trackedBody{ReadCloser: req.Body, closed: make(chan struct{})}
	r := req.WithContext(req.Context()) // a shallow copy: the SDK keeps req
	r.Body = body
	resp, err := c.Next.Do(r)
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
