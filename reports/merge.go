package reports

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/loadgen"
)

// Part is one results file handed to Merge: Name says where it came from
// in errors and in Results.Parts.
type Part struct {
	Name    string
	Results *Results
}

// MergedPart is one of the results a merged file was made from.
type MergedPart struct {
	// File is where the part was read from.
	File  string `json:"file"`
	RunID string `json:"run_id"`
	Seed  int64  `json:"seed"`
	// OffsetS is how long after the earliest part this one started, in
	// seconds: its second T is the merged second T + round(OffsetS).
	OffsetS float64 `json:"offset_s"`
	// DurationS is the part's own wall time, in seconds.
	DurationS float64 `json:"duration_s"`
}

// Merge combines the results of parts of one load — segments of a run, or
// the same scenario played at once from several machines against one
// stream — into the results of the whole, exactly where the parts allow:
//
//   - counts (totals, errors, per-shard, read-back, delivery) are summed;
//   - distributions are merged from their histograms, so every percentile
//     is the one of a single histogram of all the samples (HdrHistogram's
//     3 significant figures);
//   - the per-second series are aligned by wall-clock second: a part's
//     second T goes to the merged second it overlaps most,
//     T + round(its start − the earliest start), and the seconds' counts
//     and histograms are added (so a second's percentiles are exact too),
//     the requests in flight added, open shards and iterator age the
//     larger;
//   - per-shard rows are joined by shard id, their per-second utilisation
//     added second by second; when a part has no per-second utilisation
//     (streams of more than 256 shards) the peak is the sum of the parts'
//     peaks, an upper bound;
//   - events are the parts' events on the merged clock, each once.
//
// The parts must be of this version of the format (version 1 files have
// no histograms), of the same scenario and target. The merged results
// have the first part's scenario, thresholds evaluated again, and no cost
// (the caller prices the whole; RunCostOf). Merge of one part gives that
// part back, but for Parts.
func Merge(parts ...Part) (*Results, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge: no results to merge")
	}
	first := parts[0].Results
	for _, p := range parts {
		r := p.Results
		switch {
		case r.Schema != Schema:
			return nil, fmt.Errorf("%s: schema %s has no histograms to merge exactly; only %s files can be merged (run it again with this spillway)", p.Name, r.Schema, Schema)
		case r.Scenario.Name != first.Scenario.Name:
			return nil, fmt.Errorf("%s runs scenario %q, %s runs %q: merge combines parts of one load", parts[0].Name, first.Scenario.Name, p.Name, r.Scenario.Name)
		case r.Target != first.Target:
			return nil, fmt.Errorf("%s ran against %s, %s against %s: merge combines parts of one load", parts[0].Name, first.Target, p.Name, r.Target)
		}
	}

	start := first.StartTime
	end := first.EndTime
	for _, p := range parts[1:] {
		if p.Results.StartTime.Before(start) {
			start = p.Results.StartTime
		}
		if p.Results.EndTime.After(end) {
			end = p.Results.EndTime
		}
	}
	m := &mergeState{parts: parts, start: start}
	out := &Results{
		Schema: Schema, Tool: first.Tool, RunID: first.RunID, Target: first.Target, Seed: first.Seed,
		Scenario:  first.Scenario,
		StartTime: start, EndTime: end, DurationS: end.Sub(start).Seconds(),
		DurationOverrideS: first.DurationOverrideS,
		Thresholds:        []ThresholdResult{},
	}
	var reasons []string
	for _, p := range parts {
		r := p.Results
		off := r.StartTime.Sub(start).Seconds()
		m.offsets = append(m.offsets, int(math.Round(off)))
		out.Parts = append(out.Parts, MergedPart{File: p.Name, RunID: r.RunID, Seed: r.Seed, OffsetS: off, DurationS: r.DurationS})
		if r.RunID != out.RunID {
			out.RunID = ""
		}
		if r.Seed != out.Seed {
			out.Seed = 0
		}
		if r.Interrupted {
			out.Interrupted = true
			if r.StopReason != "" && !slices.Contains(reasons, r.StopReason) {
				reasons = append(reasons, r.StopReason)
			}
		}
		addTotals(&out.Totals, r.Totals)
		g := r.Generator
		out.Generator.LateRequests += g.LateRequests
		out.Generator.LateWithFreeSlots += g.LateWithFreeSlots
		// The parts ran as separate processes (or machines): their
		// resources add up, their limits too.
		out.Generator.Pacers += g.Pacers
		out.Generator.Cores += g.Cores
		out.Generator.CPUSeconds += g.CPUSeconds
		out.Generator.PeakRSSBytes += g.PeakRSSBytes
		out.Generator.MaxBacklog += g.MaxBacklog
		out.Generator.MaxBacklogBytes += g.MaxBacklogBytes
		for code, n := range r.Errors {
			if out.Errors == nil {
				out.Errors = map[string]int64{}
			}
			out.Errors[code] += n
		}
	}
	out.StopReason = strings.Join(reasons, "; ")
	if out.Totals.Attempts > 0 {
		out.Totals.ThrottleRatio = float64(out.Totals.Throttled) / float64(out.Totals.Attempts)
	}

	var err error
	for _, d := range []struct {
		field, dist string
		p           *Percentiles
	}{
		{"latency.response_ms", "put_latency", &out.Latency.ResponseMs},
		{"latency.service_ms", "service_latency", &out.Latency.ServiceMs},
		{"latency.send_lag_ms", "send_lag", &out.Latency.SendLagMs},
	} {
		if *d.p, err = m.distribution(d.field, distributions[d.dist]); err != nil {
			return nil, err
		}
	}
	if out.Series, err = m.series(); err != nil {
		return nil, err
	}
	out.Generator.MaxInFlight, out.Generator.SaturatedS = m.generator(len(out.Series))
	out.PerShard = m.shards(len(out.Series))
	out.Events = m.events()
	if out.Delivery, err = m.delivery(); err != nil {
		return nil, err
	}
	if out.E2E, err = m.e2e(); err != nil {
		return nil, err
	}
	out.Thresholds = Evaluate(out, out.Scenario.Thresholds)
	return out, nil
}

