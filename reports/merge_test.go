package reports

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/scenarios"
)

// sampleRun is the results of a run built from known samples: in each
// second t, the response times perSecond[t] (ms), each a settled and
// acked record on one of the two shards (alternating), and one request of
// service time and send lag per record.
func sampleRun(runID string, start time.Time, perSecond [][]float64) *Results {
	sc := scenarios.Scenario{
		Name:     "merge",
		Stream:   scenarios.Stream{Name: "spillway-merge", Shards: 2},
		Producer: scenarios.Producer{Batch: 1, MaxInFlight: 4},
		Thresholds: []scenarios.Threshold{
			{Expr: "put_latency_p99 < 500ms", Metric: "put_latency_p99", Op: "<", Value: 500},
		},
	}
	r := &Results{
		Schema: Schema, Tool: "test", RunID: runID, Target: "sim", Seed: 7, Scenario: sc,
		StartTime: start, EndTime: start.Add(time.Duration(len(perSecond)) * time.Second), DurationS: float64(len(perSecond)),
		Errors:    map[string]int64{"ProvisionedThroughputExceededException": 1},
		Generator: Generator{MaxInFlight: 2, LateRequests: 1},
	}
	resp, service, lag := loadgen.NewHistogram(), loadgen.NewHistogram(), loadgen.NewHistogram()
	shards := []ShardRow{
		{ShardID: "shardId-000000000000", StartingHashKey: "0", EndingHashKey: "1"},
		{ShardID: "shardId-000000000001", StartingHashKey: "2", EndingHashKey: "3"},
	}
	for t, samples := range perSecond {
		sec := loadgen.NewHistogram()
		s := SecondSample{T: t, InFlight: 2}
		for i, v := range samples {
			us := int64(v * 1000)
			_ = resp.RecordValue(us)
			_ = sec.RecordValue(us)
			_ = service.RecordValue(us / 2)
			_ = lag.RecordValue(1 + us/100)
			s.Offered++
			s.Attempts++
			s.Acked++
			s.BytesAcked += 100
			sh := &shards[i%2]
			sh.Attempts++
			sh.Acked++
			sh.BytesAcked += 100
		}
		p := loadgen.PercentilesOf(sec)
		s.MinMs, s.MeanMs, s.P50Ms, s.P90Ms, s.P95Ms, s.P99Ms, s.MaxMs = p.Min, p.Mean, p.P50, p.P90, p.P95, p.P99, p.Max
		s.Hist = loadgen.EncodeHistogram(sec)
		r.Series = append(r.Series, s)
		for i := range shards {
			shards[i].Utilization = append(shards[i].Utilization, float64(len(samples))/2/1000)
		}
	}
	for i := range shards {
		for _, u := range shards[i].Utilization {
			shards[i].PeakUtilization = max(shards[i].PeakUtilization, u)
		}
	}
	r.PerShard = shards
	r.Totals = Totals{Offered: resp.TotalCount(), Acked: resp.TotalCount(), Attempts: resp.TotalCount(),
		Requests: resp.TotalCount(), BytesAcked: 100 * resp.TotalCount(), Throttled: 1}
	r.Totals.ThrottleRatio = float64(r.Totals.Throttled) / float64(r.Totals.Attempts)
	r.Latency = Latency{ResponseMs: histPercentiles(resp), ServiceMs: histPercentiles(service), SendLagMs: histPercentiles(lag)}
	r.E2E = &E2E{Read: resp.TotalCount(), LatencyMs: histPercentiles(resp),
		Consumers: []ConsumerE2E{{Name: "c-0", Type: "polling", Read: resp.TotalCount(), LatencyMs: histPercentiles(resp)}}}
	r.Thresholds = Evaluate(r, sc.Thresholds)
	return r
}

func histPercentiles(h *hdrhistogram.Histogram) Percentiles {
	p := loadgen.PercentilesOf(h)
	p.Hist = h.Clone()
	return PercentilesOf(p)
}

// randomSeconds draws n seconds of lognormal response times (ms).
func randomSeconds(rng *rand.Rand, n, perSecond int, scale float64) [][]float64 {
	out := make([][]float64, n)
	for t := range out {
		for range perSecond + rng.IntN(perSecond) {
			out[t] = append(out[t], scale*(1+rng.ExpFloat64()*rng.ExpFloat64()))
		}
	}
	return out
}

