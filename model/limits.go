// Package model holds Kinesis Data Streams semantics as pure code: limits,
// partition key to shard mapping, shards with throughput buckets and
// PutRecords outcomes. It imports nothing of spillway's, never prints and
// never reads the clock: every call takes the time as an argument, so the
// real-time load generator and a virtual-time simulator share it.
//
// Sources are cited by the IDs of shared/kinesis-facts.md (API = the Kinesis
// API reference and model, Q = the KDS "Quotas and limits" page, TSP =
// "Troubleshooting producers", API-MRS = UpdateMaxRecordSize, BLOG-LR = the
// 2025-10-28 large records announcement).
package model

import "time"

// Per-shard write limits (kinesis-facts §1).
const (
	// ShardWriteRecordsPerSec is the records one shard accepts per second,
	// PutRecord and PutRecords combined. Source: API (PutRecords), Q.
	ShardWriteRecordsPerSec = 1000
	// ShardWriteBytesPerSec is the bytes one shard accepts per second,
	// counting data plus partition key (1 MiB). Source: API (PutRecord,
	// PutRecords), Q, FAQ; the API model and the KPL use MiB.
	ShardWriteBytesPerSec = 1 << 20
	// DefaultBurstSeconds is how many seconds of capacity a shard's token
	// buckets hold. AWS states the limits per second and does not publish
	// the algorithm (kinesis-facts §1 "Measurement window", unconfirmed);
	// about one second of burst matches every documented behaviour. Buckets
	// start empty, so a new stream's first second takes the limit, not
	// twice it.
	DefaultBurstSeconds = 1.0
)

// Request and record limits (kinesis-facts §2).
const (
	// MaxRecordsPerPutRecords is the most records in one PutRecords call.
	// Source: API (PutRecordsRequestEntryList length 1..500), Q.
	MaxRecordsPerPutRecords = 500
	// DefaultPutRecordsMaxBytes is the largest PutRecords request, partition
	// keys included: 10 MiB since 2025-10-28 (BLOG-LR, Q). It was 5 MiB
	// before (API model of 2025-04, Q23), so it is a StreamConfig setting;
	// LegacyPutRecordsMaxBytes is the old value.
	DefaultPutRecordsMaxBytes = 10 << 20
	// LegacyPutRecordsMaxBytes is the PutRecords request limit before
	// 2025-10-28. Source: API (2025-04), Q23.
	LegacyPutRecordsMaxBytes = 5 << 20
	// DefaultMaxRecordSizeBytes is a stream's largest record (data plus
	// partition key) unless raised with UpdateMaxRecordSize. Source: API-MRS.
	DefaultMaxRecordSizeBytes = 1 << 20
	// MaxMaxRecordSizeBytes is the highest a stream's maximum record size
	// can be set to (MaxRecordSizeInKiB 1024–10240). Source: API-MRS.
	MaxMaxRecordSizeBytes = 10 << 20
	// MaxPartitionKeyChars is the longest partition key, in Unicode
	// characters (length 1..256). Source: API (PartitionKey).
	MaxPartitionKeyChars = 256
	// MaxShardsPerStream is the most shards a stream may have (CreateStream,
	// UpdateShardCount). Source: API (2025), Q; older SDK docs say 500
	// (kinesis-facts §11 item 2).
	MaxShardsPerStream = 10000
)

// Error codes that the model returns, named as the Kinesis API names them.
const (
	// ErrThroughputExceeded is the per-record (PutRecords) or per-call
	// (PutRecord) throttle. Source: API.
	ErrThroughputExceeded = "ProvisionedThroughputExceededException"
	// ErrValidation is a request that breaks a field constraint (too many
	// records, a key too long, a record too big). Source: API.
	ErrValidation = "ValidationException"
	// ErrInvalidArgument is a request over the PutRecords byte limit.
	ErrInvalidArgument = "InvalidArgumentException"
)

