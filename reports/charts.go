package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one chart of a run, rendered as a standalone SVG document.
type Chart struct {
	// Title says what the chart shows and in which unit.
	Title string
	// SVG is the chart as an SVG document, XML declaration included.
	SVG []byte
}

// Chart sizes, in points. The reading chart stacks two plots.
const (
	chartWidth         = 9 * vg.Inch
	chartHeight        = 3.6 * vg.Inch
	readingChartHeight = 1.6 * chartHeight
)

// maxShardLines is the most shards the utilisation chart draws one line
// each for; a bigger stream shows its hottestShardLines busiest shards.
const (
	maxShardLines     = 16
	hottestShardLines = 8
)

// palette is the Tableau 10 colour scheme.
var palette = []color.Color{
	rgb(0x4e79a7), rgb(0xf28e2b), rgb(0xe15759), rgb(0x76b7b2), rgb(0x59a14f),
	rgb(0xedc948), rgb(0xb07aa1), rgb(0xff9da7), rgb(0x9c755f), rgb(0xbab0ac),
}

var (
	black = rgb(0x222222)
	grey  = rgb(0x888888)
	red   = rgb(0xd62728)
)

func rgb(c uint32) color.Color {
	return color.RGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

// Charts renders the charts of r: throughput per second, latency
// percentiles per second, per-shard utilisation and, for a run read back
// with throttled reads or an iterator age in its series, reading per
// second. A run with no seconds gives empty charts, not an error.
func Charts(r *Results) ([]Chart, error) {
	var charts []Chart
	for _, f := range []func(*Results) (string, *plot.Plot, plot.Legend, error){
		throughputChart, latencyChart, utilizationChart,
	} {
		c, err := plotChart(f(r))
		if err != nil {
			return nil, err
		}
		charts = append(charts, c)
	}
	if hasReadSeries(r) {
		c, err := panelChart(readingChart(r))
		if err != nil {
			return nil, err
		}
		charts = append(charts, c)
	}
	return charts, nil
}

// plotChart renders one plot and its legend as the Chart title, passing
// on the error of the function that made the plot.
func plotChart(title string, p *plot.Plot, leg plot.Legend, err error) (Chart, error) {
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	svg, err := renderSVG(p, leg)
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	return Chart{Title: title, SVG: svg}, nil
}

// panelChart is plotChart for stacked panels (renderPanels).
func panelChart(title string, panels []panel, err error) (Chart, error) {
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	svg, err := renderPanels(readingChartHeight, panels)
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	return Chart{Title: title, SVG: svg}, nil
}

// hasReadSeries reports whether r's series has reading to chart: a
// throttled read or an iterator age in some second.
func hasReadSeries(r *Results) bool {
	for _, s := range r.Series {
		if s.ReadThrottles > 0 || s.IteratorAgeMaxMs > 0 {
			return true
		}
	}
	return false
}

// series is one line of a chart.
type series struct {
	name  string
	xys   plotter.XYs
	color color.Color
	width vg.Length
	dash  []vg.Length
}

// addLines adds the lines to p and to leg, skipping empty ones.
func addLines(p *plot.Plot, leg *plot.Legend, lines []series) error {
	for _, s := range lines {
		if len(s.xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(s.xys)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		l.Color, l.Width, l.Dashes = s.color, s.width, s.dash
		if l.Width == 0 {
			l.Width = vg.Points(1.5)
		}
		p.Add(l)
		leg.Add(s.name, l)
	}
	return nil
}

// newPlot returns a plot with the common styling; x is in seconds.
func newPlot(title, ylabel string) (*plot.Plot, plot.Legend) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "seconds since start"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	for _, f := range []*font.Font{
		&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &leg.TextStyle.Font,
	} {
		f.Typeface, f.Variant = "Liberation", "Sans"
	}
	leg.TextStyle.Font.Size = vg.Points(9)
	leg.Padding = vg.Points(3)
	return p, leg
}

// seconds returns the x values of r's series.
func seconds(r *Results, y func(s SecondSample) float64) plotter.XYs {
	xys := make(plotter.XYs, len(r.Series))
	for i, s := range r.Series {
		xys[i] = plotter.XY{X: float64(s.T), Y: y(s)}
	}
	return xys
}

// fixRange gives an axis that has no data a 0–1 range, and starts the y
// axis of a linear plot at zero.
func fixRange(p *plot.Plot, yFromZero bool) {
	if p.X.Min > p.X.Max {
		p.X.Min, p.X.Max = 0, 1
	}
	if p.Y.Min > p.Y.Max {
		p.Y.Min, p.Y.Max = 0, 1
	}
	if yFromZero {
		p.Y.Min = min(p.Y.Min, 0)
		p.Y.Max += 0.05 * (p.Y.Max - p.Y.Min) // headroom above the top line
	}
}

func throughputChart(r *Results) (string, *plot.Plot, plot.Legend, error) {
	const title = "Throughput (records/s)"
	p, leg := newPlot(title, "records/s")
	err := addLines(p, &leg, []series{
		{name: "acked", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Acked) }), color: palette[4], width: vg.Points(2.5)},
		{name: "offered", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Offered) }), color: palette[0], dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "throttled", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Throttled) }), color: palette[2]},
	})
	fixRange(p, true)
	return title, p, leg, err
}

