package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestWriteHTML(t *testing.T) {
	r := fixture()
	r.Scenario.Name = `<script>alert("x")</script>`
	r.PerShard[1].ShardID = `shard<img src=x onerror=alert(1)>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()

	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("page has %d <svg elements, want 3", n)
	}
	if strings.Contains(page, "<?xml") {
		t.Error("page contains an XML declaration from the SVG")
	}
	// Self-contained: no URL but the SVG namespace.
	urls := regexp.MustCompile(`https?://[^"'\s<>)]*`).FindAllString(page, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("page references %s", u)
		}
	}
	for _, bad := range []string{"<script", "<img", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;", // the scenario name, escaped
		"shardId-000000000002", "HOT", "FAIL", "PASS",
		"throttle_ratio &lt; 0.05", "912.7 ms", "THE CLIENT WAS THE BOTTLENECK",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestWriteHTMLEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, &Results{Schema: Schema}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "<svg"); n != 3 {
		t.Errorf("page has %d <svg elements, want 3", n)
	}
}

func TestWriteHTMLReadBack(t *testing.T) {
	r := readFixture()
	r.Events[2].Error = `<b>refused</b>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("page has %d <svg elements, want 4", n)
	}
	for _, want := range []string{
		"<h2>End to end</h2>", "iterator age max 1,850 ms", "<code>polling-0</code></td><td>polling</td>", "2,950.1",
		"<h2>Events</h2>", "<code>split shardId-000000000001</code>", "REFUSED</span> &lt;b&gt;refused&lt;/b&gt;", "skipped</span> the run ended first",
		"<th>state</th><th>parents</th>", `<td title="shardId-000000000002, shardId-000000000003">…0002, …0003</td>`,
		"Reading: throttled GetRecords calls and iterator age per second",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>") {
		t.Error("page contains an unescaped event error")
	}

	buf.Reset()
	if err := WriteHTML(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"End to end", "Events", "<th>state</th>", "Reading:"} {
		if strings.Contains(buf.String(), absent) {
			t.Errorf("page of a run without read-back or resharding contains %q", absent)
		}
	}
}

// TestWriteHTMLDelivery checks the Firehose delivery section: there for a
// Firehose run, with the figures of deliveryLines and the delay chart in
// seconds; absent for other runs.
func TestWriteHTMLDelivery(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, firehoseFixture()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<section id="delivery">`, "<h2>Firehose delivery</h2>",
		"<dt>Buffer</dt><dd>5 MiB or 60 s, whichever fills first</dd>", "<dt>Compression</dt><dd>GZIP</dd>",
		"<dd>9 objects, 11.0 MiB stored</dd>", "<code>out/20250601-120000-firehose-buffers/s3/",
		`<table class="delivery-records">`, `<td class="n">89,847</td><td class="msg">&gt;99.9% of accepted (read back from the objects)</td>`,
		`<td>lost</td><td class="n">3</td><td>&lt;0.1% of accepted</td>`,
		"<h3>Delivery delay (s)</h3>", `<table class="delivery-delay">`,
		"Delivery delay by percentile (s, from intended send to the object in S3)",
		"p95 target 90.0 s",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// The delay's statistics in seconds: the fixture's p99 is 61 s.
	if !regexp.MustCompile(`<td>delivery delay, from intended send</td><td class="n">89,850</td>(<td class="n">[\d.,]+</td>){6}<td class="n">6\d\.\d</td>`).MatchString(page) {
		t.Errorf("delay row not in seconds:\n%s", page[strings.Index(page, "delivery-delay"):][:600])
	}
	// No utilisation chart: a Direct PUT run has no shards.
	if strings.Contains(page, "Shard utilisation") || strings.Contains(page, `<section id="shards">`) {
		t.Error("a Direct PUT run's page has shards")
	}

	buf.Reset()
	if err := WriteHTML(&buf, readFixture()); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"Firehose delivery", "Delivery delay", "delivery-records"} {
		if strings.Contains(buf.String(), absent) {
			t.Errorf("page of a Kinesis run contains %q", absent)
		}
	}
}

