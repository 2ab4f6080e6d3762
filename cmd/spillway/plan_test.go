package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

// The hand-computed sizing cases through the CLI: 2,304 records/s
// of 2 KiB read by three polling consumers needs 7 shards (reads: 2,304 ×
// 2 × 3 / 2,048 = 6.75; writes 4.5 → 5; records 2.304 → 3); with three
// fan-out consumers instead, 5 (writes bind).
func TestPlanRequiredShards(t *testing.T) {
	for _, tc := range []struct {
		consumers string
		total     int
		binding   string
	}{
		{"[{type: polling, count: 3}]", 7, "read"},
		{"[{type: efo, count: 3}]", 5, "write_bytes"},
	} {
		sc := writeFile(t, "p.yaml", `name: plan
stream: {shards: 4}
load: {rate: 2304, duration: 1m}
record: {size: 2000B}
keys: {dist: uniform, count: 10}
consumers: `+tc.consumers+"\n")
		code, stdout, stderr := runCLI(t, "plan", sc, "--json", "--headroom", "1")
		if code != exitOK {
			t.Fatalf("code %d: %s", code, stderr)
		}
		// The field names CI scripts read.
		for _, field := range []string{`"required_shards"`, `"total"`, `"write_bytes"`, `"write_records"`, `"read"`, `"binding"`, `"hot_keys"`, `"actions"`} {
			if !strings.Contains(stdout, field) {
				t.Errorf("plan JSON lacks %s:\n%s", field, stdout)
			}
		}
		var p reports.Plan
		if err := json.Unmarshal([]byte(stdout), &p); err != nil {
			t.Fatalf("%v\n%s", err, stdout)
		}
		r := p.RequiredShards
		if p.Schema != reports.PlanSchema || r.Total != tc.total || r.Binding != tc.binding || r.WriteBytes != 5 || r.WriteRecords != 3 || p.KiBPerRecord != 2 {
			t.Errorf("%s: %+v (KiB per record %v)", tc.consumers, r, p.KiBPerRecord)
		}
		if len(p.Shards) != 4 || p.Actions == nil || p.HotKeys == nil {
			t.Errorf("%s: shards %d, actions %v, hot keys %v", tc.consumers, len(p.Shards), p.Actions, p.HotKeys)
		}
	}
}

// The ready hot-key scenario: 30% of 4,000 records/s on one key is called
// out as unfixable by resharding, and no split is advised for it.
func TestPlanHotKeyExample(t *testing.T) {
	code, stdout, stderr := runCLI(t, "plan", "../../scenarios/examples/hot-key.yaml")
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "hot on shardId-") || !strings.Contains(stdout, "1,200 records/s") || !strings.Contains(stdout, "UNFIXABLE by resharding") || !strings.Contains(stdout, "because of keys no resharding can fix") {
		t.Errorf("plan output:\n%s", stdout)
	}
	if code, _, stderr := runCLI(t, "plan", "../../scenarios/examples/hot-key.yaml", "--headroom", "1.5"); code != exitUsage || !strings.Contains(stderr, "headroom") {
		t.Errorf("--headroom 1.5: code %d, %s", code, stderr)
	}
}

// The quickstart's hot shard (about 114% at the peak, as its run measures)
// gets a split with its hash key and the aws command to run.
func TestPlanQuickstartSplit(t *testing.T) {
	code, stdout, stderr := runCLI(t, "plan", "../../scenarios/examples/quickstart.yaml", "--json")
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var p reports.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	if u := p.Shards[0].Utilization; u < 1.1 || u > 1.2 {
		t.Errorf("shardId-000000000000 at %.2f of its limit, want about 1.14", u)
	}
	if len(p.Actions) != 1 || p.Actions[0].Action != "split" || p.Actions[0].ShardID != "shardId-000000000000" || p.Actions[0].NewStartingHashKey == "" ||
		!strings.HasPrefix(p.Actions[0].Command, "aws kinesis split-shard --stream-name spillway-quickstart --shard-to-split shardId-000000000000 --new-starting-hash-key ") {
		t.Errorf("actions %+v", p.Actions)
	}
}
