// Package reports holds the results artifact (results.json), its reading and
// writing, threshold evaluation, and the text, Markdown and HTML renderings.
// Everything here works from a Results value alone, so reports can be
// rendered again offline from a results file.
package reports

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// Schema is the value of Results.Schema for this version of the format.
// Version 2 added the distributions themselves (Percentiles.Hist and
// SecondSample.Hist), min and p95, and DurationOverrideS; Read reads
// version 1 files too (SchemaV1), whose distributions are missing.
const Schema = "spillway.results/v2"

// SchemaV1 is the first version of the format, still read by Read.
const SchemaV1 = "spillway.results/v1"

// Results is one run's machine-readable outcome: the contract that CI
// scripts, `spillway report` and `spillway compare` read.
type Results struct {
	// Schema is Schema, or SchemaV1 for a version 1 file as read.
	Schema string `json:"schema"`
	// Tool is the spillway version that wrote the file.
	Tool string `json:"tool"`
	// RunID is unique per run; records carry it so they can be recognised.
	RunID string `json:"run_id"`
	// Target names what was loaded: "sim" for the simulated stream.
	Target string `json:"target"`
	// Seed drives every random choice of a run on the simulated target.
	Seed int64 `json:"seed"`
	// Scenario is the scenario as loaded, defaults applied.
	Scenario scenarios.Scenario `json:"scenario"`

	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	// DurationS is the wall time from start to end, in seconds.
	DurationS float64 `json:"duration_s"`
	// DurationOverrideS is the length of the load given on the command
	// line (run --duration), in seconds, which replaced the scenario's
	// load.duration; 0 (absent) when the scenario's own was played.
	DurationOverrideS float64 `json:"duration_override_s,omitempty"`
	// Interrupted is true when the run was stopped before its scenario
	// duration (Ctrl-C or an error); StopReason says why.
	Interrupted bool   `json:"interrupted"`
	StopReason  string `json:"stop_reason,omitempty"`

	Totals    Totals    `json:"totals"`
	Latency   Latency   `json:"latency"`
	Generator Generator `json:"generator"`
	// Errors counts failed put attempts by error code
	// (e.g. "ProvisionedThroughputExceededException").
	Errors map[string]int64 `json:"errors,omitempty"`

	// Series has one entry per second of the run, in order.
	Series []SecondSample `json:"series"`
	// PerShard has one row per shard, in hash key order.
	PerShard []ShardRow `json:"per_shard"`
	// Thresholds is each scenario threshold with its measured value.
	Thresholds []ThresholdResult `json:"thresholds"`
	// Delivery is what the simulated Firehose delivered to its S3 folder;
	// nil for runs without Firehose.
	Delivery *Delivery `json:"delivery,omitempty"`
	// E2E is the end-to-end check of a run whose stream was read back;
	// nil when it was not.
	E2E *E2E `json:"e2e,omitempty"`
	// Events is the scenario's events (reshardings) as the run played
	// them, in order; absent for runs without events.
	Events []Event `json:"events,omitempty"`
	// Parts is the results this file was merged from (spillway merge), in
	// the order given; absent for a single run.
	Parts []MergedPart `json:"parts,omitempty"`
	// Cost is what the run's writes cost at list prices and what the same
	// traffic would cost for a month (RunCostOf); nil when it was not
	// priced (no prices for the run's Region).
	Cost *RunCost `json:"cost,omitempty"`
}

