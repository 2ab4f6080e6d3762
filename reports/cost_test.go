package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// The fixture's 30 s run: 89,850 records of 512 B acked, 2^30-byte GB.
func TestRunCostOf(t *testing.T) {
	const hours = 30.0 / 3600
	for _, tc := range []struct {
		name           string
		change         func(r *Results)
		mode           string
		shards         float64
		run, monthly   float64
		lines          int
		firstLineUnits float64
	}{
		// 4 shards × 30 s = 1/30 shard-hour × $0.015 = $0.0005 (prorated,
		// not a whole hour) + 89,850 PUT payload units × $0.014/M =
		// $0.0012579. A month of it: 4 × 730 × $0.015 = $43.80 + 89,850 ×
		// 87,600 (730 h ÷ 30 s) = 7,870.86 M units × $0.014 = $110.19204.
		{"provisioned", nil, RunCostProvisioned, 4, 0.0017579, 153.99204, 2, 4 * hours},
		// Resharded from 4 to 6 shards after 10 s: 16/3 shards on average,
		// 16/3 × 30 s × $0.015 = $0.000666…, 16/3 × 730 × $0.015 = $58.40,
		// plus the same PUT payload units.
		{"resharded", func(r *Results) {
			for i := range r.Series {
				r.Series[i].OpenShards = 4
				if i >= 10 {
					r.Series[i].OpenShards = 6
				}
			}
		}, RunCostProvisioned, 16.0 / 3, 0.0006666666666666666 + 0.0012579, 58.40 + 110.19204, 2, 16.0 / 3 * hours},
		// On-demand: 30 s × $0.04/h = $0.000333… + 89,850 × 1,024 B =
		// 0.0856876373… GB × $0.08 = $0.0068550110; a month: 730 × $0.04 =
		// $29.20 + 7,506.2370300… GB × $0.08 = $600.4989624.
		{"on-demand", func(r *Results) { r.Scenario.Stream.Mode = scenarios.StreamOnDemand },
			RunCostOnDemand, 0, 0.007188344319661458, 629.6989624023438, 2, hours},
		// Firehose with format conversion: each 512 B record billed 5,120 B,
		// 0.4284381866… GB × ($0.029 + $0.018) = $0.0201365948; a month,
		// 37,531.18515… GB × $0.047 = $1,763.9657021.
		{"firehose", func(r *Results) {
			r.Target = "sim-firehose"
			r.Scenario.Firehose = &scenarios.Firehose{Source: scenarios.FirehoseDirectPut, FormatConversion: true}
		}, RunCostFirehose, 0, 0.012424707412719727 + 0.00771188735961914, 1763.9657020568848, 2, 0.4284381866455078},
	} {
		r := fixture()
		if tc.change != nil {
			tc.change(r)
		}
		c, err := RunCostOf(r, "us-east-1", model.DefaultPrices)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Mode != tc.mode || !near(c.Shards, tc.shards) || !near(c.Hours, hours) || c.Region != "us-east-1" || c.PricesAsOf != model.DefaultPrices.AsOf {
			t.Errorf("%s: %+v", tc.name, c)
		}
		if !near(c.RunUSD, tc.run) || !near(c.MonthlyUSD, tc.monthly) {
			t.Errorf("%s: run $%.10g, month $%.10g; want $%.10g, $%.10g", tc.name, c.RunUSD, c.MonthlyUSD, tc.run, tc.monthly)
		}
		if len(c.Lines) != tc.lines || !near(c.Lines[0].Quantity, tc.firstLineUnits) || !near(model.TotalUSD(c.Lines), c.RunUSD) {
			t.Errorf("%s: lines %+v", tc.name, c.Lines)
		}
	}

	r := fixture()
	r.DurationS = 0
	if _, err := RunCostOf(r, "us-east-1", model.DefaultPrices); err == nil {
		t.Error("a run of no duration was priced")
	}
	// Nothing acked still pays for the shards.
	r = fixture()
	r.Totals.Acked, r.Totals.BytesAcked = 0, 0
	if c, err := RunCostOf(r, "us-east-1", model.DefaultPrices); err != nil || !near(c.RunUSD, 0.0005) {
		t.Errorf("nothing acked: %+v, %v; want $0.0005 of shard-hours", c, err)
	}
}

