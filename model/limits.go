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
