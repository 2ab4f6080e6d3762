package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// PlanCharts draws the plan: the load on each shard at the peak against
// the target, and for each replay, demand against capacity with its
// scalings (with the open shards and the iterator age below).
func PlanCharts(p *Plan) ([]Chart, error) {
	c, err := plotChart(planShardChart(p))
	if err != nil {
		return nil, err
	}
	charts := []Chart{c}
	if len(p.Replays) > 0 {
		c, err := plotChart(planHeatChart(p))
		if err != nil {
			return nil, err
		}
		charts = append(charts, c)
	}
	for _, r := range p.Replays {
		c, err := panelChart(replayChart(r))
		if err != nil {
			return nil, err
		}
		charts = append(charts, c)
	}
	return charts, nil
}

// planShardChart is the utilisation of each shard at the peak, in hash key
// order, with the target and the limit.
func planShardChart(p *Plan) (string, *plot.Plot, plot.Legend, error) {
	const title = "Load per shard at the peak (% of one shard's write limit)"
	pl, leg := newPlot(title, "% of the limit")
	pl.X.Label.Text = "shard, in hash key order"
	xys := make(plotter.XYs, len(p.Shards))
	for i, s := range p.Shards {
		xys[i] = plotter.XY{X: float64(i), Y: 100 * s.Utilization}
	}
	bars, err := plotter.NewBarChart(yValues(xys), vg.Points(max(2, 400/float64(max(len(xys), 1)))))
	if err != nil {
		return title, pl, leg, err
	}
	bars.Color = palette[0]
	bars.LineStyle.Width = 0
	pl.Add(bars)
	leg.Add("shard", bars)
	n := float64(max(len(p.Shards)-1, 1))
	err = addLines(pl, &leg, []series{
		{name: fmt.Sprintf("target (%.0f%%)", 100*p.Headroom), xys: plotter.XYs{{X: 0, Y: 100 * p.Headroom}, {X: n, Y: 100 * p.Headroom}}, color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "limit (100%)", xys: plotter.XYs{{X: 0, Y: 100}, {X: n, Y: 100}}, color: red, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
	})
	fixRange(pl, true)
	return title, pl, leg, err
}

func yValues(xys plotter.XYs) plotter.Values {
	v := make(plotter.Values, len(xys))
	for i, xy := range xys {
		v[i] = xy.Y
	}
	return v
}

// replayChart is one replay: demand, accepted and capacity per minute
// (records/s) on top, the open shards and the iterator age below.
func replayChart(r PlanReplay) (string, []panel, error) {
	title := fmt.Sprintf("Replay, %s: demand against capacity (records/s)", r.Policy)
	top, topLeg := newPlot(title, "records/s")
	top.X.Label.Text = "minutes since start"
	minutes := func(f func(PlanReplayMinute) float64) plotter.XYs {
		xys := make(plotter.XYs, len(r.Minutes))
		for i, m := range r.Minutes {
			xys[i] = plotter.XY{X: float64(m.Minute), Y: f(m)}
		}
		return xys
	}
	// Records per second: the minute's sums over 60.
	perMin := func(f func(PlanReplayMinute) float64) plotter.XYs {
		return minutes(func(m PlanReplayMinute) float64 { return f(m) / 60 })
	}
	err := addLines(top, &topLeg, []series{
		{name: "capacity", xys: perMin(func(m PlanReplayMinute) float64 { return m.CapacityRecords }), color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "demand", xys: perMin(func(m PlanReplayMinute) float64 { return m.Demand }), color: palette[0]},
		{name: "accepted", xys: perMin(func(m PlanReplayMinute) float64 { return m.Accepted }), color: palette[4]},
		{name: "throttled", xys: perMin(func(m PlanReplayMinute) float64 { return m.Throttled }), color: palette[2]},
	})
	if err != nil {
		return title, nil, err
	}
	fixRange(top, true)
	// Each scaling as a vertical line at the minute it was called.
	for i, e := range r.Events {
		x := e.AtS / 60
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: top.Y.Min}, {X: x, Y: top.Y.Max}})
		if err != nil {
			return title, nil, err
		}
		l.Color, l.Width, l.Dashes = palette[6], vg.Points(1), []vg.Length{vg.Points(2), vg.Points(2)}
		top.Add(l)
		if i == 0 {
			topLeg.Add("UpdateShardCount", l)
		}
	}
	bottom, bottomLeg := newPlot("", "shards / iterator age (s)")
	bottom.X.Label.Text = "minutes since start"
	err = addLines(bottom, &bottomLeg, []series{
		{name: "open shards", xys: minutes(func(m PlanReplayMinute) float64 { return float64(m.Shards) }), color: palette[1], width: vg.Points(2)},
		{name: "iterator age (s)", xys: minutes(func(m PlanReplayMinute) float64 { return m.IteratorAgeS }), color: palette[3]},
	})
	fixRange(bottom, true)
	return title, []panel{{top, topLeg}, {bottom, bottomLeg}}, err
}

