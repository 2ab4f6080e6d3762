package model

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"
)

// This file models an Amazon Data Firehose stream delivering to S3
// (kinesis-facts §7). Sources: FH-Q = Firehose quotas, FH-API = the
// Firehose API model, FH-BH = "Buffering hints", FH-DEL = "Data delivery",
// FH-DP = dynamic partitioning, FH-RFC = record format conversion.

// FirehoseQuota is a Firehose stream's Direct PUT quota (PutRecord and
// PutRecordBatch combined). All three limits are per second.
type FirehoseQuota struct {
	RecordsPerSec, RequestsPerSec, BytesPerSec float64
}

// Direct PUT quotas per Firehose stream. The three limits scale together
// when AWS raises them. None applies when the source is a Kinesis stream.
// Source: FH-Q, FH-Q23.
var (
	// FirehoseQuotaLarge applies in us-east-1, us-west-2 and eu-west-1.
	FirehoseQuotaLarge = FirehoseQuota{RecordsPerSec: 500000, RequestsPerSec: 2000, BytesPerSec: 5 << 20}
	// FirehoseQuotaSmall applies in all other Regions.
	FirehoseQuotaSmall = FirehoseQuota{RecordsPerSec: 100000, RequestsPerSec: 1000, BytesPerSec: 1 << 20}
)

// Firehose request, record and buffering limits (kinesis-facts §7).
const (
	// MaxRecordsPerPutRecordBatch is the most records in one PutRecordBatch
	// call; not adjustable. Source: FH-Q, FH-API.
	MaxRecordsPerPutRecordBatch = 500
	// PutRecordBatchMaxBytes is the largest PutRecordBatch call, data bytes
	// summed (4 MiB); not adjustable. Source: FH-Q.
	PutRecordBatchMaxBytes = 4 << 20
	// FirehoseMaxRecordBytes is the largest record's data before base64
	// (1,000 KiB). Source: FH-Q, FH-API (Record.Data length 0..1024000).
	FirehoseMaxRecordBytes = 1024000
	// MaxFirehoseNameLen is the longest Firehose stream name; names use
	// [a-zA-Z0-9_.-]. Source: FH-API (DeliveryStreamName).
	MaxFirehoseNameLen = 64

	// MinBufferSizeBytes, MaxBufferSizeBytes and DefaultBufferSizeBytes are
	// the S3 size hint's range and default (SizeInMBs 1..128, default 5).
	// Source: FH-API, FH-BH.
	MinBufferSizeBytes     = 1 << 20
	MaxBufferSizeBytes     = 128 << 20
	DefaultBufferSizeBytes = 5 << 20
	// FormatConversionMinBufferBytes is the smallest size hint allowed with
	// Parquet/ORC conversion on, and FormatConversionDefaultBufferBytes the
	// default then. Source: FH-RFC.
	FormatConversionMinBufferBytes     = 64 << 20
	FormatConversionDefaultBufferBytes = 128 << 20

	// MinBufferInterval is the shortest interval hint: 0 s, zero buffering.
	// FH-API, FH-BH and CloudFormation allow 0–900 s; the FH-Q page still
	// says 60–900 (kinesis-facts §11 item 12).
	MinBufferInterval time.Duration = 0
	// MaxBufferInterval is the longest interval hint. Source: FH-API.
	MaxBufferInterval = 900 * time.Second
	// DefaultBufferInterval is the console and API default interval hint.
	// DeliveryConfig does not apply it (zero there means zero buffering).
	// Source: FH-API, FH-BH.
	DefaultBufferInterval = 300 * time.Second
	// MultipartIntervalBelow is the interval under which S3 delivery uses
	// multipart upload, which raises the S3 request count. Source: FH-BH.
	MultipartIntervalBelow = 60 * time.Second

	// DefaultActivePartitionLimit is the default most active partitions per
	// stream with dynamic partitioning; MaxActivePartitionLimit is the most
	// it can be raised to. Source: FH-DP, FH-Q.
	DefaultActivePartitionLimit = 500
	MaxActivePartitionLimit     = 5000
	// DynamicPartitioningDelayFactor bounds the end-to-end delay with
	// dynamic partitioning: up to 1.5× the buffer interval, from its
	// multi-stage buffering. Source: FH-DP.
	DynamicPartitioningDelayFactor = 1.5
	// ActivePartitionExceededPrefix is the S3 error-output prefix of records
	// for a new partition beyond the active partition limit. Source: FH-DP.
	ActivePartitionExceededPrefix = "activePartitionExceeded/"

	// ErrServiceUnavailable is the per-record throttle of PutRecordBatch
	// (HTTP 503, "back off and retry"). Source: FH-API.
	ErrServiceUnavailable = "ServiceUnavailableException"
)

