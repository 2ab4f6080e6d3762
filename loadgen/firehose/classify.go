package firehose

import (
	"context"

	"github.com/spillway-dev/spillway/loadgen/internal/reqerr"
	"github.com/spillway-dev/spillway/loadgen/kinesis"
)

// Request-level errors are named as for Kinesis (kinesis.Classify): the
// API's code when the answer carries one (ServiceUnavailableException for
// a throttled call), kinesis.ErrServer for a 5xx answer without one, and
// kinesis.ErrTransport for a connection that failed or timed out.

// requestError is what PutRecords returns for err: the caller's context
// error if that context has ended (so that the runner sees the
// cancellation), else err with its kinesis.Classify code when it has one.
func requestError(ctx context.Context, err error) error {
	return reqerr.For(ctx, err, kinesis.Classify)
}
