package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/firehose"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports"
	"github.com/spillway-dev/spillway/scenarios"
)

// firehoseWorstCaseUSD is the most a Firehose run can cost: every offered
// record at its largest size, billed in 5 KB steps, at the us-east-1 prices
// of model.DefaultPrices (S3 charges not included).
func firehoseWorstCaseUSD(sc *scenarios.Scenario, sched *loadgen.Schedule) float64 {
	largest := int64(sc.Record.Size.Largest())
	f := sc.Firehose
	return model.TotalUSD(model.DefaultPrices.FirehoseMonthly(model.FirehoseUsage{
		Records:             float64(sched.Total()),
		BilledBytes:         float64(sched.Total()) * float64(model.FirehoseBilledBytes(largest)),
		FormatConversion:    f.FormatConversion,
		DynamicPartitioning: f.PartitionBy != "",
	}))
}

// setupFirehose connects to an existing Direct PUT Firehose stream (spillway
// never creates or deletes one) after the cost guard, and says where it
// delivers.
func setupFirehose(ctx context.Context, e *env, sc *scenarios.Scenario, sched *loadgen.Schedule, f awsFlags) (*firehose.Target, firehose.StreamInfo, error) {
	fh := sc.Firehose
	if endpoint := serviceEndpoint(f.endpoint, "FIREHOSE"); !isLoopback(endpoint) {
		cost := firehoseWorstCaseUSD(sc, sched)
		fmt.Fprintf(e.stderr, "spillway: this run writes to Firehose at %s: at most $%.2f of ingestion (%d records for %v; us-east-1 prices, S3 not included)\n",
			cmp.Or(endpoint, "AWS"), cost, sched.Total(), sched.Duration())
		if !f.yes && cost > sc.MaxCostUSD {
			return nil, firehose.StreamInfo{}, usageErr("refusing to spend up to $%.2f without --yes (or max_cost in the scenario)", cost)
		}
	}
	t, err := firehose.New(ctx, firehose.Options{Region: f.region, Profile: f.profile, Endpoint: f.endpoint, Stream: fh.Name})
	if err != nil {
		return nil, firehose.StreamInfo{}, err
	}
	info, err := t.Describe(ctx)
	if err != nil {
		return nil, firehose.StreamInfo{}, fmt.Errorf("firehose stream %s: %w (spillway does not create Firehose streams: create it first)", fh.Name, err)
	}
	switch {
	case info.Status != "ACTIVE":
		return nil, info, fmt.Errorf("firehose stream %s is %s, not ACTIVE", fh.Name, info.Status)
	case info.Type != "DirectPut":
		return nil, info, usageErr("firehose stream %s has source %s: spillway writes to Direct PUT streams only", fh.Name, info.Type)
	}
	return t, info, nil
}

// finishFirehose waits for the stream to deliver every acknowledged record
// to S3 (checking every 5 s, for at most the buffer interval, half again
// with dynamic partitioning, plus grace) and returns what was found there.
// Without an S3 destination it returns nil.
func finishFirehose(ctx context.Context, e *env, t *firehose.Target, info firehose.StreamInfo, sc *scenarios.Scenario, f runFlags, runID uint64, s *loadgen.Summary) (*reports.Delivery, error) {
	dst := info.S3
	if dst == nil {
		fmt.Fprintf(e.stderr, "spillway: firehose stream %s does not deliver to S3: delivery is not checked\n", sc.Firehose.Name)
		return nil, nil
	}
	interval := dst.BufferInterval
	if dst.DynamicPartitioning {
		interval = interval * 3 / 2
	}
	wait := interval + f.readGrace
	s3 := firehose.S3Options{
		Endpoint: f.s3Endpoint, Region: f.aws.region, Profile: f.aws.profile, Bucket: dst.Bucket,
		// Local S3 servers answer path-style requests only.
		UsePathStyle: isLoopback(serviceEndpoint(f.s3Endpoint, "S3")), Compression: dst.Compression,
	}
	check := firehose.Check{
		// The literal part of the prefix: Firehose expressions (!{…}) and
		// the date folders come after it.
		Prefix: strings.SplitN(dst.Prefix, "!{", 2)[0],
		Since:  s.Start.Add(-time.Minute), RunID: runID, Acked: s.Acked, Short: t.Short(),
	}
	fmt.Fprintf(e.stderr, "spillway: waiting for Firehose to deliver to s3://%s/%s (up to %v)\n", dst.Bucket, check.Prefix, wait.Round(time.Second))
	deadline := time.Now().Add(wait)
	for {
		d, err := firehose.ReadDelivered(ctx, s3, check)
		if err != nil {
			return nil, fmt.Errorf("reading the delivered objects: %w", err)
		}
		if d.Lost == 0 || !time.Now().Before(deadline) || ctx.Err() != nil {
			res := reports.DeliveryOf(d.Delivery, sc.Firehose)
			// The stream's own settings, not the scenario's.
			res.Dir = "s3://" + dst.Bucket + "/" + check.Prefix
			res.BufferSizeBytes, res.BufferIntervalS, res.Compression = dst.BufferSizeBytes, dst.BufferInterval.Seconds(), string(dst.Compression)
			return res, nil
		}
		select {
		case <-time.After(min(5*time.Second, time.Until(deadline))):
		case <-ctx.Done():
		}
	}
}