// Flush reasons, as S3Object.Reason reports them.
const (
	FlushSize     = "size"
	FlushInterval = "interval"
	FlushClose    = "close"
)

// Compression is an S3 destination's CompressionFormat. Source: FH-API.
type Compression string

// Compression formats for S3.
const (
	CompressionNone         Compression = "UNCOMPRESSED"
	CompressionGzip         Compression = "GZIP"
	CompressionZip          Compression = "ZIP"
	CompressionSnappy       Compression = "SNAPPY"
	CompressionHadoopSnappy Compression = "HADOOP_SNAPPY"
)

// DeliveryConfig describes a Firehose stream delivering to S3. Validate
// states the ranges; Config returns it with zero fields defaulted.
type DeliveryConfig struct {
	// Name is the Firehose stream name, used in object keys: 1–64 of
	// [a-zA-Z0-9_.-].
	Name string
	// Version is the DeliveryStreamVersion in object names. Zero means 1.
	Version int
	// BufferSizeBytes is the size hint, 1–128 MiB. Zero means 5 MiB, or
	// 128 MiB with FormatConversion (as Firehose defaults it, FH-RFC).
	BufferSizeBytes int64
	// BufferInterval is the interval hint, 0–900 s. Zero means zero
	// buffering (every call's records are delivered at once), not the
	// default: pass DefaultBufferInterval for that.
	BufferInterval time.Duration
	// S3WriteTime is the time from a flush to the object being in S3, added
	// to every delivery. Zero means instant.
	S3WriteTime time.Duration
	// Compression is the S3 CompressionFormat. "" means UNCOMPRESSED.
	Compression Compression
	// CompressionRatio is stored bytes ÷ buffered bytes for Compression, as
	// measured elsewhere. Zero means 1.
	CompressionRatio float64
	// FormatConversion turns on Parquet/ORC conversion, which needs a size
	// hint of at least 64 MiB.
	FormatConversion bool
	// DynamicPartitioning keeps one buffer per partition key, each with its
	// own clock. Zero buffering is not allowed with it.
	DynamicPartitioning bool
	// ActivePartitionLimit is the most partitions buffering at once, 1–5000.
	// Zero means 500. Records for a new partition beyond it go to the error
	// output under ActivePartitionExceededPrefix.
	ActivePartitionLimit int
	// SourceKinesis says the source is a Kinesis stream: no Direct PUT
	// quota applies and PutRecordBatch stands for Firehose's reads.
	SourceKinesis bool
	// Quota is the Direct PUT quota. The zero value means FirehoseQuotaLarge;
	// otherwise all three limits must be positive.
	Quota FirehoseQuota
}

// withDefaults returns c with zero fields set to their defaults.
func (c DeliveryConfig) withDefaults() DeliveryConfig {
	if c.Version == 0 {
		c.Version = 1
	}
	if c.BufferSizeBytes == 0 {
		c.BufferSizeBytes = DefaultBufferSizeBytes
		if c.FormatConversion {
			c.BufferSizeBytes = FormatConversionDefaultBufferBytes
		}
	}
	if c.Compression == "" {
		c.Compression = CompressionNone
	}
	if c.CompressionRatio == 0 {
		c.CompressionRatio = 1
	}
	if c.ActivePartitionLimit == 0 {
		c.ActivePartitionLimit = DefaultActivePartitionLimit
	}
	if c.Quota == (FirehoseQuota{}) {
		c.Quota = FirehoseQuotaLarge
	}
	return c
}