// RunCost is what one run cost at list prices, and its monthly projection.
// Only the write side is priced: reads, enhanced fan-out and retention are
// left out, as are S3 charges of a Firehose run.
type RunCost struct {
	// Region is the Region whose prices were used; PricesAsOf is their
	// as-of note (model.Prices.AsOf).
	Region     string `json:"region"`
	PricesAsOf string `json:"prices_as_of"`
	// Mode is what was priced: "provisioned" (shard-hours and PUT payload
	// units), "on-demand" (on-demand Standard stream-hours and ingest) or
	// "firehose" (Firehose ingestion, with format conversion and dynamic
	// partitioning when the scenario turns them on).
	Mode string `json:"mode"`
	// Shards is the provisioned shards priced: the mean of the shards open
	// in each second of the run. Zero for the other modes.
	Shards float64 `json:"shards,omitempty"`
	// Hours is the run's duration in hours. Hourly charges are prorated to
	// it, not rounded up to whole hours as AWS bills a stream's hours.
	Hours float64 `json:"hours"`
	// RunUSD is what the run cost, in US dollars.
	RunUSD float64 `json:"run_usd"`
	// MonthlyUSD is what the run's traffic would cost at the same rate for
	// a month of 730 hours, in US dollars.
	MonthlyUSD float64 `json:"monthly_usd"`
	// Lines are the run's charges (RunUSD) line by line.
	Lines []model.CostLine `json:"lines"`
}

// Event is one scenario event as the run played it.
type Event struct {
	// AtS is when the event was due, in seconds from the start of the run.
	AtS float64 `json:"at_s"`
	// Action is the event in words: "update_shard_count 8",
	// "split shardId-000000000001", "merge shardId-… shardId-…".
	Action string `json:"action"`
	// Error is the target's answer when it refused the event; absent when
	// it accepted it.
	Error string `json:"error,omitempty"`
	// Skipped is true when the run ended before the event was due.
	Skipped bool `json:"skipped,omitempty"`
}

// E2E is what reading the stream back found, matched record by record
// against what the run sent.
type E2E struct {
	// Read is distinct records of this run read back.
	Read int64 `json:"read"`
	// Lost is acknowledged records not read by the end of the grace
	// period.
	Lost int64 `json:"lost"`
	// Duplicates is extra copies read.
	Duplicates int64 `json:"duplicates"`
	// OutOfOrder is records read after a later record of the same
	// partition key (not tracked for uuid keys, each used once).
	OutOfOrder int64 `json:"out_of_order"`
	// Foreign is records of other runs or writers; Unrecognised, records
	// without a whole stamp.
	Foreign      int64 `json:"foreign"`
	Unrecognised int64 `json:"unrecognised"`
	// GraceS is how long reading went on after the last write, in seconds.
	GraceS float64 `json:"grace_s"`
	// GetRecordsCalls and ReadThrottles count the readers' GetRecords
	// calls and the calls throttled.
	GetRecordsCalls int64 `json:"get_records_calls"`
	ReadThrottles   int64 `json:"read_throttles"`
	// IteratorAgeMaxMs is the largest MillisBehindLatest any reader saw:
	// how far reading fell behind the stream, in milliseconds.
	IteratorAgeMaxMs int64 `json:"iterator_age_max_ms"`
	// LatencyMs is from each record's intended send time to its first
	// read, in milliseconds.
	LatencyMs Percentiles `json:"latency_ms"`
	// Consumers is each consumer's own accounting when several read the
	// stream; absent with a single reader. The counts above are then the
	// sums over the consumers (a record two consumers lost counts twice),
	// IteratorAgeMaxMs their largest, and LatencyMs their merged
	// distribution.
	Consumers []ConsumerE2E `json:"consumers,omitempty"`
}

// ConsumerE2E is what one consumer of the stream read back; the fields
// mean what E2E's fields of the same name do, for this consumer alone.
type ConsumerE2E struct {
	// Name is the consumer's name ("polling-0-2" for the third of a
	// count); Type is "polling" (GetRecords) or "efo" (enhanced fan-out).
	Name string `json:"name"`
	Type string `json:"type"`
	// Read, Lost, Duplicates and OutOfOrder are records.
	Read       int64 `json:"read"`
	Lost       int64 `json:"lost"`
	Duplicates int64 `json:"duplicates"`
	OutOfOrder int64 `json:"out_of_order"`
	// GetRecordsCalls and ReadThrottles are calls.
	GetRecordsCalls int64 `json:"get_records_calls"`
	ReadThrottles   int64 `json:"read_throttles"`
	// IteratorAgeMaxMs is in milliseconds.
	IteratorAgeMaxMs int64 `json:"iterator_age_max_ms"`
	// LatencyMs is from each record's intended send time to this
	// consumer's first read of it, in milliseconds.
	LatencyMs Percentiles `json:"latency_ms"`
}