var planTmpl = template.Must(template.New("plan").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>spillway plan: {{.Name}}</title>
<style>body{font-family:"Liberation Sans",Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222}
pre{background:#f8f8f8;padding:1em;overflow:auto}</style></head>
<body><h1>Plan: {{.Name}}</h1>
<pre>{{.Text}}</pre>
{{range .Charts}}<figure>{{.}}</figure>{{end}}
</body></html>
`))

// WritePlanHTML writes one self-contained page: the plan as text and its
// charts.
func WritePlanHTML(w io.Writer, p *Plan) error {
	charts, err := PlanCharts(p)
	if err != nil {
		return err
	}
	var text bytes.Buffer
	if err := WritePlanText(&text, p); err != nil {
		return err
	}
	svgs := make([]template.HTML, len(charts))
	for i, c := range charts {
		svgs[i] = template.HTML(inlineSVG(c.SVG)) // gonum's own output, names escaped by it
	}
	return planTmpl.Execute(w, map[string]any{"Name": p.Scenario, "Text": text.String(), "Charts": svgs})
}

// loadGrid is the load on each shard per minute of a replay's profile, as
// a fraction of the shard's write limit: the shard's load at the peak
// scaled by the minute's highest demand (shares of a fixed shard map scale
// with the rate).
type loadGrid struct {
	util   []float64 // per shard, at the peak
	demand []float64 // each minute's highest records/s
	peak   float64   // the profile's peak, records/s
}

func (g loadGrid) Dims() (c, r int) { return len(g.demand), len(g.util) }
func (g loadGrid) Z(c, r int) float64 {
	if g.peak == 0 {
		return 0
	}
	return g.util[r] * g.demand[c] / g.peak
}
func (g loadGrid) X(c int) float64 { return float64(c) }
func (g loadGrid) Y(r int) float64 { return float64(r) }

// planHeatChart is each of the scenario's shards over the profile: how
// much of its write limit the demand asks of it, minute by minute. Above
// the limit is drawn black. It needs a replay for the profile's minutes.
func planHeatChart(p *Plan) (string, *plot.Plot, plot.Legend, error) {
	const title = "Load per shard over the profile (blue 0% to red 100% of the write limit; black: above it)"
	pl, leg := newPlot(title, "shard, in hash key order")
	pl.X.Label.Text = "minutes since start"
	if len(p.Replays) == 0 || len(p.Shards) == 0 {
		fixRange(pl, true)
		return title, pl, leg, nil
	}
	g := loadGrid{}
	for _, s := range p.Shards {
		g.util = append(g.util, s.Utilization)
	}
	for _, m := range p.Replays[0].Minutes {
		g.demand = append(g.demand, m.PeakDemand)
	}
	g.peak = p.PeakRecordsPerSec
	cm := moreland.SmoothBlueRed()
	cm.SetMin(0)
	cm.SetMax(1)
	hm := plotter.NewHeatMap(g, cm.Palette(64))
	hm.Min, hm.Max = 0, 1
	hm.Overflow = black
	pl.Add(hm)
	return title, pl, leg, nil
}