// Validate reports every setting that is out of range, each naming its
// field and the value given, joined into one error.
func (c DeliveryConfig) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !validFirehoseName(c.Name) {
		bad("Name: %q must be 1–%d characters of [a-zA-Z0-9_.-]", c.Name, MaxFirehoseNameLen)
	}
	if c.Version < 0 {
		bad("Version: %d is negative", c.Version)
	}
	if c.BufferSizeBytes != 0 && (c.BufferSizeBytes < MinBufferSizeBytes || c.BufferSizeBytes > MaxBufferSizeBytes) {
		bad("BufferSizeBytes: %d is outside 1–128 MiB", c.BufferSizeBytes)
	}
	if c.FormatConversion && c.BufferSizeBytes != 0 && c.BufferSizeBytes < FormatConversionMinBufferBytes {
		bad("BufferSizeBytes: %d is below 64 MiB, the minimum with FormatConversion", c.BufferSizeBytes)
	}
	if c.BufferInterval < MinBufferInterval || c.BufferInterval > MaxBufferInterval {
		bad("BufferInterval: %v is outside 0–900 s", c.BufferInterval)
	}
	if c.DynamicPartitioning && c.BufferInterval == 0 {
		bad("BufferInterval: zero buffering is not allowed with DynamicPartitioning")
	}
	if c.S3WriteTime < 0 {
		bad("S3WriteTime: %v is negative", c.S3WriteTime)
	}
	switch c.Compression {
	case "", CompressionNone, CompressionGzip, CompressionZip, CompressionSnappy, CompressionHadoopSnappy:
	default:
		bad("Compression: %q is not one of UNCOMPRESSED, GZIP, ZIP, SNAPPY, HADOOP_SNAPPY", c.Compression)
	}
	if !(c.CompressionRatio >= 0) || math.IsInf(c.CompressionRatio, 0) {
		bad("CompressionRatio: %v must be a finite number ≥ 0", c.CompressionRatio)
	}
	if c.ActivePartitionLimit < 0 || c.ActivePartitionLimit > MaxActivePartitionLimit {
		bad("ActivePartitionLimit: %d is outside 1–%d", c.ActivePartitionLimit, MaxActivePartitionLimit)
	}
	if q := c.Quota; q != (FirehoseQuota{}) && !(q.RecordsPerSec > 0 && q.RequestsPerSec > 0 && q.BytesPerSec > 0 &&
		!math.IsInf(q.RecordsPerSec+q.RequestsPerSec+q.BytesPerSec, 0)) {
		bad("Quota: %+v must have all three limits positive and finite (or be zero for FirehoseQuotaLarge)", q)
	}
	return errors.Join(errs...)
}

func validFirehoseName(s string) bool {
	if len(s) < 1 || len(s) > MaxFirehoseNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-':
		default:
			return false
		}
	}
	return true
}

// FirehoseEntry is one record of a PutRecordBatch call.
type FirehoseEntry struct {
	// ID is the caller's record id, returned in objects.
	ID uint64
	// PartitionKey is the dynamic partitioning key; ignored without
	// dynamic partitioning.
	PartitionKey string
	// DataBytes is the size of the data blob before base64.
	DataBytes int
	// Intended is the caller's intended send time, carried through to
	// objects (delay = DeliveredAt − Intended).
	Intended time.Time
}

// FirehoseResult is the outcome of one record, in request order.
type FirehoseResult struct {
	// ErrorCode is "" for an accepted record, else ErrServiceUnavailable.
	ErrorCode string
}

// BufferedRecord is an accepted record and the time it entered a buffer.
type BufferedRecord struct {
	Entry   FirehoseEntry
	Arrived time.Time
}

