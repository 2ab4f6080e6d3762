// Package scenarios defines the scenario file format: the types, strict YAML
// parsing with file:line:col errors, defaults, validation and the threshold
// expressions. It imports nothing of spillway's but model.
package scenarios

import (
	"encoding/json"
	"strings"
	"time"
)

// Scenario is one workload as loaded from a file, with defaults applied.
type Scenario struct {
	// Name identifies the scenario in reports. Required.
	Name       string      `yaml:"name" json:"name"`
	Stream     Stream      `yaml:"stream" json:"stream"`
	Load       Load        `yaml:"load" json:"load"`
	Record     Record      `yaml:"record" json:"record"`
	Keys       Keys        `yaml:"keys" json:"keys"`
	Producer   Producer    `yaml:"producer" json:"producer"`
	Thresholds []Threshold `yaml:"thresholds" json:"thresholds,omitempty"`
	// Compare is how much worse each metric may get against a baseline
	// (spillway compare, run --baseline) before it counts as a regression;
	// a metric not listed keeps its default (MetricInfo.Tolerance).
	Compare Tolerances `yaml:"compare" json:"compare,omitempty"`
	// MaxCostUSD is the most a run against a real (non-loopback) endpoint
	// may cost at worst; a run whose estimate is above it needs --yes.
	// Zero means every such run needs --yes.
	MaxCostUSD float64 `yaml:"max_cost" json:"max_cost,omitempty"`
	// Firehose, when present, sends the records to an Amazon Data Firehose
	// stream delivering to S3 (Direct PUT), or describes one reading the
	// Kinesis stream; nil means Kinesis only.
	Firehose *Firehose `yaml:"firehose" json:"firehose,omitempty"`
	// Consumers read the Kinesis stream back during the run; none means
	// only the producer's side is measured.
	Consumers []Consumer `yaml:"consumers" json:"consumers,omitempty"`
	// Events are resharding operations during the run, in order of At.
	// Provisioned streams only.
	Events []Event `yaml:"events" json:"events,omitempty"`

	// Source is the file the scenario was read from ("" when built in code).
	Source string `yaml:"-" json:"source,omitempty"`

	// meta is where Parse found each field; nil when built in code.
	meta *fileMeta
}

// Stream describes the Kinesis data stream under test.
type Stream struct {
	// Name of the stream. Defaults to "spillway-" + the scenario name.
	Name string `yaml:"name" json:"name"`
	// Mode is the capacity mode: StreamProvisioned (the default) or
	// StreamOnDemand.
	Mode string `yaml:"mode" json:"mode"`
	// Shards is the number of open shards at the start of the run,
	// 1–10,000. Required for a provisioned stream, unless a firehose
	// section with source direct_put makes the run Firehose only (then 0
	// means no Kinesis stream). For an on-demand stream it is the starting
	// count; absent means model.OnDemandStartShards (4).
	Shards int `yaml:"shards" json:"shards"`
	// Retention is how long the stream keeps records, 24h–8760h. Zero
	// (absent) means the default, 24h.
	Retention Duration `yaml:"retention" json:"retention"`
	// Resharding is how long each resharding operation takes.
	Resharding Resharding `yaml:"resharding" json:"resharding"`
	// MaxRecordSize is the largest record (data plus partition key) the
	// stream accepts, 1 MiB–10 MiB. Zero means the default, 1 MiB.
	MaxRecordSize ByteSize `yaml:"max_record_size" json:"max_record_size"`
	// Existing means the stream already exists: spillway uses it as it is
	// and never creates or deletes it. False means spillway creates the
	// stream for the run (on a real endpoint) and deletes it afterwards.
	Existing bool `yaml:"existing" json:"existing,omitempty"`
}

// Stream capacity modes.
const (
	StreamProvisioned = "provisioned"
	StreamOnDemand    = "on-demand"
)

// Resharding is how long each resharding operation keeps the stream
// UPDATING in the simulator before the new shards open. A field absent
// from the file takes its default (DefaultSplitTime, DefaultMergeTime,
// DefaultUpdateShardCountTime); an explicit 0 means the operation is
// instant.
type Resharding struct {
	// Split is the time a SplitShard call takes.
	Split Duration `yaml:"split" json:"split"`
	// Merge is the time a MergeShards call takes.
	Merge Duration `yaml:"merge" json:"merge"`
	// UpdateShardCount is the time an UpdateShardCount call takes.
	UpdateShardCount Duration `yaml:"update_shard_count" json:"update_shard_count"`
}

