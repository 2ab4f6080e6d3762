package loadgen

import (
	"iter"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// Arrivals yields the scenario's records in virtual time, as the run would
// offer them: the intended offset, the data size and (when withKeys) the
// partition key, from the same generators and seed as a run. It is for the
// virtual-time engines (the Firehose sweep); no payload bytes are made.
func Arrivals(sc *scenarios.Scenario, d time.Duration, seed uint64, withKeys bool) (iter.Seq[model.Arrival], *Schedule, error) {
	sched, err := ScheduleFor(sc.Load, d)
	if err != nil {
		return nil, nil, err
	}
	// Fail now rather than inside the iterator.
	first, err := newRecordGen(sc, seed, nil)
	if err != nil {
		return nil, nil, err
	}
	seq := func(yield func(model.Arrival) bool) {
		// Each iteration starts anew (a sequence may be ranged twice).
		g, _ := newRecordGenLike(sc, seed, nil, first)
		for n := int64(0); ; n++ {
			at, ok := sched.Arrival(n)
			if !ok {
				return
			}
			a := model.Arrival{At: at, DataBytes: g.size(n)}
			if withKeys {
				a.PartitionKey, _ = g.key()
			}
			if !yield(a) {
				return
			}
		}
	}
	return seq, sched, nil
}

// maxDataBytes is the largest data blob a record of sc may carry: the
// target's record limit less the longest key.
func maxDataBytes(sc *scenarios.Scenario) int {
	limit := int(sc.Stream.MaxRecordSize)
	if limit == 0 {
		limit = model.DefaultMaxRecordSizeBytes
	}
	if f := sc.Firehose; f != nil && f.Source == scenarios.FirehoseDirectPut {
		return model.FirehoseMaxRecordBytes // Firehose counts data only
	}
	return limit - sc.Keys.MaxKeyLen()
}

// CompressionRatio measures what codec does to the scenario's payloads: it
// generates about sampleBytes of records as a run would (stamps included)
// and compresses them as one buffer. 1 for UNCOMPRESSED.
func CompressionRatio(sc *scenarios.Scenario, codec string, seed uint64, sampleBytes int) (float64, error) {
	if codec == "" || codec == string(model.CompressionNone) {
		return 1, nil
	}
	g, err := newRecordGen(sc, seed, newFiller(seed))
	if err != nil {
		return 0, err
	}
	var samples [][]byte
	start := time.Unix(1_700_000_000, 0)
	for n, total := 0, 0; total < sampleBytes; n++ {
		b := make([]byte, g.size(int64(n)))
		g.data(b, Stamp{RunID: seed, RecordID: uint64(n), IntendedUnixNano: start.Add(time.Duration(n) * time.Millisecond).UnixNano()})
		samples = append(samples, b)
		total += len(b)
	}
	return model.CompressionRatio(codec, samples)
}

// DeliveryConfigFor is the Firehose stream a scenario describes, with the
// compression ratio measured for its payloads. sc.Firehose must be set.
func DeliveryConfigFor(sc *scenarios.Scenario, ratio float64) model.DeliveryConfig {
	f := sc.Firehose
	cfg := model.DeliveryConfig{
		Name:                f.Name,
		BufferSizeBytes:     int64(f.BufferSize),
		BufferInterval:      f.BufferInterval.D(),
		S3WriteTime:         f.S3WriteTime.D(),
		Compression:         model.Compression(f.Compression),
		CompressionRatio:    ratio,
		FormatConversion:    f.FormatConversion,
		DynamicPartitioning: f.PartitionBy != "",
		SourceKinesis:       f.Source == scenarios.FirehoseKinesis,
		Quota:               model.FirehoseQuotaLarge,
	}
	if f.Quota == "small" {
		cfg.Quota = model.FirehoseQuotaSmall
	}
	return cfg
}
