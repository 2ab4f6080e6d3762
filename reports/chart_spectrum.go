package reports

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// A percentile spectrum plots a distribution's value against its
// percentile, as HdrHistogram's plots and wrk2 do: the x axis is
// 1 ÷ (1 − q) on a log scale, so 0%, 90%, 99%, 99.9% … are equally far
// apart and the tail, where queueing shows, gets as much room as the body.

// spectrumStepsPerDecade is how many points a spectrum samples per decade
// of 1 ÷ (1 − q).
const spectrumStepsPerDecade = 24

// spectrum returns the distribution of p, in milliseconds, against
// 1 ÷ (1 − q): the minimum at 1, then values read off the histogram at
// spectrumStepsPerDecade steps a decade up to q = 1 − 1 ÷ Count, where
// the maximum is put. With no histogram (a version 1 file) or a corrupt
// one it falls back to the fixed percentiles (fixedSpectrum) and says so
// with fixed. Nil for an empty distribution.
func spectrum(p Percentiles) (xys plotter.XYs, fixed bool) {
	if p.Count == 0 {
		return nil, false
	}
	h, err := p.Histogram() // holds Count samples, or fails
	if err != nil {
		return fixedSpectrum(p), true
	}
	end := float64(h.TotalCount())
	xys = plotter.XYs{{X: 1, Y: float64(h.Min()) / 1000}}
	for k := 1; ; k++ {
		x := math.Pow(10, float64(k)/spectrumStepsPerDecade)
		if x >= end {
			break
		}
		q := 100 * (1 - 1/x)
		xys = append(xys, plotter.XY{X: x, Y: float64(h.ValueAtQuantile(q)) / 1000})
	}
	if end > 1 {
		xys = append(xys, plotter.XY{X: end, Y: float64(h.Max()) / 1000})
	}
	return xys, false
}

// fixedSpectrum places p's fixed statistics on a spectrum: min at 1 (0%),
// p50 at 2, p90 at 10, p95 at 20, p99 at 100, p99.9 at 1,000 and max at
// Count. It leaves out the percentiles beyond Count (a distribution of
// 500 samples has no p99.9 of its own) and the statistics a version 1
// file lacks: a min of 0 (the histograms record at least 1 µs) and a
// value below the one before it (percentiles never fall; version 1 has no
// p95). Nil for an empty distribution.
func fixedSpectrum(p Percentiles) plotter.XYs {
	if p.Count == 0 {
		return nil
	}
	end := float64(p.Count)
	var xys plotter.XYs
	for _, pt := range []plotter.XY{{X: 1, Y: p.Min}, {X: 2, Y: p.P50}, {X: 10, Y: p.P90}, {X: 20, Y: p.P95}, {X: 100, Y: p.P99}, {X: 1000, Y: p.P999}} {
		if pt.X >= end || (pt.X == 1 && pt.Y <= 0) || (len(xys) > 0 && pt.Y < xys[len(xys)-1].Y) {
			continue
		}
		xys = append(xys, pt)
	}
	return append(xys, plotter.XY{X: max(end, 1), Y: p.Max})
}

// percentileTicks labels a spectrum's x axis, of log10(1 ÷ (1 − q)), in
// percentiles: 0% at 0 (q = 0), 50% at log10(2), 90% at 1, 99% at 2,
// 99.9% at 3 and so on, with unlabelled minor ticks at the other
// multiples of each power of ten.
type percentileTicks struct{}