// Resharding and capacity-mode limits (kinesis-facts §3–4).
const (
	// MaxUpdateShardCountPer24h is how many UpdateShardCount calls a stream
	// takes in a rolling 24 hours. Source: API (2025), Q; older docs said
	// twice (kinesis-facts §11 item 3), so StreamConfig can change it.
	MaxUpdateShardCountPer24h = 10
	// DefaultAccountShardLimit is the provisioned shard quota of an account
	// in us-east-1, us-west-2 and eu-west-1 (1,000 or 6,000 elsewhere; 500
	// in 2023, kinesis-facts §11 item 1). Source: Q.
	DefaultAccountShardLimit = 20000
	// MaxModeSwitchesPer24h is how often a stream may switch between
	// provisioned and on-demand in a rolling 24 hours. Source: Q, MODES.
	MaxModeSwitchesPer24h = 2
	// OnDemandStartBytesPerSec and OnDemandStartRecordsPerSec are a new
	// on-demand stream's write capacity (4 MB/s; the issue and the KPL
	// read it as MiB). Source: Q, FAQ.
	OnDemandStartBytesPerSec   = 4 << 20
	OnDemandStartRecordsPerSec = 4000
	// OnDemandStartShards is the shard count a new on-demand stream starts
	// with ("defaults to 4 shards"). Source: BLOG-LR.
	OnDemandStartShards = 4
	// OnDemandSplitBytesPerSec is the incoming rate above which the service
	// splits an on-demand shard (500 KB/s). Source: MODES.
	OnDemandSplitBytesPerSec = 500_000
	// OnDemandMaxBytesPerSec and OnDemandMaxRecordsPerSec are the default
	// per-stream on-demand maximum: 10 GB/s in the three large Regions
	// (Q); the FAQ says 200 MB/s and 200,000 records/s (kinesis-facts §11
	// item 4), so both are StreamConfig settings.
	OnDemandMaxBytesPerSec   = 10_000_000_000
	OnDemandMaxRecordsPerSec = 10_000_000
)

// Read limits (kinesis-facts §1 "Reads").
const (
	// ShardReadCallsPerSec is the GetRecords calls one shard takes per
	// second, shared by every polling consumer. Source: API, Q.
	ShardReadCallsPerSec = 5
	// ShardReadBytesPerSec is the bytes one shard returns per second to
	// polling consumers together, and to each enhanced fan-out consumer on
	// its own (2 MiB). Source: API (GetRecords, RegisterStreamConsumer), CONS.
	ShardReadBytesPerSec = 2 << 20
	// GetRecordsMaxRecords and GetRecordsMaxBytes bound one GetRecords
	// answer. Source: API, Q.
	GetRecordsMaxRecords = 10000
	GetRecordsMaxBytes   = 10 << 20
	// MaxEFOConsumersPerStream is the most registered fan-out consumers of
	// a stream (50 with On-demand Advantage). Source: Q, API.
	MaxEFOConsumersPerStream = 20
)

// Additional error codes of resharding and reads. Source: API.
const (
	ErrLimitExceeded    = "LimitExceededException"
	ErrResourceInUse    = "ResourceInUseException"
	ErrExpiredIterator  = "ExpiredIteratorException"
	ErrResourceNotFound = "ResourceNotFoundException"
)

// Durations of the model (kinesis-facts §1, §3, §5).
const (
	// IteratorLifetime is how long a shard iterator stays valid. Source: API, Q.
	IteratorLifetime = 5 * time.Minute
	// SubscriptionLifetime is how long one SubscribeToShard call streams
	// events. Source: API.
	SubscriptionLifetime = 5 * time.Minute
	// DefaultRetention is a stream's retention period (also the minimum);
	// MaxRetention the longest (8,760 h). Source: API, RET.
	DefaultRetention = 24 * time.Hour
	MaxRetention     = 8760 * time.Hour
	// OnDemandWindow is the window within which on-demand traffic may at
	// most double without throttling, and within which a hot on-demand
	// shard is split. Source: MODES, FAQ.
	OnDemandWindow = 15 * time.Minute
)

// Resharding durations: how long each operation keeps the stream UPDATING
// before the children open. AWS documents UpdateShardCount as "a few
// minutes" (API, FAQ) and split and merge only as asynchronous (RESH); the
// split and merge figures are spillway's assumption. All three are
// StreamConfig settings.
const (
	DefaultSplitShardTime       = 30 * time.Second
	DefaultMergeShardsTime      = 30 * time.Second
	DefaultUpdateShardCountTime = 3 * time.Minute
)

// Propagation delays: how long after it is written a record can be read.
const (
	// DefaultEFOPropagation is the typical fan-out delay, "about 70 ms"
	// with one or five consumers. Source: CONS, FAQ.
	DefaultEFOPropagation = 70 * time.Millisecond
	// DefaultPollingPropagation is the delay before GetRecords sees a
	// record. AWS documents the whole polling delay, about 200 ms with one
	// consumer and about 1 s with five (CONS); that includes waiting for
	// the next poll. 100 ms is spillway's fit to the first: one consumer
	// polling at the shard's 5 calls/s averages about 200 ms. Five
	// consumers at their fair share (a call a second each) then average
	// about 0.66 s, faster than AWS's figure; raise it to calibrate.
	DefaultPollingPropagation = 100 * time.Millisecond
)
