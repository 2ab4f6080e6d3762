package scenarios

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// valid returns a minimal valid scenario built in code.
func valid() *Scenario {
	return &Scenario{
		Name:   "t",
		Stream: Stream{Shards: 2},
		Load:   Load{Rate: 100, Duration: Duration(time.Minute)},
	}
}

func TestApplyDefaults(t *testing.T) {
	s := valid()
	s.ApplyDefaults()
	want := Scenario{
		Name: "t",
		Stream: Stream{Name: "spillway-t", Mode: StreamProvisioned, Shards: 2, MaxRecordSize: MiB,
			Retention: Duration(24 * time.Hour), Resharding: Resharding{Split: Duration(30 * time.Second),
				Merge: Duration(30 * time.Second), UpdateShardCount: Duration(3 * time.Minute)}},
		Load:   Load{Rate: 100, Duration: Duration(time.Minute)},
		Record: Record{Size: SizeSpec{Dist: SizeFixed, Bytes: KiB}},
		Keys:   Keys{Dist: KeysUUID},
		Producer: Producer{Batch: 500, Linger: Duration(50 * time.Millisecond), MaxInFlight: 64,
			Retry: Retry{MaxAttempts: 3, Backoff: Duration(100 * time.Millisecond),
				MaxBackoff: Duration(5 * time.Second), TTL: Duration(30 * time.Second)}},
	}
	checkFields(t, "", reflectValue(*s), reflectValue(want))

	tests := []struct {
		name  string
		in    func(*Scenario)
		check func(*Scenario) bool
	}{
		{"stages sum to duration", func(s *Scenario) {
			s.Load = Load{Stages: []Stage{{Duration: Duration(time.Minute)}, {Duration: Duration(30 * time.Second)}}}
		}, func(s *Scenario) bool { return s.Load.Duration.D() == 90*time.Second }},
		{"stage duration kept", func(s *Scenario) {
			s.Load = Load{Duration: Duration(time.Hour), Stages: []Stage{{Duration: Duration(time.Minute)}}}
		}, func(s *Scenario) bool { return s.Load.Duration.D() == time.Hour }},
		{"zipf exponent", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: 5} },
			func(s *Scenario) bool { return s.Keys.Exponent == DefaultZipfExponent }},
		{"no exponent for uniform", func(s *Scenario) { s.Keys = Keys{Dist: KeysUniform, Count: 5} },
			func(s *Scenario) bool { return s.Keys.Exponent == 0 }},
		{"bytes alone is fixed", func(s *Scenario) { s.Record.Size = SizeSpec{Bytes: 10} },
			func(s *Scenario) bool { return s.Record.Size == SizeSpec{Dist: SizeFixed, Bytes: 10} }},
		{"stream name kept", func(s *Scenario) { s.Stream.Name = "mine" },
			func(s *Scenario) bool { return s.Stream.Name == "mine" }},
		{"no stream name without name", func(s *Scenario) { s.Name = "" },
			func(s *Scenario) bool { return s.Stream.Name == "" }},
		{"set values kept", func(s *Scenario) { s.Producer = Producer{Batch: 7, Retry: Retry{TTL: Duration(time.Second)}} },
			func(s *Scenario) bool { return s.Producer.Batch == 7 && s.Producer.Retry.TTL.D() == time.Second }},
		{"on-demand shards", func(s *Scenario) { s.Stream = Stream{Mode: StreamOnDemand} },
			func(s *Scenario) bool { return s.Stream.Shards == 4 }},
		{"on-demand shards kept", func(s *Scenario) { s.Stream = Stream{Mode: StreamOnDemand, Shards: 9} },
			func(s *Scenario) bool { return s.Stream.Shards == 9 }},
		{"no provisioned shards", func(s *Scenario) { s.Stream = Stream{} },
			func(s *Scenario) bool { return s.Stream.Shards == 0 && s.Stream.Mode == StreamProvisioned }},
		{"stream settings kept", func(s *Scenario) {
			s.Stream.Retention = Duration(48 * time.Hour)
			s.Stream.Resharding = Resharding{Split: Duration(time.Second)}
		}, func(s *Scenario) bool {
			r := s.Stream.Resharding
			return s.Stream.Retention.D() == 48*time.Hour && r.Split.D() == time.Second &&
				r.Merge == DefaultMergeTime && r.UpdateShardCount == DefaultUpdateShardCountTime
		}},
		{"consumers", func(s *Scenario) {
			s.Consumers = []Consumer{{Type: ConsumerPolling}, {Type: ConsumerEFO, Count: 3}, {Name: "n", Type: ConsumerPolling, Count: 2}}
		}, func(s *Scenario) bool {
			want := []Consumer{
				{Name: "polling-0", Type: ConsumerPolling, Count: 1, PollInterval: Duration(600 * time.Millisecond)},
				{Name: "efo-1", Type: ConsumerEFO, Count: 3},
				{Name: "n", Type: ConsumerPolling, Count: 2, PollInterval: Duration(600 * time.Millisecond)},
			}
			return slices.Equal(s.Consumers, want)
		}},
		{"one polling consumer", func(s *Scenario) { s.Consumers = []Consumer{{Type: ConsumerPolling}} },
			func(s *Scenario) bool { return s.Consumers[0].PollInterval.D() == 200*time.Millisecond }},
		{"poll interval kept", func(s *Scenario) {
			s.Consumers = []Consumer{{Type: ConsumerPolling, PollInterval: Duration(time.Second)}, {Type: ConsumerPolling}}
		}, func(s *Scenario) bool {
			return s.Consumers[0].PollInterval.D() == time.Second && s.Consumers[1].PollInterval.D() == 400*time.Millisecond
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.in(s)
			s.ApplyDefaults()
			s.ApplyDefaults() // idempotent
			if !tt.check(s) {
				t.Errorf("after ApplyDefaults: %+v", s)
			}
		})
	}
}

