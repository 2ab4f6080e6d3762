package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/kinesis"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

// awsFlags are the flags of runs against a real endpoint.
type awsFlags struct {
	target     string // "sim" or "kinesis"
	endpoint   string
	region     string
	profile    string
	keepStream bool
	yes        bool
}

// serviceEndpoint is where a service's requests will go: the flag, else
// the SDK's environment variables (AWS_ENDPOINT_URL_<SERVICE>, then
// AWS_ENDPOINT_URL), else "" (AWS itself).
func serviceEndpoint(flag, service string) string {
	for _, v := range []string{flag, os.Getenv("AWS_ENDPOINT_URL_" + service), os.Getenv("AWS_ENDPOINT_URL")} {
		if v != "" {
			return v
		}
	}
	return ""
}

// kinesisEndpoint is serviceEndpoint for Kinesis.
func kinesisEndpoint(flag string) string { return serviceEndpoint(flag, "KINESIS") }

// isLoopback reports whether endpoint is on this machine (127.0.0.0/8, ::1,
// localhost): a local emulator, which costs nothing.
func isLoopback(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// worstCaseUSD is the most a run can cost, at the us-east-1 prices of
// model.DefaultPrices, for the run's duration in whole hours (billed per
// hour begun) with every offered record at its largest size: provisioned,
// every shard's hours and the records' PUT payload units; on-demand, the
// stream-hours and the records' billed ingest.
func worstCaseUSD(sc *scenarios.Scenario, sched *loadgen.Schedule) float64 {
	largest := int64(sc.Record.Size.Largest()) + int64(sc.Keys.MaxKeyLen())
	u := model.KDSUsage{
		Shards:              float64(sc.Stream.Shards),
		PutPayloadUnits:     float64(sched.Total()) * float64(model.PutPayloadUnits(largest)),
		OnDemandBilledBytes: float64(sched.Total()) * float64(model.OnDemandBilledBytes(largest)),
		Hours:               math.Ceil(sched.Duration().Hours()),
	}
	if sc.Stream.Mode == scenarios.StreamOnDemand {
		return model.TotalUSD(model.DefaultPrices.OnDemandMonthly(u))
	}
	return model.TotalUSD(model.DefaultPrices.ProvisionedMonthly(u))
}

// setupKinesis connects to the stream, guards the cost, and creates the
// stream unless the scenario uses an existing one. The returned cleanup
// deletes what spillway created (it never deletes a stream it did not
// create) and must run however the run ends.
func setupKinesis(ctx context.Context, e *env, sc *scenarios.Scenario, sched *loadgen.Schedule, f awsFlags) (*kinesis.Target, func(), error) {
	endpoint := kinesisEndpoint(f.endpoint)
	if !isLoopback(endpoint) {
		cost := worstCaseUSD(sc, sched)
		where := "AWS"
		if endpoint != "" {
			where = endpoint
		}
		fmt.Fprintf(e.stderr, "spillway: this run writes to %s: at most $%.2f (%s for %v, %d records; us-east-1 prices)\n",
			where, cost, describeStream(sc), sched.Duration(), sched.Total())
		if !f.yes && cost > sc.MaxCostUSD {
			return nil, nil, usageErr("refusing to spend up to $%.2f without --yes (or max_cost: %.2f or more in the scenario)", cost, math.Ceil(cost*100)/100)
		}
	}
	t, err := kinesis.New(ctx, kinesis.Options{Region: f.region, Profile: f.profile, Endpoint: f.endpoint, Stream: sc.Stream.Name})
	if err != nil {
		return nil, nil, err
	}
	exists, err := t.StreamExists(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("stream %s: %w", sc.Stream.Name, err)
	}
	switch {
	case sc.Stream.Existing && !exists:
		return nil, nil, fmt.Errorf("stream %s does not exist (stream.existing is true)", sc.Stream.Name)
	case sc.Stream.Existing:
		return t, func() {}, nil
	case exists:
		return nil, nil, usageErr("stream %s already exists: set stream.existing: true to use it (spillway deletes only streams it created)", sc.Stream.Name)
	}
	fmt.Fprintf(e.stderr, "spillway: creating stream %s (%s)\n", sc.Stream.Name, describeStream(sc))
	// Delete even a half-created stream if creation fails or is interrupted.
	cleanup := func() {
		if f.keepStream {
			fmt.Fprintf(e.stderr, "spillway: keeping stream %s (--keep-stream)\n", sc.Stream.Name)
			return
		}
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := t.DeleteStream(dctx); err != nil {
			fmt.Fprintf(e.stderr, "spillway: could not delete stream %s: %v\n  delete it by hand: %s\n", sc.Stream.Name, err, deleteCommand(sc.Stream.Name, f, endpoint))
			return
		}
		fmt.Fprintf(e.stderr, "spillway: deleted stream %s\n", sc.Stream.Name)
	}
	if err := t.CreateStream(ctx, sc.Stream.Shards, sc.Stream.Mode == scenarios.StreamOnDemand); err != nil {
		cleanup()
		if errors.Is(err, context.Canceled) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("creating stream %s: %w", sc.Stream.Name, err)
	}
	return t, cleanup, nil
}

// describeStream says what kind of stream the scenario asks for.
func describeStream(sc *scenarios.Scenario) string {
	if sc.Stream.Mode == scenarios.StreamOnDemand {
		return "on-demand"
	}
	return fmt.Sprintf("%d shards", sc.Stream.Shards)
}

// deleteCommand is the AWS CLI command that deletes the stream by hand.
func deleteCommand(stream string, f awsFlags, endpoint string) string {
	parts := []string{"aws kinesis delete-stream --stream-name", stream, "--enforce-consumer-deletion"}
	if f.region != "" {
		parts = append(parts, "--region", f.region)
	}
	if f.profile != "" {
		parts = append(parts, "--profile", f.profile)
	}
	if endpoint != "" {
		parts = append(parts, "--endpoint-url", endpoint)
	}
	return strings.Join(parts, " ")
}

// readBack is a stream being read back during a run: the simulated
// readers, or kinesisReadBack.
type readBack interface {
	// ReadOf counts the records of acked read (by every consumer).
	ReadOf(acked *loadgen.Bitset) int64
	// Stop ends reading and waits for it.
	Stop()
	Result(acked *loadgen.Bitset) loadgen.E2EResult
}

// kinesisReadBack is a real stream read back by the scenario's consumers
// (or one polling verifier), each matching what it reads on its own.
type kinesisReadBack struct {
	t         *kinesis.Target
	consumers []loadgen.ConsumerE2E
	stop      func()
	// errs holds why a consumer stopped early, by consumer name.
	mu   sync.Mutex
	errs map[string]error
}

// ReadOf is the least any consumer still reading has read: waiting for one
// that stopped with an error would only run out the grace period.
func (k *kinesisReadBack) ReadOf(acked *loadgen.Bitset) int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	least := acked.Len()
	for _, c := range k.consumers {
		if k.errs[c.Name] == nil {
			least = min(least, c.E2E.ReadOf(acked))
		}
	}
	return least
}

