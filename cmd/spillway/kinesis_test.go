//go:build unix

package main

import (
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/loadgen/kinesis/kinesistest"
)

// spillway run --target kinesis against kinesalite: the stream is created,
// every record is written and read back (0 lost, 0 duplicates, per-key order
// kept), and the stream is deleted afterwards: the second run of the same
// scenario can create it again. One request in flight: with several,
// requests overtake each other and Kinesis (and kinesalite) may order a
// key's records differently from their ids, which is not a loss.
func TestRunAgainstKinesalite(t *testing.T) {
	endpoint := kinesistest.StartKinesalite(t)
	localCredentials(t, "local", "local")
	sc := writeFile(t, "k.yaml", `name: cli-kinesalite
stream: {name: spillway-cli-test, shards: 3}
load: {rate: 1500, duration: 2s}
record: {size: 200B}
keys: {dist: uniform, count: 100}
producer: {batch: 250, linger: 20ms, max_in_flight: 1}
thresholds:
  - e2e_lost < 1
  - e2e_duplicates < 1
`)
	for run := range 2 {
		out := t.TempDir()
		code, stdout, stderr := runCLI(t, "run", sc, "--target", "kinesis", "--endpoint", endpoint, "--no-progress", "--out", out, "--read-grace", "20s")
		if code != exitOK {
			t.Fatalf("run %d: code %d\n%s\n%s", run, code, stdout, stderr)
		}
		if !strings.Contains(stderr, "creating stream spillway-cli-test") || !strings.Contains(stderr, "deleted stream spillway-cli-test") {
			t.Fatalf("run %d: stream not created and deleted:\n%s", run, stderr)
		}
		res := runResults(t, out)
		if res.Target != "kinesis" || res.Totals.Acked != 3000 || res.E2E == nil || res.E2E.Read != 3000 || res.E2E.Lost != 0 || res.E2E.Duplicates != 0 || res.E2E.OutOfOrder != 0 {
			t.Fatalf("run %d: target %q, totals %+v, e2e %+v", run, res.Target, res.Totals, res.E2E)
		}
		if len(res.PerShard) != 3 {
			t.Fatalf("run %d: %d shard rows, want the 3 from ListShards", run, len(res.PerShard))
		}
	}
	// An existing stream that spillway did not create is refused, never deleted.
	code, _, stderr := runCLI(t, "run", sc, "--target", "kinesis", "--endpoint", endpoint, "--no-progress", "--out", t.TempDir(), "--keep-stream")
	if code != exitOK || !strings.Contains(stderr, "keeping stream") {
		t.Fatalf("--keep-stream run: code %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, "run", sc, "--target", "kinesis", "--endpoint", endpoint, "--no-progress", "--out", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "already exists: set stream.existing: true") {
		t.Fatalf("run on a stream spillway did not create: code %d\n%s", code, stderr)
	}
}

// The resharding check on a real API: against kinesis-local, an
// update_shard_count event in the middle of a run is carried out with
// UpdateShardCount, the polling reader follows the parents into their
// children, and every record is read back once and in per-key order (one
// request in flight, so the producer keeps the order too).
func TestRunUpdateShardCountKinesisLocal(t *testing.T) {
	endpoint := kinesistest.StartKinesisLocal(t)
	localCredentials(t, "local", "local")
	sc := writeFile(t, "u.yaml", `name: cli-update
stream: {name: spillway-cli-update, shards: 2}
load: {rate: 500, duration: 4s}
record: {size: 200B}
keys: {dist: uniform, count: 100}
producer: {batch: 100, linger: 20ms, max_in_flight: 1}
events:
  - {at: 1500ms, update_shard_count: 4}
`)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--target", "kinesis", "--endpoint", endpoint, "--no-progress", "--out", out, "--read-grace", "20s")
	if code != exitOK {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	res := runResults(t, out)
	if len(res.Events) != 1 || res.Events[0].Error != "" || res.Events[0].Skipped {
		t.Fatalf("events %+v", res.Events)
	}
	if e := res.E2E; e == nil || res.Totals.Acked != 2000 || e.Read != 2000 || e.Lost != 0 || e.Duplicates != 0 || e.OutOfOrder != 0 {
		t.Fatalf("totals %+v, e2e %+v", res.Totals, res.E2E)
	}
	closed, children := 0, 0
	for _, sh := range res.PerShard {
		switch {
		case sh.State == "CLOSED":
			closed++
		case len(sh.Parents) > 0:
			children++
			if sh.Acked == 0 {
				t.Errorf("child %s took no records", sh.ShardID)
			}
		}
	}
	if closed != 2 || children != 4 {
		t.Errorf("%d closed parents and %d children, want 2 and 4: %+v", closed, children, res.PerShard)
	}
}

// spillway run --target kinesis with a polling and a fan-out consumer
// against kinesis-local over TLS (fan-out needs HTTP/2): each consumer
// reads every record once.
func TestRunConsumersKinesisLocal(t *testing.T) {
	endpoint, caFile := kinesistest.StartKinesisLocalTLS(t)
	localCredentials(t, "local", "local")
	t.Setenv("AWS_CA_BUNDLE", caFile)
	sc := writeFile(t, "c.yaml", `name: cli-consumers
stream: {name: spillway-cli-consumers, shards: 2}
load: {rate: 200, duration: 2s}
record: {size: 200B}
keys: {dist: uniform, count: 50}
producer: {batch: 100, linger: 20ms, max_in_flight: 1}
consumers:
  - {name: app, type: polling}
  - {name: fan, type: efo}
thresholds:
  - e2e_lost < 1
  - e2e_duplicates < 1
`)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--target", "kinesis", "--endpoint", endpoint, "--no-progress", "--out", out, "--read-grace", "30s")
	if code != exitOK {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	res := runResults(t, out)
	e := res.E2E
	if e == nil || res.Totals.Acked != 400 || len(e.Consumers) != 2 {
		t.Fatalf("totals %+v, e2e %+v", res.Totals, e)
	}
	for _, c := range e.Consumers {
		if c.Read != 400 || c.Lost != 0 || c.Duplicates != 0 {
			t.Errorf("consumer %s (%s): read %d, lost %d, duplicates %d", c.Name, c.Type, c.Read, c.Lost, c.Duplicates)
		}
	}
}
