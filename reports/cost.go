package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// Pricing modes, as RunCost.Mode names them.
const (
	RunCostProvisioned = "provisioned"
	RunCostOnDemand    = "on-demand"
	RunCostFirehose    = "firehose"
)

// RunCostOf prices the run r at p, the prices of region: what its writes
// cost over its duration and what the same traffic would cost for 730
// hours. What is priced follows the target: a Firehose run (target
// "firehose" or "sim-firehose", or a scenario with a Direct PUT firehose
// section) its Firehose ingestion, with format
// conversion, dynamic partitioning and the objects delivered when the
// scenario has them; a Kinesis run (sim or kinesis) in on-demand mode the
// on-demand Standard stream-hours and ingest; otherwise the provisioned
// shard-hours, for the mean of the shards open in each second, and the PUT
// payload units. Hourly charges are prorated to the run's duration, not
// rounded up to whole hours. Records are billed at the mean acked size,
// BytesAcked ÷ Acked rounded up to a byte: exact for a fixed size, and for
// a size distribution an estimate that can fall below the sum of each
// record's own rounding. A Firehose run's size includes the partition key,
// which Firehose does not receive. It is an error for a run of no
// duration.
func RunCostOf(r *Results, region string, p model.Prices) (*RunCost, error) {
	if !(r.DurationS > 0) {
		return nil, errors.New("the run has no duration to price")
	}
	hours := r.DurationS / 3600
	perMonth := model.HoursPerMonth / hours
	c := &RunCost{Region: region, PricesAsOf: p.AsOf, Hours: hours}
	acked := float64(r.Totals.Acked)
	var size int64
	if r.Totals.Acked > 0 {
		size = int64(math.Ceil(float64(r.Totals.BytesAcked) / acked))
	}
	var month []model.CostLine
	switch {
	case r.Target == "firehose" || r.Target == "sim-firehose" ||
		(r.Scenario.Firehose != nil && r.Scenario.Firehose.Source == scenarios.FirehoseDirectPut):
		c.Mode = RunCostFirehose
		u := model.FirehoseUsage{Records: acked, BilledBytes: acked * float64(model.FirehoseBilledBytes(size)), Hours: hours}
		if f := r.Scenario.Firehose; f != nil {
			u.FormatConversion, u.DynamicPartitioning = f.FormatConversion, f.PartitionBy != ""
		}
		if d := r.Delivery; d != nil {
			u.Objects = float64(d.Objects)
		}
		m := u
		m.Records, m.BilledBytes, m.Objects, m.Hours = u.Records*perMonth, u.BilledBytes*perMonth, u.Objects*perMonth, model.HoursPerMonth
		c.Lines, month = p.FirehoseMonthly(u), p.FirehoseMonthly(m)
	case r.Scenario.Stream.Mode == scenarios.StreamOnDemand:
		c.Mode = RunCostOnDemand
		u := model.KDSUsage{Records: acked, OnDemandBilledBytes: acked * float64(model.OnDemandBilledBytes(size)), Hours: hours}
		m := u
		m.Records, m.OnDemandBilledBytes, m.Hours = u.Records*perMonth, u.OnDemandBilledBytes*perMonth, model.HoursPerMonth
		c.Lines, month = p.OnDemandMonthly(u), p.OnDemandMonthly(m)
	default:
		c.Mode = RunCostProvisioned
		c.Shards = meanOpenShards(r)
		u := model.KDSUsage{Shards: c.Shards, Records: acked, PutPayloadUnits: acked * float64(model.PutPayloadUnits(size)), Hours: hours}
		m := u
		m.Records, m.PutPayloadUnits, m.Hours = u.Records*perMonth, u.PutPayloadUnits*perMonth, model.HoursPerMonth
		c.Lines, month = p.ProvisionedMonthly(u), p.ProvisionedMonthly(m)
	}
	c.RunUSD, c.MonthlyUSD = model.TotalUSD(c.Lines), model.TotalUSD(month)
	return c, nil
}

