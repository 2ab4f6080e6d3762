package reports

import (
	"bytes"
	"testing"
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
