package reports

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/plotter"
)

// TestSpectrum checks the percentile spectrum read off a histogram: from
// the minimum at 1 (0%) to the maximum at Count, never falling, and the
// fixed percentiles where they belong.
func TestSpectrum(t *testing.T) {
	p := recordedPercentiles(10000, func(i int) time.Duration { return time.Duration(i+1) * time.Millisecond })
	xys, fixed := spectrum(p)
	if fixed || len(xys) < 4*spectrumStepsPerDecade {
		t.Fatalf("%d points, fixed %v", len(xys), fixed)
	}
	first, last := xys[0], xys[len(xys)-1]
	if first != (plotter.XY{X: 1, Y: p.Min}) || last != (plotter.XY{X: 10000, Y: p.Max}) {
		t.Errorf("from %v to %v, want (1, %g) to (10000, %g)", first, last, p.Min, p.Max)
	}
	for i := 1; i < len(xys); i++ {
		if xys[i].X <= xys[i-1].X || xys[i].Y < xys[i-1].Y {
			t.Errorf("point %d %v after %v", i, xys[i], xys[i-1])
		}
	}
	at := func(x float64) float64 {
		for _, xy := range xys {
			if math.Abs(xy.X-x) < 1e-9*x {
				return xy.Y
			}
		}
		t.Fatalf("no point at %g", x)
		return 0
	}
	for x, want := range map[float64]float64{10: p.P90, 100: p.P99, 1000: p.P999} {
		if got := at(x); got != want {
			t.Errorf("at %g: %g ms, want %g", x, got, want)
		}
	}

	// A version 1 distribution has no histogram: its fixed percentiles.
	v1 := Percentiles{Count: 500, Min: 1, P50: 10, P90: 20, P95: 25, P99: 40, P999: 45, Max: 50}
	xys, fixed = spectrum(v1)
	want := plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 10}, {X: 10, Y: 20}, {X: 20, Y: 25}, {X: 100, Y: 40}, {X: 500, Y: 50}}
	if !fixed || !slices.Equal(xys, want) {
		t.Errorf("version 1: %v (fixed %v), want %v", xys, fixed, want)
	}
	// Version 1 has no min or p95: they are left out, not drawn as 0.
	v1.Min, v1.P95 = 0, 0
	xys, _ = spectrum(v1)
	want = plotter.XYs{{X: 2, Y: 10}, {X: 10, Y: 20}, {X: 100, Y: 40}, {X: 500, Y: 50}}
	if !slices.Equal(xys, want) {
		t.Errorf("version 1 without min and p95: %v, want %v", xys, want)
	}
	if xys, _ := spectrum(Percentiles{}); xys != nil {
		t.Errorf("empty distribution: %v", xys)
	}
}

func TestPercentileAxis(t *testing.T) {
	for decades, want := range map[int]string{0: "0%", 1: "90%", 2: "99%", 3: "99.9%", 5: "99.999%"} {
		if got := percentileLabel(decades); got != want {
			t.Errorf("percentileLabel(%d) = %q, want %q", decades, got, want)
		}
	}
	var labels []string
	for _, tk := range (percentileTicks{}).Ticks(0, math.Log10(89850)) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"0%", "50%", "90%", "99%", "99.9%", "99.99%"}; !slices.Equal(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
	for maxMs, want := range map[float64]string{9999: "ms", 10000: "s", 250000: "s", 0: "ms"} {
		if got, _ := msOrSeconds(maxMs); got != want {
			t.Errorf("msOrSeconds(%g) = %q, want %q", maxMs, got, want)
		}
	}
}

// TestDeliveryDelayChart checks the delay chart of a Firehose run: in
// seconds, with the buffer interval, the p95 and the target.
func TestDeliveryDelayChart(t *testing.T) {
	c, ok, err := deliveryDelayChart(firehoseFixture())
	if err != nil || !ok {
		t.Fatalf("ok %v, %v", ok, err)
	}
	if !strings.HasPrefix(c.Title, "Delivery delay by percentile (s,") {
		t.Errorf("title %q", c.Title)
	}
	for _, want := range []string{">delay (s)<", ">buffer interval 60 s<", ">p95 target 90.0 s<", ">p95 5.4 s<", ">99.99%<", ">0%<"} {
		if !strings.Contains(string(c.SVG), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// From the fixed percentiles of a version 1 file, said so.
	r := firehoseFixture()
	r.Delivery.DelayMs.Hist = ""
	if c, ok, err := deliveryDelayChart(r); err != nil || !ok || !strings.Contains(c.Title, "no histograms") {
		t.Errorf("version 1: %q, %v, %v", c.Title, ok, err)
	}
	// None for a run without Firehose, or with nothing delivered.
	if _, ok, _ := deliveryDelayChart(fixture()); ok {
		t.Error("a chart for a run without Firehose")
	}
	r.Delivery.DelayMs = Percentiles{}
	if _, ok, _ := deliveryDelayChart(r); ok {
		t.Error("a chart of nothing delivered")
	}
}

// TestLatencySpectrumChart checks that the put latency spectrum is drawn
// from histograms only.
func TestLatencySpectrumChart(t *testing.T) {
	c, ok, err := latencySpectrumChart(withHistograms(fixture()))
	if err != nil || !ok {
		t.Fatalf("ok %v, %v", ok, err)
	}
	for _, want := range []string{"response time, from intended send", "service time, request round trip", ">latency (ms)<"} {
		if !strings.Contains(string(c.SVG), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if _, ok, _ := latencySpectrumChart(fixture()); ok {
		t.Error("a spectrum without histograms")
	}
}