// meanOpenShards is the mean over the run's seconds of the shards open in
// each; the scenario's stream.shards for a run without seconds or shards.
func meanOpenShards(r *Results) float64 {
	if len(r.Series) == 0 || len(r.PerShard) == 0 {
		return float64(r.Scenario.Stream.Shards)
	}
	sum, open := 0, openShards(r)
	for i := range r.Series {
		sum += open(i)
	}
	return float64(sum) / float64(len(r.Series))
}

// runCostLine describes a run's cost in one line.
func runCostLine(c *RunCost) string {
	what := map[string]string{
		RunCostProvisioned: fmt.Sprintf("provisioned: shard-hours of %s shards prorated to the run, PUT payload units", num(math.Round(c.Shards*100)/100)),
		RunCostOnDemand:    "on-demand: stream-hours prorated to the run, ingest",
		RunCostFirehose:    "Firehose ingestion",
	}[c.Mode]
	if what == "" {
		what = c.Mode
	}
	return fmt.Sprintf("$%s this run, $%s a month at this rate (%s; %s prices, writes only)",
		dollars(c.RunUSD), usd(c.MonthlyUSD), what, c.Region)
}

// dollars formats a dollar amount: two decimals, or two significant
// digits below a cent (0.000055) so that a short run's cost does not show
// as 0.00.
func dollars(f float64) string {
	if f > 0 && f < 0.01 {
		decimals := 1 - int(math.Floor(math.Log10(f)))
		return strconv.FormatFloat(f, 'f', decimals, 64)
	}
	return usd(f)
}

// CostSchema is the value of Cost.Schema for this version of the format.
const CostSchema = "spillway.cost/v1"

// Cost is the outcome of `spillway cost`: a month (730 hours) of a
// scenario's traffic at its mean rate, priced under provisioned, on-demand
// Standard and On-demand Advantage capacity modes, and Firehose when the
// scenario has a firehose section, line by line; and the throughput at
// which provisioned and on-demand Standard cost the same.
type Cost struct {
	Schema   string `json:"schema"`
	Tool     string `json:"tool"`
	Scenario string `json:"scenario"`
	// Source is the scenario's file.
	Source string `json:"source,omitempty"`
	// Region is the Region priced, with its Prices.
	Region string       `json:"region"`
	Prices model.Prices `json:"prices"`
	// Hours is the hours priced: model.HoursPerMonth.
	Hours   float64     `json:"hours"`
	Traffic CostTraffic `json:"traffic"`
	// Shards is the provisioned shards priced: model.PlanShards at the
	// peak with Traffic.Headroom. Zero when the records do not reach a
	// Kinesis stream.
	Shards int `json:"shards,omitempty"`
	// Cost is each mode's monthly total in USD; Lines, its lines.
	Cost  CostTotals `json:"cost"`
	Lines CostLines  `json:"lines"`
	// RangeMaxRecordsPerSec is the top of the throughput range searched
	// for a break-even and charted: four times the mean rate.
	RangeMaxRecordsPerSec float64 `json:"range_max_records_per_sec"`
	// BreakEven is the lowest throughput in the range at which provisioned
	// and on-demand Standard cost the same; null when there is none.
	BreakEven *CostBreakEven `json:"break_even"`
}

