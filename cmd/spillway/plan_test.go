package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		for _, field := range []string{`"required_shards"`, `"total"`, `"write_bytes"`, `"write_records"`, `"read"`, `"binding"`, `"hot_keys"`, `"actions"`,
			`"autoscaling"`, `"cost"`, `"provisioned"`, `"on_demand"`, `"on_demand_advantage"`} {
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

// Autoscaling advice and the on-demand check in the plan: 4 shards at 80%
// scale out above 0.8 × 4 × 1 MiB × 60 s = 201,326,592 bytes a minute; a
// step from 1,000 to 6,000 records/s breaks on-demand's starting 4,000
// records/s at its first whole second after the ramp, 61 s.
func TestPlanAutoscaling(t *testing.T) {
	sc := writeFile(t, "a.yaml", `name: step
stream: {shards: 8, resharding: {update_shard_count: 2m}}
load:
  start_rate: 1000
  stages:
    - {duration: 1m, target: 1000}
    - {duration: 1ms, target: 6000}
    - {duration: 2m, target: 6000}
record: {size: 500B}
`)
	code, stdout, stderr := runCLI(t, "plan", sc, "--json")
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var p reports.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	a := p.Autoscaling
	// Peak 6,000 records/s at 80%: 7.5 → 8 shards; trough 1,000: 1.25 → 2.
	if a == nil || p.RequiredShards.Total != 8 || a.MaxShards != 8 || a.MinShards != 2 || a.CooldownOutS != 300 || len(a.ScaleOut) != 2 {
		t.Fatalf("plan %+v, autoscaling %+v", p.RequiredShards, a)
	}
	if a.ScaleOut[0].Threshold != 402653184 { // 0.8 × 8 × 1,048,576 × 60
		t.Errorf("scale-out bytes threshold %v", a.ScaleOut[0].Threshold)
	}
	var cw map[string]any
	if err := json.Unmarshal(a.ScaleOut[0].CloudWatch, &cw); err != nil || cw["AlarmName"] != "spillway-step-scale-out-bytes" {
		t.Errorf("alarm JSON %s: %v", a.ScaleOut[0].CloudWatch, err)
	}
	if od := p.OnDemand; od == nil || od.WithinDoubling || od.AtS != 61 || od.AllowedRecordsPerSec != 4000 {
		t.Errorf("on-demand %+v", od)
	}
}

// The replay check: a day of diurnal-24h.yaml with the advised
// thresholds throttles under 1% of attempts and never breaks the
// UpdateShardCount rules.
func TestPlanReplayDiurnal(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "plan", "../../scenarios/examples/diurnal-24h.yaml", "--replay", "--json", "--out", out)
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	// The page: the per-shard chart, the per-shard heat map over the day and
	// one timeline per policy.
	pages, _ := filepath.Glob(filepath.Join(out, "*", "plan.html"))
	if len(pages) != 1 {
		t.Fatalf("plan pages %v", pages)
	}
	if b, _ := os.ReadFile(pages[0]); strings.Count(string(b), "<svg") != 5 || !strings.Contains(string(b), "Replay, thresholds") || !strings.Contains(string(b), "Load per shard over the profile") {
		t.Errorf("plan.html has %d charts", strings.Count(string(b), "<svg"))
	}
	var p reports.Plan
	if err := json.Unmarshal([]byte(stdout), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Replays) != 3 {
		t.Fatalf("%d replays", len(p.Replays))
	}
	th := p.Replays[1]
	if th.Policy != "thresholds" || th.ThrottleRatio >= 0.01 || len(th.RuleBreaks) != 0 || len(th.Events) == 0 || len(th.Minutes) != 1440 {
		t.Errorf("thresholds replay: throttle %.4f, rule breaks %v, %d events, %d minutes", th.ThrottleRatio, th.RuleBreaks, len(th.Events), len(th.Minutes))
	}
	for _, e := range th.Events {
		if e.To > 2*e.From || 2*e.To < e.From {
			t.Errorf("event %+v beyond double or half", e)
		}
	}
}

// --catch-up: three polling consumers that must drain a 10-minute backlog
// within 5 minutes read at three times the peak: 20.25 → 21 shards.
func TestPlanCatchUp(t *testing.T) {
	sc := writeFile(t, "c.yaml", `name: plan
stream: {shards: 4}
load: {rate: 2304, duration: 1m}
record: {size: 2000B}
keys: {dist: uniform, count: 10}
consumers: [{type: polling, count: 3}]
`)
	code, stdout, stderr := runCLI(t, "plan", sc, "--headroom", "1", "--catch-up", "10m", "--catch-up-within", "5m")
	if code != exitOK || !strings.Contains(stdout, "21 shards, bound by catching up") || !strings.Contains(stdout, "catching up    20.25  -> 21") {
		t.Errorf("code %d\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := runCLI(t, "plan", sc, "--catch-up", "10m"); code != exitUsage {
		t.Errorf("--catch-up alone: code %d", code)
	}
}
