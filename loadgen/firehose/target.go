// Package firehose is the loadgen.Target for Amazon Data Firehose (Direct
// PUT), on aws-sdk-go-v2, and the check of what such a stream delivered to
// S3 (ReadDelivered). Like the Kinesis target it leaves every retry to
// spillway's own policy, so that throttles and failures come back as data.
//
// The Firehose stream must exist: spillway does not create or delete
// Firehose streams (their S3 destination needs a bucket and an IAM role
// that are the user's to choose). Exists and Describe check it before a run.
package firehose

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
	"github.com/spillway-dev/spillway/model"
)

// Defaults for Options fields left zero.
const (
	defaultRequestTimeout = 10 * time.Second
	defaultMaxConns       = 256
)

// Options configures a Target.
type Options struct {
	// Region is the AWS region; "" means the SDK's usual chain (AWS_REGION,
	// the profile), and us-east-1 if that finds none.
	Region string
	// Profile is the shared config profile; "" means the default chain
	// (AWS_PROFILE etc.).
	Profile string
	// Endpoint is the service's base URL, e.g. http://127.0.0.1:4573; ""
	// means AWS (or AWS_ENDPOINT_URL_FIREHOSE, which the SDK reads itself).
	Endpoint string
	// Stream is the Firehose stream's name (DeliveryStreamName). It must
	// exist already.
	Stream string
	// RequestTimeout bounds one HTTP request, from sending it to reading
	// the whole answer; 0 means 10 s.
	RequestTimeout time.Duration
	// MaxConns is the most connections per host; 0 means 256.
	MaxConns int
	// AccessKeyID and SecretAccessKey are static credentials for tests and
	// local endpoints; empty means the standard chain. They are handed to
	// the SDK and kept nowhere else.
	AccessKeyID, SecretAccessKey string
}

// Target is a Firehose stream taking Direct PUT records, as a
// loadgen.Target (and Namer). Its methods are safe for concurrent use.
type Target struct {
	client *firehose.Client
	stream string

	mu sync.Mutex
	// short holds the ids of accepted records whose data is shorter than
	// loadgen.StampBytes: they cannot be recognised in the objects.
	short loadgen.Bitset
}

// New loads the AWS configuration and makes a Target on o.Stream. It
// sends no request.
func New(ctx context.Context, o Options) (*Target, error) {
	if o.Stream == "" {
		return nil, errors.New("firehose: no stream name")
	}
	cfg, err := sdkhttp.LoadConfig(ctx, "firehose", o.Region, o.Profile, o.AccessKeyID, o.SecretAccessKey)
	if err != nil {
		return nil, err
	}
	httpClient := sdkhttp.PooledClient(cfg, cmp.Or(o.MaxConns, defaultMaxConns)).
		WithTimeout(cmp.Or(o.RequestTimeout, defaultRequestTimeout))

	client := firehose.NewFromConfig(cfg, func(so *firehose.Options) {
		so.HTTPClient = sdkhttp.KeepBodyClient{Next: httpClient}
		// Retries are spillway's, as for Kinesis: the scenario's retry
		// policy must see every throttle and failure. RetryMaxAttempts
		// (AWS_MAX_ATTEMPTS) would wrap the retryer again, so clear it too.
		so.Retryer = aws.NopRetryer{}
		so.RetryMaxAttempts = 0
		// Packages below cmd never print: the SDK's default logger writes
		// warnings (e.g. an answer cut short) to stderr.
		so.Logger = logging.Nop{}
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
		}
	})
	return &Target{client: client, stream: o.Stream}, nil
}

// Name is the target's name in results: "firehose".
func (t *Target) Name() string { return "firehose" }

// Client is the SDK client, for tests and other calls.
func (t *Target) Client() *firehose.Client { return t.client }

// PutRecords sends recs with one PutRecordBatch call (for a single record
// too) and fills out[i] for recs[i]: ErrorCode "" and SequenceNumber set to
// Firehose's RecordId for an accepted record, else the entry's ErrorCode
// (ServiceUnavailableException, which Outcome.Throttled counts as a
// throttle, or InternalFailure) and ErrorMessage. ShardID stays "": Firehose
// has no shards. More than model.MaxRecordsPerPutRecordBatch records is an
// error and sends nothing. A failed request returns the caller's context
// error if that context has ended, else an error whose ErrorCode() is its
// code as loadgen/kinesis's Classify names it (when it has one): a whole
// call throttled reads ServiceUnavailableException.
func (t *Target) PutRecords(ctx context.Context, recs []loadgen.Record, out []loadgen.Outcome) error {
	switch {
	case len(recs) == 0:
		return nil
	case len(recs) > model.MaxRecordsPerPutRecordBatch:
		return fmt.Errorf("firehose: PutRecordBatch takes at most %d records, not %d", model.MaxRecordsPerPutRecordBatch, len(recs))
	}
	// The request points into recs' data: the SDK is done with it when
	// PutRecordBatch returns.
	rp, _ := recordPool.Get().(*[]types.Record)
	if rp == nil {
		rp = new([]types.Record)
	}
	defer func() { clear(*rp); recordPool.Put(rp) }()
	entries := (*rp)[:0]
	for i := range recs {
		entries = append(entries, types.Record{Data: recs[i].Data})
	}
	*rp = entries
	res, err := t.client.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{DeliveryStreamName: &t.stream, Records: entries})
	if err != nil {
		return requestError(ctx, err)
	}
	if len(res.RequestResponses) != len(recs) {
		return fmt.Errorf("firehose: PutRecordBatch answered %d entries for %d records", len(res.RequestResponses), len(recs))
	}
	failed := 0
	for i, e := range res.RequestResponses {
		if code := aws.ToString(e.ErrorCode); code != "" {
			out[i] = loadgen.Outcome{ErrorCode: code, ErrorMessage: aws.ToString(e.ErrorMessage)}
			failed++
			continue
		}
		out[i] = loadgen.Outcome{SequenceNumber: aws.ToString(e.RecordId)}
	}
	if n := aws.ToInt32(res.FailedPutCount); int(n) != failed {
		return fmt.Errorf("firehose: PutRecordBatch answered FailedPutCount %d with %d failed entries", n, failed)
	}
	for i := range recs {
		if len(recs[i].Data) < loadgen.StampBytes && out[i].ErrorCode == "" {
			t.mu.Lock()
			t.short.Set(recs[i].ID)
			t.mu.Unlock()
		}
	}
	return nil
}

