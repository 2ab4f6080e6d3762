package reports

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

func TestCharts(t *testing.T) {
	charts, err := Charts(fixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 3 {
		t.Fatalf("got %d charts, want 3", len(charts))
	}
	for _, c := range charts {
		if c.Title == "" || !bytes.HasPrefix(c.SVG, []byte("<?xml")) || !bytes.Contains(c.SVG, []byte("<svg")) {
			t.Errorf("chart %q: no title, or not an SVG document", c.Title)
		}
	}
}

func TestChartsEmpty(t *testing.T) {
	for name, r := range map[string]*Results{
		"zero":      {Schema: Schema},
		"no series": {Schema: Schema, PerShard: []ShardRow{{ShardID: "shardId-000000000000"}}},
	} {
		charts, err := Charts(r)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(charts) != 3 {
			t.Errorf("%s: got %d charts, want 3", name, len(charts))
		}
	}
}

// TestChartsReading checks that the reading chart comes with per-second
// read data only.
func TestChartsReading(t *testing.T) {
	charts, err := Charts(readFixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 4 {
		t.Fatalf("got %d charts, want 4", len(charts))
	}
	c := charts[3]
	if c.Title != "Reading: throttled GetRecords calls and iterator age per second" {
		t.Errorf("fourth chart is %q", c.Title)
	}
	for _, want := range []string{"<?xml", "<svg", "throttled GetRecords calls", "iterator age"} {
		if !bytes.Contains(c.SVG, []byte(want)) {
			t.Errorf("reading chart lacks %q", want)
		}
	}

	// A read-back without per-second data (a real stream) has no chart.
	r := readFixture()
	for i := range r.Series {
		r.Series[i].ReadThrottles, r.Series[i].IteratorAgeMaxMs = 0, 0
	}
	if charts, err := Charts(r); err != nil || len(charts) != 3 {
		t.Errorf("without read data: %d charts, %v; want 3", len(charts), err)
	}
}

// TestShardPoints checks that a shard is drawn only while it existed.
func TestShardPoints(t *testing.T) {
	u := make([]float64, 30)
	for i := range u {
		u[i] = 0.5
	}
	x := func(i int) float64 { return float64(i) }
	for _, tc := range []struct {
		name           string
		opened, closed float64
		n              int
		firstX, lastX  float64
	}{
		{"throughout", 0, 0, 30, 0, 29},
		{"opened at 20 s", 20, 0, 10, 20, 29},
		{"opened at 20.5 s", 20.5, 0, 10, 20.5, 29},
		{"closed at 10 s", 0, 10, 10, 0, 9},
		{"closed at 10.5 s", 0, 10.5, 11, 0, 10},
		{"opened at 10 s, closed at 20 s", 10, 20, 10, 10, 19},
		{"opened after the end", 31, 0, 0, 0, 0},
	} {
		xys := shardPoints(ShardRow{OpenedS: tc.opened, ClosedS: tc.closed, Utilization: u}, x)
		if len(xys) != tc.n {
			t.Errorf("%s: %d points, want %d", tc.name, len(xys), tc.n)
			continue
		}
		if tc.n == 0 {
			continue
		}
		if xys[0].X != tc.firstX || xys[len(xys)-1].X != tc.lastX {
			t.Errorf("%s: points from %g to %g s, want %g to %g", tc.name, xys[0].X, xys[len(xys)-1].X, tc.firstX, tc.lastX)
		}
		for _, xy := range xys {
			if xy.X < tc.opened || (tc.closed > 0 && xy.X >= tc.closed) || xy.Y != 50 {
				t.Errorf("%s: point %v outside the shard's life or not in percent", tc.name, xy)
			}
		}
	}
}

// TestUtilizationLifetimes checks the points the utilisation chart of a
// resharded run draws for each shard (shardPoints): a shard opened at 20 s
// has none before 20 s, and one closed at 10 s none from 10 s; and that
// the chart renders.
func TestUtilizationLifetimes(t *testing.T) {
	r := reshardFixture()
	x := func(i int) float64 { return float64(r.Series[i].T) }
	for _, sh := range r.PerShard {
		xys := shardPoints(sh, x)
		if len(xys) == 0 {
			t.Errorf("%s: no points", sh.ShardID)
			continue
		}
		first, last := xys[0].X, xys[len(xys)-1].X
		switch sh.ShardID {
		case "shardId-000000000006":
			if first != 20 || last != 29 {
				t.Errorf("%s (opened at 20 s): points from %g to %g s", sh.ShardID, first, last)
			}
		case "shardId-000000000001":
			if first != 0 || last != 9 {
				t.Errorf("%s (closed at 10 s): points from %g to %g s", sh.ShardID, first, last)
			}
		}
	}
	if _, _, _, err := utilizationChart(r); err != nil {
		t.Fatal(err)
	}
}

// TestEventMarks checks that the time charts mark the events the run
// played, labelled, and leave out the one it skipped.
func TestEventMarks(t *testing.T) {
	charts, err := Charts(reshardFixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 4 {
		t.Fatalf("%d charts, want 4", len(charts))
	}
	for _, c := range charts {
		svg := string(c.SVG)
		for _, want := range []string{">split …0001<", ">merge …0002 …0003<", ">update_shard_count 8 (refused)<", ">event<", ">event refused<", "rotate(90)"} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s: no %q", c.Title, want)
			}
		}
		if strings.Contains(svg, "update_shard_count 4") {
			t.Errorf("%s: marks the skipped event", c.Title)
		}
		// The accepted events' lines are solid purple, the refused one's
		// dashed grey.
		if !strings.Contains(svg, "stroke:#6A3D9A;stroke-width:1.2\"") || !strings.Contains(svg, "stroke:#888888;stroke-width:1.2;stroke-dasharray:3,2") {
			t.Errorf("%s: event lines not styled as expected", c.Title)
		}
	}
	// A run without events has no marks.
	charts, err = Charts(fixture())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if bytes.Contains(c.SVG, []byte(">event<")) || bytes.Contains(c.SVG, []byte("#6A3D9A")) {
			t.Errorf("%s: event marks without events", c.Title)
		}
	}
}