func TestCostMetrics(t *testing.T) {
	r := fixture()
	ths := []scenarios.Threshold{
		{Expr: "cost_monthly_usd < 100000", Metric: "cost_monthly_usd", Op: "<", Value: 100000},
		{Expr: "cost_run_usd < 0.001", Metric: "cost_run_usd", Op: "<", Value: 0.001},
	}
	got := Evaluate(r, ths)
	if !got[0].Pass || got[1].Pass || got[0].Unit != "usd" || !near(got[1].Value, 0.0017579) {
		t.Errorf("thresholds %+v", got)
	}
	if s := thresholdValue(got[0]); s != "$153.99" {
		t.Errorf("cost_monthly_usd measured %q, want $153.99", s)
	}
	if s := thresholdValue(got[1]); s != "$0.0018" {
		t.Errorf("cost_run_usd measured %q, want $0.0018", s)
	}
	for f, want := range map[float64]string{0: "0.00", 0.0017579: "0.0018", 0.000055: "0.000055", 0.00999: "0.0100", 0.01: "0.01", 1234.5: "1,234.50"} {
		if got := dollars(f); got != want {
			t.Errorf("dollars(%g) = %q, want %q", f, got, want)
		}
	}
	// A run that was not priced fails its cost thresholds.
	r.Cost = nil
	for _, name := range []string{"cost_run_usd", "cost_monthly_usd"} {
		if v, ok := MetricValue(r, name); !ok || !math.IsNaN(v) {
			t.Errorf("%s without a cost = %g (%v), want NaN", name, v, ok)
		}
	}
	for _, tr := range Evaluate(r, ths[:1]) {
		if tr.Pass {
			t.Errorf("%s passed on a run without a cost", tr.Expr)
		}
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, r); err != nil || strings.Contains(buf.String(), "\nCost") {
		t.Errorf("a run without a cost shows a cost line: %v\n%s", err, buf.String())
	}
}

// steady is 1,000 records/s of 1 KiB (1 PUT payload unit, 1,024 B billed
// on-demand) read by one polling and one fan-out consumer.
func steady() CostTraffic {
	return CostTraffic{
		MeanRecordsPerSec: 1000, ScheduleRecords: 60000, ScheduleSeconds: 60, PeakRecordsPerSec: 1000,
		BytesPerRecord: 1024, KiBPerRecord: 1, PutPayloadUnitsPerRecord: 1, OnDemandBilledBytesPerRecord: 1024,
		PollingConsumers: 1, EFOConsumers: 1, RetentionHours: 24, Headroom: 0.8, Kinesis: true,
	}
}

