package firehose

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/internal/sdkhttp"
	"github.com/spillway-dev/spillway/model"
)

// defaultReaders is S3Options.Readers when zero.
const defaultReaders = 8

// S3Options says how to reach the bucket a Firehose stream delivers to.
type S3Options struct {
	// Endpoint is S3's base URL, e.g. http://127.0.0.1:4569 for s3rver;
	// "" means AWS (or AWS_ENDPOINT_URL_S3, which the SDK reads itself).
	// Plain HTTP works: checksums are only computed where S3 requires
	// them.
	Endpoint string
	// Region is the bucket's AWS region; "" means the SDK's usual chain,
	// and us-east-1 if that finds none.
	Region string
	// Profile is the shared config profile; "" means the default chain.
	Profile string
	// Bucket is the bucket's name.
	Bucket string
	// AccessKeyID and SecretAccessKey are static credentials for tests and
	// local servers; empty means the standard chain.
	AccessKeyID, SecretAccessKey string
	// UsePathStyle puts the bucket in the URL's path
	// (http://host/bucket/key), as local servers need; false means
	// virtual-hosted style (http://bucket.host/key), as AWS prefers.
	UsePathStyle bool
	// Compression is the stream's CompressionFormat. "" means each
	// object's own is recognised from its first bytes: GZIP, ZIP and
	// SNAPPY (framing format) by their magic numbers, anything else read as
	// UNCOMPRESSED. HADOOP_SNAPPY has no magic number and must be named.
	Compression model.Compression
	// Readers is how many objects are fetched at once; 0 means 8. Each
	// holds one whole object, decompressed, in memory.
	Readers int
}

// Check says which objects ReadDelivered reads and which records it looks
// for in them.
type Check struct {
	// Prefix is the key prefix to list: the stream's S3 prefix, or a
	// narrower one such as prefix + "2026/11/25/" for a day; "" lists the
	// whole bucket.
	Prefix string
	// Since skips objects last modified before it, unread (a bucket that
	// keeps earlier runs' objects); zero reads every object listed.
	Since time.Time
	// RunID is the run's stamp (loadgen.Runner.RunStamp): records of other
	// runs, and bytes that are no stamp, are ignored.
	RunID uint64
	// Acked is the ids of the records the run had acknowledged
	// (loadgen.Summary.Acked); nil means none.
	Acked *loadgen.Bitset
	// Short is the ids of acknowledged records too short for a whole stamp
	// (Target.Short): they are counted as unverifiable, not as lost; nil
	// means none.
	Short *loadgen.Bitset
}

// Delivery is what a Firehose stream delivered to S3: the simulated
// Firehose's accounting (so that reports.DeliveryOf renders it unchanged)
// and what only a real stream can show.
//
// In the embedded loadgen.Delivery: Accepted is the acknowledged records;
// Unverifiable those of them in Check.Short; Delivered the other
// acknowledged records found in an object; Lost = Accepted − Unverifiable −
// Delivered (acknowledged, long enough, never found); Duplicates counts
// every extra copy of a record of the run found again (in the same object
// or another); Objects and StoredBytes count the objects holding at least
// one record of the run and their stored (compressed) bytes; Delay is from
// each delivered record's intended send time (from its stamp) to its
// object's LastModified, for its first copy in key order, in ms. S3 keeps
// LastModified in whole seconds, at the start of the upload, so delays are
// up to a second short. Dir is "s3://bucket/prefix".
type Delivery struct {
	loadgen.Delivery
	// Unacked counts records of the run found in objects that the run
	// never acknowledged: Firehose took them, but the request failed on
	// the way back (a transport error, say) or the run ended before it
	// settled. They are neither Delivered nor Duplicates.
	Unacked int64
	// Listed is the objects listed under Check.Prefix and read (those
	// modified since Check.Since), whether or not they held records of
	// the run.
	Listed int64
}

// s3Object is one listed object.
type s3Object struct {
	key      string
	size     int64
	modified time.Time
}

