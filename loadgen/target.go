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

	// keyHash is PartitionKey's MD5 hash key when keyHashed: the
	// generator hashes keys that repeat once, and the simulated stream
	// uses the hash instead of hashing the key again.
	keyHash   model.HashKey
	keyHashed bool
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

// Throttled reports whether the record was refused for throughput: Kinesis's
// ProvisionedThroughputExceededException or Firehose's
// ServiceUnavailableException (its throttle, per record or per request).
func (o *Outcome) Throttled() bool {
	return o.ErrorCode == model.ErrThroughputExceeded || o.ErrorCode == model.ErrServiceUnavailable
}

// Target is a stream that takes batches of records: a PutRecords call (or
// PutRecord when the batch holds one record). It fills out with one outcome
// per record, in request order. A non-nil error means the whole request
// failed (transport error, request-level exception) and out is ignored;
// errors carrying an API code implement ErrorCode() string, as smithy-go's
// APIError does. PutRecords is called from many goroutines at once. The
// records' Data is valid only during the call: the generator reuses its
// memory for the next request, so a target that keeps payloads copies them.
type Target interface {
	PutRecords(ctx context.Context, records []Record, out []Outcome) error
}

// Shard is one shard as a ShardLister reports it.
type Shard struct {
	ID string
	// StartingHashKey and EndingHashKey are decimal, as in the Kinesis API.
	StartingHashKey, EndingHashKey string
	// Parents are the shards this one was made from by a resharding.
	Parents []string
	// State is "OPEN" or "CLOSED" ("" when the target does not say).
	State string
	// Opened and Closed are when the shard opened and closed, zero when
	// unknown (Closed is zero for an open shard). The simulated stream
	// knows; the Kinesis API does not say.
	Opened, Closed time.Time
}

// ShardLister is a Target that can list the stream's shards, so that the
// per-shard table also shows shards that received nothing. Like the
// Kinesis ListShards, it lists closed shards still in retention too; the
// Runner lists at the start and at the end of a run.
type ShardLister interface {
	ListShards(ctx context.Context) ([]Shard, error)
}

// Resharder is a Target whose shards a scenario's events may change during
// a run (scenarios.Event). Each call starts the resharding and returns;
// the stream keeps taking writes while it runs.
type Resharder interface {
	UpdateShardCount(ctx context.Context, target int) error
	// SplitShard splits shardID at newStartingHashKey (decimal), or at the
	// midpoint of its range when that is "".
	SplitShard(ctx context.Context, shardID, newStartingHashKey string) error
	MergeShards(ctx context.Context, shardID, adjacentShardID string) error
}

// Namer is a Target that names itself in results ("sim", "kinesis").
type Namer interface {
	Name() string
}
