package reports

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/spillway-dev/spillway/scenarios"
)

// SweepSchema is the value of Sweep.Schema for this version of the format.
const SweepSchema = "spillway.sweep/v1"

// Sweep is the outcome of `spillway sweep`: what each Firehose buffer
// setting does to delivery delay, objects and cost for one scenario's
// traffic, played in virtual time.
type Sweep struct {
	Schema   string             `json:"schema"`
	Tool     string             `json:"tool"`
	Seed     int64              `json:"seed"`
	Scenario scenarios.Scenario `json:"scenario"`
	// SpanS is the seconds of traffic played.
	SpanS float64 `json:"span_s"`
	// CompressionRatio is stored ÷ buffered bytes, measured by compressing
	// the scenario's payloads with the scenario's codec.
	CompressionRatio float64 `json:"compression_ratio"`
	// S3PutPer1000USD is the S3 request price used.
	S3PutPer1000USD float64 `json:"s3_put_per_1000_usd"`
	// DelayTargetMs is the p95 delivery delay to meet (0: no target).
	DelayTargetMs float64    `json:"delay_target_ms"`
	Points        []SweepRow `json:"points"`
	// Recommended is the index in Points of the cheapest setting whose p95
	// delay meets the target (ties: the lower delay), or -1.
	Recommended int `json:"recommended"`
}

// SweepRow is one buffer setting.
type SweepRow struct {
	BufferSizeBytes int64   `json:"buffer_size_bytes"`
	BufferIntervalS float64 `json:"buffer_interval_s"`
	Records         int64   `json:"records"`
	Throttled       int64   `json:"throttled"`
	Objects         int64   `json:"objects"`
	ObjectsPerHour  float64 `json:"objects_per_hour"`
	MeanObjectBytes float64 `json:"mean_object_bytes"`
	MeanStoredBytes float64 `json:"mean_stored_bytes"`
	S3PutRequests   int64   `json:"s3_put_requests"`
	DelayMeanMs     float64 `json:"delay_mean_ms"`
	DelayP50Ms      float64 `json:"delay_p50_ms"`
	DelayP95Ms      float64 `json:"delay_p95_ms"`
	DelayMaxMs      float64 `json:"delay_max_ms"`
	// FirehoseMonthlyUSD is the Firehose charge for a month of this
	// traffic (730 h); S3PutMonthlyUSD the S3 request charge for its
	// objects; MonthlyUSD their sum, which the recommendation minimises.
	FirehoseMonthlyUSD float64 `json:"firehose_monthly_usd"`
	S3PutMonthlyUSD    float64 `json:"s3_put_monthly_usd"`
	MonthlyUSD         float64 `json:"monthly_usd"`
	// Err says why the setting is not allowed ("" when it is).
	Err string `json:"error,omitempty"`
}

// Recommend sets Recommended: the cheapest allowed setting whose p95 delay
// meets the target; the lower p95 breaks ties.
func (s *Sweep) Recommend() {
	s.Recommended = -1
	if s.DelayTargetMs <= 0 {
		return
	}
	for i, p := range s.Points {
		if p.Err != "" || p.DelayP95Ms > s.DelayTargetMs {
			continue
		}
		if b := s.Recommended; b < 0 || p.MonthlyUSD < s.Points[b].MonthlyUSD ||
			(p.MonthlyUSD == s.Points[b].MonthlyUSD && p.DelayP95Ms < s.Points[b].DelayP95Ms) {
			s.Recommended = i
		}
	}
}

// WriteJSON writes s as indented JSON.
func (s *Sweep) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

func usd(f float64) string { return group(strconv.FormatFloat(f, 'f', 2, 64)) }