// TestMergeEqualsOneHistogram is the acceptance test: two result
// files built from known samples merge into percentiles that are those of
// one histogram of all the samples, overall and second by second.
func TestMergeEqualsOneHistogram(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := randomSeconds(rng, 10, 300, 20)
	b := randomSeconds(rng, 8, 500, 45)
	// B started 2.2 s after A: its second T is A's second T+2.
	ra := sampleRun("run-a", start, a)
	rb := sampleRun("run-b", start.Add(2200*time.Millisecond), b)

	// Through the file format, as spillway merge reads them.
	parts := []Part{{"a.json", roundTrip(t, ra)}, {"b.json", roundTrip(t, rb)}}
	got, err := Merge(parts...)
	if err != nil {
		t.Fatal(err)
	}

	all := loadgen.NewHistogram()
	perSec := make([]*hdrhistogram.Histogram, 10)
	for i := range perSec {
		perSec[i] = loadgen.NewHistogram()
	}
	for off, run := range map[int][][]float64{0: a, 2: b} {
		for t, samples := range run {
			for _, v := range samples {
				_ = all.RecordValue(int64(v * 1000))
				_ = perSec[t+off].RecordValue(int64(v * 1000))
			}
		}
	}
	want := loadgen.PercentilesOf(all)
	gotP := got.Latency.ResponseMs
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"count", float64(gotP.Count), float64(want.Count)}, {"min", gotP.Min, want.Min}, {"mean", gotP.Mean, want.Mean},
		{"p50", gotP.P50, want.P50}, {"p90", gotP.P90, want.P90}, {"p95", gotP.P95, want.P95},
		{"p99", gotP.P99, want.P99}, {"p99.9", gotP.P999, want.P999}, {"max", gotP.Max, want.Max},
		{"p(99.5)", gotP.Percentile(99.5), float64(all.ValueAtQuantile(99.5)) / 1000},
	} {
		if c.got != c.want {
			t.Errorf("merged response %s = %g, one histogram of all samples gives %g", c.name, c.got, c.want)
		}
	}
	if got.E2E == nil || got.E2E.LatencyMs.P99 != want.P99 || len(got.E2E.Consumers) != 1 || got.E2E.Consumers[0].LatencyMs.P50 != want.P50 {
		t.Errorf("merged e2e = %+v, want p99 %g and one consumer", got.E2E, want.P99)
	}

	if len(got.Series) != 10 {
		t.Fatalf("merged series has %d seconds, want 10 (A's 10, B's 8 from second 2)", len(got.Series))
	}
	for i, s := range got.Series {
		w := loadgen.PercentilesOf(perSec[i])
		if s.T != i || s.Acked != perSec[i].TotalCount() || s.P50Ms != w.P50 || s.P95Ms != w.P95 || s.P99Ms != w.P99 || s.MaxMs != w.Max || s.MeanMs != w.Mean {
			t.Errorf("second %d = {T %d acked %d p50 %g p95 %g p99 %g max %g}, want {acked %d p50 %g p95 %g p99 %g max %g}",
				i, s.T, s.Acked, s.P50Ms, s.P95Ms, s.P99Ms, s.MaxMs, perSec[i].TotalCount(), w.P50, w.P95, w.P99, w.Max)
		}
	}

	tot := got.Totals
	if tot.Offered != ra.Totals.Offered+rb.Totals.Offered || tot.Throttled != 2 || got.Errors["ProvisionedThroughputExceededException"] != 2 {
		t.Errorf("merged totals = %+v, errors %v", tot, got.Errors)
	}
	if want := float64(2) / float64(tot.Attempts); tot.ThrottleRatio != want {
		t.Errorf("throttle ratio = %g, want %g", tot.ThrottleRatio, want)
	}
	if len(got.PerShard) != 2 || got.PerShard[0].Acked+got.PerShard[1].Acked != tot.Acked {
		t.Errorf("per-shard rows = %+v", got.PerShard)
	}
	// Shard 0's utilisation in second 3 is A's plus B's (B's second 1).
	if u, w := got.PerShard[0].Utilization[3], ra.PerShard[0].Utilization[3]+rb.PerShard[0].Utilization[1]; u != w {
		t.Errorf("shard 0 utilisation in second 3 = %g, want %g", u, w)
	}
	if got.RunID != "" || len(got.Parts) != 2 || got.Parts[1].File != "b.json" || got.Parts[1].OffsetS != 2.2 {
		t.Errorf("run id %q, parts %+v", got.RunID, got.Parts)
	}
	if !got.StartTime.Equal(start) || got.DurationS != 10.2 {
		t.Errorf("start %v, duration %g s", got.StartTime, got.DurationS)
	}
	if len(got.Thresholds) != 1 || got.Thresholds[0].Value != want.P99 {
		t.Errorf("thresholds = %+v, want put_latency_p99 evaluated on the whole (%g)", got.Thresholds, want.P99)
	}
	if got.Generator.MaxInFlight != 4 {
		t.Errorf("max in flight = %d, want 2 + 2 in the seconds both ran", got.Generator.MaxInFlight)
	}
}