func (k *kinesisReadBack) Stop() { k.stop() }

// Result combines the consumers; calls, throttles and iterator age are the
// Target's, for all of them together.
func (k *kinesisReadBack) Result(acked *loadgen.Bitset) loadgen.E2EResult {
	res := loadgen.CombineE2E(k.consumers, acked)
	st := k.t.ReadStats()
	res.GetRecordsCalls, res.ReadThrottles, res.IteratorAgeMaxMs = st.GetRecordsCalls, st.Throttles, st.IteratorAgeMaxMs
	return res
}

// failures lists the consumers that stopped with an error.
func (k *kinesisReadBack) failures() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for name, err := range k.errs {
		out = append(out, fmt.Sprintf("consumer %s stopped: %v", name, err))
	}
	slices.Sort(out)
	return out
}

// startReading reads the whole stream in the background from the start of
// the run with every consumer of the scenario (polling with GetRecords, or
// enhanced fan-out with SubscribeToShard), matching every record read
// against the run's stamps.
func startReading(ctx context.Context, t *kinesis.Target, r *loadgen.Runner, sc *scenarios.Scenario, since time.Time) *kinesisReadBack {
	rctx, cancel := context.WithCancel(ctx)
	k := &kinesisReadBack{t: t, errs: map[string]error{}}
	var wg sync.WaitGroup
	for _, spec := range loadgen.ReaderSpecs(sc) {
		tracker := loadgen.NewE2E(r.RunStamp(), sc.Keys.Dist != scenarios.KeysUUID)
		k.consumers = append(k.consumers, loadgen.ConsumerE2E{Name: spec.Name, Type: spec.Type, E2E: tracker})
		// A stream spillway created holds only this run's records: read it
		// from the start. An existing one is read from the run's start.
		opts := kinesis.ReadOptions{FromStart: !sc.Stream.Existing, Since: since.Add(-time.Second), PollInterval: spec.PollInterval}
		fn := func(rec kinesis.ReadRecord) { tracker.Add(rec.Data, rec.PartitionKey, rec.ReadAt) }
		wg.Go(func() {
			var err error
			if spec.Type == scenarios.ConsumerEFO {
				err = t.ReadEFO(rctx, spec.Name, opts, fn)
			} else {
				err = t.Read(rctx, opts, fn)
			}
			if err != nil && rctx.Err() == nil {
				k.mu.Lock()
				k.errs[spec.Name] = err
				k.mu.Unlock()
			}
		})
	}
	k.stop = func() { cancel(); wg.Wait() }
	return k
}

// finishReading keeps reading until every acknowledged record has been read
// (by every consumer) or the grace period ends, then stops reading and
// returns the match.
func finishReading(ctx context.Context, e *env, back readBack, s *loadgen.Summary, grace time.Duration) *reports.E2E {
	start := time.Now()
	deadline := time.NewTimer(grace)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	if back.ReadOf(s.Acked) < s.Acked.Len() {
		fmt.Fprintf(e.stderr, "spillway: reading the stream back (up to %v)\n", grace)
	}
wait:
	for back.ReadOf(s.Acked) < s.Acked.Len() {
		select {
		case <-tick.C:
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	back.Stop()
	if k, ok := back.(*kinesisReadBack); ok {
		for _, f := range k.failures() {
			fmt.Fprintf(e.stderr, "spillway: %s\n", f)
		}
	}
	return reports.E2EOf(back.Result(s.Acked), time.Since(start))
}