func sizeLabel(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	if b%(1<<20) == 0 {
		return strconv.FormatInt(b>>20, 10) + " MiB"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func secondsLabel(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) + " s" }

// WriteSweepText writes the sweep as a table with the recommendation.
func WriteSweepText(w io.Writer, s *Sweep) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "Firehose buffer sweep: %s, %s of traffic, compression %s (ratio %.2f measured on the scenario's payloads)\n",
		s.Scenario.Name, secondsLabel(s.SpanS), firehoseCodec(s), s.CompressionRatio)
	fmt.Fprintf(bw, "delay: from each record's arrival to its object in S3; S3 PUTs at $%g per 1,000 requests (an unverified default); costs per month of this traffic\n\n", s.S3PutPer1000USD)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "size\tinterval\tdelay p50 ms\tp95 ms\tmax ms\tobjects/h\tmean object\tS3 PUTs\tthrottled\tFirehose $/mo\tS3 PUT $/mo\ttotal $/mo\t")
	for i, p := range s.Points {
		mark := ""
		if i == s.Recommended {
			mark = " <- cheapest meeting the target"
		}
		if p.Err != "" {
			fmt.Fprintf(tw, "%s\t%s\tnot allowed: %s\t\t\t\t\t\t\t\t\t\t\n", sizeLabel(p.BufferSizeBytes), secondsLabel(p.BufferIntervalS), p.Err)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			sizeLabel(p.BufferSizeBytes), secondsLabel(p.BufferIntervalS),
			ms(p.DelayP50Ms), ms(p.DelayP95Ms), ms(p.DelayMaxMs), num(p.ObjectsPerHour),
			sizeLabel(int64(p.MeanObjectBytes)), commas(p.S3PutRequests), commas(p.Throttled),
			usd(p.FirehoseMonthlyUSD), usd(p.S3PutMonthlyUSD), usd(p.MonthlyUSD), mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	switch {
	case s.DelayTargetMs <= 0:
		fmt.Fprintln(bw, "\nno firehose.delivery_delay_target in the scenario: set one to get a recommendation")
	case s.Recommended < 0:
		fmt.Fprintf(bw, "\nno setting meets the p95 delivery delay target of %s ms\n", ms(s.DelayTargetMs))
	default:
		p := s.Points[s.Recommended]
		fmt.Fprintf(bw, "\ncheapest setting meeting the p95 target of %s ms: buffer_size %s, buffer_interval %s (p95 %s ms, $%.2f/month)\n",
			ms(s.DelayTargetMs), sizeLabel(p.BufferSizeBytes), secondsLabel(p.BufferIntervalS), ms(p.DelayP95Ms), p.MonthlyUSD)
	}
	return bw.Flush()
}

func firehoseCodec(s *Sweep) string {
	if f := s.Scenario.Firehose; f != nil && f.Compression != "" {
		return f.Compression
	}
	return "UNCOMPRESSED"
}

// intervals returns the distinct intervals of s in order.
func (s *Sweep) intervals() []float64 {
	var iv []float64
	for _, p := range s.Points {
		if !slices.Contains(iv, p.BufferIntervalS) {
			iv = append(iv, p.BufferIntervalS)
		}
	}
	slices.Sort(iv)
	return iv
}

// sweepPalette avoids red, which marks the target line.
var sweepPalette = []color.Color{
	color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255}, color.RGBA{44, 160, 44, 255},
	color.RGBA{148, 103, 189, 255}, color.RGBA{140, 86, 75, 255}, color.RGBA{23, 190, 207, 255},
}

// sweepDashes tell apart lines that lie on top of each other (intervals
// long enough that the size always binds give identical lines).
var sweepDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}

