package kinesis

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/aws/smithy-go"

	"github.com/spillway-dev/spillway/loadgen/internal/reqerr"
)

// Request-level error codes that Kinesis itself never sends.
const (
	// ErrTransport is a request that failed on the way: connection reset or
	// closed, a timeout of the request (not of the caller's context), DNS,
	// a response cut short. Counted apart from throttles.
	ErrTransport = "TransportError"
	// ErrServer is an HTTP 5xx answer that names no error code.
	ErrServer = "InternalFailure"
)

// unknownCode is what the SDK calls an error answer without a code.
const unknownCode = "UnknownError"

// Classify names a failed request's cause: the API's error code when the
// answer carries one, ErrServer for a 5xx answer without one, ErrTransport
// for network failures and timeouts (context.DeadlineExceeded included:
// callers check their own context first), the SDK's "UnknownError" for
// another answer without a code, and "" for nil and for anything else
// (context.Canceled among them).
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var apiErr smithy.APIError
	hasAPI := errors.As(err, &apiErr)
	if hasAPI && apiErr.ErrorCode() != "" && apiErr.ErrorCode() != unknownCode {
		return apiErr.ErrorCode()
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return ErrServer
	}
	if isTransport(err) {
		return ErrTransport
	}
	if hasAPI {
		return unknownCode
	}
	return ""
}

// isTransport reports whether err is a failure of the connection rather
// than an answer.
func isTransport(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	// Some layers flatten the cause into text.
	msg := err.Error()
	return strings.Contains(msg, "use of closed network connection") ||
		strings.Contains(msg, "connection reset")
}

// requestError is what a data-path call returns for err: the caller's
// context error if that context has ended (so that the runner sees the
// cancellation), else err with its Classify code when it has one.
func requestError(ctx context.Context, err error) error {
	return reqerr.For(ctx, err, Classify)
}