// CostTraffic is what Cost prices: the mean rate, the per-record billing
// of the scenario's record sizes, its readers and its retention.
type CostTraffic struct {
	// MeanRecordsPerSec is the rate priced, in records per second:
	// ScheduleRecords ÷ ScheduleSeconds, the mean over the rate profile.
	MeanRecordsPerSec float64 `json:"mean_records_per_sec"`
	ScheduleRecords   int64   `json:"schedule_records"`
	ScheduleSeconds   float64 `json:"schedule_seconds"`
	// PeakRecordsPerSec is the profile's peak, which sizes the provisioned
	// stream; at another throughput the peak scales with it.
	PeakRecordsPerSec float64 `json:"peak_records_per_sec"`
	// BytesPerRecord is the mean record size, data plus partition key, in
	// bytes; KiBPerRecord the mean of each size rounded up to a KiB, for
	// the sizing formula.
	BytesPerRecord float64 `json:"bytes_per_record"`
	KiBPerRecord   float64 `json:"kib_per_record"`
	// PutPayloadUnitsPerRecord, OnDemandBilledBytesPerRecord and
	// FirehoseBilledBytesPerRecord are the means over the size
	// distribution of model.PutPayloadUnits, model.OnDemandBilledBytes
	// (data plus key) and model.FirehoseBilledBytes (data only).
	PutPayloadUnitsPerRecord     float64 `json:"put_payload_units_per_record"`
	OnDemandBilledBytesPerRecord float64 `json:"on_demand_billed_bytes_per_record"`
	FirehoseBilledBytesPerRecord float64 `json:"firehose_billed_bytes_per_record,omitempty"`
	// PollingConsumers and EFOConsumers read every record: polling reads
	// are free in provisioned mode and billed as retrieval on-demand; each
	// fan-out consumer pays consumer-shard-hours (provisioned) and
	// fan-out retrieval.
	PollingConsumers int `json:"polling_consumers"`
	EFOConsumers     int `json:"efo_consumers"`
	// RetentionHours is stream.retention in hours (24 for the default).
	RetentionHours float64 `json:"retention_hours"`
	// Headroom is the fraction of each shard limit the provisioned stream
	// is sized to use at the peak.
	Headroom float64 `json:"headroom"`
	// Kinesis is whether the records reach a Kinesis stream: false for a
	// Direct PUT Firehose, which is priced alone.
	Kinesis bool `json:"kinesis"`
	// Firehose is the scenario's Firehose options; nil without a firehose
	// section.
	Firehose *CostFirehose `json:"firehose,omitempty"`
}

// CostFirehose is what of a firehose section changes its price.
type CostFirehose struct {
	// Source is direct_put or kinesis.
	Source              string `json:"source"`
	FormatConversion    bool   `json:"format_conversion"`
	DynamicPartitioning bool   `json:"dynamic_partitioning"`
	// ObjectsPerHour is the S3 objects the stream delivers an hour at the
	// scenario's rate, from its delivery model (spillway sweep's engine)
	// with the scenario's buffer settings, for the per-object charges; it
	// is kept at that rate across the chart's range.
	ObjectsPerHour float64 `json:"objects_per_hour"`
}

// CostTotals is each mode's monthly cost in US dollars; absent for a mode
// that does not apply (the Kinesis modes for a Direct PUT Firehose,
// Firehose without a firehose section). Firehose is in addition to the
// stream's mode when it reads a Kinesis stream.
type CostTotals struct {
	Provisioned       *float64 `json:"provisioned,omitempty"`
	OnDemand          *float64 `json:"on_demand,omitempty"`
	OnDemandAdvantage *float64 `json:"on_demand_advantage,omitempty"`
	Firehose          *float64 `json:"firehose,omitempty"`
}

// CostLines is each mode's lines, absent as CostTotals' totals are.
type CostLines struct {
	Provisioned       []model.CostLine `json:"provisioned,omitempty"`
	OnDemand          []model.CostLine `json:"on_demand,omitempty"`
	OnDemandAdvantage []model.CostLine `json:"on_demand_advantage,omitempty"`
	Firehose          []model.CostLine `json:"firehose,omitempty"`
}

// CostBreakEven is a throughput at which provisioned and on-demand
// Standard cost the same.
type CostBreakEven struct {
	// RecordsPerSec is the lowest such throughput in the range.
	RecordsPerSec float64 `json:"records_per_sec"`
	// CheaperBelow and CheaperAbove name the cheaper mode just below and
	// just above it: "provisioned" or "on_demand".
	CheaperBelow string `json:"cheaper_below"`
	CheaperAbove string `json:"cheaper_above"`
	// Crossings is how many times the cheaper mode changes in the range
	// (provisioned cost rises in steps of a shard, so it can be several).
	Crossings int `json:"crossings"`
}

// costModes is a month of every mode's lines at one throughput.
type costModes struct {
	shards            int
	prov, od, adv, fh []model.CostLine
}