// ReadDelivered lists the bucket under c.Prefix with the S3 API, reads every
// object (decompressing it as opts.Compression says), finds the records of
// c.RunID in it by their stamps (records are concatenated, as Firehose
// writes them and as loadgen.SimFirehose lays them out) and accounts for
// them against c.Acked. An object that cannot be read or decompressed is
// an error; so is a bucket that cannot be listed.
func ReadDelivered(ctx context.Context, opts S3Options, c Check) (Delivery, error) {
	if opts.Bucket == "" {
		return Delivery{}, errors.New("firehose: no S3 bucket to read")
	}
	client, err := newS3Client(ctx, opts)
	if err != nil {
		return Delivery{}, err
	}
	objs, err := listObjects(ctx, client, opts.Bucket, c.Prefix, c.Since)
	if err != nil {
		return Delivery{}, err
	}
	acked, short := c.Acked, c.Short
	if acked == nil {
		acked = &loadgen.Bitset{}
	}
	if short == nil {
		short = &loadgen.Bitset{}
	}
	var magic [12]byte
	loadgen.PutStamp(magic[:], loadgen.Stamp{RunID: c.RunID}) // "SPW1" + run id, the first 12 bytes

	var d Delivery
	d.Dir = "s3://" + opts.Bucket + "/" + c.Prefix
	d.Listed = int64(len(objs))
	d.Accepted = acked.Len()
	d.Unverifiable = acked.Intersect(short)
	delay := loadgen.NewLatencyHistogram() // loadgen's latency ranges, summarised in ms
	var found loadgen.Bitset
	scan := func(o s3Object, data []byte) {
		held := false
		// A record shorter than a stamp carries a partial one, which the
		// stamp's check rejects.
		for i := bytes.Index(data, magic[:]); i >= 0; {
			if st, ok := loadgen.ReadStamp(data[i:]); ok {
				held = true
				switch {
				case !acked.Has(st.RecordID):
					d.Unacked++ // every copy: never acknowledged, so neither delivered nor a duplicate
				case found.Set(st.RecordID):
					d.Duplicates++
				case !short.Has(st.RecordID):
					d.Delivered++
					delay.Record(o.modified.Sub(time.Unix(0, st.IntendedUnixNano)))
				}
			}
			next := bytes.Index(data[i+1:], magic[:])
			if next < 0 {
				break
			}
			i += 1 + next
		}
		if held {
			d.Objects++
			d.StoredBytes += o.size
		}
	}

	// Fetch opts.Readers objects at a time, then scan them in key order,
	// so that "first copy" is the same whatever the fetch order.
	readers := cmp.Or(opts.Readers, defaultReaders)
	for start := 0; start < len(objs); start += readers {
		batch := objs[start:min(start+readers, len(objs))]
		data := make([][]byte, len(batch))
		errs := make([]error, len(batch))
		var wg sync.WaitGroup
		for i, o := range batch {
			wg.Go(func() { data[i], errs[i] = readObject(ctx, client, opts.Bucket, o.key, opts.Compression) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return Delivery{}, err
		}
		for i, o := range batch {
			scan(o, data[i])
		}
	}
	d.Lost = max(d.Accepted-d.Unverifiable-d.Delivered, 0)
	d.Delay = delay.Percentiles()
	return d, nil
}

// newS3Client makes the S3 client for opts, with the SDK's own retries
// (reading back is not measured) and checksums only where S3 requires them:
// s3rver over HTTPS stores the aws-chunked framing of a checksummed upload
// as the object, and answers carry no checksums to validate.
func newS3Client(ctx context.Context, opts S3Options) (*s3.Client, error) {
	cfg, err := sdkhttp.LoadConfig(ctx, "firehose", opts.Region, opts.Profile, opts.AccessKeyID, opts.SecretAccessKey)
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.UsePathStyle = opts.UsePathStyle
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		o.Logger = logging.Nop{} // packages below cmd never print
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
	}), nil
}

// listObjects lists the objects under prefix modified at or after since,
// in key order, following continuation tokens.
func listObjects(ctx context.Context, client *s3.Client, bucket, prefix string, since time.Time) ([]s3Object, error) {
	var objs []s3Object
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("firehose: listing s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			mod := aws.ToTime(o.LastModified)
			if mod.Before(since) {
				continue
			}
			objs = append(objs, s3Object{key: aws.ToString(o.Key), size: aws.ToInt64(o.Size), modified: mod})
		}
	}
	return objs, nil
}

// readObject fetches an object and decompresses it with codec, or with the
// codec its first bytes name when codec is "".
func readObject(ctx context.Context, client *s3.Client, bucket, key string, codec model.Compression) ([]byte, error) {
	res, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("firehose: reading s3://%s/%s: %w", bucket, key, err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("firehose: reading s3://%s/%s: %w", bucket, key, err)
	}
	if codec == "" {
		codec = sniff(raw)
	}
	data, err := model.Decompress(string(codec), raw)
	if err != nil {
		return nil, fmt.Errorf("firehose: s3://%s/%s: %w", bucket, key, err)
	}
	return data, nil
}

// Magic numbers of the compressed formats that have one.
var (
	gzipMagic   = []byte{0x1f, 0x8b}
	zipMagic    = []byte("PK\x03\x04")
	snappyMagic = []byte("\xff\x06\x00\x00sNaPpY") // the framing format's stream identifier
)

// sniff names the compression of an object from its first bytes.
func sniff(b []byte) model.Compression {
	switch {
	case bytes.HasPrefix(b, gzipMagic):
		return model.CompressionGzip
	case bytes.HasPrefix(b, zipMagic):
		return model.CompressionZip
	case bytes.HasPrefix(b, snappyMagic):
		return model.CompressionSnappy
	}
	return model.CompressionNone
}