// S3Object is one object Firehose writes to S3.
type S3Object struct {
	// Key follows the AWS layout: [partition prefix] + "YYYY/MM/dd/HH/"
	// (UTC, from FlushedAt) + Name-Version-YYYY-MM-dd-HH-MM-SS-random,
	// where random is 8 lowercase hex digits hashed from a per-stream
	// object counter, so keys are deterministic. The partition prefix is
	// the partition key and "/", or ActivePartitionExceededPrefix for the
	// error output.
	Key string
	// Partition is the partition key; "" without dynamic partitioning and
	// for the error output.
	Partition string
	// Reason is FlushSize, FlushInterval or FlushClose.
	Reason string
	// Records are the object's records in arrival order.
	Records []BufferedRecord
	// Bytes is the buffered (uncompressed) data bytes.
	Bytes int64
	// StoredBytes is Bytes × CompressionRatio, rounded up.
	StoredBytes int64
	// FlushedAt is when the buffer was flushed; DeliveredAt is FlushedAt +
	// S3WriteTime, plus with dynamic partitioning a second-stage delay of
	// up to half the interval (see DeliveryStream).
	FlushedAt, DeliveredAt time.Time
}

// DeliveryStats are a stream's counters since creation.
type DeliveryStats struct {
	// Accepted counts records accepted, including those sent to the error
	// output; Throttled those refused with ErrServiceUnavailable.
	Accepted, Throttled int64
	// PartitionExceeded counts accepted records sent to the error output
	// because their partition was beyond the active partition limit.
	PartitionExceeded int64
	// Objects counts objects flushed.
	Objects int64
	// BufferedRecords and BufferedBytes are what the buffers hold now.
	BufferedRecords int64
	BufferedBytes   int64
}

type bufferKind uint8

const (
	mainBuffer bufferKind = iota
	partitionBuffer
	exceededBuffer
)

// buffer is one Firehose buffer: the stream's only one, one partition's,
// or the error output's.
type buffer struct {
	kind bufferKind
	key  string // partition key
	open bool
	// gen counts flushes; a deadline entry of another generation is stale.
	gen   uint32
	n     int64
	bytes int64
	recs  []BufferedRecord
	// arrNs holds arrival times instead of recs when a sweep consumes the
	// objects; it is reused after each flush.
	arrNs []int64
}

// deadline is an open buffer's interval deadline. All buffers share the
// interval and open in time order, so a FIFO queue is in deadline order.
type deadline struct {
	b   *buffer
	gen uint32
	ns  int64
}

// objectSink consumes flushed objects instead of S3Object values; the
// sweep uses it to avoid per-record allocation.
type objectSink interface {
	object(arrNs []int64, bytes, storedBytes, deliveredNs int64)
}

// deliveryOptions are settings only the package uses.
type deliveryOptions struct {
	// noRequestQuota turns off the requests/s bucket (the sweep treats
	// single arrivals as batched by the producer).
	noRequestQuota bool
	sink           objectSink
}

// DeliveryStream is a Firehose stream delivering to S3: Direct PUT quotas,
// size and interval buffering, dynamic partitioning and object keys. It is
// safe for concurrent use. Time never goes backwards inside it: a call with
// an earlier time than a previous one is treated as happening at the latest
// time seen.
//
// Quotas are three token buckets (records/s, requests/s, bytes/s) with the
// debt semantics of Stream's shards, but they start full with one second of
// capacity: Firehose raises a throttled stream's quota automatically and
// the docs describe no burst rule, so a full start avoids throttling the
// very first calls of a test that the service would accept.
//
// With dynamic partitioning, FH-DP says delivery can take up to 1.5× the
// interval because of multi-stage buffering. spillway models the second
// stage as an extra delay per object in [0, interval/2], spread uniformly
// by the object's random key suffix, added after S3WriteTime.
type DeliveryStream struct {
	cfg    DeliveryConfig
	opts   deliveryOptions
	epoch  time.Time
	seed   uint64
	ivNs   int64
	s3Ns   int64
	halfNs int64 // dynamic partitioning's extra delay bound

	mu       sync.Mutex
	clockNs  int64
	records  tokenBucket
	requests tokenBucket
	bytes    tokenBucket
	main     buffer
	exceeded buffer
	byKey    map[string]*buffer // active partitions
	free     []*buffer          // flushed partition buffers for reuse
	active   int
	queue    []deadline
	head     int
	nextNs   int64 // earliest deadline, or earlier when stale
	seq      uint64
	stats    DeliveryStats
	out      []S3Object
}

// NewDeliveryStream creates a stream at now with empty buffers and full
// quota buckets.
func NewDeliveryStream(cfg DeliveryConfig, now time.Time) (*DeliveryStream, error) {
	return newDeliveryStream(cfg, now, deliveryOptions{})
}