// Delivery is a Firehose run's end-to-end accounting, made by reading the
// delivered objects back and matching every record's stamp.
type Delivery struct {
	// Dir is the folder holding the objects, laid out like the S3 bucket.
	Dir             string  `json:"dir"`
	BufferSizeBytes int64   `json:"buffer_size_bytes"`
	BufferIntervalS float64 `json:"buffer_interval_s"`
	Compression     string  `json:"compression"`
	// Accepted is records Firehose accepted; Delivered, those found in the
	// objects; Lost = Accepted − Unverifiable − Delivered; Duplicates,
	// found more than once.
	Accepted  int64 `json:"accepted"`
	Delivered int64 `json:"delivered"`
	// Unverifiable is accepted records shorter than spillway's 32-byte
	// stamp: they cannot be matched in the objects, so they are neither
	// counted as delivered nor as lost.
	Unverifiable int64 `json:"unverifiable"`
	Lost         int64 `json:"lost"`
	Duplicates   int64 `json:"duplicates"`
	// Objects written and their stored (compressed) bytes.
	Objects     int64 `json:"objects"`
	StoredBytes int64 `json:"stored_bytes"`
	// DelayMs is from each record's intended send time to its object's
	// delivery, in milliseconds.
	DelayMs Percentiles `json:"delay_ms"`
}

// Totals counts records over the whole run. Every offered record ends in
// exactly one of acked, failed, expired or unfinished.
type Totals struct {
	// Offered is the records the schedule produced.
	Offered int64 `json:"offered"`
	// Sent is the records that left the generator (were attempted at
	// least once).
	Sent int64 `json:"sent"`
	// Dropped is the records the generator dropped instead of queueing
	// them, because its backlog was full (producer.max_backlog): the
	// generator, not the stream, could not keep up. Every offered record
	// is dropped or ends acked, failed, expired or unfinished.
	Dropped int64 `json:"dropped"`
	// Acked is the records the target accepted.
	Acked int64 `json:"acked"`
	// Throttled is the put attempts of a record that were throttled (a
	// record throttled twice counts twice).
	Throttled int64 `json:"throttled"`
	// Failed is the records given up after their last allowed attempt
	// failed (throttled or any other error).
	Failed int64 `json:"failed"`
	// Expired is the records given up because their TTL passed.
	Expired int64 `json:"expired"`
	// Unfinished is the records the run stopped following: retries not
	// attempted after a stop (the first Ctrl-C), and records still queued
	// or in flight when the run was abandoned (a second Ctrl-C). Zero on a
	// run that ended by its schedule.
	Unfinished int64 `json:"unfinished"`
	// Retried is the retry attempts (attempts after a record's first).
	Retried int64 `json:"retried"`
	// Attempts is the put attempts of records (first attempts plus retries).
	Attempts int64 `json:"attempts"`
	// Requests is the PutRecords/PutRecord calls made.
	Requests int64 `json:"requests"`
	// BytesAcked is data plus partition key bytes of acked records.
	BytesAcked int64 `json:"bytes_acked"`
	// ThrottleRatio is Throttled ÷ Attempts (0 when nothing was attempted).
	ThrottleRatio float64 `json:"throttle_ratio"`
}

// Latency holds the run's latency distributions, in milliseconds.
type Latency struct {
	// ResponseMs is from a record's intended send time to the response
	// that settled it (acked or given up): what the producer's caller
	// feels, corrected for coordinated omission. Over settled records.
	ResponseMs Percentiles `json:"response_ms"`
	// ServiceMs is the round trip of each request, from send to response.
	ServiceMs Percentiles `json:"service_ms"`
	// SendLagMs is how late each request left against the intended time
	// of its oldest record attempt, queueing for a free slot included.
	SendLagMs Percentiles `json:"send_lag_ms"`
}

