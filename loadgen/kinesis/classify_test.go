package kinesis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// op wraps err as the SDK returns it from an operation.
func op(err error) error {
	return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "PutRecords", Err: err}
}

// answered wraps err as the SDK does for an answer with status.
func answered(status int, err error) error {
	return op(&awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err,
	}})
}

// sent wraps err as the SDK does for a request that got no answer.
func sent(err error) error {
	return op(&smithyhttp.RequestSendError{Err: &url.Error{Op: "Post", URL: "http://127.0.0.1:1", Err: err}})
}

func TestClassify(t *testing.T) {
	closedRead := &net.OpError{Op: "read", Net: "tcp", Err: net.ErrClosed}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"throttle, typed", answered(400, &types.ProvisionedThroughputExceededException{}), "ProvisionedThroughputExceededException"},
		{"throttle, generic", answered(400, &smithy.GenericAPIError{Code: "ProvisionedThroughputExceededException"}), "ProvisionedThroughputExceededException"},
		{"modelled code on a 500", answered(500, &smithy.GenericAPIError{Code: "InternalFailure"}), "InternalFailure"},
		{"KMS throttle", answered(400, &types.KMSThrottlingException{}), "KMSThrottlingException"},
		{"500 without code", answered(500, &smithy.GenericAPIError{Code: "UnknownError", Message: "UnknownError"}), ErrServer},
		{"502 with an unreadable body", answered(502, &smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), ErrServer},
		{"400 without code", answered(400, &smithy.GenericAPIError{Code: "UnknownError"}), "UnknownError"},
		{"200 cut short: closed connection", answered(200, &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w", closedRead)}), ErrTransport},
		{"closed connection, as text", op(errors.New("write tcp 127.0.0.1:5->127.0.0.1:6: use of closed network connection")), ErrTransport},
		{"connection reset", sent(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), ErrTransport},
		{"connection reset, as text", errors.New("read: connection reset by peer"), ErrTransport},
		{"refused", sent(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), ErrTransport},
		{"DNS", sent(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "kinesis.invalid", IsNotFound: true}}), ErrTransport},
		{"EOF", sent(io.EOF), ErrTransport},
		{"unexpected EOF", op(&smithy.DeserializationError{Err: io.ErrUnexpectedEOF}), ErrTransport},
		{"request timeout", sent(context.DeadlineExceeded), ErrTransport},
		{"cancelled", op(&smithy.CanceledError{Err: context.Canceled}), ""},
		{"cancelled in the transport", sent(context.Canceled), ""},
		{"anything else", errors.New("serializing: bad input"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Classify(c.err); got != c.want {
				t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
}

// A data-path error carries its class for the runner, unless the caller's
// context has ended: then it is that context's error.
func TestRequestError(t *testing.T) {
	err := sent(io.EOF)
	got := requestError(t.Context(), err)
	var coded interface{ ErrorCode() string }
	if !errors.As(got, &coded) || coded.ErrorCode() != ErrTransport || !errors.Is(got, io.EOF) {
		t.Errorf("requestError = %#v, want ErrTransport wrapping the cause", got)
	}
	if plain := errors.New("plain"); requestError(t.Context(), plain) != plain {
		t.Error("an unclassified error should come back as it is")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if got := requestError(ctx, err); got != context.Canceled {
		t.Errorf("requestError after cancel = %v, want context.Canceled", got)
	}
}