func latencyChart(r *Results) (string, *plot.Plot, plot.Legend, error) {
	const title = "Response time per second (ms, from intended send)"
	p, leg := newPlot(title, "ms")
	// A second in which no record settled has no latency: leave it out
	// rather than plot a misleading zero.
	var settled []SecondSample
	for _, s := range r.Series {
		if s.MaxMs > 0 {
			settled = append(settled, s)
		}
	}
	pick := func(y func(SecondSample) float64) plotter.XYs {
		return seconds(&Results{Series: settled}, y)
	}
	lines := []series{
		{name: "p50", xys: pick(func(s SecondSample) float64 { return s.P50Ms }), color: palette[0]},
		{name: "p90", xys: pick(func(s SecondSample) float64 { return s.P90Ms }), color: palette[1]},
		{name: "p99", xys: pick(func(s SecondSample) float64 { return s.P99Ms }), color: palette[2]},
		{name: "max", xys: pick(func(s SecondSample) float64 { return s.MaxMs }), color: grey, dash: []vg.Length{vg.Points(3), vg.Points(2)}},
	}
	// Use a log scale when the percentiles span more than two decades and
	// are all positive (log scales cannot show zero).
	lo, hi := math.Inf(1), 0.0
	for _, l := range lines {
		for _, xy := range l.xys {
			lo, hi = min(lo, xy.Y), max(hi, xy.Y)
		}
	}
	logY := lo > 0 && hi/lo > 100
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Label.Text = "ms (log scale)"
	}
	err := addLines(p, &leg, lines)
	fixRange(p, !logY)
	return title, p, leg, err
}