// Consumer types.
const (
	// ConsumerPolling reads with GetRecords, sharing each shard's 5 calls
	// and 2 MiB per second with the other polling consumers.
	ConsumerPolling = "polling"
	// ConsumerEFO is an enhanced fan-out consumer: SubscribeToShard pushes
	// records to it, with 2 MiB per second per shard of its own.
	ConsumerEFO = "efo"
)

// Consumer is one entry of consumers: Count identical readers of the
// stream.
type Consumer struct {
	// Name identifies the consumer in reports. Defaults to Type + "-" +
	// the entry's 0-based index in the list ("polling-0"). Names are
	// unique.
	Name string `yaml:"name" json:"name"`
	// Type is ConsumerPolling or ConsumerEFO. Required.
	Type string `yaml:"type" json:"type"`
	// Count is how many identical consumers the entry stands for, 1–100.
	// Zero (absent) means 1.
	Count int `yaml:"count" json:"count"`
	// PollInterval is how long a polling consumer waits between
	// GetRecords calls to a shard: above 0 and at most 5m, the life of a
	// shard iterator. Zero (absent) means DefaultPollInterval times the
	// number of polling consumers in the scenario (the sum of their
	// Counts), so that together they stay within a shard's 5 calls per
	// second. Polling consumers only.
	PollInterval Duration `yaml:"poll_interval,omitempty" json:"poll_interval,omitempty"`
}

// Event is one resharding operation during the run: exactly one of
// UpdateShardCount, Split and Merge is set.
type Event struct {
	// At is when the operation is called, from the start of the run, 0 to
	// load.duration. Zero (absent) means at the start.
	At Duration `yaml:"at" json:"at"`
	// UpdateShardCount calls UpdateShardCount (uniform scaling) with this
	// target number of open shards: from half to double the shards open at
	// that point, 1–10,000. Zero (absent) means another operation.
	UpdateShardCount int `yaml:"update_shard_count,omitempty" json:"update_shard_count,omitempty"`
	// Split is the id of a shard to split with SplitShard, such as
	// "shardId-000000000001". "" means another operation.
	Split string `yaml:"split,omitempty" json:"split,omitempty"`
	// SplitAt is the split's NewStartingHashKey, a decimal hash key from 0
	// to 2^128−1 where the upper child starts. "" means the midpoint of the
	// shard's range. Split only.
	SplitAt string `yaml:"split_at,omitempty" json:"split_at,omitempty"`
	// Merge is the ids of the two adjacent shards to merge with
	// MergeShards. Empty means another operation.
	Merge []string `yaml:"merge,omitempty" json:"merge,omitempty"`
}

// HasConsumers reports whether the scenario reads the stream back with
// consumers.
func (s *Scenario) HasConsumers() bool { return len(s.Consumers) > 0 }

// Load is the arrival-rate profile: either a constant Rate or a list of
// Stages. Arrivals follow the profile whatever the responses do (open model).
type Load struct {
	// Duration of the run. With Rate it is required. With Stages it
	// defaults to the sum of the stage durations; a longer Duration holds
	// the last stage's target, a shorter one cuts the profile.
	Duration Duration `yaml:"duration" json:"duration"`
	// Rate is a constant arrival rate in records per second. Zero means
	// Stages is used instead.
	Rate float64 `yaml:"rate" json:"rate,omitempty"`
	// StartRate is the rate at time zero, in records per second, from which
	// the first stage ramps. Zero means start from nothing.
	StartRate float64 `yaml:"start_rate" json:"start_rate,omitempty"`
	// Stages ramp the rate linearly from the previous target (StartRate for
	// the first) to Target over Duration, as k6's ramping-arrival-rate does.
	Stages []Stage `yaml:"stages" json:"stages,omitempty"`
	// CSV is a file of per-minute traffic, as CloudWatch exports a stream's
	// IncomingRecords (and IncomingBytes) sums: a header row, then one row
	// per minute, each played as a constant rate for its minute. Relative
	// to the scenario file. Instead of Rate and Stages; Duration defaults
	// to the file's length.
	CSV string `yaml:"csv" json:"csv,omitempty"`
	// Profile is CSV's minutes as read when the scenario was loaded.
	Profile []ProfileMinute `yaml:"-" json:"-"`
}

// Stage is one linear ramp of the arrival rate.
type Stage struct {
	// Duration of the ramp. Must be positive.
	Duration Duration `yaml:"duration" json:"duration"`
	// Target is the rate at the end of the ramp, in records per second.
	Target float64 `yaml:"target" json:"target"`
}