// TestFileZerosKept checks that a zero written in a file is not replaced
// by a default, while an absent field is.
func TestFileZerosKept(t *testing.T) {
	base := "name: z\nstream: {shards: 1}\nload: {rate: 1, duration: 1s}\n"
	s, err := Parse("z.yaml", []byte(base+"producer:\n  linger: 0\n  retry: {backoff: 0, ttl: 0s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Producer
	if p.Linger != 0 || p.Retry.Backoff != 0 || p.Retry.TTL != 0 || p.Retry.MaxBackoff != DefaultMaxBackoff || p.Batch != DefaultBatch {
		t.Errorf("producer = %+v", p)
	}
	_, err = Parse("z.yaml", []byte(strings.Replace(base, "shards: 1", "shards: 1, max_record_size: 0", 1)))
	if err == nil || err.Error() != "z.yaml:2:38: stream.max_record_size: 0B is below the UpdateMaxRecordSize minimum of 1MiB" {
		t.Errorf("explicit max_record_size 0: %v", err)
	}
}

func TestValidate(t *testing.T) {
	long := strings.Repeat("x", 220)
	tests := []struct {
		name string
		edit func(*Scenario)
		want []string // "field: message" substrings, in order; none means valid
	}{
		{"valid", func(*Scenario) {}, nil},
		{"name", func(s *Scenario) { s.Name = ""; s.Stream.Name = "x" }, []string{"name: required"}},
		{"stream name chars", func(s *Scenario) { s.Stream.Name = "a b" }, []string{`stream.name: "a b": stream names may only hold`}},
		{"derived stream name", func(s *Scenario) { s.Name = "a/b" }, []string{`stream.name: "spillway-a/b": stream names may only hold a-z, A-Z, 0-9, _, . and - (made from the scenario name; set stream.name)`}},
		{"stream name length", func(s *Scenario) { s.Stream.Name = strings.Repeat("s", 129) }, []string{"stream.name: 129 characters is above the StreamName limit of 128"}},
		{"shards required", func(s *Scenario) { s.Stream.Shards = 0 }, []string{"stream.shards: required"}},
		{"shards negative", func(s *Scenario) { s.Stream.Shards = -1 }, []string{"stream.shards: -1 is below 1"}},
		{"shards max", func(s *Scenario) { s.Stream.Shards = 10000 }, nil},
		{"shards above max", func(s *Scenario) { s.Stream.Shards = 10001 }, []string{"stream.shards: 10,001 is above the UpdateShardCount/CreateStream maximum of 10,000 shards per stream"}},
		{"max record size low", func(s *Scenario) { s.Stream.MaxRecordSize = 512 * KiB }, []string{"stream.max_record_size: 512KiB is below the UpdateMaxRecordSize minimum of 1MiB"}},
		{"max record size high", func(s *Scenario) { s.Stream.MaxRecordSize = 11 * MiB }, []string{"stream.max_record_size: 11MiB is above the UpdateMaxRecordSize maximum of 10MiB"}},
		{"max record size KiB", func(s *Scenario) { s.Stream.MaxRecordSize = MiB + 1 }, []string{"not a whole number of KiB"}},
		{"max record size 10MiB", func(s *Scenario) { s.Stream.MaxRecordSize = 10 * MiB }, nil},

		{"no load", func(s *Scenario) { s.Load = Load{} }, []string{"load: set rate (records per second), stages or csv"}},
		{"rate and stages", func(s *Scenario) { s.Load.Stages = []Stage{{Duration: 1, Target: 1}} }, []string{"load: set either rate or stages, not both"}},
		{"negative rate", func(s *Scenario) { s.Load.Rate = -1 }, []string{"load.rate: -1 is not a positive number"}},
		{"infinite rate", func(s *Scenario) { s.Load.Rate = math.Inf(1) }, []string{"load.rate: +Inf is not a positive number"}},
		{"NaN rate", func(s *Scenario) { s.Load.Rate = math.NaN() }, []string{"load.rate: NaN is not a positive number"}},
		{"rate without duration", func(s *Scenario) { s.Load.Duration = 0 }, []string{"load.duration: required with rate"}},
		{"negative duration", func(s *Scenario) { s.Load.Duration = -1 }, []string{"load.duration: -1ns is negative"}},
		{"start rate without stages", func(s *Scenario) { s.Load.StartRate = 5 }, []string{"load.start_rate: only used with stages"}},
		{"stages", func(s *Scenario) {
			s.Load = Load{StartRate: 10, Stages: []Stage{{Duration: Duration(time.Second), Target: 0}}}
		}, nil},
		{"bad stages", func(s *Scenario) {
			s.Load = Load{StartRate: -1, Stages: []Stage{{Duration: 0, Target: 1}, {Duration: -1, Target: math.NaN()}}}
		}, []string{
			"load.start_rate: -1 is not a rate of 0 or more",
			"load.stages[0].duration: required",
			"load.stages[1].duration: -1ns is not above 0",
			"load.stages[1].target: NaN is not a rate of 0 or more",
		}},

		{"zero fixed size", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeFixed} }, []string{"record.size: 0B is below 1B"}},
		{"unknown size dist", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: "normal"} }, []string{`record.size.dist: "normal" is not fixed, uniform or lognormal`}},
		{"uniform", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeUniform, Min: 1, Max: 1} }, nil},
		{"uniform missing", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeUniform} }, []string{"record.size.min: required for dist uniform", "record.size.max: required for dist uniform"}},
		{"uniform reversed", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeUniform, Min: 10, Max: 5} }, []string{"record.size.max: 5B is below min 10B"}},
		{"lognormal", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeLognormal, Median: 100, P99: 100} }, nil},
		{"lognormal reversed", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeLognormal, Median: 100, P99: 50} }, []string{"record.size.p99: 50B is below median 100B"}},
		{"lognormal negative", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeLognormal, Median: -1, P99: 50} }, []string{"record.size.median: -1B is below 1B"}},
		{"fits exactly", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeFixed, Bytes: MiB - 36} }, nil},
		{"one byte over", func(s *Scenario) { s.Record.Size = SizeSpec{Dist: SizeFixed, Bytes: MiB - 35} },
			[]string{"record.size: 1048541B plus a 36-character partition key is above the stream's maximum record size of 1MiB (stream.max_record_size)"}},
		{"uniform over", func(s *Scenario) {
			s.Record.Size = SizeSpec{Dist: SizeUniform, Min: 1, Max: 2 * MiB}
			s.Keys = Keys{Dist: KeysUniform, Count: 10, Prefix: "é"}
		}, []string{"record.size: max 2MiB plus a 4-byte partition key is above"}},
		{"lognormal p99 over", func(s *Scenario) {
			s.Record.Size = SizeSpec{Dist: SizeLognormal, Median: 1, P99: 10 * MiB}
			s.Stream.MaxRecordSize = 10 * MiB
		}, []string{"record.size: p99 10MiB plus a 36-character partition key is above the stream's maximum record size of 10MiB"}},
		{"raised max fits", func(s *Scenario) {
			s.Record.Size = SizeSpec{Dist: SizeFixed, Bytes: 2 * MiB}
			s.Stream.MaxRecordSize = 3 * MiB
		}, nil},

		{"unknown key dist", func(s *Scenario) { s.Keys.Dist = "random" }, []string{`keys.dist: "random" is not uuid, uniform, zipf or hot`}},
		{"uniform needs count", func(s *Scenario) { s.Keys = Keys{Dist: KeysUniform} }, []string{"keys.count: required for dist uniform"}},
		{"zipf negative count", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: -2} }, []string{"keys.count: -2 is below 1"}},
		{"count not for uuid", func(s *Scenario) { s.Keys = Keys{Dist: KeysUUID, Count: 5} }, []string{"keys.count: only used by dist uniform and zipf, not uuid"}},
		{"count not for hot", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot, Count: 5, HotShare: 0.5} }, []string{"keys.count: only used by dist uniform and zipf, not hot"}},
		{"zipf exponent 1", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: 5, Exponent: 1} }, []string{"keys.exponent: 1 is not above 1"}},
		{"zipf exponent NaN", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: 5, Exponent: math.NaN()} }, []string{"keys.exponent: NaN is not above 1"}},
		{"exponent not for uniform", func(s *Scenario) { s.Keys = Keys{Dist: KeysUniform, Count: 5, Exponent: 2} }, []string{"keys.exponent: only used by dist zipf, not uniform"}},
		{"hot share required", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot} }, []string{"keys.hot_share: required for dist hot"}},
		{"hot share 1", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot, HotShare: 1} }, nil},
		{"hot share above 1", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot, HotShare: 1.01} }, []string{"keys.hot_share: 1.01 is not a fraction in (0, 1]"}},
		{"hot share negative", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot, HotShare: -0.5} }, []string{"keys.hot_share: -0.5 is not a fraction"}},
		{"hot share not for zipf", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: 3, HotShare: 0.5} }, []string{"keys.hot_share: only used by dist hot, not zipf"}},
		{"explicit hash key misspelt", func(s *Scenario) { s.Keys.ExplicitHashKey = "randon" }, []string{`keys.explicit_hash_key: "randon" is not random (omit it to map keys by their MD5) (did you mean "random"?)`}},
		{"key 256", func(s *Scenario) { s.Keys = Keys{Dist: KeysUUID, Prefix: long} }, nil},
		{"key 257", func(s *Scenario) { s.Keys = Keys{Dist: KeysUUID, Prefix: long + "x"} },
			[]string{"keys.prefix: makes keys of up to 257 characters, above the partition key limit of 256 characters"}},
		{"key chars not bytes", func(s *Scenario) { s.Keys = Keys{Dist: KeysHot, HotShare: 0.1, Prefix: strings.Repeat("é", 220)} }, nil},
		{"zipf key length", func(s *Scenario) { s.Keys = Keys{Dist: KeysZipf, Count: 1000, Prefix: strings.Repeat("x", 253)} },
			[]string{"keys.prefix: makes keys of up to 257 characters"}},

		{"batch -1", func(s *Scenario) { s.Producer.Batch = -1 }, []string{"producer.batch: -1 is below 1"}},
		{"batch 1", func(s *Scenario) { s.Producer.Batch = 1 }, nil},
		{"batch 500", func(s *Scenario) { s.Producer.Batch = 500 }, nil},
		{"batch 501", func(s *Scenario) { s.Producer.Batch = 501 }, []string{"producer.batch: 501 is above the PutRecords limit of 500 records per request"}},
		{"negative linger", func(s *Scenario) { s.Producer.Linger = -1 }, []string{"producer.linger: -1ns is negative"}},
		{"in flight", func(s *Scenario) { s.Producer.MaxInFlight = -1 }, []string{"producer.max_in_flight: -1 is below 1"}},
		{"in flight max", func(s *Scenario) { s.Producer.MaxInFlight = 10001 }, []string{"producer.max_in_flight: 10,001 is above spillway's limit of 10,000"}},
		{"attempts", func(s *Scenario) { s.Producer.Retry.MaxAttempts = -1 }, []string{"producer.retry.max_attempts: -1 is below 1"}},
		{"negative backoff", func(s *Scenario) { s.Producer.Retry.Backoff = -1 }, []string{"producer.retry.backoff: -1ns is negative"}},
		{"max backoff below", func(s *Scenario) { s.Producer.Retry.Backoff = Duration(time.Minute) }, []string{"producer.retry.max_backoff: 5s is below retry.backoff 1m0s"}},
		{"negative ttl", func(s *Scenario) { s.Producer.Retry.TTL = -1 }, []string{"producer.retry.ttl: -1ns is negative"}},

		{"mode", func(s *Scenario) { s.Stream.Mode = "ondemand" }, []string{`stream.mode: "ondemand" is not provisioned or on-demand (did you mean "on-demand"?)`}},
		{"on-demand", func(s *Scenario) { s.Stream = Stream{Mode: StreamOnDemand} }, nil},
		{"on-demand shards above max", func(s *Scenario) { s.Stream = Stream{Mode: StreamOnDemand, Shards: 10001} },
			[]string{"stream.shards: 10,001 is above the UpdateShardCount/CreateStream maximum"}},
		{"retention min", func(s *Scenario) { s.Stream.Retention = Duration(24 * time.Hour) }, nil},
		{"retention max", func(s *Scenario) { s.Stream.Retention = Duration(8760 * time.Hour) }, nil},
		{"retention low", func(s *Scenario) { s.Stream.Retention = Duration(23 * time.Hour) },
			[]string{"stream.retention: 23h0m0s is below the DecreaseStreamRetentionPeriod minimum of 24h"}},
		{"retention high", func(s *Scenario) { s.Stream.Retention = Duration(8761 * time.Hour) },
			[]string{"stream.retention: 8761h0m0s is above the IncreaseStreamRetentionPeriod maximum of 8760h"}},
		{"resharding negative", func(s *Scenario) { s.Stream.Resharding = Resharding{Split: -1, Merge: -1, UpdateShardCount: -1} }, []string{
			"stream.resharding.split: -1ns is negative (0 means instant)",
			"stream.resharding.merge: -1ns is negative",
			"stream.resharding.update_shard_count: -1ns is negative",
		}},

		{"consumers", func(s *Scenario) {
			s.Consumers = []Consumer{{Type: ConsumerPolling, Count: 5, PollInterval: Duration(5 * time.Minute)}, {Type: ConsumerEFO, Count: 20}}
		}, nil},
		{"consumer types", func(s *Scenario) { s.Consumers = []Consumer{{}, {Type: "EFO"}, {Type: "push"}} }, []string{
			"consumers[0].type: required: polling (GetRecords) or efo",
			`consumers[1].type: "EFO" is not polling or efo (did you mean "efo"?)`,
			`consumers[2].type: "push" is not polling or efo`,
		}},
		{"consumer names", func(s *Scenario) {
			s.Consumers = []Consumer{{Name: "a", Type: ConsumerEFO}, {Name: "efo-2", Type: ConsumerEFO}, {Type: ConsumerEFO}, {Name: "a", Type: ConsumerPolling}}
		}, []string{
			`consumers[2].name: "efo-2" is already the name of consumers[1] (made from type and index; set name)`,
			`consumers[3].name: "a" is already the name of consumers[0]`,
		}},
		{"consumer counts", func(s *Scenario) {
			s.Consumers = []Consumer{{Type: ConsumerPolling, Count: -1}, {Type: ConsumerPolling, Count: 101}}
		}, []string{"consumers[0].count: -1 is below 1", "consumers[1].count: 101 is above spillway's limit of 100 consumers per entry"}},
		{"efo limit", func(s *Scenario) {
			s.Consumers = []Consumer{{Type: ConsumerEFO, Count: 15}, {Type: ConsumerPolling, Count: 50}, {Type: ConsumerEFO, Count: 6}, {Type: ConsumerEFO}}
		}, []string{"consumers[2].count: brings the efo consumers to 21, above the RegisterStreamConsumer limit of 20 per stream"}},
		{"poll intervals", func(s *Scenario) {
			s.Consumers = []Consumer{
				{Type: ConsumerPolling, PollInterval: -1},
				{Type: ConsumerPolling, PollInterval: Duration(5*time.Minute + 1)},
				{Type: ConsumerEFO, PollInterval: Duration(time.Second)},
			}
		}, []string{
			"consumers[0].poll_interval: -1ns is not above 0",
			"consumers[1].poll_interval: 5m0.000000001s is above the shard iterator lifetime of 5m0s (GetShardIterator)",
			"consumers[2].poll_interval: efo consumers are pushed records; poll_interval is for polling consumers",
		}},
		{"consumers without a stream", func(s *Scenario) {
			s.Stream.Shards = 0
			s.Firehose = &Firehose{}
			s.Consumers = []Consumer{{Type: ConsumerEFO}}
		}, []string{"consumers: need a Kinesis stream to read; with firehose source direct_put there is none unless stream.shards is set"}},
		{"consumers of an on-demand stream", func(s *Scenario) {
			s.Stream = Stream{Mode: StreamOnDemand}
			s.Firehose = &Firehose{}
			s.Consumers = []Consumer{{Type: ConsumerEFO}}
		}, nil},

		{"events", func(s *Scenario) {
			s.Events = []Event{
				{UpdateShardCount: 4},
				{At: Duration(time.Second), Split: "shardId-000000000001", SplitAt: "170141183460469231731687303715884105728"},
				{At: Duration(time.Second), Merge: []string{"shardId-000000000005", "shardId-000000000006"}},
				{At: Duration(time.Minute), UpdateShardCount: 2},
			}
		}, nil},
		{"event operations", func(s *Scenario) {
			s.Events = []Event{{}, {Split: "shardId-000000000000", UpdateShardCount: 3}, {UpdateShardCount: 3, SplitAt: "1"}}
		}, []string{
			"events[0]: set one of update_shard_count, split or merge",
			"events[1]: set only one of update_shard_count, split and merge, not update_shard_count and split",
			"events[2].split_at: only used with split",
		}},
		{"event times", func(s *Scenario) {
			s.Events = []Event{
				{At: -1, UpdateShardCount: 2},
				{At: Duration(30 * time.Second), UpdateShardCount: 2},
				{At: Duration(10 * time.Second), UpdateShardCount: 2},
				{At: Duration(time.Minute + 1), UpdateShardCount: 2},
			}
		}, []string{
			"events[0].at: -1ns is negative",
			"events[2].at: 10s is before events[1].at 30s: list events in time order",
			"events[3].at: 1m0.000000001s is after the end of the run (load.duration 1m0s)",
		}},
		{"shard ids", func(s *Scenario) {
			s.Stream.Shards = 8
			s.Events = []Event{
				{Split: "shardId-1", SplitAt: "-5"},
				{Merge: []string{"shardId-000000000001"}},
				{Merge: []string{"shardId-000000000001", "shardId-000000000001"}},
				{Merge: []string{"shardId-000000000001", "shard-2"}},
			}
		}, []string{
			`events[0].split: "shardId-1" is not a shard id: want shardId- and 12 digits, such as shardId-000000000001`,
			`events[0].split_at: hash key "-5": want a decimal integer from 0 to 2^128-1 (SplitShard NewStartingHashKey)`,
			"events[1].merge: want the ids of two adjacent shards, got 1",
			"events[2].merge: merges shardId-000000000001 with itself",
			`events[3].merge[1]: "shard-2" is not a shard id`,
		}},
		{"split_at above 2^128", func(s *Scenario) {
			s.Events = []Event{{Split: "shardId-000000000000", SplitAt: "340282366920938463463374607431768211456"}}
		}, []string{`events[0].split_at: hash key "340282366920938463463374607431768211456": above 2^128-1`}},
		{"update shard count range", func(s *Scenario) {
			s.Stream.Shards = 5
			s.Events = []Event{
				{UpdateShardCount: 2}, // below ceil(5/2) = 3
				{UpdateShardCount: 3}, // from 2: fine
				{UpdateShardCount: 7}, // above 6
				{Split: "shardId-000000000000"},
				{UpdateShardCount: 16}, // from 8: 16 is fine
				{Merge: []string{"shardId-000000000001", "shardId-000000000002"}},
				{UpdateShardCount: 7}, // from 15: below 8
				{UpdateShardCount: -1},
				{UpdateShardCount: 10001},
			}
		}, []string{
			"events[0].update_shard_count: 2 is below 3, half the 5 shards open at this point (UpdateShardCount scales from half to double the open shard count)",
			"events[2].update_shard_count: 7 is above 6, double the 3 shards open at this point",
			"events[6].update_shard_count: 7 is below 8, half the 15 shards open at this point",
			"events[7].update_shard_count: -1 is below 1",
			"events[8].update_shard_count: 10,001 is above the UpdateShardCount maximum of 10,000 shards per stream",
		}},
		{"update shard count calls", func(s *Scenario) {
			for i := range 11 {
				s.Events = append(s.Events, Event{UpdateShardCount: 2 + i%2})
			}
		}, []string{"events[10].update_shard_count: UpdateShardCount call 11: a stream takes at most 10 calls in a rolling 24 hours (kinesis-facts §3)"}},
		{"split at the shard maximum", func(s *Scenario) {
			s.Stream.Shards = 10000
			s.Events = []Event{{Split: "shardId-000000000000"}}
		}, []string{"events[0].split: would open 10,001 shards, above the maximum of 10,000 shards per stream"}},
		{"merge one shard", func(s *Scenario) {
			s.Stream.Shards = 1
			s.Events = []Event{{Merge: []string{"shardId-000000000000", "shardId-000000000001"}}}
		}, []string{"events[0].merge: MergeShards needs two open shards; 1 is open at this point"}},
		{"events on-demand", func(s *Scenario) {
			s.Stream = Stream{Mode: StreamOnDemand}
			s.Events = []Event{{UpdateShardCount: 100}}
		}, []string{"events: SplitShard, MergeShards and UpdateShardCount apply to provisioned streams only (kinesis-facts §3); stream.mode is on-demand"}},
		{"events without a stream", func(s *Scenario) {
			s.Stream.Shards = 0
			s.Firehose = &Firehose{}
			s.Events = []Event{{UpdateShardCount: 100}}
		}, []string{"events: need a Kinesis stream to reshard; with firehose source direct_put there is none unless stream.shards is set"}},

		{"thresholds", func(s *Scenario) {
			s.Thresholds = []Threshold{
				{Metric: "acked", Op: ">", Value: 5},
				{Metric: "nope", Op: "<", Value: 1},
				{Metric: "error_ratio", Op: "=", Value: 0},
				{Metric: "error_ratio", Op: "<", Value: 2},
				{Metric: "put_latency_p99", Op: "<", Value: math.Inf(1)},
			}
		}, []string{
			`thresholds[1]: unknown metric "nope"`,
			`thresholds[2]: operator "=" is not one of`,
			"thresholds[3]: value 2 is above 1",
			"thresholds[4]: value +Inf is not a finite number",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.edit(s)
			s.ApplyDefaults()
			errs := s.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("Validate() = %d errors, want %d:\n%v", len(errs), len(tt.want), errors.Join(errs...))
			}
			for i, err := range errs {
				var e *Error
				if !errors.As(err, &e) || e.Line != 0 || e.File != "" {
					t.Errorf("error %d is %#v, want an *Error without position", i, err)
				}
				if !strings.HasPrefix(err.Error(), e.Field+": ") || !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want %q", i, err, tt.want[i])
				}
			}
		})
	}
}