func utilizationChart(r *Results) (string, *plot.Plot, plot.Legend, error) {
	title := "Shard utilisation (% of per-shard capacity)"
	if len(r.PerShard) > maxShardLines {
		title += fmt.Sprintf(": the %d busiest of %d shards", hottestShardLines, len(r.PerShard))
	}
	p, leg := newPlot(title, "% of capacity")
	x := func(i int) float64 {
		if i < len(r.Series) {
			return float64(r.Series[i].T)
		}
		return float64(i)
	}
	percent := func(u []float64) plotter.XYs {
		xys := make(plotter.XYs, len(u))
		for i, v := range u {
			xys[i] = plotter.XY{X: x(i), Y: 100 * v}
		}
		return xys
	}

	idx := make([]int, len(r.PerShard))
	for i := range idx {
		idx[i] = i
	}
	if len(idx) > maxShardLines {
		idx = busiest(r.PerShard, hottestShardLines)
		slices.Sort(idx)
	}
	var lines []series
	for n, i := range idx {
		sh := r.PerShard[i]
		name := sh.ShardID
		if isHot(sh) {
			name += " (hot)"
		}
		s := series{name: name, xys: percent(sh.Utilization), color: palette[n%len(palette)]}
		if n >= len(palette) {
			s.dash = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		lines = append(lines, s)
	}
	avg := streamUtilization(r)
	lines = append(lines, series{name: "stream average", xys: percent(avg), color: black, width: vg.Points(2.5)})
	if err := addLines(p, &leg, lines); err != nil {
		return title, p, leg, err
	}

	// The 100% line: above it a shard is asked for more than it can take.
	n := max(len(avg), len(r.Series))
	if n > 0 {
		limit, err := plotter.NewLine(plotter.XYs{{X: x(0), Y: 100}, {X: x(n - 1), Y: 100}})
		if err != nil {
			return title, p, leg, err
		}
		limit.Color, limit.Width, limit.Dashes = red, vg.Points(1), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(limit)
		leg.Add("capacity (100%)", limit)
	}
	fixRange(p, true)
	p.Y.Max = max(p.Y.Max, 110)
	return title, p, leg, nil
}

// readingChart stacks two plots over the same seconds: the GetRecords
// calls throttled per second above, the largest iterator age
// (MillisBehindLatest) of each second below, as their units differ.
func readingChart(r *Results) (string, []panel, error) {
	const title = "Reading: throttled GetRecords calls and iterator age per second"
	calls, callsLeg := newPlot(title, "throttled calls/s")
	calls.X.Label.Text = ""
	err := addLines(calls, &callsLeg, []series{
		{name: "throttled GetRecords calls", xys: seconds(r, func(s SecondSample) float64 { return float64(s.ReadThrottles) }), color: palette[2]},
	})
	if err != nil {
		return title, nil, err
	}
	age, ageLeg := newPlot("", "iterator age (ms)")
	err = addLines(age, &ageLeg, []series{
		{name: "iterator age, max", xys: seconds(r, func(s SecondSample) float64 { return float64(s.IteratorAgeMaxMs) }), color: palette[0]},
	})
	if err != nil {
		return title, nil, err
	}
	fixRange(calls, true)
	fixRange(age, true)
	// One time axis for both.
	lo, hi := min(calls.X.Min, age.X.Min), max(calls.X.Max, age.X.Max)
	calls.X.Min, calls.X.Max, age.X.Min, age.X.Max = lo, hi, lo, hi
	return title, []panel{{calls, callsLeg}, {age, ageLeg}}, nil
}

// sansFamily is the charts' font-family: Liberation Sans, which the text
// was measured with, then Arial, which has the same metrics, for viewers
// that lack it.
const sansFamily = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"

// renderSVG draws p with leg to the right of it and returns the SVG.
func renderSVG(p *plot.Plot, leg plot.Legend) ([]byte, error) {
	c := vgsvg.New(chartWidth, chartHeight)
	dc := draw.New(c)
	// 15% spare: a viewer without Liberation Sans or Arial falls back to a
	// wider font, which would otherwise cut the longest label.
	legendWidth := leg.Rectangle(dc).Size().X*1.15 + vg.Points(16)
	p.Draw(draw.Crop(dc, 0, -legendWidth, 0, 0))
	top := p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y + p.Title.Padding + vg.Points(8)
	leg.Draw(draw.Crop(dc, chartWidth-legendWidth+vg.Points(8), 0, 0, -top))
	return writeSVG(c)
}

// panel is one plot of a chart of stacked plots, with its legend.
type panel struct {
	p   *plot.Plot
	leg plot.Legend
}

// renderPanels draws the panels stacked top to bottom in a chart of the
// given height, their data areas aligned, each with its legend to the
// right of it level with its data, and returns the SVG.
func renderPanels(height vg.Length, panels []panel) ([]byte, error) {
	c := vgsvg.New(chartWidth, height)
	dc := draw.New(c)
	var legendWidth vg.Length
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		legendWidth = max(legendWidth, pn.leg.Rectangle(dc).Size().X*1.15+vg.Points(16))
		plots[i] = []*plot.Plot{pn.p}
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(6)}
	canvases := plot.Align(plots, tiles, draw.Crop(dc, 0, -legendWidth, 0, 0))
	for i, pn := range panels {
		pn.p.Draw(canvases[i][0])
		data := pn.p.DataCanvas(canvases[i][0])
		pn.leg.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: chartWidth - legendWidth + vg.Points(8), Y: data.Min.Y},
			Max: vg.Point{X: chartWidth, Y: data.Max.Y},
		}})
	}
	return writeSVG(c)
}

// writeSVG returns the SVG document drawn on c.
func writeSVG(c *vgsvg.Canvas) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte(sansFamily)), nil
}

// niceTicks places about six major ticks at round values (1, 2, 2.5 or 5
// times a power of ten), labelled without needless decimals.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo)}}
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag * 10
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		v := k * step
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v)})
		if minor := v + step/2; minor < hi {
			ticks = append(ticks, plot.Tick{Value: minor})
		}
	}
	return ticks
}

// tickLabel formats a tick value: 2500 → "2,500", 0.25 → "0.25".
func tickLabel(v float64) string {
	if math.Abs(v) < 1e-9 {
		v = 0
	}
	return group(strconv.FormatFloat(v, 'f', -1, 64))
}