// costAt prices a month of t at x records per second, the peak scaled with
// it: the provisioned stream is sized for the peak, and retention stores
// x's bytes.
func costAt(p model.Prices, t CostTraffic, x float64) costModes {
	var m costModes
	records := x * 3600 * model.HoursPerMonth
	if t.Kinesis {
		peak := x
		if t.MeanRecordsPerSec > 0 {
			peak = t.PeakRecordsPerSec * x / t.MeanRecordsPerSec
		}
		m.shards = model.PlanShards(model.Demand{
			RecordsPerSec: peak, KiBPerRecord: t.KiBPerRecord, BytesPerRecord: t.BytesPerRecord,
			PollingConsumers: t.PollingConsumers, EFOConsumers: t.EFOConsumers, Headroom: t.Headroom,
		}).Total
		bytes := records * t.BytesPerRecord
		u := model.KDSUsage{
			Shards: float64(m.shards), Records: records,
			PutPayloadUnits:     records * t.PutPayloadUnitsPerRecord,
			OnDemandBilledBytes: records * t.OnDemandBilledBytesPerRecord,
			ReadBytes:           bytes * float64(t.PollingConsumers),
			EFOConsumers:        float64(t.EFOConsumers),
			EFOBytes:            bytes * float64(t.EFOConsumers),
			RetentionHours:      t.RetentionHours,
			StoredBytes:         model.StoredBytesFor(x*t.BytesPerRecord, t.RetentionHours),
		}
		provUsage := u
		provUsage.ReadBytes = 0 // GetRecords is free in provisioned mode
		m.prov, m.od, m.adv = p.ProvisionedMonthly(provUsage), p.OnDemandMonthly(u), p.OnDemandAdvantageMonthly(u)
	}
	if f := t.Firehose; f != nil {
		m.fh = p.FirehoseMonthly(model.FirehoseUsage{
			Records: records, BilledBytes: records * t.FirehoseBilledBytesPerRecord,
			FormatConversion: f.FormatConversion, DynamicPartitioning: f.DynamicPartitioning,
			Objects: f.ObjectsPerHour * model.HoursPerMonth,
		})
	}
	return m
}

// costRangeSteps is how many steps the break-even search scans the range
// in before refining each change of sign by bisection.
const costRangeSteps = 2000

// CostOf prices a month of t at the prices p of region; scenario and
// source name the scenario and its file, tool the spillway version.
func CostOf(scenario, source, tool, region string, p model.Prices, t CostTraffic) *Cost {
	c := &Cost{
		Schema: CostSchema, Tool: tool, Scenario: scenario, Source: source, Region: region, Prices: p,
		Hours: model.HoursPerMonth, Traffic: t, RangeMaxRecordsPerSec: 4 * t.MeanRecordsPerSec,
	}
	m := costAt(p, t, t.MeanRecordsPerSec)
	total := func(lines []model.CostLine) *float64 {
		v := model.TotalUSD(lines)
		return &v
	}
	if t.Kinesis {
		c.Shards = m.shards
		c.Cost.Provisioned, c.Cost.OnDemand, c.Cost.OnDemandAdvantage = total(m.prov), total(m.od), total(m.adv)
		c.Lines.Provisioned, c.Lines.OnDemand, c.Lines.OnDemandAdvantage = m.prov, m.od, m.adv
		c.BreakEven = c.breakEven()
	}
	if t.Firehose != nil {
		c.Cost.Firehose, c.Lines.Firehose = total(m.fh), m.fh
	}
	return c
}

// breakEven finds where provisioned minus on-demand Standard changes sign
// in [0, RangeMaxRecordsPerSec]: a scan of costRangeSteps steps, each
// change refined by bisection. Provisioned cost jumps at each added shard,
// so a change of sign can be at a jump rather than a crossing of lines.
func (c *Cost) breakEven() *CostBreakEven {
	hi := c.RangeMaxRecordsPerSec
	if !(hi > 0) {
		return nil
	}
	provCheaper := func(x float64) bool {
		m := costAt(c.Prices, c.Traffic, x)
		return model.TotalUSD(m.prov) < model.TotalUSD(m.od)
	}
	var be *CostBreakEven
	prevX, prev := 0.0, provCheaper(0)
	for i := 1; i <= costRangeSteps; i++ {
		x := hi * float64(i) / costRangeSteps
		cur := provCheaper(x)
		if cur != prev {
			if be == nil {
				lo, up := prevX, x
				for range 60 {
					mid := (lo + up) / 2
					if provCheaper(mid) == prev {
						lo = mid
					} else {
						up = mid
					}
				}
				be = &CostBreakEven{RecordsPerSec: up, CheaperBelow: modeName(prev), CheaperAbove: modeName(cur)}
			}
			be.Crossings++
		}
		prevX, prev = x, cur
	}
	return be
}