// recordPool recycles PutRecordBatch request records between calls.
var recordPool sync.Pool // *[]types.Record

// Short returns the ids of the records accepted so far whose data is
// shorter than loadgen.StampBytes: they carry no whole stamp, so
// ReadDelivered counts them as unverifiable rather than lost. Call it once
// the run is over; PutRecords adds to the set it returns.
func (t *Target) Short() *loadgen.Bitset { return &t.short }

// Exists reports whether the Firehose stream exists, in any state
// (CREATING and DELETING included).
func (t *Target) Exists(ctx context.Context) (bool, error) {
	_, err := t.describe(ctx)
	switch {
	case err == nil:
		return true, nil
	case isNotFound(err):
		return false, nil
	}
	return false, err
}

// StreamInfo is what DescribeDeliveryStream says about a Firehose stream
// that a run needs.
type StreamInfo struct {
	// Status is the DeliveryStreamStatus, e.g. "ACTIVE" (the only one that
	// takes records) or "CREATING".
	Status string
	// Type is the DeliveryStreamType: "DirectPut" takes PutRecordBatch;
	// "KinesisStreamAsSource" and the others refuse it.
	Type string
	// Version is the DeliveryStreamVersion (VersionId) that object names
	// carry.
	Version string
	// S3 is the stream's S3 destination, nil when it delivers elsewhere.
	S3 *S3Destination
}

// S3Destination is a Firehose stream's S3 (or extended S3) destination.
type S3Destination struct {
	// Bucket is the bucket's name, from its ARN.
	Bucket string
	// Prefix is the custom prefix ("" for the default YYYY/MM/dd/HH/
	// layout at the bucket's root). A prefix with !{...} expressions
	// (dynamic partitioning, custom timestamps) is returned as written:
	// ReadDelivered needs the literal part before the first "!{".
	Prefix string
	// Compression is the CompressionFormat as model.Compression spells it
	// (UNCOMPRESSED, GZIP, ZIP, SNAPPY or HADOOP_SNAPPY).
	Compression model.Compression
	// BufferSizeBytes is the size hint in bytes and BufferInterval the
	// interval hint; zero when the answer has no hints.
	BufferSizeBytes int64
	BufferInterval  time.Duration
	// DynamicPartitioning is whether dynamic partitioning is on.
	DynamicPartitioning bool
	// FileExtension is the objects' custom extension, "" for none.
	FileExtension string
}

// Describe describes the Firehose stream with DescribeDeliveryStream.
func (t *Target) Describe(ctx context.Context) (StreamInfo, error) {
	d, err := t.describe(ctx)
	if err != nil {
		return StreamInfo{}, err
	}
	info := StreamInfo{Status: string(d.DeliveryStreamStatus), Type: string(d.DeliveryStreamType), Version: aws.ToString(d.VersionId)}
	for _, dst := range d.Destinations {
		var s3 *S3Destination
		switch x, y := dst.ExtendedS3DestinationDescription, dst.S3DestinationDescription; {
		case x != nil:
			s3 = s3Destination(x.BucketARN, x.Prefix, x.CompressionFormat, x.BufferingHints)
			s3.DynamicPartitioning = x.DynamicPartitioningConfiguration != nil && aws.ToBool(x.DynamicPartitioningConfiguration.Enabled)
			s3.FileExtension = aws.ToString(x.FileExtension)
		case y != nil:
			s3 = s3Destination(y.BucketARN, y.Prefix, y.CompressionFormat, y.BufferingHints)
		}
		if s3 != nil {
			info.S3 = s3
			break
		}
	}
	return info, nil
}

func (t *Target) describe(ctx context.Context) (*types.DeliveryStreamDescription, error) {
	res, err := t.client.DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(t.stream)})
	if err != nil {
		return nil, err
	}
	if res.DeliveryStreamDescription == nil {
		return nil, fmt.Errorf("firehose: DescribeDeliveryStream %s: no description in the answer", t.stream)
	}
	return res.DeliveryStreamDescription, nil
}

func s3Destination(arn, prefix *string, codec types.CompressionFormat, hints *types.BufferingHints) *S3Destination {
	d := &S3Destination{Prefix: aws.ToString(prefix), Compression: model.Compression(strings.ToUpper(string(codec)))}
	// arn:aws:s3:::bucket (the partition varies: aws-cn, aws-us-gov).
	if i := strings.LastIndex(aws.ToString(arn), ":"); i >= 0 {
		d.Bucket = aws.ToString(arn)[i+1:]
	}
	if d.Compression == "" {
		d.Compression = model.CompressionNone
	}
	if hints != nil {
		d.BufferSizeBytes = int64(aws.ToInt32(hints.SizeInMBs)) << 20
		d.BufferInterval = time.Duration(aws.ToInt32(hints.IntervalInSeconds)) * time.Second
	}
	return d
}

// isNotFound reports whether err is a ResourceNotFoundException answer.
func isNotFound(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException"
}