// mergeState is what Merge works from: the parts, and each part's offset
// in whole seconds from the earliest start.
type mergeState struct {
	parts   []Part
	start   time.Time // the earliest part's start
	offsets []int
}

func addTotals(t *Totals, x Totals) {
	t.Offered += x.Offered
	t.Sent += x.Sent
	t.Dropped += x.Dropped
	t.Acked += x.Acked
	t.Throttled += x.Throttled
	t.Failed += x.Failed
	t.Expired += x.Expired
	t.Unfinished += x.Unfinished
	t.Retried += x.Retried
	t.Attempts += x.Attempts
	t.Requests += x.Requests
	t.BytesAcked += x.BytesAcked
}

// distribution merges the distribution get picks from each part that has
// it (get returns nil when a part lacks it).
func (m *mergeState) distribution(field string, get func(*Results) *Percentiles) (Percentiles, error) {
	h := loadgen.NewHistogram()
	for _, p := range m.parts {
		d := get(p.Results)
		if d == nil {
			continue
		}
		if err := mergeInto(h, d); err != nil {
			return Percentiles{}, fmt.Errorf("%s: %s: %w", p.Name, field, err)
		}
	}
	return percentilesOfHist(h), nil
}

// mergeInto adds d's histogram to h.
func mergeInto(h *hdrhistogram.Histogram, d *Percentiles) error {
	x, err := d.Histogram()
	if err != nil {
		return err
	}
	if dropped := h.Merge(x); dropped > 0 {
		return fmt.Errorf("%d samples outside the histogram's range", dropped)
	}
	return nil
}

// percentilesOfHist is the Percentiles of h, with h encoded.
func percentilesOfHist(h *hdrhistogram.Histogram) Percentiles {
	p := loadgen.PercentilesOf(h)
	p.Hist = h
	return PercentilesOf(p)
}

// series aligns the parts' per-second series and adds them up.
func (m *mergeState) series() ([]SecondSample, error) {
	n := 0
	for i, p := range m.parts {
		n = max(n, m.offsets[i]+len(p.Results.Series))
	}
	out := make([]SecondSample, n)
	hists := make([]*hdrhistogram.Histogram, n)
	service := make([]*hdrhistogram.Histogram, n)
	for t := range out {
		out[t].T = t
	}
	for i, p := range m.parts {
		for _, s := range p.Results.Series {
			t := m.offsets[i] + s.T
			if t < 0 || t >= n {
				continue
			}
			o := &out[t]
			o.Offered += s.Offered
			o.Sent += s.Sent
			o.Dropped += s.Dropped
			o.Attempts += s.Attempts
			o.Acked += s.Acked
			o.Throttled += s.Throttled
			o.Failed += s.Failed
			o.Expired += s.Expired
			o.BytesAcked += s.BytesAcked
			o.InFlight += s.InFlight
			o.Read += s.Read
			o.ReadThrottles += s.ReadThrottles
			o.IteratorAgeMaxMs = max(o.IteratorAgeMaxMs, s.IteratorAgeMaxMs)
			o.OpenShards = max(o.OpenShards, s.OpenShards)
			if err := mergeSecond(&hists[t], s.Hist); err != nil {
				return nil, fmt.Errorf("%s: series second %d: %w", p.Name, s.T, err)
			}
			if err := mergeSecond(&service[t], s.ServiceHist); err != nil {
				return nil, fmt.Errorf("%s: series second %d: service: %w", p.Name, s.T, err)
			}
		}
	}
	// Files written before spillway counted sent records have none: their
	// pacing error is unknown, not -100%.
	counted := true
	for _, p := range m.parts {
		counted = counted && (p.Results.Totals.Sent > 0 || p.Results.Totals.Attempts == 0)
	}
	for t := range out {
		if counted {
			out[t].PacingError = pacingError(out[t].Sent, out[t].Offered)
		}
	}
	for t, h := range service {
		out[t].ServiceHist = loadgen.EncodeHistogram(h)
	}
	for t, h := range hists {
		if h == nil {
			continue
		}
		p := loadgen.PercentilesOf(h)
		o := &out[t]
		o.MinMs, o.MeanMs, o.P50Ms, o.P90Ms, o.P95Ms, o.P99Ms, o.MaxMs = p.Min, p.Mean, p.P50, p.P90, p.P95, p.P99, p.Max
		o.Hist = loadgen.EncodeHistogram(h)
	}
	return out, nil
}

