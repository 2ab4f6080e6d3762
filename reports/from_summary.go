package reports

import (
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/scenarios"
)

// FromSummary builds the results artifact of a run. Thresholds are left
// empty; fill them with Evaluate.
func FromSummary(s *loadgen.Summary, sc *scenarios.Scenario, tool string) *Results {
	r := &Results{
		Schema: Schema, Tool: tool, RunID: s.RunID, Target: s.Target, Seed: int64(s.Seed),
		Scenario:  *sc,
		StartTime: s.Start.UTC(), EndTime: s.End.UTC(), DurationS: s.End.Sub(s.Start).Seconds(),
		Interrupted: s.Interrupted, StopReason: s.StopReason,
		Totals: Totals{
			Offered: s.Totals.Offered, Sent: s.Totals.Sent, Dropped: s.Totals.Dropped, Acked: s.Totals.Acked, Throttled: s.Totals.Throttled,
			Failed: s.Totals.Failed, Expired: s.Totals.Expired, Unfinished: s.Totals.Unfinished,
			Retried: s.Totals.Retried, Attempts: s.Totals.Attempts, Requests: s.Totals.Requests,
			BytesAcked: s.Totals.BytesAcked, ThrottleRatio: s.Totals.ThrottleRatio,
		},
		Latency: Latency{
			ResponseMs: PercentilesOf(s.Latency.Response),
			ServiceMs:  PercentilesOf(s.Latency.Service),
			SendLagMs:  PercentilesOf(s.Latency.SendLag),
		},
		Generator: Generator{
			LateRequests: s.Generator.LateRequests, LateWithFreeSlots: s.Generator.LateWithFreeSlots,
			MaxInFlight: s.Generator.MaxInFlight, SaturatedS: s.Generator.SaturatedS,
			Pacers: s.Generator.Pacers, Cores: s.Generator.Cores, CPUSeconds: s.Generator.CPUSeconds,
			PeakRSSBytes: s.Generator.PeakRSSBytes, MaxBacklog: s.Generator.MaxBacklog, MaxBacklogBytes: s.Generator.MaxBacklogBytes,
		},
		Series:     make([]SecondSample, len(s.Series)),
		PerShard:   make([]ShardRow, len(s.Shards)),
		Thresholds: []ThresholdResult{},
	}
	if len(s.Errors) > 0 {
		r.Errors = s.Errors
	}
	for i, x := range s.Series {
		r.Series[i] = SecondSample{
			T: x.T, Offered: x.Offered, Sent: x.Sent, Dropped: x.Dropped, PacingError: pacingError(x.Sent, x.Offered), Attempts: x.Attempts, Acked: x.Acked, Throttled: x.Throttled,
			Failed: x.Failed, Expired: x.Expired, BytesAcked: x.BytesAcked,
			MinMs: x.MinMs, MeanMs: x.MeanMs, P50Ms: x.P50Ms, P90Ms: x.P90Ms, P95Ms: x.P95Ms, P99Ms: x.P99Ms, MaxMs: x.MaxMs,
			Hist: x.Hist, ServiceHist: x.ServiceHist, InFlight: x.InFlight,
			OpenShards: x.OpenShards,
		}
	}
	for i, sh := range s.Shards {
		row := ShardRow{
			ShardID: sh.ID, StartingHashKey: sh.StartingHashKey, EndingHashKey: sh.EndingHashKey,
			Attempts: sh.Attempts, Acked: sh.Acked, BytesAcked: sh.BytesAcked, Throttled: sh.Throttled,
			ThrottledRecordsLimit: sh.ThrottledRecordsLimit, ThrottledBytesLimit: sh.ThrottledBytesLimit,
			PeakUtilization: sh.PeakUtilization, Utilization: sh.Utilization, State: sh.State,
		}
		row.ThrottledBy = throttledBy(sh.Throttled, sh.ThrottledRecordsLimit, sh.ThrottledBytesLimit)
		if t := sh.Opened.Sub(s.Start).Seconds(); !sh.Opened.IsZero() && t > 0 {
			row.OpenedS = t
		}
		if t := sh.Closed.Sub(s.Start).Seconds(); !sh.Closed.IsZero() && t > 0 {
			row.ClosedS = t
		}
		if row.Utilization == nil {
			row.Utilization = []float64{}
		}
		if len(sh.Parents) > 0 {
			row.Parents = slices.Clone(sh.Parents)
		}
		r.PerShard[i] = row
	}
	for _, ev := range s.Events {
		r.Events = append(r.Events, Event{AtS: ev.At.Seconds(), Action: ev.Action, Error: ev.Error, Skipped: ev.Skipped})
	}
	return r
}

// pacingError is (sent − offered) ÷ offered, 0 when nothing was offered.
func pacingError(sent, offered int64) float64 {
	if offered == 0 {
		return 0
	}
	return float64(sent-offered) / float64(offered)
}

