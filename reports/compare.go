package reports

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/montanaflynn/stats"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/scenarios"
)

// CompareSchema is the value of Comparison.Schema.
const CompareSchema = "spillway.compare/v1"

// Verdicts of a Check.
const (
	// VerdictOK: the metric did not get worse by more than its tolerance.
	VerdictOK = "ok"
	// VerdictRegression: it got worse by more than its tolerance and, where
	// a per-second series could tell, the change is more than noise.
	VerdictRegression = "regression"
	// VerdictNoise: it got worse by more than its tolerance, but the
	// per-second series say the two runs cannot be told apart: not failed.
	VerdictNoise = "noise"
	// VerdictImproved: it got better by more than its tolerance, and not
	// by noise.
	VerdictImproved = "improved"
	// VerdictInfo: shown, not checked (tolerance off).
	VerdictInfo = "info"
)

// Where a Check's tolerance came from.
const (
	ToleranceFromDefault  = "default"
	ToleranceFromScenario = "scenario"
	ToleranceFromFlag     = "flag"
)

// CompareOptions tune Compare. The zero value is the defaults.
type CompareOptions struct {
	// Tolerances override the current run's scenario (its compare
	// section) and the defaults, metric by metric; from --tolerance.
	Tolerances scenarios.Tolerances
	// Confidence is the confidence level of the per-second test, between
	// 0.5 and 1 exclusive; 0 means 0.95.
	Confidence float64
	// BaselineName and CurrentName name the two files in the report.
	BaselineName, CurrentName string
}

// Comparison is a baseline run and a current run side by side, metric by
// metric, with a verdict: the artifact of spillway compare.
type Comparison struct {
	// Schema is CompareSchema.
	Schema   string     `json:"schema"`
	Baseline CompareRun `json:"baseline"`
	Current  CompareRun `json:"current"`
	// Confidence is the confidence level of the per-second tests.
	Confidence float64 `json:"confidence"`
	// Checks is every metric measured in both runs: regressions first,
	// then in the catalogue's order.
	Checks []Check `json:"checks"`
	// Missing is the metrics measured in only one of the runs (a run
	// read back against one that was not, say): not checked.
	Missing []string `json:"missing,omitempty"`
	// Series describes the per-second series of both runs.
	Series []SeriesStats `json:"series"`
	// Spectra are the runs' latency distributions side by side, by
	// percentile, for the page's charts.
	Spectra []CompareSpectrum `json:"spectra,omitempty"`
	// Warnings say why the two runs may not be like for like.
	Warnings []string `json:"warnings,omitempty"`
	// Regressions is how many checks have VerdictRegression; Pass is true
	// when there are none.
	Regressions int  `json:"regressions"`
	Pass        bool `json:"pass"`
}

// CompareRun identifies one side of a comparison.
type CompareRun struct {
	File      string  `json:"file"`
	RunID     string  `json:"run_id"`
	Scenario  string  `json:"scenario"`
	Target    string  `json:"target"`
	Seed      int64   `json:"seed"`
	StartTime string  `json:"start_time"`
	DurationS float64 `json:"duration_s"`
}

// Check is one metric compared.
type Check struct {
	Metric string `json:"metric"`
	Unit   string `json:"unit"`
	// Worse is scenarios.WorseHigher or WorseLower ("" for the load).
	Worse string `json:"worse,omitempty"`
	// Baseline and Current are the metric's values, in Unit.
	Baseline float64 `json:"baseline"`
	Current  float64 `json:"current"`
	// Delta is Current − Baseline; Relative is Delta ÷ Baseline, absent
	// when the baseline is 0.
	Delta    float64  `json:"delta"`
	Relative *float64 `json:"relative,omitempty"`
	// Tolerance is what the metric was allowed, and ToleranceFrom where
	// that came from (default, scenario or flag).
	Tolerance     scenarios.Tolerance `json:"tolerance"`
	ToleranceFrom string              `json:"tolerance_from"`
	// Test is the per-second test of the change; absent for a metric
	// without a per-second series (most counts, service latency, e2e).
	Test *SeriesTest `json:"test,omitempty"`
	// Verdict is one of the Verdict constants; Reason says it in words.
	Verdict string `json:"verdict"`
	Reason  string `json:"reason"`
}

