package firehose

import (
	"context"

	"github.com/spillway-dev/spillway/loadgen/kinesis"
)

// Request-level errors are named as for Kinesis (kinesis.Classify): the
// API's code when the answer carries one (ServiceUnavailableException for
// a throttled call), kinesis.ErrServer for a 5xx answer without one, and
// kinesis.ErrTransport for a connection that failed or timed out.

// codedError is a failed request with its classification, in the form the
// runner reads (loadgen.ErrorCode).
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string     { return e.err.Error() }
func (e *codedError) Unwrap() error     { return e.err }
func (e *codedError) ErrorCode() string { return e.code }

// requestError is what PutRecords returns for err: the caller's context
// error if that context has ended (so that the runner sees the
// cancellation), else err with its kinesis.Classify code when it has one.
func requestError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if code := kinesis.Classify(err); code != "" {
		return &codedError{code: code, err: err}
	}
	return err
}