// throttledBy names the limit that throttled more of a shard's throttled
// attempts, of which records and bytes are by each limit: LimitBytes, or
// LimitRecords (also when the target did not say which); "" when none
// was throttled.
func throttledBy(throttled, records, bytes int64) string {
	switch {
	case throttled == 0:
		return ""
	case bytes > records:
		return LimitBytes
	}
	return LimitRecords
}

// AddReadSeries adds the readers' per-second counts to r.Series: each
// ReadSecond's records, throttled calls and iterator age go to the sample
// of the same T (records and throttles added, the iterator age the larger
// of the two). Seconds outside r.Series (reading that went on after the
// run, in the grace period) are left out.
func AddReadSeries(r *Results, series []loadgen.ReadSecond) {
	for _, x := range series {
		if x.T < 0 || x.T >= len(r.Series) {
			continue
		}
		s := &r.Series[x.T]
		s.Read += x.Records
		s.ReadThrottles += x.Throttles
		s.IteratorAgeMaxMs = max(s.IteratorAgeMaxMs, x.IteratorAgeMaxMs)
	}
}

// PercentilesOf converts loadgen's percentiles to the artifact's, with the
// distribution encoded.
func PercentilesOf(p loadgen.Percentiles) Percentiles {
	return Percentiles{
		Count: p.Count, Min: p.Min, Mean: p.Mean, P50: p.P50, P90: p.P90, P95: p.P95, P99: p.P99, P999: p.P999, Max: p.Max,
		Hist: loadgen.EncodeHistogram(p.Hist),
	}
}

// DeliveryOf is the results block of a simulated Firehose's delivery, with
// the buffer settings of the scenario's firehose section f.
func DeliveryOf(d loadgen.Delivery, f *scenarios.Firehose) *Delivery {
	return &Delivery{
		Dir: d.Dir, BufferSizeBytes: int64(f.BufferSize), BufferIntervalS: f.BufferInterval.D().Seconds(),
		Compression: f.Compression, Accepted: d.Accepted, Delivered: d.Delivered, Unverifiable: d.Unverifiable,
		Lost: d.Lost, Duplicates: d.Duplicates, Objects: d.Objects, StoredBytes: d.StoredBytes,
		DelayMs: PercentilesOf(d.Delay),
	}
}

// E2EOf is the results block of a read-back: what was matched, the
// readers' calls, throttles and iterator age, each consumer's own
// accounting when there were several, and how long reading went on after
// the last write (grace).
func E2EOf(r loadgen.E2EResult, grace time.Duration) *E2E {
	e := &E2E{
		Read: r.Read, Lost: r.Lost, Duplicates: r.Duplicates, OutOfOrder: r.OutOfOrder, Foreign: r.Foreign,
		Unrecognised: r.Unrecognised, GraceS: grace.Seconds(),
		GetRecordsCalls: r.GetRecordsCalls, ReadThrottles: r.ReadThrottles, IteratorAgeMaxMs: r.IteratorAgeMaxMs,
		LatencyMs: PercentilesOf(r.Latency),
	}
	for _, c := range r.Consumers {
		e.Consumers = append(e.Consumers, ConsumerE2E{
			Name: c.Name, Type: c.Type, Read: c.Read, Lost: c.Lost, Duplicates: c.Duplicates, OutOfOrder: c.OutOfOrder,
			GetRecordsCalls: c.GetRecordsCalls, ReadThrottles: c.ReadThrottles, IteratorAgeMaxMs: c.IteratorAgeMaxMs,
			LatencyMs: PercentilesOf(c.Latency),
		})
	}
	return e
}

// LiveResults is the results of a run still going, from what it measured
// so far (loadgen.Config.Check): the totals, the latency distributions and
// the time elapsed, enough to evaluate thresholds on put-side metrics
// (scenarios.LiveMetric) while the run goes on. The distributions keep
// the Live's histograms as they are, not encoded (so they are valid only
// while the Live is), since this runs once a second on the recorder's
// goroutine.
func LiveResults(l loadgen.Live, sc *scenarios.Scenario) *Results {
	t := l.Totals
	dist := func(h *hdrhistogram.Histogram) Percentiles {
		p := PercentilesOf(loadgen.PercentilesOf(h))
		p.h = h
		return p
	}
	return &Results{
		Schema: Schema, Scenario: *sc, DurationS: l.Elapsed.Seconds(),
		Totals: Totals{
			Offered: t.Offered, Sent: t.Sent, Dropped: t.Dropped, Acked: t.Acked, Throttled: t.Throttled, Failed: t.Failed, Expired: t.Expired,
			Retried: t.Retried, Attempts: t.Attempts, Requests: t.Requests, BytesAcked: t.BytesAcked, ThrottleRatio: t.ThrottleRatio,
		},
		Latency: Latency{ResponseMs: dist(l.Response), ServiceMs: dist(l.Service), SendLagMs: dist(l.SendLag)},
	}
}
