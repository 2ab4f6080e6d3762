package scenarios

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.golden from the current output")

// TestBadFiles parses each testdata/bad/*.yaml and compares the error
// text with its .golden file.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Parse(filepath.Base(path), data)
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", s)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, not Errors: %v", err, err)
			}
			var one *Error
			if !errors.As(err, &one) || one.Line == 0 || one.File != filepath.Base(path) {
				t.Errorf("errors.As(*Error) = %+v", one)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("errors differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

func TestLoadFileGood(t *testing.T) {
	ms := func(s string) Duration { d, _ := time.ParseDuration(s); return Duration(d) }
	tests := []struct {
		file string
		want Scenario
	}{
		{"constant.yaml", Scenario{
			Name: "constant",
			Stream: Stream{Name: "spillway-constant", Mode: StreamProvisioned, Shards: 4, MaxRecordSize: MiB,
				Retention: DefaultRetention, Resharding: defaultResharding},
			Load:   Load{Rate: 2000, Duration: ms("5m")},
			Record: Record{Size: SizeSpec{Dist: SizeFixed, Bytes: KiB}},
			Keys:   Keys{Dist: KeysUniform, Count: 1000, Prefix: "tenant-"},
			Producer: Producer{Batch: 250, Linger: 0, MaxInFlight: DefaultMaxInFlight,
				Retry: Retry{MaxAttempts: 5, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, TTL: 0}},
			Thresholds: []Threshold{
				{Expr: "throttle_ratio < 5%", Metric: "throttle_ratio", Op: "<", Value: 0.05},
				{Expr: "put_latency_p99 < 500ms", Metric: "put_latency_p99", Op: "<", Value: 500},
				{Expr: "error_ratio <= 0", Metric: "error_ratio", Op: "<=", Value: 0},
				{Expr: "send_lag_max < 250", Metric: "send_lag_max", Op: "<", Value: 250},
			},
			Source: "testdata/good/constant.yaml",
		}},
		{"staged.yaml", Scenario{
			Name: "ramp",
			Stream: Stream{Name: "ramp-test", Mode: StreamProvisioned, Shards: 10, MaxRecordSize: 2 * MiB,
				Retention: DefaultRetention, Resharding: defaultResharding},
			Load: Load{Duration: ms("3m30s"), StartRate: 100, Stages: []Stage{
				{Duration: ms("1m"), Target: 5000}, {Duration: ms("2m"), Target: 5000}, {Duration: ms("30s"), Target: 0},
			}},
			Record: Record{Size: SizeSpec{Dist: SizeLognormal, Median: 2 * KiB, P99: MiB}},
			Keys:   Keys{Dist: KeysZipf, Count: 100000, Exponent: DefaultZipfExponent},
			Producer: Producer{Batch: 500, Linger: DefaultLinger, MaxInFlight: 128,
				Retry: Retry{MaxAttempts: 3, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, TTL: DefaultTTL}},
			Thresholds: []Threshold{
				{Expr: "service_latency_p999 <= 1.5s", Metric: "service_latency_p999", Op: "<=", Value: 1500},
				{Expr: "acked >= 1000000", Metric: "acked", Op: ">=", Value: 1e6},
			},
			Source: "testdata/good/staged.yaml",
		}},
		{"readers.yaml", Scenario{
			Name: "readers",
			Stream: Stream{Name: "spillway-readers", Mode: StreamProvisioned, Shards: 4, MaxRecordSize: MiB,
				Retention: ms("48h"), Resharding: Resharding{Split: 0, Merge: DefaultMergeTime, UpdateShardCount: ms("1m")}},
			Load:   Load{Rate: 1000, Duration: ms("10m")},
			Record: Record{Size: SizeSpec{Dist: SizeFixed, Bytes: KiB}},
			Keys:   Keys{Dist: KeysUUID},
			Producer: Producer{Batch: DefaultBatch, Linger: DefaultLinger, MaxInFlight: DefaultMaxInFlight,
				Retry: Retry{MaxAttempts: DefaultMaxAttempts, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, TTL: DefaultTTL}},
			Thresholds: []Threshold{
				{Expr: "read_throttles < 10", Metric: "read_throttles", Op: "<", Value: 10},
				{Expr: "iterator_age_max < 2s", Metric: "iterator_age_max", Op: "<", Value: 2000},
				{Expr: "e2e_out_of_order <= 0", Metric: "e2e_out_of_order", Op: "<=", Value: 0},
			},
			Consumers: []Consumer{
				{Name: "polling-0", Type: ConsumerPolling, Count: 2, PollInterval: ms("600ms")},
				{Name: "lambda", Type: ConsumerPolling, Count: 1, PollInterval: ms("1s")},
				{Name: "efo-2", Type: ConsumerEFO, Count: 3},
			},
			Events: []Event{
				{At: ms("1m"), Split: "shardId-000000000000", SplitAt: "85070591730234615865843651857942052864"},
				{At: ms("2m"), Merge: []string{"shardId-000000000002", "shardId-000000000003"}},
				{At: ms("5m"), UpdateShardCount: 8},
				{At: ms("5m"), Split: "shardId-000000000001"},
			},
			Source: "testdata/good/readers.yaml",
		}},
		{"on_demand.yaml", Scenario{
			Name: "od",
			Stream: Stream{Name: "spillway-od", Mode: StreamOnDemand, Shards: DefaultOnDemandShards, MaxRecordSize: MiB,
				Retention: DefaultRetention, Resharding: defaultResharding},
			Load:   Load{Rate: 10, Duration: ms("1m")},
			Record: Record{Size: SizeSpec{Dist: SizeFixed, Bytes: KiB}},
			Keys:   Keys{Dist: KeysUUID},
			Producer: Producer{Batch: DefaultBatch, Linger: DefaultLinger, MaxInFlight: DefaultMaxInFlight,
				Retry: Retry{MaxAttempts: DefaultMaxAttempts, Backoff: DefaultBackoff, MaxBackoff: DefaultMaxBackoff, TTL: DefaultTTL}},
			Consumers: []Consumer{{Name: "efo-0", Type: ConsumerEFO, Count: 1}},
			Source:    "testdata/good/on_demand.yaml",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := LoadFile(filepath.Join("testdata/good", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if s.meta == nil {
				t.Error("meta not kept")
			}
			s.meta = nil
			checkFields(t, "", reflect.ValueOf(*s), reflect.ValueOf(tt.want))
		})
	}
}

// defaultResharding is Stream.Resharding with every default applied.
var defaultResharding = Resharding{Split: DefaultSplitTime, Merge: DefaultMergeTime, UpdateShardCount: DefaultUpdateShardCountTime}

// reflectValue is reflect.ValueOf, short for the tables.
func reflectValue(v any) reflect.Value { return reflect.ValueOf(v) }

// checkFields compares got and want field by field, naming the first
// differing path of each difference.
func checkFields(t *testing.T, path string, got, want reflect.Value) {
	t.Helper()
	switch got.Kind() {
	case reflect.Struct:
		for i := range got.NumField() {
			if got.Type().Field(i).IsExported() {
				checkFields(t, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
			}
		}
	case reflect.Slice:
		if got.Len() != want.Len() {
			t.Errorf("%s: len %d, want %d", path, got.Len(), want.Len())
			return
		}
		for i := range got.Len() {
			checkFields(t, path+"["+string(rune('0'+i))+"]", got.Index(i), want.Index(i))
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			t.Errorf("%s = %v, want %v", path, got.Interface(), want.Interface())
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile("testdata/no-such-file.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

// TestPositions checks where errors point: values at the value, unknown
// keys at the key, missing fields at the parent mapping or 1:1.
func TestPositions(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"value", "name: x\nstream: {shards: 2}\nload: {rate: 1, duration: 1m}\nproducer:\n  batch: 501\n",
			"f.yaml:5:10: producer.batch: 501 is above the PutRecords limit of 500 records per request"},
		{"unknown key", "name: x\nstream: {shards: 2, nmae: y}\nload: {rate: 1, duration: 1m}\n",
			`f.yaml:2:21: stream: unknown field "nmae" (did you mean "name"?)`},
		{"missing in parent", "name: x\nstream:\n  name: y\nload: {rate: 1, duration: 1m}\n",
			"f.yaml:2:1: stream.shards: required: the stream's number of shards, 1–10,000"},
		{"missing at top", "stream: {shards: 1}\nload: {rate: 1, duration: 1m}\n",
			"f.yaml:1:1: name: required: the scenario's name in reports"},
		{"list item", "name: x\nstream: {shards: 2}\nload:\n  stages:\n  - {duration: 1m, target: 1}\n  - {duration: 1m, target: -1}\n",
			"f.yaml:6:28: load.stages[1].target: -1 is not a rate of 0 or more records per second"},
		{"alias", "name: x\nstream: {shards: &n 2}\nload: {rate: *n, duration: 1m}\nproducer: {batch: *n}\n", ""},
		{"second document", "name: x\n---\nname: y\n",
			"f.yaml:2:1: a scenario file holds one YAML document; this is a second"},
		{"top level not a mapping", "- a\n- b\n", `f.yaml:1:1: expected a mapping, got a list`},
		{"rate zero", "name: x\nstream: {shards: 1}\nload: {rate: 0, duration: 1m}\n",
			"f.yaml:3:14: load.rate: must be above 0 (records per second)"},
		{"stages empty", "name: x\nstream: {shards: 1}\nload:\n  stages: []\n",
			"f.yaml:4:3: load.stages: must not be empty"},
		{"stages with zero duration", "name: x\nstream: {shards: 1}\nload:\n  duration: 0\n  stages: [{duration: 1s, target: 1}]\n",
			"f.yaml:4:13: load.duration: must be above 0 (omit it to run the stages through)"},
		{"size dist", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\nrecord: {size: {dist: normal, min: 1}}\n",
			`f.yaml:4:23: record.size.dist: expected fixed, uniform or lognormal, got "normal"`},
		{"size fixed mapping", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\nrecord: {size: {dist: fixed, bytes: 2MiB}}\n",
			"f.yaml:4:10: record.size: 2MiB plus a 36-character partition key is above the stream's maximum record size of 1MiB (stream.max_record_size)"},
		{"size list", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\nrecord: {size: [1]}\n",
			"f.yaml:4:16: record.size: expected a size such as 1KiB, or a mapping with dist, got a list"},
		{"string got mapping", "name: {a: b}\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\n",
			"f.yaml:1:7: name: expected a string, got a mapping"},
		{"thresholds not a list", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\nthresholds: acked > 1\n",
			`f.yaml:4:13: thresholds: expected a list, got "acked > 1"`},
		{"section not a mapping", "name: x\nstream: 3\nload: {rate: 1, duration: 1m}\n",
			`f.yaml:2:9: stream: expected a mapping, got "3"`},
		{"key not a name", "name: x\n[a]: 1\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\n",
			"f.yaml:2:1: expected a field name, got a list"},
		{"quoted number", "name: x\nstream: {shards: \"2\"}\nload: {rate: 1, duration: 1m}\n",
			`f.yaml:2:18: stream.shards: expected a whole number, got "2" (a string: remove the quotes)`},
		{"int overflow", "name: x\nstream: {shards: 1}\nload: {rate: 1, duration: 1m}\nproducer: {batch: 99999999999999999999}\n",
			`f.yaml:4:19: producer.batch: expected a whole number, got "99999999999999999999"`},
		{"syntax in second document", "name: x\n---\n a: b: c\n",
			"f.yaml:3:1: mapping values are not allowed in this context"},
		{"null section", "name: x\nstream:\nload: {rate: 1, duration: 1m}\n",
			"f.yaml:2:1: stream.shards: required: the stream's number of shards, 1–10,000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(tt.yaml))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