// mergeSecond adds the encoded histogram enc to *h, which it sets when
// nil; "" adds nothing.
func mergeSecond(h **hdrhistogram.Histogram, enc string) error {
	if enc == "" {
		return nil
	}
	x, err := loadgen.DecodeHistogram(enc)
	if err != nil {
		return err
	}
	if *h == nil {
		*h = x
	} else {
		(*h).Merge(x)
	}
	return nil
}

// generator is the merged run's most requests in flight (the largest sum
// over a second of the parts' per-second peaks: at most that many were in
// flight at once) and its saturated seconds (those in which some part had
// every one of its in-flight slots taken).
func (m *mergeState) generator(seconds int) (maxInFlight, saturated int) {
	inFlight := make([]int, seconds)
	sat := make([]bool, seconds)
	for i, p := range m.parts {
		limit := p.Results.Scenario.Producer.MaxInFlight
		for _, s := range p.Results.Series {
			t := m.offsets[i] + s.T
			if t < 0 || t >= seconds {
				continue
			}
			inFlight[t] += s.InFlight
			if limit > 0 && s.InFlight >= limit {
				sat[t] = true
			}
		}
		if len(p.Results.Series) == 0 {
			maxInFlight = max(maxInFlight, p.Results.Generator.MaxInFlight)
			saturated = max(saturated, p.Results.Generator.SaturatedS)
		}
	}
	for t := range seconds {
		maxInFlight = max(maxInFlight, inFlight[t])
		if sat[t] {
			saturated++
		}
	}
	return maxInFlight, saturated
}

// shards joins the parts' per-shard rows by shard id.
func (m *mergeState) shards(seconds int) []ShardRow {
	type acc struct {
		row      ShardRow
		end      time.Time // end of the part the row's state came from
		peakSum  float64
		noSeries bool
	}
	byID := map[string]*acc{}
	var order []string
	for i, p := range m.parts {
		r := p.Results
		shift := r.StartTime.Sub(m.start).Seconds()
		for _, sh := range r.PerShard {
			a, ok := byID[sh.ShardID]
			if !ok {
				a = &acc{row: ShardRow{ShardID: sh.ShardID, Utilization: make([]float64, seconds)}}
				byID[sh.ShardID] = a
				order = append(order, sh.ShardID)
			}
			row := &a.row
			row.Attempts += sh.Attempts
			row.Acked += sh.Acked
			row.BytesAcked += sh.BytesAcked
			row.Throttled += sh.Throttled
			row.ThrottledRecordsLimit += sh.ThrottledRecordsLimit
			row.ThrottledBytesLimit += sh.ThrottledBytesLimit
			a.peakSum += sh.PeakUtilization
			if len(sh.Utilization) == 0 && len(r.Series) > 0 {
				a.noSeries = true
			}
			for t, u := range sh.Utilization {
				if j := m.offsets[i] + t; j >= 0 && j < seconds {
					row.Utilization[j] += u
				}
			}
			// What the shard is and where it came from, from the part that
			// saw the most of it: the one that ended last.
			if row.StartingHashKey == "" || r.EndTime.After(a.end) {
				row.StartingHashKey, row.EndingHashKey = sh.StartingHashKey, sh.EndingHashKey
				row.Parents = slices.Clone(sh.Parents)
				row.State = sh.State
				a.end = r.EndTime
			}
			// The parts saw the same shard open and close, each on its own
			// clock: the earliest opening and the latest closing they saw.
			if sh.OpenedS > 0 && (row.OpenedS == 0 || sh.OpenedS+shift < row.OpenedS) {
				row.OpenedS = sh.OpenedS + shift
			}
			if sh.ClosedS > 0 {
				row.ClosedS = max(row.ClosedS, sh.ClosedS+shift)
			}
		}
	}
	out := make([]ShardRow, 0, len(order))
	for _, id := range order {
		a := byID[id]
		row := a.row
		row.ThrottledBy = throttledBy(row.Throttled, row.ThrottledRecordsLimit, row.ThrottledBytesLimit)
		if a.noSeries {
			row.Utilization = []float64{}
			row.PeakUtilization = a.peakSum
		} else {
			for _, u := range row.Utilization {
				row.PeakUtilization = max(row.PeakUtilization, u)
			}
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out, func(a, b ShardRow) int {
		if c := cmp.Compare(len(a.StartingHashKey), len(b.StartingHashKey)); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.StartingHashKey, b.StartingHashKey), strings.Compare(a.ShardID, b.ShardID))
	})
	return out
}

