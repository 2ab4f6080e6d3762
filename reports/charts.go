package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one chart of a run, rendered as a standalone SVG document.
type Chart struct {
	// Title says what the chart shows and in which unit. It is not drawn
	// in the SVG: pages show it as the figure's caption, where it wraps.
	Title string
	// SVG is the chart as an SVG document, XML declaration included: the
	// plot, with its legend below it.
	SVG []byte
}

// Chart sizes, in points (the SVG's user unit). A chart is chartWidth
// wide, so that its text stays legible when a 420 px wide page scales it
// down; its plot is plotHeight tall (panelHeight for each panel of a
// stacked chart), and the legend below the plot takes the rows it needs.
const (
	chartWidth  = 6 * vg.Inch
	plotHeight  = 3 * vg.Inch
	panelHeight = 2.1 * vg.Inch
)

// Chart font sizes, in points.
const (
	tickFontSize   = 10
	labelFontSize  = 11
	legendFontSize = 10
	markFontSize   = 8
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
	black  = rgb(0x222222)
	grey   = rgb(0x888888)
	red    = rgb(0xd62728)
	purple = rgb(0x6a3d9a)
)

func rgb(c uint32) color.Color {
	return color.RGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

// Charts renders the time charts of r, one point per second: throughput,
// latency percentiles, per-shard utilisation (unless the run has seconds
// but no shards, as a Direct PUT Firehose run) and, for a run read back
// with throttled reads or an iterator age in its series, reading. Each
// marks the scenario events the run played (eventMarks). A run with no
// seconds gives empty charts, not an error.
func Charts(r *Results) ([]Chart, error) {
	var charts []Chart
	plots := []func(*Results) (string, *plot.Plot, legend, error){throughputChart, latencyChart}
	if len(r.PerShard) > 0 || len(r.Series) == 0 {
		plots = append(plots, utilizationChart)
	}
	for _, f := range plots {
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
func plotChart(title string, p *plot.Plot, leg legend, err error) (Chart, error) {
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	svg, err := renderSVG(p, leg)
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	return Chart{Title: title, SVG: svg}, nil
}

// panelChart is plotChart for stacked plots (renderPanels).
func panelChart(title string, plots []*plot.Plot, leg legend, err error) (Chart, error) {
	if err != nil {
		return Chart{}, fmt.Errorf("chart %q: %w", title, err)
	}
	svg, err := renderPanels(plots, leg)
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
	// points marks each point with a dot, for lines through a few
	// measured points.
	points bool
}

// addLines adds the lines to p and to leg, skipping empty ones.
func addLines(p *plot.Plot, leg *legend, lines []series) error {
	for _, s := range lines {
		if len(s.xys) == 0 {
			continue
		}
		l, dots, err := plotter.NewLinePoints(s.xys)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		l.Color, l.Width, l.Dashes = s.color, s.width, s.dash
		if l.Width == 0 {
			l.Width = vg.Points(1.5)
		}
		p.Add(l)
		if !s.points {
			leg.Add(s.name, l)
			continue
		}
		dots.Color, dots.Shape, dots.Radius = s.color, draw.CircleGlyph{}, vg.Points(2.5)
		p.Add(dots)
		leg.Add(s.name, l, dots)
	}
	return nil
}

// newPlot returns a plot with the common styling and no title (pages
// caption the chart instead); x is in seconds.
func newPlot(ylabel string) (*plot.Plot, legend) {
	p := plot.New()
	p.X.Label.Text = "seconds since start"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Add(plotter.NewGrid())
	for _, f := range []*font.Font{
		&p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font,
	} {
		f.Typeface, f.Variant = "Liberation", "Sans"
	}
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = labelFontSize, labelFontSize
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = tickFontSize, tickFontSize
	return p, legend{}
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
// axis of a linear plot at zero, with a little headroom above the top
// line; a y axis of zeros only goes from 0 to 1.
func fixRange(p *plot.Plot, yFromZero bool) {
	if p.X.Min > p.X.Max {
		p.X.Min, p.X.Max = 0, 1
	}
	if p.Y.Min > p.Y.Max {
		p.Y.Min, p.Y.Max = 0, 1
	}
	if yFromZero {
		p.Y.Min = min(p.Y.Min, 0)
		if p.Y.Max <= p.Y.Min {
			p.Y.Max = p.Y.Min + 1
		}
		p.Y.Max += 0.05 * (p.Y.Max - p.Y.Min)
	}
}

func throughputChart(r *Results) (string, *plot.Plot, legend, error) {
	const title = "Throughput (records/s)"
	p, leg := newPlot("records/s")
	lines := []series{
		{name: "acked", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Acked) }), color: palette[4], width: vg.Points(2.5)},
		{name: "offered", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Offered) }), color: palette[0], dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "throttled", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Throttled) }), color: palette[2]},
	}
	// Sent (by when records left) against offered (by when they were
	// meant to) shows the generator's pacing; files from before it was
	// counted have none.
	if r.Totals.Sent > 0 {
		lines = append(lines, series{name: "sent", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Sent) }), color: palette[1], dash: []vg.Length{vg.Points(1), vg.Points(2)}})
	}
	if r.Totals.Dropped > 0 {
		lines = append(lines, series{name: "dropped (generator)", xys: seconds(r, func(s SecondSample) float64 { return float64(s.Dropped) }), color: purple})
	}
	err := addLines(p, &leg, lines)
	addEventMarks(p, &leg, r.Events, true)
	fixRange(p, true)
	return title, p, leg, err
}