func modeName(provCheaper bool) string {
	if provCheaper {
		return "provisioned"
	}
	return "on_demand"
}

// WriteJSON writes c as indented JSON.
func (c *Cost) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// quantity formats a line's quantity: whole numbers with separators,
// others to two decimals, or four significant digits below 1.
func quantity(f float64) string {
	switch {
	case f == math.Trunc(f):
		return group(strconv.FormatFloat(f, 'f', 0, 64))
	case math.Abs(f) < 1:
		return strconv.FormatFloat(f, 'g', 4, 64)
	}
	return group(strconv.FormatFloat(f, 'f', 2, 64))
}

// rate formats records per second with separators, to one decimal below
// 10.
func rate(f float64) string {
	if f < 10 && f != math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return group(strconv.FormatFloat(f, 'f', 0, 64))
}

// costSection is one mode of a cost report: its title, monthly total and
// lines.
type costSection struct {
	title string
	total float64
	lines []model.CostLine
}

// costSections is the modes that apply to c, in order.
func (c *Cost) costSections() []costSection {
	var out []costSection
	add := func(title string, total *float64, lines []model.CostLine) {
		if total != nil {
			out = append(out, costSection{title, *total, lines})
		}
	}
	add(fmt.Sprintf("Provisioned, %d shards (sized for the peak at %.0f%% of each shard limit)", c.Shards, 100*c.Traffic.Headroom), c.Cost.Provisioned, c.Lines.Provisioned)
	add("On-demand Standard", c.Cost.OnDemand, c.Lines.OnDemand)
	add("On-demand Advantage (billed for at least the commitment)", c.Cost.OnDemandAdvantage, c.Lines.OnDemandAdvantage)
	if f := c.Traffic.Firehose; f != nil {
		title := "Firehose, Direct PUT"
		if f.Source == scenarios.FirehoseKinesis {
			title = "Firehose reading the stream (in addition to the stream's mode)"
		}
		add(title, c.Cost.Firehose, c.Lines.Firehose)
	}
	return out
}

// breakEvenLine says where provisioned and on-demand Standard cost the
// same, or that they do not in the range.
func (c *Cost) breakEvenLine() string {
	span := fmt.Sprintf("0 to %s records/s", rate(c.RangeMaxRecordsPerSec))
	if be := c.BreakEven; be != nil {
		s := fmt.Sprintf("break-even between provisioned and on-demand Standard: %s records/s (%s is cheaper below, %s above",
			rate(be.RecordsPerSec), strings.ReplaceAll(be.CheaperBelow, "_", "-"), strings.ReplaceAll(be.CheaperAbove, "_", "-"))
		if be.Crossings > 1 {
			s += fmt.Sprintf("; the cheaper mode changes %d times in %s as shards are added", be.Crossings, span)
		}
		return s + ")"
	}
	if c.Cost.Provisioned == nil {
		return "break-even between provisioned and on-demand Standard: none (no Kinesis stream)"
	}
	cheaper := "provisioned"
	if *c.Cost.OnDemand < *c.Cost.Provisioned {
		cheaper = "on-demand Standard"
	}
	return fmt.Sprintf("break-even between provisioned and on-demand Standard: none in range (%s): %s is cheaper throughout", span, cheaper)
}

// WriteCostText writes c as tables for a terminal.
func WriteCostText(w io.Writer, c *Cost) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	src := ""
	if c.Source != "" {
		src = " (" + c.Source + ")"
	}
	p("Monthly cost of %s%s: %s hours of its traffic at the mean rate\n", c.Scenario, src, num(c.Hours))
	for _, m := range costTrafficMeta(c) {
		p("  %-8s %s\n", strings.ToLower(m[0])+":", m[1])
	}

	sections := c.costSections()
	p("\n")
	rows := [][]string{{"Monthly cost", "USD"}}
	for _, s := range sections {
		rows = append(rows, []string{"  " + s.title, usd(s.total)})
	}
	writeTable(bw, rows, false)
	for _, s := range sections {
		p("\n%s: $%s a month\n", s.title, usd(s.total))
		rows := [][]string{{"  item", "quantity", "unit", "unit price", "USD"}}
		for _, l := range s.lines {
			rows = append(rows, append([]string{"  " + l.Item}, costLineCells(l)...))
		}
		writeTable(bw, rows, false)
	}
	p("\n%s\n", c.breakEvenLine())
	return bw.Flush()
}

