package loadgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// Peak is the highest arrival rate of the schedule, in records per
// second. Rates change linearly within a segment, so the peak is at a
// segment's start or end.
func (s *Schedule) Peak() float64 {
	peak := 0.0
	for _, g := range s.segs {
		peak = max(peak, g.StartRate, g.EndRate)
	}
	return peak
}

// sizeSamples is how many record sizes SizesOf draws: enough for the mean
// billed KiB to settle well within a percent for every supported
// distribution.
const sizeSamples = 200_000

// RecordSizes is what a scenario's records weigh and bill on average,
// over its size and key distributions.
type RecordSizes struct {
	// Bytes is the mean size of a record, data plus partition key.
	Bytes float64
	// KiB is the mean of each record's size rounded up to a whole KiB, the
	// unit of the sizing formula.
	KiB float64
	// PutPayloadUnits is the mean PUT payload units per record
	// (provisioned), OnDemandBilledBytes the mean bytes on-demand bills,
	// and FirehoseBilledBytes the mean bytes Firehose bills (data only:
	// Firehose gets no partition key). Each record rounds up on its own.
	PutPayloadUnits, OnDemandBilledBytes, FirehoseBilledBytes float64
}

// SizesOf draws sizeSamples records' sizes and keys from the scenario's
// distributions with seed and returns their means.
func SizesOf(sc *scenarios.Scenario, seed uint64) (RecordSizes, error) {
	rng := rand.New(rand.NewPCG(seed, 0x706c616e))
	sizes, err := NewSizeGen(sc.Record.Size, maxDataBytes(sc), rng)
	if err != nil {
		return RecordSizes{}, err
	}
	keys, err := NewKeyGen(sc.Keys, rng)
	if err != nil {
		return RecordSizes{}, err
	}
	var r RecordSizes
	for range sizeSamples {
		data := int64(sizes.Next())
		n := data + int64(len(keys.Next()))
		r.Bytes += float64(n)
		r.KiB += math.Ceil(float64(n) / 1024)
		r.PutPayloadUnits += float64(model.PutPayloadUnits(n))
		r.OnDemandBilledBytes += float64(model.OnDemandBilledBytes(n))
		r.FirehoseBilledBytes += float64(model.FirehoseBilledBytes(data))
	}
	r.Bytes /= sizeSamples
	r.KiB /= sizeSamples
	r.PutPayloadUnits /= sizeSamples
	r.OnDemandBilledBytes /= sizeSamples
	r.FirehoseBilledBytes /= sizeSamples
	return r, nil
}

// DemandOf is the scenario's demand at the peak of its rate profile (d
// overrides load.duration when positive), with its consumers and record
// sizes, for model.PlanShards. headroom is the fraction of each limit to
// use (0 means 1).
func DemandOf(sc *scenarios.Scenario, d time.Duration, headroom float64, sizes RecordSizes) (model.Demand, error) {
	sched, err := ScheduleFor(sc.Load, d)
	if err != nil {
		return model.Demand{}, err
	}
	dem := model.Demand{RecordsPerSec: sched.Peak(), KiBPerRecord: sizes.KiB, BytesPerRecord: sizes.Bytes, Headroom: headroom}
	for _, c := range sc.Consumers {
		switch c.Type {
		case scenarios.ConsumerEFO:
			dem.EFOConsumers += max(c.Count, 1)
		default:
			dem.PollingConsumers += max(c.Count, 1)
		}
	}
	return dem, nil
}

// KeySharesOf is the scenario's key distribution as the model sees it: the
// keys with a share of their own, and the share of records spread evenly
// over the hash space (unique keys, random explicit hash keys).
func KeySharesOf(k scenarios.Keys) (keys []model.KeyShare, spread float64, err error) {
	if k.ExplicitHashKey == scenarios.HashKeyRandom {
		return nil, 1, nil
	}
	named := func(name string, share float64) model.KeyShare {
		return model.KeyShare{Key: name, Hash: model.HashPartitionKey(name), Share: share}
	}
	switch k.Dist {
	case scenarios.KeysUUID, "":
		return nil, 1, nil
	case scenarios.KeysHot:
		return []model.KeyShare{named(scenarios.HotKey(k.Prefix), k.HotShare)}, 1 - k.HotShare, nil
	case scenarios.KeysUniform:
		for i := range k.Count {
			keys = append(keys, named(scenarios.KeyName(k.Prefix, i), 1/float64(k.Count)))
		}
		return keys, 0, nil
	case scenarios.KeysZipf:
		// math/rand's Zipf with v = 1: P(i) ∝ (1 + i)^−s for i in
		// [0, count).
		var sum float64
		w := make([]float64, k.Count)
		for i := range w {
			w[i] = math.Pow(float64(i+1), -k.Exponent)
			sum += w[i]
		}
		for i, wi := range w {
			keys = append(keys, named(scenarios.KeyName(k.Prefix, i), wi/sum))
		}
		return keys, 0, nil
	}
	return nil, 0, fmt.Errorf("keys.dist %q: unknown", k.Dist)
}

// Trough is the lowest arrival rate of the schedule, in records per second
// (0 for a profile that starts from nothing).
func (s *Schedule) Trough() float64 {
	trough := math.Inf(1)
	for _, g := range s.segs {
		trough = min(trough, g.StartRate, g.EndRate)
	}
	if math.IsInf(trough, 1) {
		return 0
	}
	return trough
}
