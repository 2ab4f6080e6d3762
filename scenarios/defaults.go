package scenarios

import (
	"fmt"
	"time"

	"github.com/spillway-dev/spillway/model"
)

// Defaults. ApplyDefaults gives a field its default when the field is
// zero in a Scenario built in code, or absent from the file it was parsed
// from. A value written in the file, zero included, is kept and validated:
// "linger: 0" means no linger, "ttl: 0" no TTL.
const (
	// DefaultStreamPrefix is prepended to the scenario name to form
	// Stream.Name when that is empty.
	DefaultStreamPrefix = "spillway-"
	// DefaultMaxRecordSize is Stream.MaxRecordSize when zero: 1 MiB, the
	// limit of every stream until raised with UpdateMaxRecordSize.
	// Source: kinesis-facts §2, API-MRS.
	DefaultMaxRecordSize ByteSize = model.DefaultMaxRecordSizeBytes
	// DefaultKeyDist is Keys.Dist when empty: a new random key per record.
	DefaultKeyDist = KeysUUID
	// DefaultZipfExponent is Keys.Exponent for zipf keys when zero.
	DefaultZipfExponent = 1.1
	// DefaultRecordSize is Record.Size when the spec is all zero: a fixed
	// 1 KiB of data per record.
	DefaultRecordSize ByteSize = 1 * KiB
	// DefaultBatch is Producer.Batch when zero: the PutRecords maximum of
	// 500 records per request.
	DefaultBatch = model.MaxRecordsPerPutRecords
	// DefaultLinger is Producer.Linger when zero in code or absent from the
	// file: a partial batch waits up to 50 ms for more records.
	DefaultLinger = Duration(50 * time.Millisecond)
	// DefaultMaxInFlight is Producer.MaxInFlight, the most requests
	// outstanding at once, when zero.
	DefaultMaxInFlight = 64
	// DefaultMaxBacklogBytes is Producer.MaxBacklogBytes when zero: 128 MiB
	// of records due and not sent. Go's collector lets the heap grow to
	// about twice what is live: a generator offered 10 M records/s on 2
	// cores peaked at 679–716 MiB (scenarios/perf/overload-10m.yaml), where
	// 256 MiB peaked at 1.0–1.1 GiB.
	DefaultMaxBacklogBytes = 128 << 20
	// DefaultMaxAttempts is Retry.MaxAttempts when zero: the first attempt
	// and two retries.
	DefaultMaxAttempts = 3
	// DefaultBackoff is Retry.Backoff, the base retry delay, when zero in
	// code or absent from the file (an explicit 0 retries at once).
	DefaultBackoff = Duration(100 * time.Millisecond)
	// DefaultMaxBackoff is Retry.MaxBackoff, the cap on one retry delay,
	// when zero in code or absent from the file.
	DefaultMaxBackoff = Duration(5 * time.Second)
	// DefaultTTL is Retry.TTL when zero in code or absent from the file (an
	// explicit 0 means no TTL). It matches the KPL's RecordTtl default of
	// 30,000 ms (kinesis-facts §10).
	DefaultTTL = Duration(30 * time.Second)
)

// Stream defaults (kinesis-facts §3–5).
const (
	// DefaultStreamMode is Stream.Mode when absent: a provisioned stream.
	DefaultStreamMode = StreamProvisioned
	// DefaultOnDemandShards is Stream.Shards of an on-demand stream when
	// absent: the 4 shards a new on-demand stream starts with. Source:
	// BLOG-LR (model.OnDemandStartShards).
	DefaultOnDemandShards = model.OnDemandStartShards
	// DefaultRetention is Stream.Retention when absent: 24 hours, a new
	// stream's retention period. Source: API, RET.
	DefaultRetention = Duration(model.DefaultRetention)
	// DefaultSplitTime, DefaultMergeTime and DefaultUpdateShardCountTime
	// are the Resharding fields when absent: 30 s, 30 s and 3 min, the
	// model's figures (UpdateShardCount takes "a few minutes", API, FAQ;
	// split and merge times are spillway's assumption).
	DefaultSplitTime            = Duration(model.DefaultSplitShardTime)
	DefaultMergeTime            = Duration(model.DefaultMergeShardsTime)
	DefaultUpdateShardCountTime = Duration(model.DefaultUpdateShardCountTime)
)