// costChartPoints is how many throughputs the chart prices.
const costChartPoints = 400

// CostChart draws each mode's monthly cost against throughput, from 0 to
// RangeMaxRecordsPerSec records/s of the same records, with the
// scenario's mean rate and the break-even marked. The y axis is linear;
// a mode whose highest cost is an outlier among the modes' (clipAbove:
// On-demand Advantage's commitment can sit far above a small stream's
// bill) goes above it, named in the legend with its cost.
func CostChart(c *Cost) (Chart, error) {
	title := fmt.Sprintf("Monthly cost against throughput (USD; records of %.0f B)", c.Traffic.BytesPerRecord)
	p, leg := newPlot("USD per month")
	p.X.Label.Text = "records/s (mean rate; the peak scales with it)"
	hi := c.RangeMaxRecordsPerSec
	if !(hi > 0) {
		hi = 1
	}
	type mode struct {
		name  string
		pick  func(costModes) []model.CostLine
		color int
	}
	var modes []mode
	if c.Traffic.Kinesis {
		modes = append(modes,
			mode{"provisioned", func(m costModes) []model.CostLine { return m.prov }, 0},
			mode{"on-demand Standard", func(m costModes) []model.CostLine { return m.od }, 1},
			mode{"On-demand Advantage", func(m costModes) []model.CostLine { return m.adv }, 4})
	}
	if c.Traffic.Firehose != nil {
		modes = append(modes, mode{"Firehose", func(m costModes) []model.CostLine { return m.fh }, 6})
	}
	ys := make([]plotter.XYs, len(modes))
	tops := make([]float64, len(modes))
	for i := 0; i <= costChartPoints; i++ {
		x := hi * float64(i) / costChartPoints
		m := costAt(c.Prices, c.Traffic, x)
		for j, md := range modes {
			y := model.TotalUSD(md.pick(m))
			ys[j] = append(ys[j], plotter.XY{X: x, Y: y})
			tops[j] = max(tops[j], y)
		}
	}
	var lines []series
	for j, md := range modes {
		lines = append(lines, series{name: md.name, xys: ys[j], color: palette[md.color], width: vg.Points(2)})
	}
	top := clipAbove(tops)
	clipped := !math.IsInf(top, 1)
	if clipped {
		lines = clipLines(top, lines, func(v float64) string { return "$" + usd(v) })
	}
	if err := addLines(p, &leg, lines); err != nil {
		return Chart{}, err
	}
	fixRange(p, !clipped)
	if clipped {
		if err := addClipMarks(p, top, lines); err != nil {
			return Chart{}, err
		}
	}
	p.X.Min, p.X.Max = 0, hi
	vertical := func(name string, x float64, col color.Color, dash []vg.Length) error {
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: p.Y.Min}, {X: x, Y: p.Y.Max}})
		if err != nil {
			return err
		}
		l.Color, l.Width, l.Dashes = col, vg.Points(1.5), dash
		p.Add(l)
		leg.Add(name, l)
		return nil
	}
	if err := vertical(fmt.Sprintf("scenario: %s records/s", rate(c.Traffic.MeanRecordsPerSec)), c.Traffic.MeanRecordsPerSec, grey, []vg.Length{vg.Points(2), vg.Points(2)}); err != nil {
		return Chart{}, err
	}
	if be := c.BreakEven; be != nil {
		if err := vertical(fmt.Sprintf("break-even: %s records/s", rate(be.RecordsPerSec)), be.RecordsPerSec, red, []vg.Length{vg.Points(6), vg.Points(3)}); err != nil {
			return Chart{}, err
		}
	} else if c.Traffic.Kinesis {
		title += ": no break-even in range"
	}
	svg, err := renderSVG(p, leg)
	if err != nil {
		return Chart{}, err
	}
	return Chart{Title: title, SVG: svg}, nil
}

