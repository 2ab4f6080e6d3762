package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/firehose"
	"github.com/spillway-dev/spillway/loadgen/kinesis"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

const runHelp = `
Usage: spillway run SCENARIO [flags]

Runs the scenario's load against the built-in simulated Kinesis stream, in
real time, and writes results.json, summary.md and report.html to
OUT/<time>-<name>/. The load is an open model: records arrive on the
scenario's schedule whatever the stream answers, and falling behind shows
as send lag instead of a slower run.

The first Ctrl-C stops scheduling, lets what is in flight finish and still
writes the results; a second one abandons what is in flight.

A threshold with abort_on_fail stops the run at the end of the first
second in which it fails (after its delay_abort_eval); the results are
still written. With --baseline the run is compared with a baseline's
results at the end, as spillway compare does, and compare.{json,md,html}
are written beside the results. When $GITHUB_STEP_SUMMARY is set, the
Markdown summary (and comparison) is appended to it.

Examples:
  spillway run scenarios/examples/quickstart.yaml
  spillway run scenarios/examples/quickstart.yaml --duration 10s --seed 7
  spillway run my.yaml --out /tmp/runs --no-progress
  spillway run my.yaml --baseline baseline/results.json --junit junit.xml --export results.json

Exit codes: 0 ok, 1 runtime error or interrupted, 2 usage or invalid
scenario, 3 a threshold failed (or aborted the run) or a metric regressed
against the baseline.
`

type runFlags struct {
	aws        awsFlags
	out        string
	duration   time.Duration
	seed       uint64
	seedSet    bool
	noProgress bool
	simLatency time.Duration
	// read reads a real stream back during the run and for up to
	// readGrace after it, matching every record.
	read      bool
	readGrace time.Duration
	// s3Endpoint is where --target firehose reads the delivered objects.
	s3Endpoint string
	// baseline is a results file to compare the run with at its end.
	baseline string
	compare  compareFlags
	exports  exportFlags
	prof     profiling
}

func runCmd(ctx context.Context, e *env, args []string) error {
	var f runFlags
	fs := newFlagSet(e, "run", runHelp)
	fs.StringVar(&f.out, "out", "out", "directory under which each run gets its own folder")
	fs.DurationVar(&f.duration, "duration", 0, "override the scenario's load.duration (e.g. 10s)")
	fs.Func("seed", "seed for keys, sizes and payloads (default: random, printed and saved)", func(s string) error {
		_, err := fmt.Sscan(s, &f.seed)
		f.seedSet = err == nil
		return err
	})
	fs.BoolVar(&f.noProgress, "no-progress", false, "print plain progress lines instead of progress bars")
	fs.DurationVar(&f.simLatency, "sim-latency", loadgen.DefaultSimConfig.LatencyMedian,
		"median round trip of the simulated stream (p99 is 3x); 0 answers at once")
	fs.StringVar(&f.aws.target, "target", "sim", "sim (the built-in simulated stream), kinesis (AWS or a Kinesis-compatible endpoint) or firehose (an existing Direct PUT Firehose stream)")
	fs.StringVar(&f.aws.endpoint, "endpoint", "", "Kinesis or Firehose endpoint URL, e.g. http://127.0.0.1:4567 (default: AWS, or AWS_ENDPOINT_URL_KINESIS / AWS_ENDPOINT_URL_FIREHOSE)")
	fs.StringVar(&f.s3Endpoint, "s3-endpoint", "", "with --target firehose: S3 endpoint URL to read the delivered objects from (default: AWS, or AWS_ENDPOINT_URL_S3)")
	fs.StringVar(&f.aws.region, "region", "", "AWS Region (default: the SDK's chain, AWS_REGION or the profile)")
	fs.StringVar(&f.aws.profile, "profile", "", "shared config profile (default: AWS_PROFILE or default)")
	fs.BoolVar(&f.aws.keepStream, "keep-stream", false, "do not delete the stream spillway created")
	fs.BoolVar(&f.aws.yes, "yes", false, "allow a run against a non-loopback endpoint whatever it may cost")
	fs.BoolVar(&f.read, "read", true, "read the stream back and match every record (end-to-end latency, lost, duplicates; with --target firehose, the objects in S3)")
	fs.DurationVar(&f.readGrace, "read-grace", 30*time.Second, "with --read: how long to keep reading after the last write for records not yet read (for Firehose, after its buffer interval)")
	fs.StringVar(&f.baseline, "baseline", "", "compare the run with this results file at its end, as spillway compare does (exit code 3 on a regression)")
	fs.StringVar(&f.prof.cpuFile, "cpuprofile", "", "write a Go CPU profile of the run to this file (go tool pprof)")
	fs.StringVar(&f.prof.memFile, "memprofile", "", "write a Go heap profile at the end of the run to this file (go tool pprof)")
	f.compare.register(fs)
	f.exports.register(fs, true, true)
	file, err := oneArg(fs, args, "scenario file")
	if err != nil {
		return err
	}
	if f.aws.target != "sim" && f.aws.target != "kinesis" && f.aws.target != "firehose" {
		return usageErr("--target %q: want sim, kinesis or firehose", f.aws.target)
	}
	if f.duration < 0 || f.simLatency < 0 {
		return usageErr("--duration and --sim-latency must not be negative")
	}
	sc, err := loadScenario(e, file)
	if err != nil {
		return err
	}
	var baseline *reports.Results
	if f.baseline != "" {
		// Read before the run, so that a bad file costs no run.
		if baseline, err = reports.ReadFile(f.baseline); err != nil {
			return &codedError{code: exitUsage, err: fmt.Errorf("--baseline: %w", err)}
		}
	}
	if !f.seedSet {
		var b [8]byte
		_, _ = rand.Read(b[:])
		// 53 bits, so the seed survives JSON readers that use doubles.
		f.seed = binary.BigEndian.Uint64(b[:]) >> 11
	}
	if err := f.prof.start(); err != nil {
		return err
	}
	err = runScenario(ctx, e, sc, f, baseline)
	if perr := f.prof.stop(); perr != nil && err == nil {
		err = perr
	}
	return err
}

