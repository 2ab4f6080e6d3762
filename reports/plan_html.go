package reports

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/spillway-dev/spillway/model"
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
func planShardChart(p *Plan) (string, *plot.Plot, legend, error) {
	const title = "Load per shard at the peak (% of one shard's write limit)"
	pl, leg := newPlot("% of the limit")
	pl.X.Label.Text = "shard, in hash key order"
	xys := make(plotter.XYs, len(p.Shards))
	for i, s := range p.Shards {
		xys[i] = plotter.XY{X: float64(i), Y: 100 * s.Utilization}
	}
	// Bars three quarters as wide as the room each shard has.
	bars, err := plotter.NewBarChart(yValues(xys), vg.Points(max(1, 0.75*300/float64(max(len(xys), 1)))))
	if err != nil {
		return title, pl, leg, err
	}
	bars.Color = palette[0]
	bars.LineStyle.Width = 0
	pl.Add(bars)
	leg.Add("shard", bars)
	lo, hi := -0.5, float64(len(p.Shards))-0.5
	err = addLines(pl, &leg, []series{
		{name: fmt.Sprintf("target (%.0f%%)", 100*p.Headroom), xys: plotter.XYs{{X: lo, Y: 100 * p.Headroom}, {X: hi, Y: 100 * p.Headroom}}, color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "limit (100%)", xys: plotter.XYs{{X: lo, Y: 100}, {X: hi, Y: 100}}, color: red, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
	})
	pl.X.Tick.Marker = wholeTicks{}
	fixRange(pl, true)
	return title, pl, leg, err
}

// wholeTicks is niceTicks without the ticks between whole numbers, for
// an axis that counts (shards in hash key order).
type wholeTicks struct{}

func (wholeTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (niceTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			ticks = append(ticks, t)
		}
	}
	return ticks
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
func replayChart(r PlanReplay) (string, []*plot.Plot, legend, error) {
	title := fmt.Sprintf("Replay, %s: demand against capacity (records/s)", r.Policy)
	top, leg := newPlot("records/s")
	top.X.Label.Text = ""
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
	err := addLines(top, &leg, []series{
		{name: "capacity", xys: perMin(func(m PlanReplayMinute) float64 { return m.CapacityRecords }), color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
		{name: "demand", xys: perMin(func(m PlanReplayMinute) float64 { return m.Demand }), color: palette[0]},
		{name: "accepted", xys: perMin(func(m PlanReplayMinute) float64 { return m.Accepted }), color: palette[4]},
		{name: "throttled", xys: perMin(func(m PlanReplayMinute) float64 { return m.Throttled }), color: palette[2]},
	})
	if err != nil {
		return title, nil, leg, err
	}
	fixRange(top, true)
	// Each scaling as a vertical line at the minute it was called.
	for i, e := range r.Events {
		x := e.AtS / 60
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: top.Y.Min}, {X: x, Y: top.Y.Max}})
		if err != nil {
			return title, nil, leg, err
		}
		l.Color, l.Width, l.Dashes = palette[6], vg.Points(1), []vg.Length{vg.Points(2), vg.Points(2)}
		top.Add(l)
		if i == 0 {
			leg.Add("UpdateShardCount", l)
		}
	}
	bottom, _ := newPlot("shards / iterator age (s)")
	bottom.X.Label.Text = "minutes since start"
	err = addLines(bottom, &leg, []series{
		{name: "open shards", xys: minutes(func(m PlanReplayMinute) float64 { return float64(m.Shards) }), color: palette[1], width: vg.Points(2)},
		{name: "iterator age (s)", xys: minutes(func(m PlanReplayMinute) float64 { return m.IteratorAgeS }), color: palette[3]},
	})
	fixRange(bottom, true)
	// One time axis for both.
	lo, hi := min(top.X.Min, bottom.X.Min), max(top.X.Max, bottom.X.Max)
	top.X.Min, top.X.Max, bottom.X.Min, bottom.X.Max = lo, hi, lo, hi
	return title, []*plot.Plot{top, bottom}, leg, err
}

// WritePlanHTML writes one self-contained page: the plan's figures as
// tables (the sizing formula term by term, the load on each shard, hot
// keys, the resharding steps with their aws commands, the autoscaling
// alarms, the replays) and its charts. It reads on a 420 px wide screen.
func WritePlanHTML(w io.Writer, p *Plan) error {
	charts, err := PlanCharts(p)
	if err != nil {
		return err
	}
	return writePage(w, "page_plan.html.tmpl", planPage(p, figures(charts...)))
}

// planView is what the plan page shows, laid out (page_plan.html.tmpl).
type planView struct {
	P                       *Plan
	Summary, Peak           string
	Required, Shards        table
	HotKeys                 table
	ReshardNote             string
	Actions                 []planActionView
	Autoscaling             []string
	Alarms                  table
	OnDemand                string
	OnDemandOK              bool
	Replays                 table
	ReplayNote, ReplayTitle string
	Cost                    string
	Charts                  []figure
}

// planActionView is one resharding step.
type planActionView struct {
	Title, Why, Command string
}