// Consumer defaults (kinesis-facts §1 "Reads").
const (
	// DefaultConsumerCount is Consumer.Count when absent.
	DefaultConsumerCount = 1
	// DefaultPollInterval is the poll interval of a polling consumer that
	// reads alone: 200 ms, so that it makes a shard's 5 GetRecords calls
	// per second (model.ShardReadCallsPerSec). An absent PollInterval is
	// DefaultPollInterval times the number of polling consumers (the sum
	// of their Counts), so that together they make 5 calls per second.
	DefaultPollInterval = Duration(time.Second / model.ShardReadCallsPerSec)
)

// Firehose defaults (kinesis-facts §7).
const (
	// DefaultFirehoseQuota is Firehose.Quota when empty: the larger Direct
	// PUT quota of us-east-1, us-west-2 and eu-west-1. Source: FH-Q.
	DefaultFirehoseQuota = "large"
	// DefaultFirehoseBufferSize is Firehose.BufferSize when absent: 5 MiB.
	// Source: FH-API (BufferingHints), FH-BH.
	DefaultFirehoseBufferSize = 5 * MiB
	// DefaultFirehoseConversionBufferSize is the default with format
	// conversion on: 128 MiB. Source: FH-RFC.
	DefaultFirehoseConversionBufferSize = 128 * MiB
	// DefaultFirehoseBufferInterval is Firehose.BufferInterval when absent:
	// 300 s. An explicit 0 means zero buffering. Source: FH-API, FH-BH.
	DefaultFirehoseBufferInterval = Duration(300 * time.Second)
)

// Limits checked by Validate that are not Kinesis's own (those are in
// package model).
const (
	// MinMaxRecordSize is the lowest Stream.MaxRecordSize: UpdateMaxRecordSize
	// takes MaxRecordSizeInKiB from 1024 to 10240. Source: API-MRS.
	MinMaxRecordSize ByteSize = model.DefaultMaxRecordSizeBytes
	// MaxMaxRecordSize is the highest Stream.MaxRecordSize, 10 MiB.
	MaxMaxRecordSize ByteSize = model.MaxMaxRecordSizeBytes
	// MaxMaxInFlight is the highest Producer.MaxInFlight spillway accepts,
	// a guard against typos rather than an AWS limit.
	MaxMaxInFlight = 10000
	// MaxStreamNameLen is the longest stream name (StreamName, 1–128
	// characters of a-z, A-Z, 0-9, _ . -).
	MaxStreamNameLen = 128
	// MinRetention and MaxRetention bound Stream.Retention: 24 hours (a
	// new stream's period, the least DecreaseStreamRetentionPeriod allows)
	// to 8,760 hours (IncreaseStreamRetentionPeriod). Source: API, RET.
	MinRetention = Duration(model.DefaultRetention)
	MaxRetention = Duration(model.MaxRetention)
	// MaxConsumerCount is the highest Consumer.Count spillway accepts, a
	// guard against typos rather than an AWS limit.
	MaxConsumerCount = 100
	// MaxPollInterval is the longest Consumer.PollInterval: a shard
	// iterator expires 5 minutes after GetRecords returned it. Source: API
	// (GetShardIterator), Q.
	MaxPollInterval = Duration(model.IteratorLifetime)
)

