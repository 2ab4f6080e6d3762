package scenarios

import (
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