func TestCostOf(t *testing.T) {
	c := CostOf("steady", "s.yaml", "test", "us-east-1", model.DefaultPrices, steady())
	// Shards at 80%: bytes 1,000 × 1 KiB ÷ 1,024 ÷ 0.8 = 1.22 → 2; records
	// 1,000 ÷ 1,000 ÷ 0.8 = 1.25 → 2; reads 1,000 ÷ 2,048 ÷ 0.8 = 0.61 → 1.
	// A month is 2.628e9 records, 2,506.256103515625 GB.
	//
	// Provisioned: 1,460 shard-hours × $0.015 = $21.90; 2,628 M units ×
	// $0.014 = $36.792; 1 × 2 × 730 consumer-shard-hours × $0.015 =
	// $21.90; fan-out retrieval 2,506.256… GB × $0.013 = $32.5813293457.
	// On-demand: $29.20 + 2,506.256… GB × ($0.08 + $0.04 + $0.05).
	// Advantage: below the commitment, so its minimum: 64,160.15625 GB ×
	// ($0.032 + $0.016) = $3,079.6875.
	if c.Shards != 2 || c.Cost.Firehose != nil || c.Lines.Firehose != nil {
		t.Fatalf("shards %d, firehose %v", c.Shards, c.Cost.Firehose)
	}
	gb := 2506.256103515625
	for _, tc := range []struct {
		name  string
		got   *float64
		want  float64
		lines []model.CostLine
		n     int
	}{
		{"provisioned", c.Cost.Provisioned, 21.90 + 36.792 + 21.90 + gb*0.013, c.Lines.Provisioned, 4},
		{"on-demand", c.Cost.OnDemand, 29.20 + gb*(0.08+0.04+0.05), c.Lines.OnDemand, 4},
		{"advantage", c.Cost.OnDemandAdvantage, 3079.6875, c.Lines.OnDemandAdvantage, 5},
	} {
		if tc.got == nil || !near(*tc.got, tc.want) || len(tc.lines) != tc.n || !near(model.TotalUSD(tc.lines), tc.want) {
			t.Errorf("%s: %v, want %.10g in %d lines: %+v", tc.name, tc.got, tc.want, tc.n, tc.lines)
		}
	}
	// Provisioned is cheaper from 0 (1 shard and 1 fan-out consumer,
	// $21.90, against $29.20) to 4,000 records/s.
	if c.BreakEven != nil || c.RangeMaxRecordsPerSec != 4000 {
		t.Errorf("break-even %+v in 0 to %g", c.BreakEven, c.RangeMaxRecordsPerSec)
	}
	var buf bytes.Buffer
	if err := WriteCostText(&buf, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"records: 1,024 B on average (data plus key), billed per record at 1 PUT payload unit, 1,024 B on-demand",
		"rate:    1,000 records/s, the mean over the profile (60,000 records ÷ 60 s); peak 1,000 records/s",
		"Provisioned, 2 shards (sized for the peak at 80% of each shard limit): $113.17 a month",
		"KDS EFO consumer-shard-hours     1,460  consumer-shard-hour      $0.015  21.90",
		"On-demand Standard: $455.26 a month",
		"On-demand Advantage (billed for at least the commitment): $3,079.69 a month",
		"none in range (0 to 4,000 records/s): provisioned is cheaper throughout",
	} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, buf.String())
		}
	}

	// Retention of 30 days adds a line to every mode.
	tr := steady()
	tr.RetentionHours = 720
	c = CostOf("kept", "", "test", "us-east-1", model.DefaultPrices, tr)
	for name, lines := range map[string][]model.CostLine{"provisioned": c.Lines.Provisioned, "on-demand": c.Lines.OnDemand, "advantage": c.Lines.OnDemandAdvantage} {
		if !strings.Contains(lines[len(lines)-1].Item, "retention") {
			t.Errorf("%s: last line %+v is not retention", name, lines[len(lines)-1])
		}
	}
	// 1,000 × 1,024 B/s kept 720 h: 2,471.923828125 GB stored, 552/720 of
	// it beyond 7 days: 1,895.14160… GB-months × $0.023.
	if l := c.Lines.Provisioned[len(c.Lines.Provisioned)-1]; !near(l.Quantity, 1000*1024*3600*720.0/(1<<30)*552/720) || l.Unit != "GB-month" {
		t.Errorf("long-term retention %+v", l)
	}
}

// spiky is a rate profile that peaks at 50 times its mean, of records of
// 1 KiB or less, read by a Firehose: the provisioned stream needs
// ceil(x ÷ 16) shards at a mean of x records/s (peak 50x ÷ 1,000 ÷ 0.8).
func spiky() CostTraffic {
	return CostTraffic{
		MeanRecordsPerSec: 100, ScheduleRecords: 360000, ScheduleSeconds: 3600, PeakRecordsPerSec: 5000,
		BytesPerRecord: 1000, KiBPerRecord: 1, PutPayloadUnitsPerRecord: 1, OnDemandBilledBytesPerRecord: 1024,
		FirehoseBilledBytesPerRecord: 5120, RetentionHours: 24, Headroom: 0.8, Kinesis: true,
		Firehose: &CostFirehose{Source: scenarios.FirehoseKinesis},
	}
}