// planPage lays out p with its charts.
func planPage(p *Plan, charts []figure) planView {
	r := p.RequiredShards
	v := planView{
		P:       p,
		Summary: fmt.Sprintf("%d shards, bound by %s", r.Total, bindingWords[r.Binding]),
		Peak:    planPeak(p),
		Charts:  charts,
	}
	v.Required = table{Class: "required", Head: header("term", "needed", "shards")}
	term := func(name string, exact float64, shards int) {
		v.Required.Rows = append(v.Required.Rows, row{Cells: []cell{textCell(name), numCell(fmt.Sprintf("%.2f", exact)), numCell(strconv.Itoa(shards))}})
	}
	term(bindingWords[model.BindingWriteBytes], r.WriteBytesExact, r.WriteBytes)
	term(bindingWords[model.BindingWriteRecords], r.WriteRecordsExact, r.WriteRecords)
	term(bindingWords[model.BindingRead], r.ReadExact, r.Read)
	if r.CatchUpExact > 0 {
		term(bindingWords[model.BindingCatchUp], r.CatchUpExact, r.CatchUp)
	}

	v.Shards = table{Class: "shards", Head: append(header("shard", "records/s", "MiB/s", "utilisation"), textCell("top key"))}
	for _, s := range p.Shards {
		rw := row{Cells: []cell{codeCell(s.ShardID), numCell(whole(s.RecordsPerSec)),
			numCell(fmt.Sprintf("%.2f", s.BytesPerSec/(1<<20))), numCell(pct0(s.Utilization)), textCell(topKeyLabel(s))}}
		if s.Utilization > p.Headroom {
			rw.Class = "hotrow"
		}
		v.Shards.Rows = append(v.Shards.Rows, rw)
	}

	v.HotKeys = table{Class: "hot-keys", Head: []cell{textCell("key"), textCell("shard"), numCell("records/s"), numCell("MiB/s"), textCell("")}}
	for _, h := range p.HotKeys {
		rw := row{Cells: []cell{codeCell(h.Key), codeCell(h.ShardID), numCell(whole(h.RecordsPerSec)),
			numCell(fmt.Sprintf("%.2f", h.BytesPerSec/(1<<20))), textCell(hotKeyVerdict(h))}}
		if h.Unfixable {
			rw.Class = "hotrow"
		}
		v.HotKeys.Rows = append(v.HotKeys.Rows, rw)
	}

	v.ReshardNote = cmp.Or(noReshardNote(p), "One step at a time: each waits for the stream to be ACTIVE again.")
	for _, a := range p.Actions {
		v.Actions = append(v.Actions, planActionView{a.Action + " " + cmp.Or(a.ShardID, "the new child"), a.Why, a.Command})
	}

	if a := p.Autoscaling; a != nil {
		v.Autoscaling = []string{
			fmt.Sprintf("Between %d and %d shards; the thresholds are for %d shards: update them after each step.", a.MinShards, a.MaxShards, p.RequiredShards.Total),
			fmt.Sprintf("Steps: ×%g out, ×%g in (UpdateShardCount allows double to half); cooldown %v after a scale-out, %v between scale-ins (at most %d scalings a rolling 24 h).",
				a.ScaleOutFactor, a.ScaleInFactor, time.Duration(a.CooldownOutS*float64(time.Second)), time.Duration(a.CooldownInS*float64(time.Second)), a.MaxPer24h),
			"Scale in only when both scale-in alarms are on (a composite alarm: autoscaling.scale_in_composite); the alarms as put-metric-alarm input are in spillway plan --json, autoscaling.*.cloudwatch.",
		}
		v.Alarms = table{Class: "alarms", Head: []cell{textCell("alarm"), textCell("metric"), numCell("threshold"), numCell("of the limit"), numCell("minutes")}}
		for _, al := range append(append([]PlanAlarm(nil), a.ScaleOut...), a.ScaleIn...) {
			v.Alarms.Rows = append(v.Alarms.Rows, row{Cells: []cell{codeCell(al.Name), textCell(al.Metric + " Sum/min"),
				numCell(alarmThreshold(al)), numCell(pct0(al.Utilization)),
				numCell(fmt.Sprintf("%d of %d", al.DatapointsToAlarm, al.EvaluationPeriods))}})
		}
	}
	if od := p.OnDemand; od != nil {
		v.OnDemandOK = od.WithinDoubling
		v.OnDemand = capitalize(onDemandWords(od)) + "."
	}
	if len(p.Replays) > 0 {
		v.ReplayTitle = fmt.Sprintf("Replay of the rate profile in virtual time, second by second (%d minutes)", len(p.Replays[0].Minutes))
		v.ReplayNote = "throttled: attempts refused ÷ attempts; failed: records given up after the producer's attempts; cost: shard-hours and PUT payload units (on-demand: stream-hours and ingest), us-east-1."
		v.Replays = table{Class: "replays", Head: append(header("policy", "shards", "scalings", "throttled", "failed", "cost"), textCell("rules"))}
		for _, r := range p.Replays {
			rules := replayRules(r)
			shards := strconv.Itoa(r.StartShards)
			if r.MaxShards != r.StartShards {
				shards = fmt.Sprintf("%d to %d", r.StartShards, r.MaxShards)
			}
			v.Replays.Rows = append(v.Replays.Rows, row{Cells: []cell{textCell(r.Policy), numCell(shards), numCell(strconv.Itoa(len(r.Events))),
				numCell(fmt.Sprintf("%.3f%%", 100*r.ThrottleRatio)), numCell(fmt.Sprintf("%.3f%%", 100*r.FailedRatio)),
				numCell("$" + usd(r.CostUSD)), textCell(rules)}})
		}
	}
	if s := monthCostWords(p); s != "" {
		v.Cost = s + "."
	}
	return v
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
func planHeatChart(p *Plan) (string, *plot.Plot, legend, error) {
	const title = "Load per shard over the profile (blue 0% to red 100% of the write limit; black: above it)"
	pl, leg := newPlot("shard, in hash key order")
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
