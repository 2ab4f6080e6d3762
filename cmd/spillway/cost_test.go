package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

// costScenario is 1,000 records/s of 998 B plus a 2-character key (k0 to
// k9): 1,000 B, 1 PUT payload unit and 1,024 B on-demand each, read by one
// fan-out consumer and kept 48 h.
const costScenario = `name: cost-test
stream: {shards: 2, retention: 48h}
load: {rate: 1000, duration: 1m}
record: {size: 998B}
keys: {dist: uniform, count: 10}
consumers: [{type: efo}]
`

// A month is 730 h × 3,600 s × 1,000 = 2.628e9 records: 2.628e12 B =
// 2,447.5157260894775 GB (2^30 B) read by the fan-out consumer, and
// 2,506.256103515625 GB billed on-demand. The stream holds 1e6 B/s × 48 h
// = 160.9325408935547 GB, half of it older than 24 h.
//
// Provisioned, 2 shards (1,000 ÷ 1,000 ÷ 0.8 = 1.25 → 2): 1,460
// shard-hours × $0.015 = $21.90; 2,628 M PUT payload units × $0.014 =
// $36.792; 1 × 2 × 730 consumer-shard-hours × $0.015 = $21.90; fan-out
// retrieval 2,447.5157… × $0.013 = $31.8177044; extended retention 1,460
// shard-hours × $0.020 = $29.20. Total $141.6097044.
//
// On-demand Standard: $29.20 + 2,506.2561… × $0.08 = $200.5004883 +
// 2,447.5157… × $0.05 = $122.3757863 + 80.4662704… GB-months × $0.10 =
// $8.0466270. Total $360.1229016.
//
// On-demand Advantage: below the 25 MiB/s commitment, so 64,160.15625 GB ×
// ($0.032 + $0.016) = $3,079.6875, plus 80.4662704… GB-months × $0.023 of
// retention = $1.8507242. Total $3,081.5382242.
//
// Break-even: with one shard (up to 800 records/s) provisioned costs
// $36.50 + $0.0686096 per record/s, on-demand $29.20 + $0.3309223: equal
// at 7.30 ÷ 0.2623127 = 27.83 records/s; on-demand is cheaper below.
const (
	costProvisioned = 141.6097044391632
	costOnDemand    = 360.1229016304016
	costAdvantage   = 3081.538224220276
	costBreakEven   = 27.829327987176963
)