// billedPerRecord says what each record is billed at: PUT payload units
// and on-demand bytes for Kinesis, bytes for Firehose.
func billedPerRecord(t CostTraffic) []string {
	var billed []string
	if t.Kinesis {
		units := "units"
		if t.PutPayloadUnitsPerRecord == 1 {
			units = "unit"
		}
		billed = append(billed, fmt.Sprintf("%s PUT payload %s", quantity(t.PutPayloadUnitsPerRecord), units),
			quantity(t.OnDemandBilledBytesPerRecord)+" B on-demand")
	}
	if t.Firehose != nil {
		billed = append(billed, quantity(t.FirehoseBilledBytesPerRecord)+" B by Firehose (data only)")
	}
	return billed
}

// costLineCells are a cost line's quantity, unit, unit price and USD.
func costLineCells(l model.CostLine) []string {
	return []string{quantity(l.Quantity), l.Unit, "$" + strconv.FormatFloat(l.UnitPriceUSD, 'f', -1, 64), usd(l.USD)}
}

// costTrafficMeta is the description of what was priced, as term and
// value pairs: the cost page's, and the first lines of the text.
func costTrafficMeta(c *Cost) [][2]string {
	t := c.Traffic
	billed := billedPerRecord(t)
	meta := [][2]string{
		{"Rate", fmt.Sprintf("%s records/s, the mean over the profile (%s records ÷ %s s); peak %s records/s",
			rate(t.MeanRecordsPerSec), commas(t.ScheduleRecords), num(t.ScheduleSeconds), rate(t.PeakRecordsPerSec))},
		{"Records", fmt.Sprintf("%s B on average (data plus key), billed per record at %s", num(math.Round(t.BytesPerRecord)), strings.Join(billed, ", "))},
	}
	if t.Kinesis {
		meta = append(meta, [2]string{"Readers", fmt.Sprintf("%d polling, %d enhanced fan-out, each reading every record; retention %s h",
			t.PollingConsumers, t.EFOConsumers, num(t.RetentionHours))})
	}
	return append(meta,
		[2]string{"Prices", fmt.Sprintf("%s, as of %s", c.Region, orDash(c.Prices.AsOf))},
		[2]string{"Source", orDash(c.Prices.Source)})
}

// costSectionView is one mode of the cost page: its title, monthly total
// and lines.
type costSectionView struct {
	Title, Total string
	Lines        table
}

// WriteCostHTML writes one self-contained page: what was priced, each
// mode's monthly total and lines as tables, the break-even, and the chart
// of cost against throughput. It reads on a 420 px wide screen.
func WriteCostHTML(w io.Writer, c *Cost) error {
	chart, err := CostChart(c)
	if err != nil {
		return err
	}
	summary := fmt.Sprintf("A month (%s hours) of the scenario's traffic at its mean rate, priced in each capacity mode; the chart prices each throughput from 0 to %s records/s, four times the mean rate, with the same records, readers and retention.",
		num(c.Hours), rate(c.RangeMaxRecordsPerSec))
	totals := table{Class: "totals", Head: header("Monthly cost", "USD")}
	var sections []costSectionView
	for _, s := range c.costSections() {
		totals.Rows = append(totals.Rows, row{Cells: []cell{textCell(s.title), numCell(usd(s.total))}})
		lines := table{Class: "lines", Head: []cell{textCell("item"), numCell("quantity"), textCell("unit"), numCell("unit price"), numCell("USD")}}
		for _, l := range s.lines {
			cs := costLineCells(l)
			lines.Rows = append(lines.Rows, row{Cells: []cell{textCell(l.Item), numCell(cs[0]), textCell(cs[1]), numCell(cs[2]), numCell(cs[3])}})
		}
		sections = append(sections, costSectionView{s.title, usd(s.total), lines})
	}
	source := c.Scenario
	if c.Source != "" {
		source += " (" + c.Source + ")"
	}
	return writePage(w, "page_cost.html.tmpl", map[string]any{
		"Name": c.Scenario, "Scenario": source, "Summary": summary, "Meta": costTrafficMeta(c),
		"Totals": totals, "Sections": sections, "BreakEven": c.breakEvenLine(),
		"Charts": figures(chart),
	})
}