func newDeliveryStream(cfg DeliveryConfig, now time.Time, o deliveryOptions) (*DeliveryStream, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("firehose stream %q: %w", cfg.Name, err)
	}
	c := cfg.withDefaults()
	d := &DeliveryStream{
		cfg:      c,
		opts:     o,
		epoch:    now,
		seed:     fnv64(c.Name) ^ uint64(c.Version),
		ivNs:     int64(c.BufferInterval),
		s3Ns:     int64(c.S3WriteTime),
		main:     buffer{kind: mainBuffer},
		exceeded: buffer{kind: exceededBuffer},
		byKey:    map[string]*buffer{},
		nextNs:   math.MaxInt64,
	}
	if c.DynamicPartitioning {
		d.halfNs = int64(float64(c.BufferInterval) * (DynamicPartitioningDelayFactor - 1))
	}
	full := func(rate float64) tokenBucket {
		b := newTokenBucket(rate, rate, 0)
		b.tokens = b.capacity
		return b
	}
	d.records = full(c.Quota.RecordsPerSec)
	d.requests = full(c.Quota.RequestsPerSec)
	d.bytes = full(c.Quota.BytesPerSec)
	return d, nil
}

// Config returns the stream's settings with defaults filled in.
func (d *DeliveryStream) Config() DeliveryConfig { return d.cfg }

// Stats returns the stream's counters.
func (d *DeliveryStream) Stats() DeliveryStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// PutRecordBatch applies a PutRecordBatch call at now. A call that breaks
// a request limit (1–500 records, at most 4 MiB of data, each record at
// most 1,000 KiB) fails whole with an *APIError and changes nothing.
// Otherwise, unless the source is Kinesis, the call takes one request
// token (if the requests bucket is in debt every record is throttled) and
// each record, in order, is accepted when neither the records nor the
// bytes bucket is in debt, or refused with ErrServiceUnavailable. Accepted
// records join their buffer; a record that brings a buffer to the size
// hint flushes it at once, and with a zero interval every buffer is
// flushed at the end of the call. out must have len(entries) elements. The
// objects returned are those flushed during the call, including buffers
// whose interval had passed by now.
func (d *DeliveryStream) PutRecordBatch(now time.Time, entries []FirehoseEntry, out []FirehoseResult) ([]S3Object, error) {
	if err := checkBatch(entries, out); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	nowNs := d.tick(now)
	d.advanceTo(nowNs)
	callOK := d.admitCall(nowNs)
	for i := range entries {
		e := &entries[i]
		if !callOK || !d.admit(nowNs, e.DataBytes) {
			out[i] = FirehoseResult{ErrorCode: ErrServiceUnavailable}
			d.stats.Throttled++
			continue
		}
		out[i] = FirehoseResult{}
		d.add(nowNs, e.PartitionKey, e.DataBytes, e)
	}
	if d.ivNs == 0 && d.main.open {
		d.flush(&d.main, FlushInterval, nowNs)
	}
	return d.takeOut(), nil
}

func checkBatch(entries []FirehoseEntry, out []FirehoseResult) error {
	if len(out) != len(entries) {
		panic("model: PutRecordBatch needs one result slot per entry")
	}
	if len(entries) == 0 || len(entries) > MaxRecordsPerPutRecordBatch {
		return &APIError{Code: ErrValidation, Message: fmt.Sprintf(
			"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and %d (got %d)",
			MaxRecordsPerPutRecordBatch, len(entries))}
	}
	var total int64
	for i := range entries {
		n := entries[i].DataBytes
		if n < 0 || n > FirehoseMaxRecordBytes {
			return &APIError{Code: ErrValidation, Message: fmt.Sprintf(
				"record %d: %d bytes is outside 0–%d", i, n, FirehoseMaxRecordBytes)}
		}
		total += int64(n)
	}
	if total > PutRecordBatchMaxBytes {
		return &APIError{Code: ErrInvalidArgument, Message: fmt.Sprintf(
			"request of %d bytes is above the PutRecordBatch limit of %d bytes", total, PutRecordBatchMaxBytes)}
	}
	return nil
}