func latencyChart(r *Results) (string, *plot.Plot, legend, error) {
	const title = "Response time per second (ms, from intended send)"
	p, leg := newPlot("ms")
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
	var ys []float64
	for _, l := range lines {
		for _, xy := range l.xys {
			ys = append(ys, xy.Y)
		}
	}
	logY := spansDecades(ys, 2)
	if logY {
		useLog10Y(p)
		for i := range lines {
			lines[i].xys = log10Y(lines[i].xys)
		}
	}
	err := addLines(p, &leg, lines)
	addEventMarks(p, &leg, r.Events, true)
	fixRange(p, !logY)
	return title, p, leg, err
}

func utilizationChart(r *Results) (string, *plot.Plot, legend, error) {
	title := "Shard utilisation (% of per-shard capacity)"
	if len(r.PerShard) > maxShardLines {
		title += fmt.Sprintf(": the %d busiest of %d shards", hottestShardLines, len(r.PerShard))
	}
	p, leg := newPlot("% of capacity")
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
		s := series{name: name, xys: shardPoints(sh, x), color: palette[n%len(palette)]}
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
	addEventMarks(p, &leg, r.Events, true)
	fixRange(p, true)
	p.Y.Max = max(p.Y.Max, 110)
	return title, p, leg, nil
}

// shardPoints is a shard's utilisation, in percent, while the shard
// existed: second i, which covers [x(i), x(i)+1), counts when it overlaps
// [OpenedS, ClosedS) (0 meaning from the start, and to the end). The
// first point is moved to OpenedS, so that no point lies before the shard
// opened, nor after it closed.
func shardPoints(sh ShardRow, x func(i int) float64) plotter.XYs {
	var xys plotter.XYs
	for i, u := range sh.Utilization {
		t := x(i)
		if t+1 <= sh.OpenedS || (sh.ClosedS > 0 && t >= sh.ClosedS) {
			continue
		}
		xys = append(xys, plotter.XY{X: max(t, sh.OpenedS), Y: 100 * u})
	}
	return xys
}