func TestCostBreakEven(t *testing.T) {
	// Per month at x records/s: provisioned ceil(x ÷ 16) × $10.95 +
	// x × 2.628 M units × $0.014 ($0.036792 x); on-demand $29.20 +
	// x × 2,628,000 × 1,024 B ÷ 2^30 × $0.08 ($0.2005005 x). Provisioned
	// is cheaper up to 48 records/s: with 3 shards there it costs $34.62
	// against $38.82; just above, a fourth shard makes it $45.57. From
	// then on each 16 records/s add $11.54 to provisioned and $3.21 to
	// on-demand, so the cheaper mode changes once, at 48.
	c := CostOf("spiky", "", "test", "us-east-1", model.DefaultPrices, spiky())
	be := c.BreakEven
	if be == nil || math.Abs(be.RecordsPerSec-48) > 1e-6 || be.CheaperBelow != "provisioned" || be.CheaperAbove != "on_demand" || be.Crossings != 1 {
		t.Fatalf("break-even %+v, want 48 records/s", be)
	}
	// At the mean, 100 records/s: 7 shards = $76.65 + 262.8 M units ×
	// $0.014 = $3.6792; on-demand $29.20 + 250.6256103515625 GB × $0.08.
	if c.Shards != 7 || !near(*c.Cost.Provisioned, 80.3292) || !near(*c.Cost.OnDemand, 29.20+250.6256103515625*0.08) {
		t.Errorf("shards %d, provisioned %v, on-demand %v", c.Shards, *c.Cost.Provisioned, *c.Cost.OnDemand)
	}
	// The Firehose reading the stream, priced apart: 100 × 2,628,000 ×
	// 5,120 B = 1,253.128… GB × $0.029.
	if c.Cost.Firehose == nil || !near(*c.Cost.Firehose, 100*2628000*5120.0/(1<<30)*0.029) {
		t.Errorf("firehose %v", c.Cost.Firehose)
	}

	var buf bytes.Buffer
	if err := c.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var js struct {
		Schema string `json:"schema"`
		Cost   map[string]float64
		Lines  map[string][]map[string]any
		Break  *struct {
			RecordsPerSec float64 `json:"records_per_sec"`
		} `json:"break_even"`
	}
	if err := json.Unmarshal(buf.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if js.Schema != CostSchema || len(js.Cost) != 4 || !near(js.Cost["provisioned"], 80.3292) || len(js.Lines["on_demand"]) != 2 || js.Break == nil {
		t.Errorf("JSON %s", buf.String())
	}

	buf.Reset()
	if err := WriteCostHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"<svg", "break-even: 48 records/s", "scenario: 100 records/s", "Firehose reading the stream", "cheaper below, on-demand above"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") {
		t.Error("HTML has a script")
	}
}

// A Direct PUT Firehose is priced alone, and its chart has no break-even.
func TestCostDirectPut(t *testing.T) {
	tr := spiky()
	tr.Kinesis = false
	tr.Firehose = &CostFirehose{Source: scenarios.FirehoseDirectPut, DynamicPartitioning: true}
	tr.FirehoseBilledBytesPerRecord = 5120
	c := CostOf("fh", "", "test", "us-east-1", model.DefaultPrices, tr)
	if c.Cost.Provisioned != nil || c.Cost.OnDemand != nil || c.Cost.OnDemandAdvantage != nil || c.BreakEven != nil || c.Shards != 0 {
		t.Fatalf("Kinesis modes priced for a Direct PUT Firehose: %+v", c.Cost)
	}
	// 100 records/s × 2,628,000 s × 5,120 B = 1,253.12805… GB × ($0.029 +
	// $0.020 dynamic partitioning); objects are not estimated.
	gb := 100 * 2628000 * 5120.0 / (1 << 30)
	if !near(*c.Cost.Firehose, gb*0.049) || len(c.Lines.Firehose) != 3 {
		t.Errorf("firehose $%v, lines %+v", *c.Cost.Firehose, c.Lines.Firehose)
	}
	var buf bytes.Buffer
	if err := WriteCostText(&buf, c); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); !strings.Contains(out, "Firehose, Direct PUT: $") || !strings.Contains(out, "none (no Kinesis stream)") || strings.Contains(out, "PUT payload unit") {
		t.Errorf("text:\n%s", out)
	}
	chart, err := CostChart(c)
	if err != nil || !bytes.Contains(chart.SVG, []byte("Firehose")) {
		t.Errorf("chart: %v", err)
	}
}

// TestCostChartScale checks the cost chart's outlier rule: On-demand
// Advantage's commitment ($3,079.69 a month), more than ten times the
// other modes' highest cost, goes above a linear axis that shows the
// others, and the legend says so with its cost; without an outlier
// nothing is clipped.
func TestCostChartScale(t *testing.T) {
	chart, err := CostChart(CostOf("spiky", "", "test", "us-east-1", model.DefaultPrices, spiky()))
	if err != nil {
		t.Fatal(err)
	}
	svg := string(chart.SVG)
	for _, want := range []string{">USD per month<", ">On-demand Advantage (above the chart, up to $3,079.69)<", ">300<", ">provisioned<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("spiky: chart lacks %q", want)
		}
	}
	if strings.Contains(svg, ">1,000<") || strings.Contains(svg, "log scale") {
		t.Error("spiky: the axis reaches the commitment")
	}

	// At 1,000 records/s the commitment is within ten times the others:
	// nothing is clipped.
	chart, err = CostChart(CostOf("steady", "", "test", "us-east-1", model.DefaultPrices, steady()))
	if err != nil {
		t.Fatal(err)
	}
	if svg := string(chart.SVG); strings.Contains(svg, "above the chart") || !strings.Contains(svg, ">On-demand Advantage<") {
		t.Error("steady: a mode clipped")
	}
}