// events are the parts' events on the merged clock, each once, in time
// order.
func (m *mergeState) events() []Event {
	var out []Event
	for i, p := range m.parts {
		for _, ev := range p.Results.Events {
			ev.AtS += float64(m.offsets[i])
			if !slices.Contains(out, ev) {
				out = append(out, ev)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int { return cmp.Compare(a.AtS, b.AtS) })
	return out
}

// delivery adds up the parts' Firehose deliveries; nil when none has one.
func (m *mergeState) delivery() (*Delivery, error) {
	var out *Delivery
	for _, p := range m.parts {
		d := p.Results.Delivery
		if d == nil {
			continue
		}
		if out == nil {
			out = &Delivery{Dir: d.Dir, BufferSizeBytes: d.BufferSizeBytes, BufferIntervalS: d.BufferIntervalS, Compression: d.Compression}
		}
		if d.Dir != out.Dir {
			out.Dir = ""
		}
		out.Accepted += d.Accepted
		out.Delivered += d.Delivered
		out.Unverifiable += d.Unverifiable
		out.Lost += d.Lost
		out.Duplicates += d.Duplicates
		out.Objects += d.Objects
		out.StoredBytes += d.StoredBytes
	}
	if out == nil {
		return nil, nil
	}
	var err error
	out.DelayMs, err = m.distribution("delivery.delay_ms", distributions["delivery_delay"])
	return out, err
}

// e2e adds up the parts' read-backs, consumer by consumer; nil when none
// was read back. Each part matched only its own records, so the counts
// add up without double counting.
func (m *mergeState) e2e() (*E2E, error) {
	var out *E2E
	var names []string
	consumers := map[string]*ConsumerE2E{}
	for _, p := range m.parts {
		x := p.Results.E2E
		if x == nil {
			continue
		}
		if out == nil {
			out = &E2E{}
		}
		out.Read += x.Read
		out.Lost += x.Lost
		out.Duplicates += x.Duplicates
		out.OutOfOrder += x.OutOfOrder
		out.Foreign += x.Foreign
		out.Unrecognised += x.Unrecognised
		out.GraceS = max(out.GraceS, x.GraceS)
		out.GetRecordsCalls += x.GetRecordsCalls
		out.ReadThrottles += x.ReadThrottles
		out.IteratorAgeMaxMs = max(out.IteratorAgeMaxMs, x.IteratorAgeMaxMs)
		for _, c := range x.Consumers {
			acc, ok := consumers[c.Name]
			if !ok {
				acc = &ConsumerE2E{Name: c.Name, Type: c.Type}
				consumers[c.Name] = acc
				names = append(names, c.Name)
			}
			acc.Read += c.Read
			acc.Lost += c.Lost
			acc.Duplicates += c.Duplicates
			acc.OutOfOrder += c.OutOfOrder
			acc.GetRecordsCalls += c.GetRecordsCalls
			acc.ReadThrottles += c.ReadThrottles
			acc.IteratorAgeMaxMs = max(acc.IteratorAgeMaxMs, c.IteratorAgeMaxMs)
		}
	}
	if out == nil {
		return nil, nil
	}
	var err error
	out.LatencyMs, err = m.distribution("e2e.latency_ms", distributions["e2e_latency"])
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		c := consumers[name]
		c.LatencyMs, err = m.distribution("e2e.consumers["+name+"].latency_ms", func(r *Results) *Percentiles {
			if r.E2E == nil {
				return nil
			}
			for i := range r.E2E.Consumers {
				if r.E2E.Consumers[i].Name == name {
					return &r.E2E.Consumers[i].LatencyMs
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out.Consumers = append(out.Consumers, *c)
	}
	return out, nil
}