// readingChart stacks two plots over the same seconds: the GetRecords
// calls throttled per second above, the largest iterator age
// (MillisBehindLatest) of each second below, as their units differ.
func readingChart(r *Results) (string, []*plot.Plot, legend, error) {
	const title = "Reading: throttled GetRecords calls and iterator age per second"
	calls, leg := newPlot("throttled calls/s")
	calls.X.Label.Text = ""
	err := addLines(calls, &leg, []series{
		{name: "throttled GetRecords calls", xys: seconds(r, func(s SecondSample) float64 { return float64(s.ReadThrottles) }), color: palette[2]},
	})
	if err != nil {
		return title, nil, leg, err
	}
	age, _ := newPlot("iterator age (ms)")
	err = addLines(age, &leg, []series{
		{name: "iterator age, max", xys: seconds(r, func(s SecondSample) float64 { return float64(s.IteratorAgeMaxMs) }), color: palette[0]},
	})
	if err != nil {
		return title, nil, leg, err
	}
	addEventMarks(calls, &leg, r.Events, true)
	addEventMarks(age, nil, r.Events, false)
	fixRange(calls, true)
	fixRange(age, true)
	// One time axis for both.
	lo, hi := min(calls.X.Min, age.X.Min), max(calls.X.Max, age.X.Max)
	calls.X.Min, calls.X.Max, age.X.Min, age.X.Max = lo, hi, lo, hi
	return title, []*plot.Plot{calls, age}, leg, nil
}

// eventMarks draws scenario events a run played as vertical lines across
// a time chart, each with its label (eventLabel) reading upwards along
// the right of the line from the top. One value draws one kind: accepted
// events solid, refused ones dashed. Skipped events are not drawn: the
// run ended before they were due.
type eventMarks struct {
	events []Event
	style  draw.LineStyle
	// labels turns the labels on (the top panel of a stacked chart only).
	labels bool
}

// addEventMarks adds the accepted and the refused events, if any, to p,
// and an entry for each kind to leg unless leg is nil.
func addEventMarks(p *plot.Plot, leg *legend, events []Event, labels bool) {
	var accepted, refused []Event
	for _, ev := range events {
		switch {
		case ev.Skipped:
		case ev.Error != "":
			refused = append(refused, ev)
		default:
			accepted = append(accepted, ev)
		}
	}
	for _, k := range []struct {
		name   string
		events []Event
		style  draw.LineStyle
	}{
		{"event", accepted, draw.LineStyle{Color: purple, Width: vg.Points(1.2)}},
		{"event refused", refused, draw.LineStyle{Color: grey, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}},
	} {
		if len(k.events) == 0 {
			continue
		}
		m := &eventMarks{events: k.events, style: k.style, labels: labels}
		p.Add(m)
		if leg != nil {
			leg.Add(k.name, m)
		}
	}
}

// Plot draws the lines and labels of the events within the x range.
func (m *eventMarks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := text.Style{
		Color:    m.style.Color,
		Font:     font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, markFontSize),
		Handler:  plot.DefaultTextHandler,
		Rotation: math.Pi / 2,
		XAlign:   text.XLeft,
		YAlign:   text.YTop,
	}
	for _, ev := range m.events {
		if ev.AtS < p.X.Min || ev.AtS > p.X.Max {
			continue
		}
		x := trX(ev.AtS)
		c.StrokeLine2(m.style, x, c.Min.Y, x, c.Max.Y)
		if m.labels {
			// Rotated a quarter turn, the label reads upwards from its
			// start, just right of the line, and ends below the top, with
			// 20% spare for a viewer whose fallback font is wider than
			// Liberation Sans.
			label := eventLabel(ev)
			c.FillText(sty, vg.Point{X: x + vg.Points(2), Y: c.Max.Y - vg.Points(3) - 1.2*sty.Width(label)}, label)
		}
	}
}

// DataRange makes room on the x axis for every event; it leaves the y
// axis alone.
func (m *eventMarks) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, ev := range m.events {
		xmin, xmax = min(xmin, ev.AtS), max(xmax, ev.AtS)
	}
	return xmin, xmax, math.Inf(1), math.Inf(-1)
}

// Thumbnail draws the legend's sample: a vertical line.
func (m *eventMarks) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(m.style, x, c.Min.Y, x, c.Max.Y)
}

