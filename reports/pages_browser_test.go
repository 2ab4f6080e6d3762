package reports

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/reports/internal/pagecheck"
)

// TestPagesInBrowser loads every kind of page in headless Chromium at a
// phone's width (420 px) and a laptop's (1280 px) and checks that each
// section is there, that nothing is requested from outside, that nothing
// fails, and that the page never scrolls sideways (wide tables scroll in
// their own box). SPILLWAY_SCREENSHOTS=DIR also writes a PNG of each page
// at each width to DIR, for a person to look at.
func TestPagesInBrowser(t *testing.T) {
	type page struct {
		name      string
		write     func(io.Writer) error
		selectors []string
		texts     []string
	}
	runSections := []string{"#thresholds table", "#records table", "#latency table.latency", "#generator", "#charts figure svg"}
	pages := []page{
		{"report-hot-key", func(w io.Writer) error { return WriteHTML(w, fixture()) },
			append(runSections, "#shards table.shards", "tr.hotrow"),
			[]string{"Latency (ms)", "p99.9", "Shard utilisation", "THE CLIENT WAS THE BOTTLENECK"}},
		{"report-reshard", func(w io.Writer) error { return WriteHTML(w, reshardFixture()) },
			append(runSections, "#latency figure svg", "#e2e table.consumers", "#events table.events", "#shards table.shards"),
			[]string{"Put latency by percentile", "End to end", "Events", "REFUSED", "from 10 s", "Reading: throttled GetRecords calls"}},
		{"report-firehose", func(w io.Writer) error { return WriteHTML(w, firehoseFixture()) },
			append(runSections, "#delivery table.delivery-records", "#delivery table.delivery-delay", "#delivery figure svg"),
			[]string{"Firehose delivery", "5 MiB or 60 s", "Delivery delay (s)", "Delivery delay by percentile (s"}},
		{"sweep", func(w io.Writer) error { return WriteSweepHTML(w, sweepFixture()) },
			[]string{"#recommendation", "#charts figure svg", "#settings table.sweep", "tr.rec", "tr.off td[colspan]"},
			[]string{"Cheapest setting meeting the p95 target of 90.0 s", "Delivery delay p95 against buffer size (s)", "not allowed"}},
		{"plan", func(w io.Writer) error { return WritePlanHTML(w, planFixture()) },
			[]string{"#required table.required", "#load table.shards", "#hot-keys table.hot-keys", "#resharding", "#autoscaling table.alarms", "#replays table.replays", "#charts figure svg"},
			[]string{"Plan: hot-key", "Load at the peak", "Replay, thresholds"}},
		{"cost", func(w io.Writer) error {
			return WriteCostHTML(w, CostOf("spiky", "spiky.yaml", "test", "us-east-1", model.DefaultPrices, spiky()))
		},
			[]string{"#totals table.totals", "#lines table.lines", "#charts figure svg"},
			[]string{"Monthly cost: spiky", "break-even between provisioned and on-demand Standard: 48 records/s"}},
		{"compare", func(w io.Writer) error { return WriteCompareHTML(w, browserComparison(t)) },
			[]string{"#checks table.checks", "#checks tr.hotrow", "#why li", "#series table.series", "#series figure svg"},
			[]string{"REGRESSION", "put_latency_p50", "Put latency by percentile (ms)", "Acked records per second"}},
	}
	shots := os.Getenv("SPILLWAY_SCREENSHOTS")
	b := pagecheck.Open(t)
	dir := t.TempDir()
	for _, pg := range pages {
		path := filepath.Join(dir, pg.name+".html")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := pg.write(f); err != nil {
			t.Fatalf("%s: %v", pg.name, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{420, 1280} {
			opts := pagecheck.Options{WidthPx: width, Selectors: pg.selectors, Texts: pg.texts, NoHorizontalScroll: true}
			if shots != "" {
				opts.Screenshot = filepath.Join(shots, fmt.Sprintf("%s-%d.png", pg.name, width))
			}
			b.Check(t, path, opts)
		}
	}
}

// browserComparison is a comparison with a regression: twice the latency.
func browserComparison(t *testing.T) *Comparison {
	rng := rand.New(rand.NewPCG(31, 32))
	base := sampleRun("a", compareStart, randomSeconds(rng, 20, 100, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 20, 100, 40))
	c, err := Compare(base, cur, CompareOptions{BaselineName: "baseline/results.json", CurrentName: "out/20261206-101500-merge/results.json"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