func TestEventLabel(t *testing.T) {
	for _, tc := range []struct {
		ev   Event
		want string
	}{
		{Event{Action: "split shardId-000000000001"}, "split …0001"},
		{Event{Action: "merge shardId-000000000002 shardId-000000000003"}, "merge …0002 …0003"},
		{Event{Action: "update_shard_count 8", Error: "LimitExceededException: rate"}, "update_shard_count 8 (refused)"},
		{Event{Action: "split shard-7"}, "split shard-7"},
	} {
		if got := eventLabel(tc.ev); got != tc.want {
			t.Errorf("eventLabel(%+v) = %q, want %q", tc.ev, got, tc.want)
		}
	}
}

// TestChartsFirehose checks that a Direct PUT Firehose run, which has no
// shards, has no utilisation chart.
func TestChartsFirehose(t *testing.T) {
	charts, err := Charts(firehoseFixture())
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 2 || strings.Contains(charts[1].Title, "utilisation") {
		t.Errorf("%d charts, the last %q; want throughput and latency", len(charts), charts[len(charts)-1].Title)
	}
}

// TestLegendBelow checks that the legend goes below the plot in as many
// columns as fit, so a chart keeps its width for the data.
func TestLegendBelow(t *testing.T) {
	var leg legend
	if cols, h := leg.layout(chartWidth); cols != nil || h != 0 {
		t.Errorf("no entries: %d columns, %v high", len(cols), h)
	}
	for i := range 11 {
		leg.Add(fmt.Sprintf("shardId-%012d", i))
	}
	cols, h := leg.layout(chartWidth)
	if len(cols) < 2 || len(cols) > 3 {
		t.Errorf("11 shard names in %d columns, want 2 or 3", len(cols))
	}
	one, _ := leg.layout(leg.columnWidth() + 8)
	if len(one) != 1 {
		t.Errorf("room for one column: %d columns", len(one))
	}
	_, oneH := leg.layout(leg.columnWidth() + 8)
	if !(oneH > 1.5*h) {
		t.Errorf("one column is %v high, %d columns %v", oneH, len(cols), h)
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) []string {
		var out []string
		for _, tk := range ticks {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0.5, 90, []string{"0.5", "1", "2", "5", "10", "20", "50"}},
		{3, 3200, []string{"10", "100", "1,000"}},
		{0.03, 0.3, []string{"0.05", "0.1", "0.2"}},
	} {
		if got := labels(logTicks{}.Ticks(tc.lo, tc.hi)); !slices.Equal(got, tc.want) {
			t.Errorf("logTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
	// log10Ticks places the same labels at the values' logarithms.
	for _, tk := range (log10Ticks{}).Ticks(math.Log10(3), math.Log10(3200)) {
		if tk.Label == "1,000" && math.Abs(tk.Value-3) > 1e-9 {
			t.Errorf("1,000 at %g, want 3", tk.Value)
		}
	}
	if got := log10Y(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 100}, {X: 2, Y: -1}}); len(got) != 1 || got[0] != (plotter.XY{X: 1, Y: 2}) {
		t.Errorf("log10Y = %v, want only (1, 2)", got)
	}
}

func TestSpansDecades(t *testing.T) {
	for _, tc := range []struct {
		values  []float64
		decades float64
		want    bool
	}{
		{[]float64{100, 200, 300}, 1, false},
		{[]float64{100, 3079}, 1, true},
		{[]float64{100, 999}, 1, false},
		{[]float64{0, 1000}, 1, false}, // a log axis cannot show 0
		{[]float64{1, 31}, 1.5, false},
		{[]float64{1, 32}, 1.5, true},
		{nil, 1, false},
	} {
		if got := spansDecades(tc.values, tc.decades); got != tc.want {
			t.Errorf("spansDecades(%v, %g) = %v, want %v", tc.values, tc.decades, got, tc.want)
		}
	}
}

func TestFixRange(t *testing.T) {
	p := plot.New()
	fixRange(p, true) // no data
	if p.X.Min != 0 || p.X.Max != 1 || p.Y.Min != 0 || p.Y.Max != 1.05 {
		t.Errorf("no data: x %g to %g, y %g to %g", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	p = plot.New()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 29, 0, 0 // zeros only
	fixRange(p, true)
	if p.Y.Min != 0 || p.Y.Max != 1.05 {
		t.Errorf("zeros: y %g to %g, want 0 to 1.05", p.Y.Min, p.Y.Max)
	}
	p.Y.Min, p.Y.Max = 20, 100
	fixRange(p, true)
	if p.Y.Min != 0 || p.Y.Max != 105 {
		t.Errorf("20 to 100: y %g to %g, want 0 to 105", p.Y.Min, p.Y.Max)
	}
}

func TestTickLabel(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{
		{3 * 0.2, "0.6"}, {0.1 + 0.2, "0.3"}, {2500, "2,500"}, {1e-12, "0"}, {-7.5, "-7.5"}, {0.25, "0.25"},
	} {
		if got := tickLabel(tt.v); got != tt.want {
			t.Errorf("tickLabel(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