// Record describes the data blobs.
type Record struct {
	// Size is the distribution of data sizes in bytes (partition key not
	// included).
	Size SizeSpec `yaml:"size" json:"size"`
}

// Size distributions.
const (
	SizeFixed     = "fixed"
	SizeUniform   = "uniform"
	SizeLognormal = "lognormal"
)

// SizeSpec is a record size: a fixed size written as a scalar ("100B",
// "1KiB"), or a mapping {dist: uniform, min, max} or
// {dist: lognormal, median, p99}.
type SizeSpec struct {
	// Dist is SizeFixed, SizeUniform or SizeLognormal.
	Dist string `json:"dist"`
	// Bytes is the fixed size (SizeFixed only).
	Bytes ByteSize `json:"bytes,omitempty"`
	// Min and Max bound a uniform distribution, inclusive.
	Min ByteSize `json:"min,omitempty"`
	Max ByteSize `json:"max,omitempty"`
	// Median and P99 define a lognormal distribution.
	Median ByteSize `json:"median,omitempty"`
	P99    ByteSize `json:"p99,omitempty"`
}

// Key distributions.
const (
	KeysUUID    = "uuid"
	KeysUniform = "uniform"
	KeysZipf    = "zipf"
	KeysHot     = "hot"
)

// Keys describes how partition keys are chosen.
type Keys struct {
	// Dist is KeysUUID (a new key per record, the default), KeysUniform
	// over Count keys, KeysZipf over Count keys with Exponent, or KeysHot
	// (HotShare of records on one key, the rest uuid).
	Dist string `yaml:"dist" json:"dist"`
	// Count is the number of distinct keys for uniform and zipf.
	Count int `yaml:"count" json:"count,omitempty"`
	// Exponent is the zipf exponent s (> 1). Zero means the default 1.1.
	Exponent float64 `yaml:"exponent" json:"exponent,omitempty"`
	// HotShare is the fraction of records (0–1) on the hot key.
	HotShare float64 `yaml:"hot_share" json:"hot_share,omitempty"`
	// Prefix is prepended to every generated key. Keys (prefix included)
	// are limited to 256 characters.
	Prefix string `yaml:"prefix" json:"prefix,omitempty"`
	// ExplicitHashKey, when HashKeyRandom, gives every record a uniformly
	// random ExplicitHashKey, so that records spread evenly over the shards
	// whatever their partition keys (and lose per-key order). Empty means
	// the shard follows the partition key's MD5.
	ExplicitHashKey string `yaml:"explicit_hash_key" json:"explicit_hash_key,omitempty"`
}

// HashKeyRandom is the Keys.ExplicitHashKey that draws a random hash key
// per record.
const HashKeyRandom = "random"

// Producer describes the client: batching, concurrency and retries.
type Producer struct {
	// Batch is the most records per request, 1–500; 1 means PutRecord.
	Batch int `yaml:"batch" json:"batch"`
	// Linger is how long a partial batch may wait for more records.
	// Zero means send as soon as the batcher has drained what is queued.
	Linger Duration `yaml:"linger" json:"linger"`
	// MaxInFlight is the most requests outstanding at once.
	MaxInFlight int `yaml:"max_in_flight" json:"max_in_flight"`
	// MaxBacklog is the most records that may be due and not yet sent:
	// waiting for a free in-flight slot, or not yet made because the
	// generator is behind (short of CPU). Arrivals beyond it are dropped
	// and counted (the generator is overloaded), never queued without
	// limit. Zero means ten seconds of
	// the schedule's peak rate, and at least twice max_in_flight full
	// batches.
	MaxBacklog int `yaml:"max_backlog" json:"max_backlog,omitempty"`
	// MaxBacklogBytes bounds the memory of the same backlog: data plus
	// keys plus 128 bytes of bookkeeping per record. Zero means
	// DefaultMaxBacklogBytes.
	MaxBacklogBytes ByteSize `yaml:"max_backlog_bytes" json:"max_backlog_bytes,omitempty"`
	Retry           Retry    `yaml:"retry" json:"retry"`
}

// Retry is the producer's retry policy: exponential backoff with full jitter.
type Retry struct {
	// MaxAttempts counts the first attempt; 1 means no retries.
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts"`
	// Backoff is the base delay before the first retry; attempt n waits a
	// uniform random time in [0, min(MaxBackoff, Backoff·2^(n-1))).
	Backoff    Duration `yaml:"backoff" json:"backoff"`
	MaxBackoff Duration `yaml:"max_backoff" json:"max_backoff"`
	// TTL is how long after its intended send time a record may still be
	// retried; past it the record is counted as expired. Zero means no TTL.
	TTL Duration `yaml:"ttl" json:"ttl"`
}

