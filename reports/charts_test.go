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