// TestWriteHTMLLatency checks the latency table's statistics and the put
// latency spectrum of a run with histograms.
func TestWriteHTMLLatency(t *testing.T) {
	r := fixture()
	r.Latency.ResponseMs.Min, r.Latency.ResponseMs.P95 = 3.2, 401.5
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	head := `<thead><tr><th>ms</th><th class="n">count</th><th class="n">min</th><th class="n">mean</th><th class="n">p50</th><th class="n">p90</th><th class="n">p95</th><th class="n">p99</th><th class="n">p99.9</th><th class="n">max</th></tr></thead>`
	row := `<tr><td>response time, from intended send</td><td class="n">89,850</td><td class="n">3.2</td><td class="n">95.2</td><td class="n">42.1</td><td class="n">180.4</td><td class="n">401.5</td><td class="n">912.7</td><td class="n">1,450.2</td><td class="n">2,210.9</td></tr>`
	for _, want := range []string{`<table class="latency">`, head, row} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "Put latency by percentile") {
		t.Error("a spectrum without histograms")
	}

	buf.Reset()
	if err := WriteHTML(&buf, withHistograms(fixture())); err != nil {
		t.Fatal(err)
	}
	page = buf.String()
	i := strings.Index(page, `<section id="latency">`)
	j := strings.Index(page, `<section id="generator">`)
	if i < 0 || j < i || !strings.Contains(page[i:j], "<figcaption>Put latency by percentile (ms)</figcaption>") || !strings.Contains(page[i:j], "<svg") {
		t.Error("no put latency spectrum in the latency section")
	}
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("page has %d <svg elements, want 4", n)
	}
}

// TestWriteHTMLReshard checks what a resharded run's page says of its
// shards' lives, and that its time charts mark the events.
func TestWriteHTMLReshard(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, reshardFixture()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"<th>state</th><th>parents</th><th>open</th>",
		"<td>to 10 s</td>", "<td>from 20 s</td>",
		">split …0001</text>", ">update_shard_count 8 (refused)</text>",
		"mark each accepted event with a solid line",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestPageLayout checks what makes a report read on a narrow screen:
// the viewport, every table in a box of its own that scrolls, and charts
// that scale.
func TestPageLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, firehoseFixture()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		".scroll { overflow-x: auto;", "figure svg { display: block; width: 100%;", ".cmd {",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n, m := strings.Count(page, "<table"), strings.Count(page, `<div class="scroll"><table`); n != m {
		t.Errorf("%d tables, %d of them in a scrolling box", n, m)
	}
}

func TestShareOf(t *testing.T) {
	for _, tc := range []struct {
		n, total int64
		want     string
	}{
		{0, 100, ""}, {5, 0, ""}, {3, 89850, "<0.1%"}, {89847, 89850, ">99.9%"},
		{89850, 89850, "100.0%"}, {1, 4, "25.0%"}, {1, 2000, "0.1%"},
	} {
		if got := shareOf(tc.n, tc.total); got != tc.want {
			t.Errorf("shareOf(%d, %d) = %q, want %q", tc.n, tc.total, got, tc.want)
		}
	}
}

func TestShardLife(t *testing.T) {
	for _, tc := range []struct {
		opened, closed float64
		want           string
	}{
		{0, 0, ""}, {20, 0, "from 20 s"}, {0, 10, "to 10 s"}, {10, 25.5, "10 s to 25.5 s"}, {12.34567, 0, "from 12.346 s"},
	} {
		if got := shardLife(ShardRow{OpenedS: tc.opened, ClosedS: tc.closed}); got != tc.want {
			t.Errorf("shardLife(%g, %g) = %q, want %q", tc.opened, tc.closed, got, tc.want)
		}
	}
}

// TestDeliveryDelayOneUnit: the delivery section's table and chart show
// the delay in one unit, also when the delay stays under 10 s but the
// buffer interval does not (they once chose apart: ms above a chart in s).
func TestDeliveryDelayOneUnit(t *testing.T) {
	r := firehoseFixture()
	r.Delivery.DelayMs.Max = 5500
	v, err := newDeliveryView(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Chart) != 1 || v.Unit != "s" || !strings.Contains(string(v.Chart[0].Title), "(s,") || v.Delay.Head[0].Text != "s" {
		t.Errorf("table in %q (head %q), chart %q", v.Unit, v.Delay.Head[0].Text, v.Chart[0].Title)
	}
}