// Threshold is one pass/fail expression, "metric op value", for example
// "throttle_ratio < 0.05" or "put_latency_p99 < 500ms". In a file it is
// that string, or a mapping {threshold: EXPR, abort_on_fail: true,
// delay_abort_eval: 10s} (k6's abortOnFail and delayAbortEval) to stop the
// run as soon as it fails.
type Threshold struct {
	// Expr is the expression as written in the file.
	Expr string `json:"expr"`
	// Metric is the canonical name of the metric (LookupMetric).
	Metric string `json:"metric"`
	// Op is one of <, <=, >, >=.
	Op string `json:"op"`
	// Value is in the metric's base unit (LookupMetric(Metric).Unit).
	Value float64 `json:"value"`
	// AbortOnFail stops the run, as the first Ctrl-C does, at the end of
	// the first second in which the threshold fails on what was measured so
	// far; the results are still written. Only metrics measured while the
	// run goes on can abort it (LiveMetric).
	AbortOnFail bool `json:"abort_on_fail,omitempty"`
	// AbortDelay is how long after the start the threshold may first abort
	// the run, so that a warm-up cannot; 0 means from the first second.
	AbortDelay Duration `json:"delay_abort_eval,omitempty"`
}

// LiveMetric reports whether a run measures the metric name while it goes
// on, so that an abort_on_fail threshold can use it: the put-side ratios,
// counts and latencies, not what reading back, Firehose delivery or
// pricing find after the run.
func LiveMetric(name string) bool {
	for _, prefix := range []string{"e2e_", "delivery_", "cost_", "read_throttles", "iterator_age"} {
		if strings.HasPrefix(name, prefix) {
			return false
		}
	}
	return true
}

// ByteSize is a size in bytes. In YAML it is written with a unit: 100B,
// 1KB (1,000), 1KiB (1,024), 1MB, 1MiB; a bare integer means bytes.
type ByteSize int64

// Duration is a time.Duration written in YAML and JSON as a Go duration
// string ("30s", "250ms", "1m30s").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string, so a results file can be read back.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Firehose sources.
const (
	FirehoseDirectPut = "direct_put"
	FirehoseKinesis   = "kinesis"
)

// Firehose describes an Amazon Data Firehose stream delivering to S3.
type Firehose struct {
	// Name of the Firehose stream, used in S3 object keys. Defaults to
	// stream.name.
	Name string `yaml:"name" json:"name"`
	// Source is FirehoseDirectPut (the producer calls PutRecordBatch, the
	// default) or FirehoseKinesis (Firehose reads the Kinesis stream).
	Source string `yaml:"source" json:"source"`
	// Quota is the Direct PUT quota set: "large" (us-east-1, us-west-2,
	// eu-west-1: 500,000 records/s, 2,000 requests/s, 5 MiB/s, the
	// default) or "small" (other Regions: 100,000, 1,000, 1 MiB/s).
	Quota string `yaml:"quota" json:"quota"`
	// BufferSize is the S3 buffering size hint, 1 MiB–128 MiB (default 5
	// MiB; 128 MiB with format conversion).
	BufferSize ByteSize `yaml:"buffer_size" json:"buffer_size"`
	// BufferInterval is the S3 buffering interval hint, 0–900 s (default
	// 300 s); 0 means zero buffering.
	BufferInterval Duration `yaml:"buffer_interval" json:"buffer_interval"`
	// Compression is UNCOMPRESSED (default), GZIP, ZIP, SNAPPY or
	// HADOOP_SNAPPY.
	Compression string `yaml:"compression" json:"compression"`
	// FormatConversion converts JSON to Parquet/ORC; the buffer size must
	// then be at least 64 MiB.
	FormatConversion bool `yaml:"format_conversion" json:"format_conversion,omitempty"`
	// PartitionBy turns on dynamic partitioning: "key" partitions by the
	// record's partition key. "" means no dynamic partitioning.
	PartitionBy string `yaml:"partition_by" json:"partition_by,omitempty"`
	// S3WriteTime is the time from a buffer's flush to its object being in
	// S3 (spillway's assumption; default 0).
	S3WriteTime Duration `yaml:"s3_write_time" json:"s3_write_time"`
	// DelayTarget is the p95 delivery delay the sweep looks for the
	// cheapest buffer setting to meet. Zero means no target.
	DelayTarget Duration `yaml:"delivery_delay_target" json:"delivery_delay_target,omitempty"`
}
