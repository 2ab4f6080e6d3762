//go:build unix

package kinesis

import (
	"context"
	"fmt"
	"github.com/spillway-dev/spillway/loadgen/kinesis/kinesistest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// The contract every target keeps, checked with a real loadgen.Runner on
// the simulated stream and on the local servers: every record offered is
// acked once, lands on the shard its key hashes to, and (where the stream
// can be read) reads back exactly once.

const (
	contractStream   = "spillway-contract"
	contractShards   = 4
	contractDuration = 2 * time.Second
	contractSize     = 100 // bytes of data per record
)

// contractTarget is what the Runner needs of a target for per-shard rows.
type contractTarget interface {
	loadgen.Target
	loadgen.ShardLister
}

func dur(d time.Duration) scenarios.Duration { return scenarios.Duration(d) }

// contractScenario is a complete scenario (defaults written out) offering
// rate records/s of uuid-keyed 100 B records for d to a stream of shards.
func contractScenario(stream string, shards int, rate float64, d time.Duration) *scenarios.Scenario {
	return &scenarios.Scenario{
		Name:   "contract",
		Stream: scenarios.Stream{Name: stream, Shards: shards, MaxRecordSize: scenarios.DefaultMaxRecordSize},
		Load:   scenarios.Load{Duration: dur(d), Rate: rate},
		Record: scenarios.Record{Size: scenarios.SizeSpec{Dist: scenarios.SizeFixed, Bytes: contractSize}},
		Keys:   scenarios.Keys{Dist: scenarios.KeysUUID},
		Producer: scenarios.Producer{Batch: 500, Linger: dur(20 * time.Millisecond), MaxInFlight: 8,
			Retry: scenarios.Retry{MaxAttempts: 3, Backoff: dur(50 * time.Millisecond), MaxBackoff: scenarios.DefaultMaxBackoff, TTL: dur(30 * time.Second)}},
	}
}

// emulatorTarget is a Target on a local server, with static credentials so
// that nothing is read from the machine's AWS configuration.
func emulatorTarget(t *testing.T, endpoint, stream string) *Target {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tg, err := New(ctx, Options{
		Region: "us-east-1", Endpoint: endpoint, Stream: stream,
		RequestTimeout: 10 * time.Second, MaxConns: 16,
		AccessKeyID: "AKIDSPILLWAYTEST", SecretAccessKey: "spillway-test-secret",
	})
	if err != nil {
		t.Fatalf("New(%s): %v", endpoint, err)
	}
	return tg
}

// createdStream is a Target on a fresh stream of shards on endpoint.
func createdStream(t *testing.T, endpoint string, shards int) *Target {
	t.Helper()
	tg := emulatorTarget(t, endpoint, contractStream)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := tg.CreateStream(ctx, shards, false); err != nil {
		t.Fatalf("CreateStream(%d): %v", shards, err)
	}
	return tg
}

func TestContract(t *testing.T) {
	cases := []struct {
		name string
		rate float64 // records/s for contractDuration
		// open returns the target on a fresh stream of contractShards, and
		// the Kinesis Target when the stream can be read back and deleted.
		open func(t *testing.T) (contractTarget, *Target)
	}{
		{"sim", 2000, func(t *testing.T) (contractTarget, *Target) {
			stream, err := model.NewStream(model.StreamConfig{Name: contractStream, Shards: contractShards}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return loadgen.NewSimTarget(stream, loadgen.SimConfig{}, time.Now), nil
		}},
		// kinesalite takes 18–20k records/s.
		{"kinesalite", 2000, func(t *testing.T) (contractTarget, *Target) {
			tg := createdStream(t, kinesistest.StartKinesalite(t), contractShards)
			return tg, tg
		}},
		// kinesis-local takes about 1k records/s, less as a shard fills.
		{"kinesis-local", 200, func(t *testing.T) (contractTarget, *Target) {
			tg := createdStream(t, kinesistest.StartKinesisLocal(t), contractShards)
			return tg, tg
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			target, kt := c.open(t)
			runContract(t, target, kt, c.rate)
		})
	}
}

func runContract(t *testing.T, target contractTarget, kt *Target, rate float64) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	listed, err := target.ListShards(ctx)
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	if len(listed) != contractShards {
		t.Fatalf("ListShards: %d shards, want %d: %+v", len(listed), contractShards, listed)
	}

	sc := contractScenario(contractStream, contractShards, rate, contractDuration)
	r, err := loadgen.New(loadgen.Config{Scenario: sc, Seed: 1}, target)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	sum, err := r.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	tt := sum.Totals
	t.Logf("run %s: %d offered, %d acked in %v; %d requests, %d retried, %d throttled; service p50 %.1f ms, p99 %.1f ms",
		sum.RunID, tt.Offered, tt.Acked, time.Since(began).Round(time.Millisecond), tt.Requests, tt.Retried, tt.Throttled,
		sum.Latency.Service.P50, sum.Latency.Service.P99)
	want := int64(rate * contractDuration.Seconds())
	if tt.Offered != want {
		t.Fatalf("offered %d records, want %d", tt.Offered, want)
	}
	if tt.Acked != tt.Offered || tt.Failed != 0 || tt.Expired != 0 || tt.Unfinished != 0 {
		t.Fatalf("totals %+v (errors %v): want all %d offered acked, none failed, expired or unfinished", tt, sum.Errors, tt.Offered)
	}

	checkShardRows(t, sum.Shards, listed, tt.Acked)

	if kt == nil {
		return // the simulated stream keeps no records to read
	}
	got := readStream(ctx, t, kt.Client(), contractStream)
	checkReadBack(t, got, listed, r.RunStamp(), tt.Offered)

	if err := kt.DeleteStream(ctx); err != nil {
		t.Fatalf("DeleteStream: %v", err)
	}
	waitGone(ctx, t, kt)
}

// checkShardRows: the summary has one row per listed shard, same ids and
// ranges, whose acks add up to the total, each with a uniform key's share.
func checkShardRows(t *testing.T, rows []loadgen.ShardSummary, listed []loadgen.Shard, acked int64) {
	t.Helper()
	byID := make(map[string]loadgen.Shard, len(listed))
	for _, s := range listed {
		byID[s.ID] = s
	}
	if len(rows) != len(listed) {
		t.Fatalf("%d shard rows, want the %d listed: %+v", len(rows), len(listed), rows)
	}
	var sum int64
	seen := map[string]bool{}
	for _, row := range rows {
		want, ok := byID[row.ID]
		if !ok || seen[row.ID] {
			t.Fatalf("shard row %s is not a listed shard (or repeated); listed %+v", row.ID, listed)
		}
		seen[row.ID] = true
		if !reflect.DeepEqual(row.Shard, want) {
			t.Errorf("shard row %+v, listed as %+v", row.Shard, want)
		}
		sum += row.Acked
		if share := float64(row.Acked) / float64(acked); share < 0.15 || share > 0.35 {
			t.Errorf("shard %s acked %d of %d (%.1f%%), want 15–35%% with uniform keys on %d shards",
				row.ID, row.Acked, acked, 100*share, len(listed))
		}
	}
	if sum != acked {
		t.Errorf("shard rows ack %d records, totals %d", sum, acked)
	}
}

// readRecord is one record as read back: the shard it was read from.
type readRecord struct {
	shard string
	rec   types.Record
}

// readStream reads every shard of stream from TRIM_HORIZON until a shard
// answers no records twice in a row and is not behind the tip.
func readStream(ctx context.Context, t *testing.T, c *sdk.Client, stream string) []readRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	shards, err := c.ListShards(ctx, &sdk.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	if shards.NextToken != nil {
		t.Fatalf("ListShards paginated %d shards; the test expects one page", len(shards.Shards))
	}
	var out []readRecord
	for _, sh := range shards.Shards {
		id := aws.ToString(sh.ShardId)
		it, err := c.GetShardIterator(ctx, &sdk.GetShardIteratorInput{
			StreamName: aws.String(stream), ShardId: sh.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("GetShardIterator(%s): %v", id, err)
		}
		iter, empty, calls := it.ShardIterator, 0, 0
		for iter != nil {
			res, err := c.GetRecords(ctx, &sdk.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
			if err != nil {
				t.Fatalf("GetRecords(%s) after %d calls, %d records: %v", id, calls, len(out), err)
			}
			calls++
			for _, r := range res.Records {
				out = append(out, readRecord{shard: id, rec: r})
			}
			if len(res.Records) == 0 {
				empty++
			} else {
				empty = 0
			}
			if empty >= 2 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
			select {
			case <-ctx.Done():
				t.Fatalf("reading shard %s: %v after %d calls", id, ctx.Err(), calls)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return out
}

// checkReadBack: each record 0..offered-1 of the run reads back exactly
// once, from the shard its partition key's MD5 falls in.
func checkReadBack(t *testing.T, got []readRecord, listed []loadgen.Shard, runStamp uint64, offered int64) {
	t.Helper()
	ranges := make(map[string]model.HashKeyRange, len(listed))
	for _, s := range listed {
		start, err1 := model.ParseHashKey(s.StartingHashKey)
		end, err2 := model.ParseHashKey(s.EndingHashKey)
		if err1 != nil || err2 != nil {
			t.Fatalf("shard %s range: %v %v", s.ID, err1, err2)
		}
		ranges[s.ID] = model.HashKeyRange{Start: start, End: end}
	}
	count := make([]int, offered)
	var foreign, misplaced []string
	for _, g := range got {
		st, ok := loadgen.ReadStamp(g.rec.Data)
		if !ok || st.RunID != runStamp || st.RecordID >= uint64(offered) {
			foreign = append(foreign, fmt.Sprintf("%s/%s (stamp %+v, ok %v)", g.shard, aws.ToString(g.rec.SequenceNumber), st, ok))
			continue
		}
		count[st.RecordID]++
		key := aws.ToString(g.rec.PartitionKey)
		if r, ok := ranges[g.shard]; !ok || !r.Contains(model.HashPartitionKey(key)) {
			misplaced = append(misplaced, fmt.Sprintf("record %d key %s read from %s", st.RecordID, key, g.shard))
		}
	}
	var lost, dup []string
	for id, n := range count {
		switch {
		case n == 0:
			lost = append(lost, fmt.Sprint(id))
		case n > 1:
			dup = append(dup, fmt.Sprintf("%d×%d", id, n))
		}
	}
	t.Logf("read back %d records: %d lost, %d duplicated, %d foreign, %d on the wrong shard",
		len(got), len(lost), len(dup), len(foreign), len(misplaced))
	for what, list := range map[string][]string{"lost": lost, "duplicated": dup, "not of this run": foreign, "on the wrong shard": misplaced} {
		if len(list) > 0 {
			t.Errorf("%d records %s, e.g. %s", len(list), what, strings.Join(list[:min(len(list), 10)], ", "))
		}
	}
}

// waitGone waits (bounded) until the Target no longer sees its stream.
func waitGone(ctx context.Context, t *testing.T, kt *Target) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		exists, err := kt.StreamExists(ctx)
		if err != nil {
			t.Fatalf("StreamExists: %v", err)
		}
		if !exists {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("stream still exists 10 s after DeleteStream")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// CreateStream splits the hash key space evenly, as model.EvenRanges does.
func TestKinesaliteCreateStreamEvenSplit(t *testing.T) {
	tg := createdStream(t, kinesistest.StartKinesalite(t), 3)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	listed, err := tg.ListShards(ctx)
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	want := model.EvenRanges(3)
	if len(listed) != len(want) {
		t.Fatalf("%d shards listed, want %d: %+v", len(listed), len(want), listed)
	}
	slices.SortFunc(listed, func(a, b loadgen.Shard) int { return strings.Compare(a.ID, b.ID) })
	for i, s := range listed {
		if s.StartingHashKey != want[i].Start.String() || s.EndingHashKey != want[i].End.String() {
			t.Errorf("shard %d (%s): %s–%s, want %s–%s", i, s.ID, s.StartingHashKey, s.EndingHashKey, want[i].Start, want[i].End)
		}
	}
}
