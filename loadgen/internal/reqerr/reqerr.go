// Package reqerr hands a failed SDK request to loadgen's runner with its
// classification, for loadgen/kinesis and loadgen/firehose alike.
package reqerr

import "context"

// codedError is a failed request with its classification, in the form the
// runner reads (loadgen.ErrorCode).
type codedError struct {
	code string
	err  error
}

func (e *codedError) Error() string     { return e.err.Error() }
func (e *codedError) Unwrap() error     { return e.err }
func (e *codedError) ErrorCode() string { return e.code }

// For is what a data-path call returns for err: the caller's context error
// if that context has ended (so that the runner sees the cancellation),
// else err with its classify code, as ErrorCode(), when it has one (else
// err as it is).
func For(ctx context.Context, err error, classify func(error) string) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if code := classify(err); code != "" {
		return &codedError{code: code, err: err}
	}
	return err
}