// ApplyDefaults fills in the defaults above. It is idempotent; LoadFile and
// Parse call it before validating.
func (s *Scenario) ApplyDefaults() {
	m := s.meta
	unset := func(path string) bool { return !m.set(path) }
	if s.Stream.Name == "" && s.Name != "" && unset("stream.name") {
		s.Stream.Name = DefaultStreamPrefix + s.Name
	}
	if s.Stream.MaxRecordSize == 0 && unset("stream.max_record_size") {
		s.Stream.MaxRecordSize = DefaultMaxRecordSize
	}
	s.streamDefaults()
	s.consumerDefaults()

	if s.Load.Duration == 0 && len(s.Load.Stages) > 0 && unset("load.duration") {
		for _, st := range s.Load.Stages {
			s.Load.Duration += max(st.Duration, 0) // Validate reports the negatives
		}
	}

	if sz := &s.Record.Size; sz.Dist == "" {
		switch {
		case *sz == SizeSpec{} && unset("record.size"):
			*sz = SizeSpec{Dist: SizeFixed, Bytes: DefaultRecordSize}
		case sz.Min == 0 && sz.Max == 0 && sz.Median == 0 && sz.P99 == 0:
			sz.Dist = SizeFixed
		}
	}

	k := &s.Keys
	if k.Dist == "" && unset("keys.dist") {
		k.Dist = DefaultKeyDist
	}
	if k.Dist == KeysZipf && k.Exponent == 0 && unset("keys.exponent") {
		k.Exponent = DefaultZipfExponent
	}

	if f := s.Firehose; f != nil {
		if f.Name == "" && unset("firehose.name") {
			f.Name = s.Stream.Name
		}
		if f.Source == "" && unset("firehose.source") {
			f.Source = FirehoseDirectPut
		}
		if f.Quota == "" && unset("firehose.quota") {
			f.Quota = DefaultFirehoseQuota
		}
		if f.BufferSize == 0 && unset("firehose.buffer_size") {
			f.BufferSize = DefaultFirehoseBufferSize
			if f.FormatConversion {
				f.BufferSize = DefaultFirehoseConversionBufferSize
			}
		}
		setDur(&f.BufferInterval, DefaultFirehoseBufferInterval, unset("firehose.buffer_interval"))
		if f.Compression == "" && unset("firehose.compression") {
			f.Compression = string(model.CompressionNone)
		}
	}

	p := &s.Producer
	setInt(&p.Batch, DefaultBatch, unset("producer.batch"))
	setDur(&p.Linger, DefaultLinger, unset("producer.linger"))
	setInt(&p.MaxInFlight, DefaultMaxInFlight, unset("producer.max_in_flight"))
	r := &p.Retry
	setInt(&r.MaxAttempts, DefaultMaxAttempts, unset("producer.retry.max_attempts"))
	setDur(&r.Backoff, DefaultBackoff, unset("producer.retry.backoff"))
	setDur(&r.MaxBackoff, DefaultMaxBackoff, unset("producer.retry.max_backoff"))
	setDur(&r.TTL, DefaultTTL, unset("producer.retry.ttl"))
}

// streamDefaults fills in the stream's mode, on-demand shards, retention
// and resharding times.
func (s *Scenario) streamDefaults() {
	st, unset := &s.Stream, func(path string) bool { return !s.meta.set(path) }
	if st.Mode == "" && unset("stream.mode") {
		st.Mode = DefaultStreamMode
	}
	if st.Mode == StreamOnDemand {
		setInt(&st.Shards, DefaultOnDemandShards, unset("stream.shards"))
	}
	setDur(&st.Retention, DefaultRetention, unset("stream.retention"))
	r := &st.Resharding
	setDur(&r.Split, DefaultSplitTime, unset("stream.resharding.split"))
	setDur(&r.Merge, DefaultMergeTime, unset("stream.resharding.merge"))
	setDur(&r.UpdateShardCount, DefaultUpdateShardCountTime, unset("stream.resharding.update_shard_count"))
}

// consumerDefaults fills in each consumer's count and name, then the poll
// intervals, which depend on the counts of all polling consumers.
func (s *Scenario) consumerDefaults() {
	polling := 0
	for i := range s.Consumers {
		c, p := &s.Consumers[i], fmt.Sprintf("consumers[%d]", i)
		setInt(&c.Count, DefaultConsumerCount, !s.meta.set(p+".count"))
		if c.Name == "" && c.Type != "" && !s.meta.set(p+".name") {
			c.Name = fmt.Sprintf("%s-%d", c.Type, i)
		}
		if c.Type == ConsumerPolling {
			polling += max(c.Count, 1) // Validate reports counts below 1
		}
	}
	for i := range s.Consumers {
		c := &s.Consumers[i]
		if c.Type == ConsumerPolling {
			setDur(&c.PollInterval, DefaultPollInterval*Duration(polling), !s.meta.set(fmt.Sprintf("consumers[%d].poll_interval", i)))
		}
	}
}

func setInt(p *int, def int, unset bool) {
	if *p == 0 && unset {
		*p = def
	}
}

func setDur(p *Duration, def Duration, unset bool) {
	if *p == 0 && unset {
		*p = def
	}
}