// Percentiles summarises a distribution. All values are in the unit that
// the field holding it names. Count is the samples recorded; with Count 0
// every other field is 0 (or empty).
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
	// Hist is the distribution itself, so that runs merge exactly and any
	// percentile can be read: HdrHistogram's V2 compressed encoding in
	// base64 ("HISTFAAA…"), of microseconds from 1 µs to 1 hour at 3
	// significant figures. Absent when Count is 0, and in version 1 files.
	Hist string `json:"hist,omitempty"`

	// h is the distribution not yet encoded, for results of a run still
	// going (LiveResults): Histogram returns it instead of decoding Hist.
	h *hdrhistogram.Histogram
}

// Generator tells whether the load generator itself kept up, and what it
// used to.
type Generator struct {
	// LateRequests counts requests that left more than 10 ms after their
	// intended time (waiting for an in-flight slot, or a busy client).
	LateRequests int64 `json:"late_requests"`
	// LateWithFreeSlots counts the late requests that left while an
	// in-flight slot was free: no in-flight limit held them back, the
	// generator did not get the CPU in time.
	LateWithFreeSlots int64 `json:"late_with_free_slots"`
	// MaxInFlight is the most requests outstanding at once.
	MaxInFlight int `json:"max_in_flight"`
	// SaturatedS is the seconds in which every in-flight slot was taken
	// at some point.
	SaturatedS int `json:"saturated_s"`
	// Pacers is how many goroutines made records; Cores is the CPUs the
	// process could use (GOMAXPROCS).
	Pacers int `json:"pacers,omitempty"`
	Cores  int `json:"cores,omitempty"`
	// CPUSeconds is the CPU time (user and system) the process used during
	// the run; CPUSeconds ÷ duration ÷ Cores is how busy the machine's
	// share was. 0 when unknown.
	CPUSeconds float64 `json:"cpu_s,omitempty"`
	// PeakRSSBytes is the process's peak resident memory, in bytes; 0 when
	// unknown.
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	// MaxBacklog and MaxBacklogBytes are the backlog limits of the run
	// (records, and bytes of memory) beyond which arrivals were dropped.
	MaxBacklog      int64 `json:"max_backlog,omitempty"`
	MaxBacklogBytes int64 `json:"max_backlog_bytes,omitempty"`
}

// SecondSample is one second of the run. T counts seconds from the start:
// T=0 covers [0s, 1s). Counts are records; latencies are milliseconds over
// the records settled in that second.
type SecondSample struct {
	T       int   `json:"t"`
	Offered int64 `json:"offered"`
	// Sent is the records that left the generator for the first time in
	// the second (by when they left, where Offered counts by intended
	// time); Dropped, the second's arrivals dropped because the backlog
	// was full.
	Sent    int64 `json:"sent"`
	Dropped int64 `json:"dropped,omitempty"`
	// PacingError is (Sent − Offered) ÷ Offered: how far the generator's
	// actual sending strayed from the schedule in the second. Negative
	// while it falls behind (or drops), positive while it catches up; 0
	// when nothing was offered.
	PacingError float64 `json:"pacing_error"`
	Attempts    int64   `json:"attempts"`
	Acked       int64   `json:"acked"`
	Throttled   int64   `json:"throttled"`
	Failed      int64   `json:"failed"`
	Expired     int64   `json:"expired"`
	BytesAcked  int64   `json:"bytes_acked"`
	MinMs       float64 `json:"min_ms"`
	MeanMs      float64 `json:"mean_ms"`
	P50Ms       float64 `json:"p50_ms"`
	P90Ms       float64 `json:"p90_ms"`
	P95Ms       float64 `json:"p95_ms"`
	P99Ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	// Hist is the response times of the records settled in the second,
	// encoded as Percentiles.Hist is but at 2 significant figures (within
	// 1%), as are the second's percentiles; absent when none settled, and
	// in version 1 files.
	Hist string `json:"hist,omitempty"`
	// ServiceHist is the round trips of the requests that ended in the
	// second, encoded likewise; absent when none ended, and in version 1
	// files.
	ServiceHist string `json:"service_hist,omitempty"`
	// InFlight is the most requests outstanding during the second, as
	// seen when each request started.
	InFlight int `json:"in_flight"`
	// Read is the records read back in the second, by all consumers
	// together; ReadThrottles, the GetRecords calls throttled in it;
	// IteratorAgeMaxMs, the largest iterator age seen in it (the age
	// of the last record a call returned, CloudWatch's definition), in
	// milliseconds. All absent (0) for runs that were not read back
	// second by second.
	Read             int64 `json:"read,omitempty"`
	ReadThrottles    int64 `json:"read_throttles,omitempty"`
	IteratorAgeMaxMs int64 `json:"iterator_age_max_ms,omitempty"`
	// OpenShards is how many shards were open during the second (at most);
	// 0 (absent) when the target did not say, and then every listed shard
	// counts as open throughout.
	OpenShards int `json:"open_shards,omitempty"`
}