// sweepChart plots y against buffer size in MiB on a log axis (Firehose
// takes 1 MiB to 128 MiB: each doubling gets the same room), one line per
// interval through a dot at each setting. target, when above 0, is drawn
// as a horizontal line in y's unit. A money chart (format writes its
// values) keeps a linear y axis and clips the settings far above the
// rest (clipAbove), naming them in the legend; another chart's y axis is
// logarithmic when its values span more than flattenDecades.
func (s *Sweep) sweepChart(title, ylabel string, y func(SweepRow) float64, target float64, money func(float64) string) (Chart, error) {
	p, leg := newPlot(ylabel)
	p.X.Label.Text = "buffer size (MiB, log scale)"
	p.X.Tick.Marker = pow2Ticks{}
	var values, sizes []float64
	for _, pt := range s.Points {
		if pt.Err == "" && pt.BufferSizeBytes > 0 {
			values, sizes = append(values, y(pt)), append(sizes, float64(pt.BufferSizeBytes)/(1<<20))
		}
	}
	top := math.Inf(1)
	if money != nil {
		top = clipAbove(values)
	}
	clipped := !math.IsInf(top, 1)
	logY := money == nil && spansDecades(values, flattenDecades)
	if logY {
		useLog10Y(p)
	}
	var lines []series
	for i, iv := range s.intervals() {
		var xys plotter.XYs
		for _, pt := range s.Points {
			if pt.BufferIntervalS == iv && pt.Err == "" && pt.BufferSizeBytes > 0 {
				xys = append(xys, plotter.XY{X: math.Log2(float64(pt.BufferSizeBytes) / (1 << 20)), Y: y(pt)})
			}
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		if logY {
			xys = log10Y(xys)
		}
		lines = append(lines, series{name: "interval " + secondsLabel(iv), xys: xys, points: true,
			color: sweepPalette[i%len(sweepPalette)], dash: sweepDashes[i%len(sweepDashes)], width: vg.Points(2)})
	}
	if clipped {
		lines = clipLines(top, lines, money)
	}
	if err := addLines(p, &leg, lines); err != nil {
		return Chart{}, err
	}
	p.X.Min, p.X.Max = pow2Range(sizes)
	if target > 0 {
		ty := target
		if logY {
			ty = math.Log10(target)
		}
		t := plotter.XYs{{X: p.X.Min, Y: ty}, {X: p.X.Max, Y: ty}}
		if err := addLines(p, &leg, []series{{name: "p95 target", xys: t, color: red, width: vg.Points(1.5), dash: []vg.Length{vg.Points(4), vg.Points(3)}}}); err != nil {
			return Chart{}, err
		}
	}
	fixRange(p, !logY && !clipped)
	if clipped {
		if err := addClipMarks(p, top, lines); err != nil {
			return Chart{}, err
		}
	}
	svg, err := renderSVG(p, leg)
	if err != nil {
		return Chart{}, err
	}
	return Chart{Title: title, SVG: svg}, nil
}

// pow2Range is the axis of base-2 logarithms that holds sizes: from the
// power of two at or below the smallest to the one at or above the
// largest, at least a doubling wide; 0 to 7 (Firehose's 1 MiB to 128 MiB)
// for no sizes.
func pow2Range(sizes []float64) (lo, hi float64) {
	if len(sizes) == 0 {
		return 0, 7
	}
	lo = math.Floor(math.Log2(slices.Min(sizes)))
	hi = math.Ceil(math.Log2(slices.Max(sizes)))
	if hi <= lo {
		lo, hi = lo-1, hi+1
	}
	return lo, hi
}

// pow2Ticks labels an axis of base-2 logarithms of sizes at each power of
// two (1, 2, 4, … 128), every other one when there are more than ten.
type pow2Ticks struct{}

func (pow2Ticks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi >= lo) {
		return nil
	}
	first, last := math.Ceil(lo-1e-9), math.Floor(hi+1e-9)
	every := 1.0
	if last-first >= 10 {
		every = 2
	}
	var ticks []plot.Tick
	for e := first; e <= last; e++ {
		t := plot.Tick{Value: e}
		if math.Mod(e-first, every) == 0 {
			t.Label = tickLabel(math.Exp2(e))
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// SweepCharts draws delivery delay (p95, in seconds), monthly cost and S3
// objects per hour against buffer size, one line per buffer interval.
func SweepCharts(s *Sweep) ([]Chart, error) {
	delay, err := s.sweepChart("Delivery delay p95 against buffer size (s)", "seconds",
		func(r SweepRow) float64 { return r.DelayP95Ms / 1000 }, s.DelayTargetMs/1000, nil)
	if err != nil {
		return nil, err
	}
	cost, err := s.sweepChart("Monthly cost (Firehose + S3 PUTs) against buffer size (USD)", "USD per month",
		func(r SweepRow) float64 { return r.MonthlyUSD }, 0, func(v float64) string { return "$" + usd(v) })
	if err != nil {
		return nil, err
	}
	objs, err := s.sweepChart("S3 objects per hour against buffer size", "objects per hour",
		func(r SweepRow) float64 { return r.ObjectsPerHour }, 0, nil)
	if err != nil {
		return nil, err
	}
	return []Chart{delay, cost, objs}, nil
}

// delaySeconds formats a delay given in milliseconds as seconds: one
// decimal from 10 s up, two below.
func delaySeconds(msValue float64) string {
	if msValue >= 10_000 {
		return ms(msValue / 1000)
	}
	return strconv.FormatFloat(msValue/1000, 'f', 2, 64)
}

// sweepTable is the sweep's settings as a table, the recommended one
// marked; a setting that is not allowed says why across its figures.
func sweepTable(s *Sweep) table {
	t := table{Class: "sweep", Head: append(numCells("size", "interval", "delay p50 s", "p95 s", "max s", "objects/h", "mean object",
		"S3 PUTs", "throttled", "Firehose $/mo", "S3 PUT $/mo", "total $/mo"), textCell(""))}
	for i, p := range s.Points {
		r := row{Cells: []cell{numCell(sizeLabel(p.BufferSizeBytes)), numCell(secondsLabel(p.BufferIntervalS))}}
		if p.Err != "" {
			r.Class = "off"
			r.Cells = append(r.Cells, cell{Text: "not allowed: " + p.Err, Span: len(t.Head) - 2})
			t.Rows = append(t.Rows, r)
			continue
		}
		r.Cells = append(r.Cells,
			numCell(delaySeconds(p.DelayP50Ms)), numCell(delaySeconds(p.DelayP95Ms)), numCell(delaySeconds(p.DelayMaxMs)),
			numCell(num(p.ObjectsPerHour)), numCell(sizeLabel(int64(p.MeanObjectBytes))), numCell(commas(p.S3PutRequests)),
			numCell(commas(p.Throttled)), numCell(usd(p.FirehoseMonthlyUSD)), numCell(usd(p.S3PutMonthlyUSD)), numCell(usd(p.MonthlyUSD)),
			textCell(""))
		if i == s.Recommended {
			r.Class = "rec"
			r.Cells[len(r.Cells)-1] = textCell("cheapest meeting the target")
		}
		t.Rows = append(t.Rows, r)
	}
	return t
}

// sweepVerdict is the recommendation in a sentence, and whether there is
// one.
func sweepVerdict(s *Sweep) (string, bool) {
	switch {
	case s.DelayTargetMs <= 0:
		return "No firehose.delivery_delay_target in the scenario: set one to get a recommendation.", false
	case s.Recommended < 0:
		return fmt.Sprintf("No setting meets the p95 delivery delay target of %s s.", delaySeconds(s.DelayTargetMs)), false
	}
	p := s.Points[s.Recommended]
	return fmt.Sprintf("Cheapest setting meeting the p95 target of %s s: buffer_size %s, buffer_interval %s (p95 %s s, $%s a month).",
		delaySeconds(s.DelayTargetMs), sizeLabel(p.BufferSizeBytes), secondsLabel(p.BufferIntervalS), delaySeconds(p.DelayP95Ms), usd(p.MonthlyUSD)), true
}

// WriteSweepHTML writes one self-contained page with the recommendation,
// the charts and the table of every setting. It reads on a 420 px wide
// screen.
func WriteSweepHTML(w io.Writer, s *Sweep) error {
	charts, err := SweepCharts(s)
	if err != nil {
		return err
	}
	target := "none"
	if s.DelayTargetMs > 0 {
		target = delaySeconds(s.DelayTargetMs) + " s"
	}
	verdict, met := sweepVerdict(s)
	return writePage(w, "page_sweep.html.tmpl", map[string]any{
		"Name": s.Scenario.Name,
		"Meta": [][2]string{
			{"Traffic", fmt.Sprintf("%s of the scenario's traffic, played in virtual time through %d buffer settings", secondsLabel(s.SpanS), len(s.Points))},
			{"Compression", fmt.Sprintf("%s, ratio %.2f measured on the scenario's payloads", firehoseCodec(s), s.CompressionRatio)},
			{"Delay", "from each record's arrival to its object in S3"},
			{"p95 target", target},
			{"Costs", fmt.Sprintf("per month of this traffic; S3 PUTs at $%g per 1,000 requests (an unverified default)", s.S3PutPer1000USD)},
		},
		"Verdict": verdict, "Met": met,
		"Charts": figures(charts...),
		"Table":  sweepTable(s),
	})
}