func runScenario(ctx context.Context, e *env, sc *scenarios.Scenario, f runFlags, baseline *reports.Results) error {
	now := time.Now
	// The first Ctrl-C (or SIGTERM) drains; the second abandons. Before the
	// runner exists (while a stream is being created) the first abandons.
	runCtx, abort := context.WithCancel(ctx)
	defer abort()
	var running atomic.Pointer[loadgen.Runner]
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		select {
		case <-sigs:
		case <-runCtx.Done():
			return
		}
		if r := running.Load(); r != nil {
			fmt.Fprintln(e.stderr, "\nspillway: stopping: finishing requests in flight (Ctrl-C again to abandon them)")
			r.StopWith("interrupted")
			select {
			case <-sigs:
			case <-runCtx.Done():
				return
			}
		}
		fmt.Fprintln(e.stderr, "spillway: abandoning requests in flight")
		abort()
	}()

	sim := loadgen.DefaultSimConfig
	sim.LatencyMedian, sim.LatencyP99, sim.Seed = f.simLatency, 3*f.simLatency, f.seed
	dir, err := runDir(f.out, sc.Name, now())
	if err != nil {
		return err
	}
	var (
		target     loadgen.Target
		reader     *kinesis.Target
		fhTarget   *firehose.Target
		fhInfo     firehose.StreamInfo
		simStream  *model.Stream
		simFH      *loadgen.SimFirehose
		requestMax int
		what       string
	)
	switch fh := sc.Firehose; {
	case f.aws.target == "kinesis" && fh != nil:
		return usageErr("--target kinesis with a firehose section: use --target firehose for a Direct PUT Firehose stream")
	case f.aws.target == "firehose" && (fh == nil || fh.Source != scenarios.FirehoseDirectPut):
		return usageErr("--target firehose needs a firehose section with source: direct_put")
	case f.aws.target == "firehose":
		sched, err := loadgen.ScheduleFor(sc.Load, f.duration)
		if err != nil {
			return err
		}
		if fhTarget, fhInfo, err = setupFirehose(runCtx, e, sc, sched, f.aws); err != nil {
			return err
		}
		target, requestMax = fhTarget, model.PutRecordBatchMaxBytes
		what = fmt.Sprintf("Firehose stream %q", fh.Name)
	case f.aws.target == "kinesis":
		sched, err := loadgen.ScheduleFor(sc.Load, f.duration)
		if err != nil {
			return err
		}
		kt, cleanup, err := setupKinesis(runCtx, e, sc, sched, f.aws)
		if err != nil {
			return err
		}
		defer cleanup()
		target = kt
		if f.read {
			reader = kt
		}
		what = fmt.Sprintf("Kinesis stream %q (%s)", sc.Stream.Name, describeStream(sc))
	case fh != nil && fh.Source == scenarios.FirehoseKinesis:
		return usageErr("a Firehose reading a Kinesis stream cannot be run yet (it needs the simulated stream's readers); use spillway sweep for its delivery model")
	case fh != nil:
		ratio, err := loadgen.CompressionRatio(sc, fh.Compression, f.seed, 1<<20)
		if err != nil {
			return err
		}
		simFH, err = loadgen.NewSimFirehose(loadgen.DeliveryConfigFor(sc, ratio), filepath.Join(dir, "s3"), sim, now)
		if err != nil {
			return err
		}
		target, requestMax = simFH, model.PutRecordBatchMaxBytes
		what = fmt.Sprintf("the simulated Firehose stream %q (buffer %s or %v)", fh.Name, fh.BufferSize, fh.BufferInterval)
	default:
		stream, err := model.NewStream(loadgen.StreamConfigFor(sc, f.read), now())
		if err != nil {
			return err
		}
		target, simStream = loadgen.NewSimTarget(stream, sim, now), stream
		what = fmt.Sprintf("the simulated %s stream %q (%d shards)", sc.Stream.Mode, sc.Stream.Name, stream.Config().Shards)
	}
	var aborted atomic.Pointer[string] // the abort_on_fail threshold that stopped the run
	runner, err := loadgen.New(loadgen.Config{Scenario: sc, Duration: f.duration, Seed: f.seed, Now: now, RequestMaxBytes: requestMax,
		Check: abortCheck(sc, &aborted)}, target)
	if err != nil {
		return err
	}

	running.Store(runner)
	gcCtx, stopGC := context.WithCancel(ctx)
	gcDone := make(chan struct{})
	go func() { defer close(gcDone); keepGCHeadroom(gcCtx) }()
	defer func() { stopGC(); <-gcDone }()

	fmt.Fprintf(e.stderr, "spillway %s: running %q on %s for %v, seed %d\n",
		toolVersion(), sc.Name, what, runner.Schedule().Duration(), f.seed)
	stopProgress := startProgress(e, runner, f.noProgress || !e.isTerminal)
	var (
		back    readBack
		readErr error
	)
	switch readStart := now(); {
	case reader != nil:
		back = startReading(runCtx, reader, runner, sc, readStart)
	case simStream != nil && f.read:
		back, readErr = loadgen.StartSimReaders(runCtx, simStream, loadgen.ReaderSpecs(sc), runner.RunStamp(),
			sc.Keys.Dist != scenarios.KeysUUID, sim, readStart, now)
	}
	if readErr != nil {
		stopProgress()
		return readErr
	}
	summary, runErr := runner.Run(runCtx)
	stopProgress()
	var e2e *reports.E2E
	var readSeries []loadgen.ReadSecond
	if back != nil {
		if summary != nil {
			e2e = finishReading(runCtx, e, back, summary, f.readGrace)
		} else {
			back.Stop()
		}
		if sr, ok := back.(*loadgen.SimReaders); ok {
			readSeries = sr.Series()
		}
	}
	if summary == nil {
		return runErr
	}

	res := reports.FromSummary(summary, sc, toolVersion())
	res.Cost = runCost(e, res, f.aws.region)
	res.E2E = e2e
	reports.AddReadSeries(res, readSeries)
	var deliveryErr error
	if fhTarget != nil && f.read {
		res.Delivery, deliveryErr = finishFirehose(runCtx, e, fhTarget, fhInfo, sc, f, runner.RunStamp(), summary)
	}
	if simFH != nil {
		d, err := simFH.Close(runner.RunStamp())
		res.Delivery = reports.DeliveryOf(d, sc.Firehose)
		deliveryErr = err
	}
	res.Thresholds = reports.Evaluate(res, sc.Thresholds)
	if f.duration > 0 {
		res.DurationOverrideS = f.duration.Seconds()
	}
	if err := writeRun(dir, res); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if err := reports.WriteText(e.stdout, res); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nresults: %s\nreport:  %s\nsummary: %s\n",
		filepath.Join(dir, "results.json"), filepath.Join(dir, "report.html"), filepath.Join(dir, "summary.md"))
	f.exports.stepSummary(e, func(w io.Writer) error { return reports.WriteMarkdown(w, res) })

	var cmp *reports.Comparison
	if baseline != nil {
		if cmp, err = reports.Compare(baseline, res, f.compare.options(f.baseline, filepath.Join(dir, "results.json"))); err != nil {
			return &codedError{code: exitUsage, err: fmt.Errorf("--baseline: %w", err)}
		}
		fmt.Fprintf(e.stdout, "\nCompared with the baseline %s\n", f.baseline)
		if err := reports.WriteCompareText(e.stdout, cmp); err != nil {
			return err
		}
		if err := writeComparison(cmp, dir); err != nil {
			return err
		}
		f.exports.stepSummary(e, func(w io.Writer) error { return reports.WriteCompareMarkdown(w, cmp) })
	}
	if err := f.exports.write(res, cmp); err != nil {
		return fmt.Errorf("exports: %w", err)
	}

	switch {
	case runErr != nil && !errors.Is(runErr, context.Canceled):
		return runErr
	case deliveryErr != nil:
		return fmt.Errorf("firehose delivery: %w", deliveryErr)
	case aborted.Load() != nil:
		return &codedError{code: exitThreshold, err: errors.New(*aborted.Load())}
	case !reports.ThresholdsPassed(res.Thresholds):
		return &codedError{code: exitThreshold, err: errors.New("a threshold failed")}
	case cmp != nil && !cmp.Pass:
		return &codedError{code: exitThreshold, err: errors.New(cmp.Headline())}
	case summary.Interrupted:
		return &codedError{code: exitError, err: fmt.Errorf("run %s", summary.StopReason)}
	}
	return nil
}

