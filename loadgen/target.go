package loadgen

import (
	"context"
	"time"

	"github.com/spillway-dev/spillway/model"
)

// Record is one record as sent to a Target.
type Record struct {
	PartitionKey string
	// ExplicitHashKey, when not empty, is a decimal hash key that replaces
	// the partition key's MD5 in choosing the shard.
	ExplicitHashKey string
	Data            []byte
	// ID is the record's number in the run and Intended its first intended
	// send time, as stamped at the start of Data (records shorter than
	// StampBytes carry only part of the stamp). Targets that follow a
	// record to its delivery use these, not the bytes.
	ID       uint64
	Intended time.Time
}

// Size is the bytes the record counts for against shard limits: data plus
// partition key.
func (r *Record) Size() int { return len(r.Data) + len(r.PartitionKey) }

// Outcome is what happened to one record of a request.
type Outcome struct {
	// ShardID is the shard the record went to, for accepted records and,
	// where the target knows it, for failed ones ("" if unknown).
	ShardID        string
	SequenceNumber string
	// ErrorCode is "" for an accepted record, else the API's code, e.g.
	// model.ErrThroughputExceeded.
	ErrorCode    string
	ErrorMessage string
	// Limit names the shard limit that throttled the record,
	// model.LimitRecords or model.LimitBytes, when the target knows it.
	Limit model.Limit
}

// Throttled reports whether the record was refused for throughput.
func (o *Outcome) Throttled() bool { return o.ErrorCode == model.ErrThroughputExceeded }

// Target is a stream that takes batches of records: a PutRecords call (or
// PutRecord when the batch holds one record). It fills out with one outcome
// per record, in request order. A non-nil error means the whole request
// failed (transport error, request-level exception) and out is ignored;
// errors carrying an API code implement ErrorCode() string, as smithy-go's
// APIError does. PutRecords is called from many goroutines at once.
type Target interface {
	PutRecords(ctx context.Context, records []Record, out []Outcome) error
}

// Shard is one shard as a ShardLister reports it.
type Shard struct {
	ID string
	// StartingHashKey and EndingHashKey are decimal, as in the Kinesis API.
	StartingHashKey, EndingHashKey string
}

// ShardLister is a Target that can list the stream's shards, so that the
// per-shard table also shows shards that received nothing.
type ShardLister interface {
	ListShards(ctx context.Context) ([]Shard, error)
}

// Namer is a Target that names itself in results ("sim", "kinesis").
type Namer interface {
	Name() string
}