// Limits that a shard can throttle on, as named in ShardRow.ThrottledBy.
const (
	LimitRecords = "records"
	LimitBytes   = "bytes"
)

// ShardRow is one shard's load over the run.
type ShardRow struct {
	ShardID string `json:"shard_id"`
	// StartingHashKey and EndingHashKey are the shard's inclusive hash key
	// range, as decimal strings like the Kinesis API's.
	StartingHashKey string `json:"starting_hash_key"`
	EndingHashKey   string `json:"ending_hash_key"`
	// Parents are the shards this one was made from by a resharding:
	// one for a split, two for a merge; absent for an original shard.
	Parents []string `json:"parents,omitempty"`
	// State is "OPEN" or "CLOSED" (closed by a resharding) at the end of
	// the run; absent when the target does not say.
	State string `json:"state,omitempty"`
	// OpenedS is when the shard opened, in seconds from the start of the
	// run, for a shard a resharding made during the run; 0 (absent) for a
	// shard open from the start, or when the target does not say.
	OpenedS float64 `json:"opened_s,omitempty"`
	// ClosedS is when a resharding closed the shard, in seconds from the
	// start of the run; 0 (absent) for a shard still open at the end, or
	// when the target does not say.
	ClosedS float64 `json:"closed_s,omitempty"`
	// Attempts is the record put attempts routed to this shard.
	Attempts   int64 `json:"attempts"`
	Acked      int64 `json:"acked"`
	BytesAcked int64 `json:"bytes_acked"`
	// Throttled is the put attempts throttled on this shard, split by the
	// limit that bound in ThrottledRecordsLimit and ThrottledBytesLimit.
	Throttled             int64 `json:"throttled"`
	ThrottledRecordsLimit int64 `json:"throttled_records_limit"`
	ThrottledBytesLimit   int64 `json:"throttled_bytes_limit"`
	// ThrottledBy is LimitRecords or LimitBytes, whichever throttled more
	// attempts, or "" when the shard never throttled.
	ThrottledBy string `json:"throttled_by"`
	// PeakUtilization is the highest per-second demand on the shard as a
	// fraction of its capacity: max(attempted records ÷ records limit,
	// attempted bytes ÷ bytes limit). Above 1 the shard was overloaded.
	PeakUtilization float64 `json:"peak_utilization"`
	// Utilization is that fraction for each second of the run, aligned
	// with Results.Series.
	Utilization []float64 `json:"utilization"`
}

// ThresholdResult is one threshold checked against the run.
type ThresholdResult struct {
	Expr   string  `json:"expr"`
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Limit  float64 `json:"limit"`
	// Value is the measured value in the metric's base unit.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Pass  bool    `json:"pass"`
}
