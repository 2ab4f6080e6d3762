package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/model"
)

// selfContained fails the test when page refers to anything outside it or
// runs a script.
func selfContained(t *testing.T, name, page string) {
	t.Helper()
	for _, u := range regexp.MustCompile(`https?://[^"'\s<>)]*`).FindAllString(page, -1) {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("%s references %s", name, u)
		}
	}
	for _, bad := range []string{"<script", "<img", "<link", "@import", "url(", "<pre"} {
		if strings.Contains(page, bad) {
			t.Errorf("%s contains %q", name, bad)
		}
	}
	if !strings.Contains(page, `<meta name="viewport"`) {
		t.Errorf("%s has no viewport", name)
	}
	if n, m := strings.Count(page, "<table"), strings.Count(page, `<div class="scroll"><table`); n == 0 || n != m {
		t.Errorf("%s: %d tables, %d of them in a scrolling box", name, n, m)
	}
}

// TestWriteSweepHTML checks the sweep page: a real table with a row per
// setting (the recommended one marked, one not allowed), three charts,
// the log axis of buffer sizes and the delays in seconds.
func TestWriteSweepHTML(t *testing.T) {
	s := sweepFixture()
	var buf bytes.Buffer
	if err := WriteSweepHTML(&buf, s); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	selfContained(t, "sweep page", page)
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d charts, want 3", n)
	}
	if n := strings.Count(page, "<tr"); n != len(s.Points)+1 {
		t.Errorf("%d table rows, want a header and %d settings", n, len(s.Points))
	}
	for _, want := range []string{
		`<table class="sweep">`, `<th class="n">delay p50 s</th>`, `<th class="n">total $/mo</th>`,
		`<tr class="rec"><td class="n">128 MiB</td><td class="n">300 s</td><td class="n">43.1</td><td class="n">81.5</td>`,
		`<td>cheapest meeting the target</td>`,
		`<tr class="off"><td class="n">128 MiB</td><td class="n">0 s</td><td class="msg" colspan="11">not allowed: zero buffering`,
		"Cheapest setting meeting the p95 target of 90.0 s: buffer_size 128 MiB, buffer_interval 300 s (p95 81.5 s, $190.46 a month).",
		"<figcaption>Delivery delay p95 against buffer size (s)</figcaption>",
		"<dt>Compression</dt><dd>GZIP, ratio 0.31",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("sweep page lacks %q", want)
		}
	}

	// Without a target there is no recommendation, and the page says why.
	s.DelayTargetMs = 0
	s.Recommend()
	buf.Reset()
	if err := WriteSweepHTML(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<p class="alert">No firehose.delivery_delay_target in the scenario`) || strings.Contains(buf.String(), `class="rec"`) {
		t.Error("page without a target recommends")
	}
}

// TestSweepCharts checks the axes of the sweep charts: buffer size on a
// log axis labelled at each power of two from 1 to 128 MiB, the delay in
// seconds on a log axis (the sweep's delays span 0.6 s to 82 s) with the
// target, and the cost on a linear axis (its settings cost $190 to $255).
func TestSweepCharts(t *testing.T) {
	charts, err := SweepCharts(sweepFixture())
	if err != nil {
		t.Fatal(err)
	}
	delay, cost := string(charts[0].SVG), string(charts[1].SVG)
	for _, size := range []string{"1", "2", "4", "8", "16", "32", "64", "128"} {
		if !strings.Contains(delay, ">"+size+"</text>") {
			t.Errorf("no tick at %s MiB", size)
		}
	}
	for _, want := range []string{">buffer size (MiB, log scale)<", ">seconds (log scale)<", ">p95 target<", ">50<"} {
		if !strings.Contains(delay, want) {
			t.Errorf("delay chart lacks %q", want)
		}
	}
	if !strings.Contains(cost, ">USD per month<") {
		t.Error("cost chart not on a linear axis")
	}

	// The S3 objects of zero buffering, a hundred times the others', are
	// on a log axis.
	if objs := string(charts[2].SVG); !strings.Contains(objs, ">objects per hour (log scale)<") || !strings.Contains(objs, ">10,000<") {
		t.Error("objects chart not on a log axis")
	}

	// A setting whose bill is a thousand times the others' goes above the
	// cost axis, which still shows the others from $0 to $250.
	s := sweepFixture()
	s.Points[0].MonthlyUSD = 250000
	charts, err = SweepCharts(s)
	if err != nil {
		t.Fatal(err)
	}
	cost = string(charts[1].SVG)
	for _, want := range []string{">USD per month<", ">interval 0 s (above the chart, up to $250,000.00)<", ">250<"} {
		if !strings.Contains(cost, want) {
			t.Errorf("cost chart with an outlier lacks %q", want)
		}
	}
	if strings.Contains(cost, ">100,000<") {
		t.Error("the cost axis reaches the outlier")
	}
}

func TestPow2Axis(t *testing.T) {
	for _, tc := range []struct {
		sizes  []float64
		lo, hi float64
	}{
		{[]float64{1, 5}, 0, 3}, {[]float64{1, 128}, 0, 7}, {[]float64{5}, 2, 3}, {[]float64{4}, 1, 3}, {nil, 0, 7}, {[]float64{0.5, 1}, -1, 0},
	} {
		if lo, hi := pow2Range(tc.sizes); lo != tc.lo || hi != tc.hi {
			t.Errorf("pow2Range(%v) = %g, %g; want %g, %g", tc.sizes, lo, hi, tc.lo, tc.hi)
		}
	}
	var labels []string
	for _, tk := range (pow2Ticks{}).Ticks(-1, 3) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "0.5 1 2 4 8" {
		t.Errorf("ticks from 0.5 to 8 MiB: %q", got)
	}
	labels = nil
	for _, tk := range (pow2Ticks{}).Ticks(0, 12) {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, ","); got != "1,,4,,16,,64,,256,,1,024,,4,096" {
		t.Errorf("ticks from 1 to 4,096: %q", got)
	}
}

// TestWritePlanHTML checks the plan page: its figures in tables, the
// resharding commands in boxes of their own that wrap, and the charts.
func TestWritePlanHTML(t *testing.T) {
	p := planFixture()
	var buf bytes.Buffer
	if err := WritePlanHTML(&buf, p); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	selfContained(t, "plan page", page)
	if n := strings.Count(page, "<svg"); n != 5 {
		t.Errorf("%d charts, want 5", n)
	}
	for _, want := range []string{
		"<h1>Plan: hot-key</h1>", "4 shards, bound by write records (records/s ÷ 1,000)",
		`<table class="required">`, `<td>write records (records/s ÷ 1,000)</td><td class="n">3.75</td><td class="n">4</td>`,
		`<table class="shards">`, `<tr class="hotrow"><td><code>shardId-000000000003</code></td><td class="n">1,312</td>`,
		`<table class="hot-keys">`, "<code>customer-42</code>",
		`<code class="cmd">aws kinesis split-shard --stream-name spillway-hot-key --shard-to-split shardId-000000000003 --new-starting-hash-key `,
		`<table class="alarms">`, "<code>scale-out-bytes</code>",
		`<table class="replays">`, "<td>thresholds</td>",
		"A month of the mean traffic (us-east-1 prices",
		"<figcaption>Replay, on-demand: demand against capacity (records/s)</figcaption>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	if len(p.Actions) == 0 {
		t.Fatal("the fixture advises no resharding")
	}
}

// TestWriteCostHTML checks the cost page: each mode's total and lines in
// tables, and the chart.
func TestWriteCostHTML(t *testing.T) {
	c := CostOf("spiky", "spiky.yaml", "test", "us-east-1", model.DefaultPrices, spiky())
	var buf bytes.Buffer
	if err := WriteCostHTML(&buf, c); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	selfContained(t, "cost page", page)
	for _, want := range []string{
		"<dt>Scenario</dt><dd>spiky (spiky.yaml)</dd>",
		"<dt>Rate</dt><dd>100 records/s, the mean over the profile (360,000 records ÷ 3,600 s); peak 5,000 records/s</dd>",
		`<table class="totals">`, `<td>On-demand Standard</td><td class="n">49.25</td>`,
		"<h3>Provisioned, 7 shards (sized for the peak at 80% of each shard limit): $80.33 a month</h3>",
		`<table class="lines">`, `<td>KDS shard-hours</td><td class="n">5,110</td><td>shard-hour</td><td class="n">$0.015</td><td class="n">76.65</td>`,
		"break-even between provisioned and on-demand Standard: 48 records/s",
		"<figcaption>Monthly cost against throughput (USD; records of 1000 B)</figcaption>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("cost page lacks %q", want)
		}
	}
}