func TestCostText(t *testing.T) {
	sc := writeFile(t, "c.yaml", costScenario)
	code, stdout, stderr := runCLI(t, "cost", sc)
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	for _, want := range []string{
		"rate:    1,000 records/s, the mean over the profile (60,000 records ÷ 60 s); peak 1,000 records/s",
		"records: 1,000 B on average (data plus key), billed per record at 1 PUT payload unit, 1,024 B on-demand",
		"readers: 0 polling, 1 enhanced fan-out, each reading every record; retention 48 h",
		"prices:  us-east-1, as of KDS 2024-07-01",
		"Provisioned, 2 shards (sized for the peak at 80% of each shard limit): $141.61 a month",
		"KDS extended retention           1,460           shard-hour       $0.02  29.20",
		"On-demand Standard: $360.12 a month",
		"KDS on-demand extended retention     80.47     GB-month        $0.1    8.05",
		"On-demand Advantage (billed for at least the commitment): $3,081.54 a month",
		"break-even between provisioned and on-demand Standard: 28 records/s (on-demand is cheaper below, provisioned above)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("cost output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCostJSON(t *testing.T) {
	sc := writeFile(t, "c.yaml", costScenario)
	code, stdout, stderr := runCLI(t, "cost", sc, "--json")
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var c struct {
		Schema string `json:"schema"`
		Region string `json:"region"`
		Shards int    `json:"shards"`
		Cost   struct {
			Provisioned       float64  `json:"provisioned"`
			OnDemand          float64  `json:"on_demand"`
			OnDemandAdvantage float64  `json:"on_demand_advantage"`
			Firehose          *float64 `json:"firehose"`
		} `json:"cost"`
		Lines struct {
			Provisioned       []map[string]any `json:"provisioned"`
			OnDemand          []map[string]any `json:"on_demand"`
			OnDemandAdvantage []map[string]any `json:"on_demand_advantage"`
		} `json:"lines"`
		BreakEven *reports.CostBreakEven `json:"break_even"`
	}
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-6*want }
	if c.Schema != reports.CostSchema || c.Region != "us-east-1" || c.Shards != 2 || c.Cost.Firehose != nil ||
		!near(c.Cost.Provisioned, costProvisioned) || !near(c.Cost.OnDemand, costOnDemand) || !near(c.Cost.OnDemandAdvantage, costAdvantage) {
		t.Errorf("cost %+v, shards %d", c.Cost, c.Shards)
	}
	if len(c.Lines.Provisioned) != 5 || len(c.Lines.OnDemand) != 4 || len(c.Lines.OnDemandAdvantage) != 5 ||
		c.Lines.Provisioned[0]["item"] != "KDS shard-hours" || c.Lines.Provisioned[0]["usd"] != 21.9 {
		t.Errorf("lines %+v", c.Lines)
	}
	if be := c.BreakEven; be == nil || math.Abs(be.RecordsPerSec-costBreakEven) > 1e-6 || be.CheaperBelow != "on_demand" || be.Crossings != 1 {
		t.Errorf("break-even %+v, want %g records/s", be, costBreakEven)
	}
}

func TestCostOutAndPricing(t *testing.T) {
	sc := writeFile(t, "c.yaml", costScenario)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "cost", sc, "--out", out)
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	dirs, _ := filepath.Glob(filepath.Join(out, "*-cost-test-cost"))
	if len(dirs) != 1 || !strings.Contains(stdout, "report: "+filepath.Join(dirs[0], "cost.html")) {
		t.Fatalf("folders %v, output:\n%s", dirs, stdout)
	}
	html, err := os.ReadFile(filepath.Join(dirs[0], "cost.html"))
	if err != nil || !strings.Contains(string(html), "<svg") || !strings.Contains(string(html), "break-even: 28 records/s") {
		t.Errorf("cost.html: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dirs[0], "cost.json")); err != nil || !json.Valid(b) {
		t.Errorf("cost.json: %v", err)
	}

	// A Region without prices is a usage error, unless a pricing file
	// gives them.
	code, _, stderr = runCLI(t, "cost", sc, "--region", "eu-west-1")
	if code != exitUsage || !strings.Contains(stderr, `no prices for Region "eu-west-1" (prices are known for: us-east-1): give them in a --pricing file`) {
		t.Errorf("eu-west-1 without prices: code %d, %s", code, stderr)
	}
	pricing := filepath.Join("..", "..", "model", "testdata", "pricing")
	code, stdout, stderr = runCLI(t, "cost", sc, "--region", "eu-west-1", "--pricing", filepath.Join(pricing, "new-region.json"))
	// 2 shards × 730 h × $0.017 = $24.82.
	if code != exitOK || !strings.Contains(stdout, "prices:  eu-west-1, as of 2026-01-15") || !strings.Contains(stdout, "KDS shard-hours                  1,460           shard-hour      $0.017  24.82") {
		t.Errorf("eu-west-1 from a pricing file: code %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "cost", sc, "--pricing", filepath.Join(pricing, "bad.yaml"))
	if code != exitUsage || !strings.Contains(stderr, "bad.yaml:3:5: regions.us-east-1.shard_hour: unknown field") || !strings.Contains(stderr, "is not a valid pricing file") {
		t.Errorf("bad pricing file: code %d, %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "cost"); code != exitUsage {
		t.Errorf("no scenario: code %d", code)
	}
}

// A run's results carry its cost: a cost threshold passes and the summary
// shows the cost line. shortScenario writes 400 records of about 100 B
// to 2 shards in about a second, so a month of it costs at least the
// shards' 2 × 730 × $0.015 = $21.90 and far less than $100,000.
func TestRunCost(t *testing.T) {
	body := strings.Replace(shortScenario, "  - throttle_ratio < 5%\n", "  - cost_monthly_usd < 100000\n", 1)
	sc := writeFile(t, "s.yaml", body)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--out", out, "--seed", "7", "--no-progress", "--sim-latency", "1ms")
	if code != exitOK {
		t.Fatalf("run: code %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "PASS  cost_monthly_usd < 100000") || !strings.Contains(stdout, "\nCost      $") ||
		!strings.Contains(stdout, "a month at this rate (provisioned: shard-hours of 2 shards prorated to the run, PUT payload units; us-east-1 prices, writes only)") {
		t.Errorf("summary lacks the cost:\n%s", stdout)
	}
	res := runResults(t, out)
	c := res.Cost
	if c == nil || c.Mode != reports.RunCostProvisioned || c.Shards != 2 || !(c.RunUSD > 0) || c.MonthlyUSD < 21.90 || c.MonthlyUSD > 100 {
		t.Fatalf("cost %+v", c)
	}
	// The run is billed for its own seconds: 2 shards × its hours × $0.015
	// plus 400 PUT payload units.
	if want := 2*c.Hours*0.015 + 400*0.014/1e6; math.Abs(c.RunUSD-want) > 1e-12 {
		t.Errorf("run cost $%g, want $%g", c.RunUSD, want)
	}

	// A Region without prices: the run still passes its other thresholds,
	// says why it has no cost, and a cost threshold fails.
	out = t.TempDir()
	code, stdout, stderr = runCLI(t, "run", sc, "--out", out, "--no-progress", "--sim-latency", "0s", "--region", "eu-west-1")
	if code != exitThreshold || !strings.Contains(stderr, `the run's cost is not computed: no prices for Region "eu-west-1"`) ||
		!strings.Contains(stdout, "FAIL  cost_monthly_usd < 100000") || strings.Contains(stdout, "\nCost ") {
		t.Errorf("eu-west-1: code %d\n%s\n%s", code, stdout, stderr)
	}
}

// With dynamic partitioning the per-object charge counts the objects the
// delivery model makes with the scenario's buffers: 100 keys flushed every
// 60 s by time (each partition's minute of data is far below 5 MiB) are
// 100 × 60 = 6,000 objects an hour, 4,380,000 a month: 4,380 thousands at
// $0.005.
func TestCostDynamicPartitioningObjects(t *testing.T) {
	sc := writeFile(t, "dp.yaml", `name: dp
load: {rate: 200, duration: 10m}
record: {size: 200B}
keys: {dist: uniform, count: 100}
firehose: {name: dp, source: direct_put, partition_by: key, buffer_size: 5MiB, buffer_interval: 60s}
`)
	code, stdout, stderr := runCLI(t, "cost", sc, "--json")
	if code != exitOK {
		t.Fatalf("code %d: %s", code, stderr)
	}
	var c reports.Cost
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range c.Lines.Firehose {
		if strings.Contains(l.Item, "objects") {
			found = true
			if math.Abs(l.Quantity-4380) > 4380*0.02 {
				t.Errorf("%s: %v thousand objects, want about 4,380", l.Item, l.Quantity)
			}
		}
	}
	if !found {
		t.Errorf("no objects line: %+v", c.Lines.Firehose)
	}
}