// TestMergeOneIsIdentity: merging a single run gives it back, but for the
// list of parts and the cost, which the caller prices again.
func TestMergeOneIsIdentity(t *testing.T) {
	r := sampleRun("run-a", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), randomSeconds(rand.New(rand.NewPCG(3, 4)), 5, 100, 10))
	got, err := Merge(Part{"a.json", roundTrip(t, r)})
	if err != nil {
		t.Fatal(err)
	}
	got.Parts = nil
	if !reflect.DeepEqual(got, r) {
		var a, b bytes.Buffer
		_ = got.Write(&a)
		_ = r.Write(&b)
		al, bl := strings.Split(a.String(), "\n"), strings.Split(b.String(), "\n")
		for i := range min(len(al), len(bl)) {
			if al[i] != bl[i] {
				t.Fatalf("merge of one run differs at line %d:\ngot  %s\nwant %s", i+1, al[i], bl[i])
			}
		}
		t.Errorf("merge of one run differs: %d lines, want %d", len(al), len(bl))
	}
}

func TestMergeRefuses(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	base := func() *Results { return sampleRun("a", start, [][]float64{{1, 2, 3}}) }
	v1 := base()
	v1.Schema = SchemaV1
	other := base()
	other.Scenario.Name = "other"
	kinesis := base()
	kinesis.Target = "kinesis"
	corrupt := base()
	corrupt.Latency.ServiceMs.Hist = "HISTFAAAAA=="
	short := base()
	short.Latency.ResponseMs.Count++
	for _, tt := range []struct {
		name string
		r    *Results
		want string
	}{
		{"v1", v1, "schema spillway.results/v1 has no histograms"},
		{"scenario", other, `b.json runs "other"`},
		{"target", kinesis, "against kinesis"},
		{"corrupt", corrupt, "b.json: latency.service_ms: histogram"},
		{"count", short, "holds 3 samples, count says 4"},
	} {
		_, err := Merge(Part{"a.json", base()}, Part{"b.json", tt.r})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Merge error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge of nothing succeeded")
	}
}

// roundTrip writes r as a results file and reads it back.
func roundTrip(t *testing.T, r *Results) *Results {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read("r.json", &buf)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestLiveResults: a run still going is measured from the recorder's own
// histograms, read as they are rather than encoded once a second.
func TestLiveResults(t *testing.T) {
	h := loadgen.NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		_ = h.RecordValue(v * 1000) // 1 ms to 1 s
	}
	sc := &scenarios.Scenario{Name: "live"}
	r := LiveResults(loadgen.Live{Elapsed: 3 * time.Second, Response: h, Service: loadgen.NewHistogram(), SendLag: loadgen.NewHistogram()}, sc)
	if r.Latency.ResponseMs.Hist != "" {
		t.Error("LiveResults encoded a histogram")
	}
	v, ok := MetricValue(r, "put_latency_p(99.5)")
	if want := float64(h.ValueAtQuantile(99.5)) / 1000; !ok || v != want {
		t.Errorf("put_latency_p(99.5) = %g, %v; want %g", v, ok, want)
	}
	if r.Latency.ResponseMs.P50 == 0 || r.DurationS != 3 {
		t.Errorf("live results %+v, duration %g s", r.Latency.ResponseMs, r.DurationS)
	}
}