func TestKeys(t *testing.T) {
	if got := KeyName("p-", 42); got != "p-k42" {
		t.Errorf("KeyName = %q", got)
	}
	if got := HotKey("p-"); got != "p-hot" {
		t.Errorf("HotKey = %q", got)
	}
	tests := []struct {
		k    Keys
		want int
	}{
		{Keys{Dist: KeysUUID}, 36},
		{Keys{Dist: KeysUUID, Prefix: "ab"}, 38},
		{Keys{Dist: KeysHot, Prefix: "ab"}, 38},
		{Keys{Dist: KeysUniform, Count: 1}, 2},
		{Keys{Dist: KeysUniform, Count: 10}, 2},
		{Keys{Dist: KeysUniform, Count: 11}, 3},
		{Keys{Dist: KeysZipf, Count: 1000, Prefix: "ü"}, 5},
		{Keys{Dist: KeysZipf}, 2},
		{Keys{Dist: "other"}, 0},
	}
	for _, tt := range tests {
		if got := tt.k.MaxKeyLen(); got != tt.want {
			t.Errorf("%+v.MaxKeyLen() = %d, want %d", tt.k, got, tt.want)
		}
		if tt.k.Count > 0 {
			if n := len([]rune(KeyName(tt.k.Prefix, tt.k.Count-1))); n != tt.want {
				t.Errorf("last key of %+v has %d characters, want %d", tt.k, n, tt.want)
			}
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "a.yaml", Line: 7, Col: 5, Field: "producer.batch", Msg: "m"}, "a.yaml:7:5: producer.batch: m"},
		{Error{File: "a.yaml", Line: 2, Col: 1, Msg: "syntax"}, "a.yaml:2:1: syntax"},
		{Error{File: "a.yaml", Field: "f", Msg: "m"}, "a.yaml: f: m"},
		{Error{Line: 3, Col: 4, Field: "f", Msg: "m"}, "3:4: f: m"},
		{Error{Field: "f", Msg: "m"}, "f: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	es := Errors{{Line: 3, Col: 1, Msg: "c"}, {Line: 1, Col: 9, Msg: "b"}, {Line: 1, Col: 2, Msg: "a"}}
	es.sort()
	if got := es.Error(); got != "1:2: a\n1:9: b\n3:1: c" {
		t.Errorf("sorted Errors = %q", got)
	}
}

// TestMarshalRoundTrip writes loaded scenarios back as YAML and parses
// them again.
func TestMarshalRoundTrip(t *testing.T) {
	for _, file := range []string{"testdata/good/constant.yaml", "testdata/good/staged.yaml", "testdata/good/readers.yaml", "testdata/good/on_demand.yaml"} {
		s, err := LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s.Thresholds = append(s.Thresholds, Threshold{Metric: "acked", Op: ">", Value: 3})
		out, err := yaml.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(file, out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", file, err, out)
		}
		s.meta, back.meta = nil, nil
		s.Thresholds[len(s.Thresholds)-1].Expr = "acked > 3"
		checkFields(t, file, reflectValue(*back), reflectValue(*s))
	}
}

func TestHasConsumers(t *testing.T) {
	s := valid()
	if s.HasConsumers() {
		t.Error("HasConsumers() = true without consumers")
	}
	s.Consumers = []Consumer{{Type: ConsumerEFO}}
	if !s.HasConsumers() {
		t.Error("HasConsumers() = false with a consumer")
	}
}