func (percentileTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for e := 0; float64(e) <= hi; e++ {
		for m := 1; m < 10; m++ {
			v := math.Log10(float64(m)) + float64(e)
			if v < lo-1e-9 || v > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: v}
			switch {
			case m == 1:
				t.Label = percentileLabel(e)
			case m == 2 && e == 0:
				t.Label = "50%"
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// percentileLabel names the percentile at 10^decades on a spectrum's
// axis: 0 → "0%", 1 → "90%", 2 → "99%", 3 → "99.9%", 4 → "99.99%".
func percentileLabel(decades int) string {
	switch decades {
	case 0:
		return "0%"
	case 1:
		return "90%"
	}
	return "99" + strings.TrimSuffix("."+strings.Repeat("9", decades-2), ".") + "%"
}

// msOrSeconds returns the unit to show durations of up to maxMs
// milliseconds in, and the divisor from milliseconds: seconds from 10 s
// up (Firehose delays are tens to hundreds of seconds), else ms.
func msOrSeconds(maxMs float64) (unit string, div float64) {
	if maxMs >= 10_000 {
		return "s", 1000
	}
	return "ms", 1
}

// newSpectrumPlot returns a plot with a spectrum's x axis, of
// log10(1 ÷ (1 − q)), from 0% to end (1 ÷ (1 − q) of the last point), and
// a linear y axis.
func newSpectrumPlot(ylabel string, end float64) (*plot.Plot, legend) {
	p, leg := newPlot(ylabel)
	p.X.Label.Text = "percentile (log scale of 1 ÷ (1 − percentile))"
	p.X.Tick.Marker = percentileTicks{}
	p.X.Min, p.X.Max = 0, math.Log10(max(end, 10))
	return p, leg
}

// spectrumXY returns a spectrum's points as plotted: x as its base-10
// logarithm, y divided by div.
func spectrumXY(xys plotter.XYs, div float64) plotter.XYs {
	out := make(plotter.XYs, len(xys))
	for i, xy := range xys {
		out[i] = plotter.XY{X: math.Log10(xy.X), Y: xy.Y / div}
	}
	return out
}

// fixedNote is appended to the title of a spectrum drawn from the fixed
// percentiles alone: a version 1 file's (or, rarer, a corrupt
// histogram's, which the words do not tell apart).
const fixedNote = " — from the fixed percentiles: this results file has no histograms"

// latencySpectrumChart is the percentile spectrum of the put response
// time (from each record's intended send time) and of the service time
// (each request's round trip) over the whole run: the gap between them is
// the time records waited to be sent, which coordinated omission would
// hide. It is drawn from the histograms only: ok is false when nothing
// was measured, and for a version 1 file, whose fixed percentiles the
// latency table already shows.
func latencySpectrumChart(r *Results) (c Chart, ok bool, err error) {
	resp, respFixed := spectrum(r.Latency.ResponseMs)
	svc, svcFixed := spectrum(r.Latency.ServiceMs)
	if respFixed {
		resp = nil
	}
	if svcFixed {
		svc = nil
	}
	if len(resp) == 0 && len(svc) == 0 {
		return Chart{}, false, nil
	}
	unit, div := msOrSeconds(max(r.Latency.ResponseMs.Max, r.Latency.ServiceMs.Max))
	title := "Put latency by percentile (" + unit + ")"
	p, leg := newSpectrumPlot("latency ("+unit+")", max(lastX(resp), lastX(svc)))
	err = addLines(p, &leg, []series{
		{name: "response time, from intended send", xys: spectrumXY(resp, div), color: palette[0], width: vg.Points(2)},
		{name: "service time, request round trip", xys: spectrumXY(svc, div), color: palette[1], dash: []vg.Length{vg.Points(4), vg.Points(2)}},
	})
	fixRange(p, true)
	c, err = plotChart(title, p, leg, err)
	return c, err == nil, err
}

// deliveryDelayChart is the percentile spectrum of a Firehose run's
// delivery delay, from each record's intended send time to its object in
// S3, in seconds when it reaches 10 s, with the buffer interval and the
// scenario's p95 target (firehose.delivery_delay_target) as horizontal
// lines and the p95 marked. ok is false for a run without Firehose
// delivery, or with nothing delivered.
func deliveryDelayChart(r *Results) (c Chart, ok bool, err error) {
	d := r.Delivery
	if d == nil {
		return Chart{}, false, nil
	}
	xys, fixed := spectrum(d.DelayMs)
	if len(xys) == 0 {
		return Chart{}, false, nil
	}
	targetMs := deliveryTargetMs(r)
	unit, div := deliveryDelayUnit(r)
	title := "Delivery delay by percentile (" + unit + ", from intended send to the object in S3)"
	if fixed {
		title += fixedNote
	}
	end := lastX(xys)
	p, leg := newSpectrumPlot("delay ("+unit+")", end)
	lines := []series{{name: "delivery delay", xys: spectrumXY(xys, div), color: palette[0], width: vg.Points(2), points: fixed}}
	if d.DelayMs.Count >= 20 && d.DelayMs.P95 > 0 { // version 1 has no p95
		lines = append(lines, series{name: "p95 " + durationIn(d.DelayMs.P95, unit, div), xys: plotter.XYs{{X: math.Log10(20), Y: d.DelayMs.P95 / div}},
			color: palette[0], width: vg.Points(0.01), points: true})
	}
	if d.BufferIntervalS > 0 {
		y := 1000 * d.BufferIntervalS / div
		lines = append(lines, series{name: "buffer interval " + secondsLabel(d.BufferIntervalS), xys: plotter.XYs{{X: 0, Y: y}, {X: p.X.Max, Y: y}},
			color: grey, width: vg.Points(1), dash: []vg.Length{vg.Points(2), vg.Points(2)}})
	}
	if targetMs > 0 {
		lines = append(lines, series{name: "p95 target " + durationIn(targetMs, unit, div), xys: plotter.XYs{{X: 0, Y: targetMs / div}, {X: p.X.Max, Y: targetMs / div}},
			color: red, width: vg.Points(1), dash: []vg.Length{vg.Points(6), vg.Points(3)}})
	}
	err = addLines(p, &leg, lines)
	fixRange(p, true)
	c, err = plotChart(title, p, leg, err)
	return c, err == nil, err
}

// deliveryTargetMs is the scenario's p95 delivery delay target
// (firehose.delivery_delay_target) in milliseconds; 0 for none.
func deliveryTargetMs(r *Results) float64 {
	if f := r.Scenario.Firehose; f != nil {
		return float64(f.DelayTarget.D().Milliseconds())
	}
	return 0
}

// deliveryDelayUnit is the unit the report shows a Firehose run's delivery
// delay in, table and chart alike, and its divisor from milliseconds:
// seconds when the delay, the target or the buffer interval reaches 10 s.
func deliveryDelayUnit(r *Results) (unit string, div float64) {
	d := r.Delivery
	return msOrSeconds(max(d.DelayMs.Max, deliveryTargetMs(r), 1000*d.BufferIntervalS))
}

// durationIn formats milliseconds in unit ("ms" or "s", div its divisor
// from ms) to one decimal: "62.3 s".
func durationIn(msValue float64, unit string, div float64) string {
	return fmt.Sprintf("%s %s", ms(msValue/div), unit)
}

// lastX is the x of the last point, 0 for none.
func lastX(xys plotter.XYs) float64 {
	if len(xys) == 0 {
		return 0
	}
	return xys[len(xys)-1].X
}