// Advance flushes every buffer whose interval has passed by now, with
// FlushedAt at the buffer's deadline (open time + interval), not now, so a
// virtual-time caller that advances late still gets exact times. Objects
// come in FlushedAt order.
func (d *DeliveryStream) Advance(now time.Time) []S3Object {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.advanceTo(d.tick(now))
	return d.takeOut()
}

// NextDeadline returns the earliest interval deadline of any open buffer;
// false when no buffer is waiting on its interval.
func (d *DeliveryStream) NextDeadline() (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.skipStale()
	if d.head == len(d.queue) {
		return time.Time{}, false
	}
	return d.epoch.Add(time.Duration(d.queue[d.head].ns)), true
}

// Close flushes every open buffer at now (FlushClose), oldest first. The
// stream stays usable.
func (d *DeliveryStream) Close(now time.Time) []S3Object {
	d.mu.Lock()
	defer d.mu.Unlock()
	nowNs := d.tick(now)
	for _, e := range d.queue[d.head:] {
		if e.gen == e.b.gen {
			d.flush(e.b, FlushClose, nowNs)
		}
	}
	d.queue, d.head, d.nextNs = d.queue[:0], 0, math.MaxInt64
	return d.takeOut()
}

// tick converts now to the stream's clock, never going backwards.
func (d *DeliveryStream) tick(now time.Time) int64 {
	ns := int64(now.Sub(d.epoch))
	if ns < d.clockNs {
		return d.clockNs
	}
	d.clockNs = ns
	return ns
}

func (d *DeliveryStream) takeOut() []S3Object {
	out := d.out
	d.out = nil
	return out
}

// admitCall checks and takes the per-call request token.
func (d *DeliveryStream) admitCall(nowNs int64) bool {
	if d.cfg.SourceKinesis || d.opts.noRequestQuota {
		return true
	}
	d.requests.refill(nowNs)
	if !d.requests.ok() {
		return false
	}
	d.requests.take(1)
	return true
}

// admit checks one record against the records and bytes buckets and takes
// its cost when allowed.
func (d *DeliveryStream) admit(nowNs int64, n int) bool {
	if d.cfg.SourceKinesis {
		return true
	}
	d.records.refill(nowNs)
	d.bytes.refill(nowNs)
	if !d.records.ok() || !d.bytes.ok() {
		return false
	}
	d.records.take(1)
	d.bytes.take(float64(n))
	return true
}

// add puts an accepted record into its buffer, opening it if needed, and
// flushes the buffer when it reaches the size hint. e is nil in a sweep,
// which keeps only arrival times.
func (d *DeliveryStream) add(nowNs int64, key string, n int, e *FirehoseEntry) {
	b := d.bufferFor(key)
	if !b.open {
		b.open = true
		if d.ivNs > 0 {
			dl := nowNs + d.ivNs
			d.queue = append(d.queue, deadline{b: b, gen: b.gen, ns: dl})
			d.nextNs = min(d.nextNs, dl)
		}
	}
	if e != nil {
		b.recs = append(b.recs, BufferedRecord{Entry: *e, Arrived: d.epoch.Add(time.Duration(nowNs))})
	} else {
		b.arrNs = append(b.arrNs, nowNs)
	}
	b.n++
	b.bytes += int64(n)
	d.stats.Accepted++
	d.stats.BufferedRecords++
	d.stats.BufferedBytes += int64(n)
	if b.bytes >= d.cfg.BufferSizeBytes {
		d.flush(b, FlushSize, nowNs)
	}
}

// bufferFor returns the buffer for a record. With dynamic partitioning a
// partition without an open buffer becomes active, unless the limit is
// reached, in which case the record goes to the error output. Only active
// partitions are kept, so memory is bounded by the limit, not by the
// number of distinct keys.
func (d *DeliveryStream) bufferFor(key string) *buffer {
	if !d.cfg.DynamicPartitioning {
		return &d.main
	}
	if b := d.byKey[key]; b != nil {
		return b
	}
	if d.active >= d.cfg.ActivePartitionLimit {
		d.stats.PartitionExceeded++
		return &d.exceeded
	}
	var b *buffer
	if n := len(d.free); n > 0 {
		b, d.free = d.free[n-1], d.free[:n-1]
	} else {
		b = &buffer{kind: partitionBuffer}
	}
	b.key = key
	d.byKey[key] = b
	d.active++
	return b
}