// SeriesTest is a moving-block bootstrap of the per-second differences
// between the runs (current − baseline, second T against second T, over
// the seconds both measured): whether the change is more than the noise
// of either run.
type SeriesTest struct {
	// Series names the per-second series tested, e.g. "p99 per second".
	Series string `json:"series"`
	// Seconds is how many seconds were paired; BlockS the block length of
	// the bootstrap, in seconds.
	Seconds int `json:"seconds"`
	BlockS  int `json:"block_s"`
	// MeanDelta is the mean per-second difference, in the metric's unit;
	// Low and High bound it at the comparison's confidence.
	MeanDelta float64 `json:"mean_delta"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	// Worse and Better say whether the interval lies wholly on the
	// metric's worse or better side of zero.
	Worse  bool `json:"worse"`
	Better bool `json:"better"`
}

// SeriesStats summarises one per-second series of both runs.
type SeriesStats struct {
	Name     string      `json:"name"`
	Unit     string      `json:"unit"`
	Baseline SeriesStat  `json:"baseline"`
	Current  SeriesStat  `json:"current"`
	Test     *SeriesTest `json:"test,omitempty"`
}

// SeriesStat is the mean, sample standard deviation and percentiles of a
// per-second series; Seconds 0 when the run has none.
type SeriesStat struct {
	Seconds int     `json:"seconds"`
	Mean    float64 `json:"mean"`
	StdDev  float64 `json:"stddev"`
	P5      float64 `json:"p5"`
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	// Points are the series itself: [second, value] for each second that
	// has a value.
	Points [][2]float64 `json:"points"`
}

// CompareSpectrum is one latency distribution of both runs by percentile:
// points [1 ÷ (1 − q), value in ms], from the minimum (at 1) to the
// maximum; absent points for a run without the distribution.
type CompareSpectrum struct {
	Name     string       `json:"name"`
	Baseline [][2]float64 `json:"baseline"`
	Current  [][2]float64 `json:"current"`
}

// minPairedSeconds is the fewest seconds both runs must have measured for
// a per-second test: fewer say nothing about noise.
const minPairedSeconds = 5

// Compare sets current against baseline. Every metric measured in both is
// a Check: its values, the change, the tolerance (opts.Tolerances, else the
// current scenario's compare section, else the metric's default) and a
// verdict. A metric that got worse by more than its tolerance is a
// regression, unless its per-second series — where it has one: throughput,
// throttle and error ratios, put latency second by second — shows that the
// difference is within the noise of the two runs (VerdictNoise). The
// per-second test pairs second T of one run with second T of the other and
// bootstraps the mean difference in blocks, so a ramp both runs share
// cancels out and the seconds' correlation is kept; it is seeded, so a
// comparison is repeatable.
func Compare(baseline, current *Results, opts CompareOptions) (*Comparison, error) {
	if opts.Confidence == 0 {
		opts.Confidence = 0.95
	}
	if !(opts.Confidence >= 0.5 && opts.Confidence < 1) {
		return nil, fmt.Errorf("confidence %g: want a level between 0.5 and 1, e.g. 0.95", opts.Confidence)
	}
	c := &Comparison{
		Schema:     CompareSchema,
		Baseline:   compareRun(opts.BaselineName, baseline),
		Current:    compareRun(opts.CurrentName, current),
		Confidence: opts.Confidence,
		Checks:     []Check{},
	}
	c.Warnings = likeForLike(baseline, current)
	bs := bootstrap{confidence: opts.Confidence}
	cache := secondCache{}

	names := scenarios.MetricNames()
	for _, t := range append(slices.Clone(current.Scenario.Compare), opts.Tolerances...) {
		if !slices.Contains(names, t.Metric) {
			names = append(names, t.Metric)
		}
	}
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(metricOrder(a), metricOrder(b)) })
	for _, name := range names {
		info, ok := scenarios.LookupMetric(name)
		if !ok {
			return nil, fmt.Errorf("compare: unknown metric %q", name)
		}
		b, _ := MetricValue(baseline, name)
		cur, _ := MetricValue(current, name)
		switch bNaN, cNaN := math.IsNaN(b), math.IsNaN(cur); {
		case bNaN && cNaN:
			continue
		case bNaN:
			c.Missing = append(c.Missing, name+" (not in the baseline)")
			continue
		case cNaN:
			c.Missing = append(c.Missing, name+" (not in the current run)")
			continue
		}
		ch := Check{Metric: info.Name, Unit: string(info.Unit), Worse: info.Worse, Baseline: b, Current: cur, Delta: cur - b}
		if b != 0 {
			rel := ch.Delta / math.Abs(b)
			ch.Relative = &rel
		}
		ch.Tolerance, ch.ToleranceFrom = toleranceFor(info.Name, current.Scenario.Compare, opts.Tolerances)
		if s, ok := cache.perSecondSeries(info.Name); ok {
			ch.Test = bs.test(s.name, s.values(baseline), s.values(current), info.Worse, info.Name)
		}
		ch.Verdict, ch.Reason = judge(ch)
		if ch.Verdict == VerdictRegression {
			c.Regressions++
		}
		c.Checks = append(c.Checks, ch)
	}
	slices.SortStableFunc(c.Checks, func(a, b Check) int {
		return cmp.Compare(verdictRank(a.Verdict), verdictRank(b.Verdict))
	})
	for _, s := range cache.summarySeries() {
		b, cur := s.values(baseline), s.values(current)
		c.Series = append(c.Series, SeriesStats{Name: s.name, Unit: s.unit, Baseline: seriesStat(b), Current: seriesStat(cur),
			Test: bs.test(s.name, b, cur, s.worse, s.name)})
	}
	for _, d := range []struct{ name, dist string }{{"put latency", "put_latency"}, {"service latency", "service_latency"}} {
		get := distributions[d.dist]
		sp := CompareSpectrum{Name: d.name, Baseline: spectrumPoints(*get(baseline)), Current: spectrumPoints(*get(current))}
		if len(sp.Baseline)+len(sp.Current) > 0 {
			c.Spectra = append(c.Spectra, sp)
		}
	}
	c.Pass = c.Regressions == 0
	return c, nil
}

// spectrumPoints is the percentile spectrum of p as JSON-friendly points.
func spectrumPoints(p Percentiles) [][2]float64 {
	xys, _ := spectrum(p)
	out := make([][2]float64, len(xys))
	for i, xy := range xys {
		out[i] = [2]float64{xy.X, xy.Y}
	}
	return out
}

func compareRun(name string, r *Results) CompareRun {
	return CompareRun{File: name, RunID: r.RunID, Scenario: r.Scenario.Name, Target: r.Target, Seed: r.Seed,
		StartTime: r.StartTime.UTC().Format("2006-01-02T15:04:05Z"), DurationS: r.DurationS}
}

// likeForLike says what differs between the runs beyond their outcome.
func likeForLike(b, c *Results) []string {
	var w []string
	if b.Scenario.Name != c.Scenario.Name {
		w = append(w, fmt.Sprintf("the runs are of different scenarios (%q and %q)", b.Scenario.Name, c.Scenario.Name))
	}
	if b.Target != c.Target {
		w = append(w, fmt.Sprintf("the runs loaded different targets (%s and %s)", b.Target, c.Target))
	}
	bo, _ := MetricValue(b, "offered_per_s")
	co, _ := MetricValue(c, "offered_per_s")
	if bo > 0 && math.Abs(co-bo)/bo > 0.05 {
		w = append(w, fmt.Sprintf("the runs offered different loads (%s and %s records/s): the comparison is not like for like", num(bo), num(co)))
	}
	if b.DurationS > 0 && math.Abs(c.DurationS-b.DurationS)/b.DurationS > 0.1 {
		w = append(w, fmt.Sprintf("the runs lasted %.1f s and %.1f s: counts are not comparable, rates and ratios are", b.DurationS, c.DurationS))
	}
	if b.Interrupted || c.Interrupted {
		w = append(w, "a run was interrupted: its figures cover only part of the scenario")
	}
	for _, x := range []struct {
		what string
		r    *Results
	}{{"baseline", b}, {"current run", c}} {
		if x.r.Schema == SchemaV1 {
			w = append(w, "the "+x.what+" is a "+SchemaV1+" file: percentiles other than the fixed ones, and the per-second test of p99.9, are not available")
		}
	}
	return w
}

// toleranceFor is the tolerance of metric and where it came from.
func toleranceFor(metric string, scenario, flags scenarios.Tolerances) (scenarios.Tolerance, string) {
	if t, ok := flags.Find(metric); ok {
		return t, ToleranceFromFlag
	}
	if t, ok := scenario.Find(metric); ok {
		return t, ToleranceFromScenario
	}
	t, _ := scenarios.DefaultTolerance(metric)
	return t, ToleranceFromDefault
}

// judge gives the verdict of a check whose values and test are filled in.
func judge(ch Check) (string, string) {
	tol := ch.Tolerance
	if tol.Kind == scenarios.ToleranceOff {
		return VerdictInfo, "not checked (tolerance off)"
	}
	// worse is the change in the worse direction: positive when worse.
	worse := ch.Delta
	if ch.Worse == scenarios.WorseLower {
		worse = -worse
	}
	allowed := tol.Amount
	if tol.Kind == scenarios.ToleranceRelative {
		allowed = tol.Amount * math.Abs(ch.Baseline)
	}
	// Float noise of equal values must not count as a change.
	margin := allowed + 1e-9*math.Max(1, math.Abs(ch.Baseline))
	by := changeWords(ch)
	switch {
	case worse > margin:
		if ch.Test != nil && !ch.Test.Worse {
			return VerdictNoise, fmt.Sprintf("%s, beyond %s, but the %s cannot tell the runs apart (%s)", by, tol.Expr, ch.Test.Series, ciWords(ch.Test, ch.Unit))
		}
		if ch.Test != nil {
			return VerdictRegression, fmt.Sprintf("%s, beyond %s; the %s moved too (%s)", by, tol.Expr, ch.Test.Series, ciWords(ch.Test, ch.Unit))
		}
		return VerdictRegression, fmt.Sprintf("%s, beyond %s", by, tol.Expr)
	case -worse > margin && (ch.Test == nil || ch.Test.Better):
		return VerdictImproved, fmt.Sprintf("%s, better by more than %s", by, tol.Expr)
	}
	return VerdictOK, fmt.Sprintf("%s, within %s", by, tol.Expr)
}

// changeWords says how a check's value changed.
func changeWords(ch Check) string {
	if ch.Delta == 0 {
		return "unchanged"
	}
	s := "changed by " + signed(ch.Delta, ch.Unit)
	if ch.Relative != nil {
		s += fmt.Sprintf(" (%+.1f%%)", 100**ch.Relative)
	}
	return s
}

// ciWords describes a test's interval.
func ciWords(t *SeriesTest, unit string) string {
	return fmt.Sprintf("mean difference %s, interval %s to %s over %d s", signed(t.MeanDelta, unit), signed(t.Low, unit), signed(t.High, unit), t.Seconds)
}

// signed formats a change with its sign, in unit.
func signed(v float64, unit string) string {
	switch unit {
	case unitRatio:
		return fmt.Sprintf("%+.2fpp", 100*v)
	case unitMs:
		return fmt.Sprintf("%+.1f ms", v)
	case unitUSD:
		return fmt.Sprintf("%+.2f USD", v)
	}
	return fmt.Sprintf("%+.4g %s", v, unit)
}

func verdictRank(v string) int {
	return slices.Index([]string{VerdictRegression, VerdictNoise, VerdictImproved, VerdictOK, VerdictInfo}, v)
}

// metricOrder sorts metrics for reading: the headline ratios and rates,
// put latency, the other distributions, read-back, delivery, counts, cost.
func metricOrder(name string) int {
	for i, p := range []string{"throttle_ratio", "error_ratio", "acked_per_s", "offered_per_s", "put_latency", "service_latency",
		"send_lag", "e2e_latency", "e2e_", "read_throttles", "iterator_age", "delivery_", "offered", "acked", "throttled",
		"failed", "expired", "retried", "cost_"} {
		if strings.HasPrefix(name, p) {
			return i
		}
	}
	return 100
}

// perSecond is a per-second series read off a run.
type perSecond struct {
	name, unit string
	worse      string
	// values returns the series of r by second, NaN where a second has
	// no value.
	values func(r *Results) []float64
}

// eachSecond makes a series' values from a function of one second, which
// says whether the second has a value.
func eachSecond(at func(s *SecondSample) (float64, bool)) func(r *Results) []float64 {
	return func(r *Results) []float64 {
		out := make([]float64, len(r.Series))
		for i := range r.Series {
			v, ok := at(&r.Series[i])
			if !ok {
				v = math.NaN()
			}
			out[i] = v
		}
		return out
	}
}

var (
	ackedPerSecond = perSecond{"acked records per second", unitRecordsPerS, scenarios.WorseLower,
		eachSecond(func(s *SecondSample) (float64, bool) { return float64(s.Acked), true })}
	offeredPerSecond = perSecond{"offered records per second", unitRecordsPerS, "",
		eachSecond(func(s *SecondSample) (float64, bool) { return float64(s.Offered), true })}
	throttlePerSecond = perSecond{"throttle ratio per second", unitRatio, scenarios.WorseHigher,
		eachSecond(func(s *SecondSample) (float64, bool) {
			return float64(s.Throttled) / float64(s.Attempts), s.Attempts > 0
		})}
	errorPerSecond = perSecond{"error ratio per second", unitRatio, scenarios.WorseHigher,
		eachSecond(func(s *SecondSample) (float64, bool) {
			return float64(s.Failed+s.Expired) / float64(s.Offered), s.Offered > 0
		})}
)

// secondCache decodes each second's histograms of a run once for all the
// series a comparison reads from them.
type secondCache map[secondKey][]Percentiles

type secondKey struct {
	r       *Results
	service bool
}

// seconds returns the statistics of each second of r: of the response
// times, or with service of the round trips; Count 0 for a second without
// any, or whose histogram is missing (version 1) or corrupt.
func (c secondCache) seconds(r *Results, service bool) []Percentiles {
	k := secondKey{r, service}
	if ps, ok := c[k]; ok {
		return ps
	}
	ps := make([]Percentiles, len(r.Series))
	for i := range r.Series {
		enc := r.Series[i].Hist
		if service {
			enc = r.Series[i].ServiceHist
		}
		if enc == "" {
			continue
		}
		h, err := loadgen.DecodeHistogram(enc)
		if err != nil {
			continue
		}
		ps[i] = PercentilesOf(loadgen.PercentilesOf(h))
		ps[i].Hist = enc
	}
	c[k] = ps
	return ps
}

// latencySeries is the statistic suffix (p99, mean; a percentile q for
// p(N)) of each second's put latency, or with service its service
// latency.
func (c secondCache) latencySeries(service bool, suffix string, q float64) perSecond {
	dist := "put"
	if service {
		dist = "service"
	}
	return perSecond{suffix + " " + dist + " latency per second", unitMs, scenarios.WorseHigher, func(r *Results) []float64 {
		ps := c.seconds(r, service)
		out := make([]float64, len(r.Series))
		for i := range out {
			out[i] = math.NaN()
			switch {
			case ps[i].Count > 0 && q > 0 && strings.HasPrefix(suffix, "p("):
				out[i] = ps[i].Percentile(q)
			case ps[i].Count > 0:
				out[i] = ps[i].Stat(suffix)
			case !service && suffix != "p999" && !strings.HasPrefix(suffix, "p(") && r.Series[i].MaxMs > 0:
				// A version 1 file: the second's fixed statistics only.
				out[i] = secondStat(&r.Series[i], suffix)
			}
		}
		return out
	}}
}

// secondStat is a fixed statistic of a second's response times, from its
// fields.
func secondStat(s *SecondSample, suffix string) float64 {
	p := Percentiles{Min: s.MinMs, Mean: s.MeanMs, P50: s.P50Ms, P90: s.P90Ms, P95: s.P95Ms, P99: s.P99Ms, Max: s.MaxMs}
	if suffix == "p999" {
		return math.NaN() // not kept per second
	}
	return p.Stat(suffix)
}

// perSecondSeries is the per-second series that tells whether a change of
// the metric is noise; false for a metric without one.
func (c secondCache) perSecondSeries(metric string) (perSecond, bool) {
	switch metric {
	case "acked_per_s":
		return ackedPerSecond, true
	case "offered_per_s":
		return offeredPerSecond, true
	case "throttle_ratio":
		return throttlePerSecond, true
	case "error_ratio":
		return errorPerSecond, true
	}
	service := false
	rest, ok := strings.CutPrefix(metric, "put_latency_")
	if !ok {
		if rest, ok = strings.CutPrefix(metric, "service_latency_"); !ok {
			return perSecond{}, false
		}
		service = true
	}
	q := 0.0
	if _, p, ok := scenarios.MetricPercentile(metric); ok {
		q = p
	}
	return c.latencySeries(service, rest, q), true
}

// summarySeries are the series a comparison describes in full.
func (c secondCache) summarySeries() []perSecond {
	return []perSecond{ackedPerSecond, throttlePerSecond, c.latencySeries(false, "p50", 50), c.latencySeries(false, "p99", 99),
		c.latencySeries(true, "p99", 99)}
}

// seriesStat describes the values of a series that are not NaN.
func seriesStat(all []float64) SeriesStat {
	v := finite(all)
	if len(v) == 0 {
		return SeriesStat{Points: [][2]float64{}}
	}
	st := SeriesStat{Seconds: len(v), Points: make([][2]float64, 0, len(v))}
	for t, x := range all {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			st.Points = append(st.Points, [2]float64{float64(t), x})
		}
	}
	st.Mean, _ = stats.Mean(v)
	if len(v) > 1 {
		st.StdDev, _ = stats.StandardDeviationSample(v)
	}
	st.P5, _ = stats.Percentile(v, 5)
	st.P50, _ = stats.Percentile(v, 50)
	st.P95, _ = stats.Percentile(v, 95)
	return st
}

func finite(v []float64) []float64 {
	out := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// bootstrapResamples is how many times a per-second test resamples: the
// ends of a 95% interval are then each the mean of about 50 draws.
const bootstrapResamples = 2000

// bootstrap tests per-second differences at a confidence level. Its
// random streams are seeded from the series' names alone, so that the
// same two files always get the same verdict.
type bootstrap struct{ confidence float64 }

// test pairs b[T] with c[T] over the seconds both have, and bootstraps
// the mean of c − b in moving blocks; nil with fewer than
// minPairedSeconds pairs. worse says which side of zero is worse; key
// varies the random stream per metric, so that tests do not share draws.
func (bs bootstrap) test(name string, b, c []float64, worse, key string) *SeriesTest {
	var d []float64
	for t := range min(len(b), len(c)) {
		if !math.IsNaN(b[t]) && !math.IsNaN(c[t]) {
			d = append(d, c[t]-b[t])
		}
	}
	n := len(d)
	if n < minPairedSeconds {
		return nil
	}
	block := blockLength(d)
	stream := fnv.New64a()
	stream.Write([]byte(key))
	rng := rand.New(rand.NewPCG(0, stream.Sum64()))
	means := make([]float64, bootstrapResamples)
	for i := range means {
		var sum float64
		for k := 0; k < n; {
			from := rng.IntN(n - block + 1)
			for j := from; j < from+block && k < n; j++ {
				sum += d[j]
				k++
			}
		}
		means[i] = sum / float64(n)
	}
	alpha := 1 - bs.confidence
	t := &SeriesTest{Series: name, Seconds: n, BlockS: block}
	t.MeanDelta, _ = stats.Mean(d)
	t.Low, _ = stats.Percentile(means, 100*alpha/2)
	t.High, _ = stats.Percentile(means, 100*(1-alpha/2))
	switch worse {
	case scenarios.WorseHigher:
		t.Worse, t.Better = t.Low > 0, t.High < 0
	case scenarios.WorseLower:
		t.Worse, t.Better = t.High < 0, t.Low > 0
	}
	return t
}

// blockLength is the bootstrap's block length for the differences d: at
// least the cube root of their number (the usual rate for the mean), and
// longer when d is strongly correlated from one second to the next, as
// (1+ρ)/(1−ρ) seconds carry about one second's worth of independent
// information for a lag-1 autocorrelation ρ; at most half of d.
func blockLength(d []float64) int {
	n := len(d)
	l := int(math.Ceil(math.Cbrt(float64(n))))
	if rho, err := stats.AutoCorrelation(d, 1); err == nil && rho > 0 && rho < 1 {
		l = max(l, int(math.Ceil((1+rho)/(1-rho))))
	}
	return max(1, min(l, n/2))
}