// abortCheck is the run's check of its abort_on_fail thresholds, once a
// second: the first that fails on what was measured so far, past its
// delay, stops the run, and is kept in aborted. Nil when no threshold
// aborts.
func abortCheck(sc *scenarios.Scenario, aborted *atomic.Pointer[string]) func(loadgen.Live) string {
	var ths []scenarios.Threshold
	for _, th := range sc.Thresholds {
		if th.AbortOnFail {
			ths = append(ths, th)
		}
	}
	if len(ths) == 0 {
		return nil
	}
	return func(l loadgen.Live) string {
		var due []scenarios.Threshold
		for _, th := range ths {
			if l.Elapsed >= th.AbortDelay.D() {
				due = append(due, th)
			}
		}
		if len(due) == 0 {
			return ""
		}
		for _, tr := range reports.Evaluate(reports.LiveResults(l, sc), due) {
			if !tr.Pass {
				reason := fmt.Sprintf("aborted at %.0f s: threshold %q failed (%s)", l.Elapsed.Seconds(), tr.Expr, reports.ThresholdMeasured(tr))
				aborted.Store(&reason)
				return reason
			}
		}
		return ""
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// runDir makes the run's own folder under out: <time>-<name>, with a
// numeric suffix if two runs start in the same second.
func runDir(out, name string, start time.Time) (string, error) {
	base := filepath.Join(out, start.UTC().Format("20060102-150405")+"-"+strings.Trim(unsafeName.ReplaceAllString(name, "-"), "-"))
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) {
			return "", err
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// writeRun writes the three files of a run to its folder.
func writeRun(dir string, res *reports.Results) error {
	if err := reports.WriteFile(filepath.Join(dir, "results.json"), res); err != nil {
		return err
	}
	return writeFiles(dir,
		outFile{"summary.md", func(w io.Writer) error { return reports.WriteMarkdown(w, res) }},
		outFile{"report.html", func(w io.Writer) error { return reports.WriteHTML(w, res) }},
	)
}