// advanceTo flushes, at their deadlines, the buffers whose interval has
// passed by nowNs.
func (d *DeliveryStream) advanceTo(nowNs int64) {
	if nowNs < d.nextNs {
		return
	}
	for d.skipStale(); d.head < len(d.queue) && d.queue[d.head].ns <= nowNs; d.skipStale() {
		e := d.queue[d.head]
		d.head++
		d.flush(e.b, FlushInterval, e.ns)
	}
	d.nextNs = math.MaxInt64
	if d.head < len(d.queue) {
		d.nextNs = d.queue[d.head].ns
	}
	if d.head == len(d.queue) {
		d.queue, d.head = d.queue[:0], 0
	} else if d.head >= 1024 && 2*d.head >= len(d.queue) {
		d.queue = d.queue[:copy(d.queue, d.queue[d.head:])]
		d.head = 0
	}
}

// skipStale drops queue entries of buffers flushed by size since.
func (d *DeliveryStream) skipStale() {
	for d.head < len(d.queue) && d.queue[d.head].gen != d.queue[d.head].b.gen {
		d.head++
	}
}

// flush closes b as one object flushed at atNs.
func (d *DeliveryStream) flush(b *buffer, reason string, atNs int64) {
	d.seq++
	rnd := uint32(splitmix64(d.seed+d.seq) >> 32)
	deliveredNs := atNs + d.s3Ns
	if d.halfNs > 0 {
		deliveredNs += int64(float64(d.halfNs) * float64(rnd) / math.MaxUint32)
	}
	stored := int64(math.Ceil(float64(b.bytes) * d.cfg.CompressionRatio))
	d.stats.Objects++
	d.stats.BufferedRecords -= b.n
	d.stats.BufferedBytes -= b.bytes
	if d.opts.sink != nil {
		d.opts.sink.object(b.arrNs, b.bytes, stored, deliveredNs)
		b.arrNs = b.arrNs[:0]
	} else {
		flushed := d.epoch.Add(time.Duration(atNs))
		d.out = append(d.out, S3Object{
			Key:         d.objectKey(b, flushed, rnd),
			Partition:   b.key,
			Reason:      reason,
			Records:     b.recs,
			Bytes:       b.bytes,
			StoredBytes: stored,
			FlushedAt:   flushed,
			DeliveredAt: d.epoch.Add(time.Duration(deliveredNs)),
		})
		b.recs = nil
	}
	b.open = false
	b.gen++
	b.n, b.bytes = 0, 0
	if b.kind == partitionBuffer {
		// gen keeps counting in the reused buffer, so queue entries of
		// this generation stay stale.
		d.active--
		delete(d.byKey, b.key)
		d.free = append(d.free, b)
	}
}

// objectKey builds the S3 key: prefix, UTC hour path, then
// Name-Version-YYYY-MM-dd-HH-MM-SS-random (FH-DEL).
func (d *DeliveryStream) objectKey(b *buffer, flushed time.Time, rnd uint32) string {
	t := flushed.UTC()
	k := make([]byte, 0, len(b.key)+len(ActivePartitionExceededPrefix)+len(d.cfg.Name)+48)
	switch b.kind {
	case partitionBuffer:
		k = append(append(k, b.key...), '/')
	case exceededBuffer:
		k = append(k, ActivePartitionExceededPrefix...)
	}
	k = t.AppendFormat(k, "2006/01/02/15/")
	k = append(k, d.cfg.Name...)
	k = append(k, '-')
	k = strconv.AppendInt(k, int64(d.cfg.Version), 10)
	k = append(k, '-')
	k = t.AppendFormat(k, "2006-01-02-15-04-05-")
	const hex = "0123456789abcdef"
	for s := 28; s >= 0; s -= 4 {
		k = append(k, hex[rnd>>s&0xf])
	}
	return string(k)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