// eventLabel is an event's label on a chart: its action with shard IDs
// shortened ("split …0001", "merge …0002 …0003", "update_shard_count 8"),
// and "refused" after a refused one.
func eventLabel(ev Event) string {
	words := strings.Fields(ev.Action)
	for i, w := range words {
		words[i] = shortShardID(w)
	}
	s := strings.Join(words, " ")
	if ev.Error != "" {
		s += " (refused)"
	}
	return s
}

// sansFamily is the charts' font-family: Liberation Sans, which the text
// was measured with, then Arial, which has the same metrics, for viewers
// that lack it.
const sansFamily = "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;"

// renderSVG draws p with its legend below it and returns the SVG.
func renderSVG(p *plot.Plot, leg legend) ([]byte, error) {
	return renderPanels([]*plot.Plot{p}, leg)
}

// renderPanels draws the plots stacked top to bottom, their data areas
// aligned, plotHeight tall for a single plot and panelHeight each for
// several, with the legend in columns below them, and returns the SVG.
func renderPanels(plots []*plot.Plot, leg legend) ([]byte, error) {
	cols, legendHeight := leg.layout(chartWidth)
	height := plotHeight
	if len(plots) > 1 {
		height = panelHeight * vg.Length(len(plots))
	}
	gap := vg.Points(6)
	if legendHeight == 0 {
		gap = 0
	}
	c := vgsvg.New(chartWidth, height+gap+legendHeight)
	dc := draw.New(c)
	area := draw.Crop(dc, 0, -vg.Points(4), gap+legendHeight, -vg.Points(4))
	var left vg.Length
	if len(plots) == 1 {
		plots[0].Draw(area)
		left = plots[0].DataCanvas(area).Min.X
	} else {
		grid := make([][]*plot.Plot, len(plots))
		for i, p := range plots {
			grid[i] = []*plot.Plot{p}
		}
		canvases := plot.Align(grid, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(6)}, area)
		for i, p := range plots {
			p.Draw(canvases[i][0])
		}
		left = plots[0].DataCanvas(canvases[0][0]).Min.X
	}
	// The legend's columns start under the data area, or further left
	// when they need the room.
	colWidth := leg.columnWidth()
	left = max(vg.Points(4), min(left, chartWidth-vg.Length(len(cols))*colWidth))
	for i, col := range cols {
		x := left + vg.Length(i)*colWidth
		col.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: 0},
			Max: vg.Point{X: x + colWidth, Y: legendHeight},
		}})
	}
	return writeSVG(c)
}

