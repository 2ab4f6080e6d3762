package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
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

// sweepChart plots y against buffer size (MiB), one line per interval.
func (s *Sweep) sweepChart(title, ylabel string, y func(SweepRow) float64) (Chart, error) {
	p, leg := newPlot(title, ylabel)
	p.X.Label.Text = "buffer size (MiB)"
	var lines []series
	for i, iv := range s.intervals() {
		var xys plotter.XYs
		for _, pt := range s.Points {
			if pt.BufferIntervalS == iv && pt.Err == "" {
				xys = append(xys, plotter.XY{X: float64(pt.BufferSizeBytes) / (1 << 20), Y: y(pt)})
			}
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		lines = append(lines, series{name: "interval " + secondsLabel(iv), xys: xys,
			color: sweepPalette[i%len(sweepPalette)], dash: sweepDashes[i%len(sweepDashes)], width: vg.Points(2)})
	}
	if err := addLines(p, &leg, lines); err != nil {
		return Chart{}, err
	}
	if s.DelayTargetMs > 0 && strings.Contains(ylabel, "ms") {
		target := plotter.XYs{{X: p.X.Min, Y: s.DelayTargetMs}, {X: p.X.Max, Y: s.DelayTargetMs}}
		_ = addLines(p, &leg, []series{{name: "p95 target", xys: target, color: color.RGBA{200, 0, 0, 255}, dash: []vg.Length{vg.Points(4), vg.Points(3)}}})
	}
	// A wide range (zero buffering's S3 bill, say) would flatten every
	// other line: use a log scale then, as the latency chart does.
	lo, hi := math.Inf(1), 0.0
	for _, pt := range s.Points {
		if v := y(pt); pt.Err == "" && v > 0 {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	logY := hi/lo > 100 && !hasZero(s, y)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	fixRange(p, !logY)
	svg, err := renderSVG(p, leg)
	if err != nil {
		return Chart{}, err
	}
	return Chart{Title: title, SVG: svg}, nil
}

// SweepCharts draws delivery delay (p95) and monthly cost against buffer
// size, one line per buffer interval.
func SweepCharts(s *Sweep) ([]Chart, error) {
	delay, err := s.sweepChart("Delivery delay p95 against buffer size", "ms", func(r SweepRow) float64 { return r.DelayP95Ms })
	if err != nil {
		return nil, err
	}
	cost, err := s.sweepChart("Monthly cost (Firehose + S3 PUTs) against buffer size", "USD per month", func(r SweepRow) float64 { return r.MonthlyUSD })
	if err != nil {
		return nil, err
	}
	objs, err := s.sweepChart("S3 objects per hour against buffer size", "objects per hour", func(r SweepRow) float64 { return r.ObjectsPerHour })
	if err != nil {
		return nil, err
	}
	return []Chart{delay, cost, objs}, nil
}

var sweepTmpl = template.Must(template.New("sweep").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>spillway sweep: {{.Name}}</title>
<style>body{font-family:"Liberation Sans",Arial,sans-serif;max-width:1000px;margin:2em auto;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}
th{background:#f4f4f4}.rec{background:#e8f5e9;font-weight:bold}pre{background:#f8f8f8;padding:1em;overflow:auto}</style></head>
<body><h1>Firehose buffer sweep: {{.Name}}</h1>
<p>{{.Summary}}</p>
{{range .Charts}}<figure>{{.}}</figure>{{end}}
<pre>{{.Table}}</pre>
</body></html>
`))

// WriteSweepHTML writes one self-contained page with the charts and table.
func WriteSweepHTML(w io.Writer, s *Sweep) error {
	charts, err := SweepCharts(s)
	if err != nil {
		return err
	}
	var table bytes.Buffer
	if err := WriteSweepText(&table, s); err != nil {
		return err
	}
	svgs := make([]template.HTML, len(charts))
	for i, c := range charts {
		svgs[i] = template.HTML(inlineSVG(c.SVG)) // gonum's own output, names escaped by it
	}
	summary := fmt.Sprintf("%d buffer settings over %s of the scenario's traffic, played in virtual time; delays are from each record's arrival to its object in S3.",
		len(s.Points), secondsLabel(s.SpanS))
	return sweepTmpl.Execute(w, map[string]any{"Name": s.Scenario.Name, "Summary": summary, "Charts": svgs, "Table": table.String()})
}

// hasZero reports whether any allowed point has y ≤ 0, which a log scale
// cannot show.
func hasZero(s *Sweep, y func(SweepRow) float64) bool {
	for _, pt := range s.Points {
		if pt.Err == "" && y(pt) <= 0 {
			return true
		}
	}
	return false
}