// legend collects a chart's legend entries; renderPanels lays them out
// in columns below the plot.
type legend struct {
	entries []legendEntry
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

// Add adds an entry whose sample is the thumbnails drawn over each other.
func (l *legend) Add(name string, thumbs ...plot.Thumbnailer) {
	l.entries = append(l.entries, legendEntry{name, thumbs})
}

// Legend spacing, in points.
const (
	legendColumnGap = 14
	legendRowGap    = 2
	legendThumb     = 18
)

// newColumn returns an empty legend column with the charts' styling.
func newColumn() plot.Legend {
	col := plot.NewLegend()
	col.Top, col.Left = true, true
	col.TextStyle.Font = font.From(font.Font{Typeface: "Liberation", Variant: "Sans"}, legendFontSize)
	col.Padding = vg.Points(legendRowGap)
	col.ThumbnailWidth = vg.Points(legendThumb)
	return col
}

// columnWidth is the width of one column: the widest entry, with 15%
// spare (a viewer without Liberation Sans or Arial falls back to a wider
// font), and the gap to the next column.
func (l legend) columnWidth() vg.Length {
	col := newColumn()
	var w vg.Length
	for _, e := range l.entries {
		w = max(w, col.ThumbnailWidth+col.TextStyle.Rectangle(" "+e.name).Max.X)
	}
	return w*1.15 + vg.Points(legendColumnGap)
}

// layout splits the entries into as many columns of equal width as fit
// in width, filled top to bottom and then left to right, and returns
// them with the height they take; none and 0 for no entries.
func (l legend) layout(width vg.Length) ([]plot.Legend, vg.Length) {
	n := len(l.entries)
	if n == 0 {
		return nil, 0
	}
	perRow := max(1, min(n, int((width-vg.Points(8))/l.columnWidth())))
	rows := (n + perRow - 1) / perRow
	var cols []plot.Legend
	for i := 0; i < n; i += rows {
		col := newColumn()
		for _, e := range l.entries[i:min(n, i+rows)] {
			col.Add(e.name, e.thumbs...)
		}
		cols = append(cols, col)
	}
	entry := newColumn().TextStyle.Rectangle("Xg").Size().Y
	return cols, vg.Length(rows)*(entry+vg.Points(legendRowGap)) + vg.Points(2)
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

// logTicks places the ticks of a log axis: every power of ten labelled,
// and 2 and 5 times it too when the axis spans three decades or less (so
// that a short log axis still has a few labels); unlabelled minor ticks
// at the other multiples. Labels are as tickLabel writes them. It needs
// 0 < lo < hi.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0 && hi > lo) || math.IsInf(hi, 0) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo)}}
	}
	labelled := []float64{1}
	if hi/lo <= 1e3 {
		labelled = []float64{1, 2, 5}
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for m := 1.0; m < 10; m++ {
			v := m * math.Pow(10, e)
			// Round away the error of m × 10^e (3 × 0.1 is 0.30000000000000004).
			v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// flattenDecades is how many powers of ten the values of a sweep's delay
// or objects chart may span on a linear y axis. Beyond it the smallest
// would sit in the bottom tenth of the axis, their differences too small
// to read, and the axis turns logarithmic: every value keeps its place
// and the target's crossing stays where it is. (S3 objects per hour
// follow a power of the buffer size: straight lines on log axes. Cost
// charts clip their outliers instead: clipAbove.)
const flattenDecades = 1.0

// Log axes: a chart whose axis is logarithmic plots the base-10 (or
// base-2) logarithms of its values on a linear axis, and labels the ticks
// with the values themselves. gonum's LogScale is not used: it places the
// axis label at the arithmetic midpoint of the range, near the top end on
// a log scale, and pads the plot to fit it there, which cost a fifth of
// the plot's width.

// log10Ticks labels an axis of base-10 logarithms as logTicks labels the
// values.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	ticks := logTicks{}.Ticks(math.Pow(10, lo), math.Pow(10, hi))
	for i := range ticks {
		ticks[i].Value = math.Log10(ticks[i].Value)
	}
	return ticks
}

// useLog10Y makes p's y axis one of base-10 logarithms (log10Ticks) and
// says so in its label.
func useLog10Y(p *plot.Plot) {
	p.Y.Tick.Marker = log10Ticks{}
	p.Y.Label.Text += " (log scale)"
}

// log10Y returns xys with each y replaced by its base-10 logarithm,
// leaving out the points with y ≤ 0, which a log axis cannot show.
func log10Y(xys plotter.XYs) plotter.XYs {
	var out plotter.XYs
	for _, xy := range xys {
		if xy.Y > 0 {
			out = append(out, plotter.XY{X: xy.X, Y: math.Log10(xy.Y)})
		}
	}
	return out
}

// spansDecades reports whether positive values, all above zero, spread
// over more than decades powers of ten (largest ÷ smallest): then a
// linear axis would flatten the small ones, and a log axis shows them
// all. False when any value is zero or less, which a log axis cannot show.
func spansDecades(values []float64, decades float64) bool {
	lo, hi := math.Inf(1), 0.0
	for _, v := range values {
		if !(v > 0) {
			return false
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi > 0 && math.Log10(hi/lo) > decades
}

// tickLabel formats a tick value: 2500 → "2,500", 0.25 → "0.25".
func tickLabel(v float64) string {
	if math.Abs(v) < 1e-9 {
		v = 0
	}
	// Ticks are multiples of a step, which floating point does not hold
	// exactly (3 × 0.2 is 0.6000000000000001): 12 significant figures are
	// more than any axis needs.
	v, _ = strconv.ParseFloat(strconv.FormatFloat(v, 'g', 12, 64), 64)
	return group(strconv.FormatFloat(v, 'f', -1, 64))
}
