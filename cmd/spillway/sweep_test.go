package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

const sweepScenario = `name: sweep-test
firehose:
  buffer_interval: 60s
  delivery_delay_target: 20s
load: {rate: 200, duration: 5m}
record: {size: 1KiB}
`

// The sweep over a small grid: 200 KiB/s fills 1 MiB in 5.12 s and 5 MiB in
// 25.6 s, so the p95 delay target of 20 s is met by the 1 MiB buffers and
// the cheapest of those (fewest S3 PUTs, the 300 s interval ties with 60 s)
// is recommended; zero buffering is allowed but costs far more in PUTs.
func TestSweepCommand(t *testing.T) {
	sc := writeFile(t, "s.yaml", sweepScenario)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "sweep", sc, "--buffer-size", "1MiB,5MiB", "--buffer-interval", "0s,60s,300s", "--out", out)
	if code != exitOK {
		t.Fatalf("sweep: code %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "cheapest setting meeting the p95 target of 20,000.0 ms: buffer_size 1 MiB") {
		t.Errorf("no recommendation of a 1 MiB buffer:\n%s", stdout)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*-sweep-test-sweep", "sweep.*"))
	if len(files) != 2 {
		t.Fatalf("sweep files %v, want sweep.json and sweep.html", files)
	}
	html, _ := os.ReadFile(filepath.Join(filepath.Dir(files[0]), "sweep.html"))
	if n := bytes.Count(html, []byte("<svg")); n != 3 {
		t.Errorf("sweep.html has %d charts, want 3", n)
	}

	code, stdout, _ = runCLI(t, "sweep", sc, "--buffer-size", "1MiB,5MiB", "--buffer-interval", "0s,60s,300s", "--json")
	var sw reports.Sweep
	if code != exitOK || json.Unmarshal([]byte(stdout), &sw) != nil {
		t.Fatalf("--json: code %d, output %q", code, stdout)
	}
	if sw.Schema != reports.SweepSchema || len(sw.Points) != 6 || sw.Recommended < 0 {
		t.Fatalf("sweep JSON: schema %q, %d points, recommended %d", sw.Schema, len(sw.Points), sw.Recommended)
	}
	rec := sw.Points[sw.Recommended]
	if rec.BufferSizeBytes != 1<<20 || rec.DelayP95Ms > 20000 {
		t.Errorf("recommended %+v", rec)
	}
	for _, p := range sw.Points {
		if p.BufferIntervalS == 0 && p.MonthlyUSD <= rec.MonthlyUSD {
			t.Errorf("zero buffering costs %.2f, not more than the recommendation's %.2f", p.MonthlyUSD, rec.MonthlyUSD)
		}
	}
}

func TestSweepUsageErrors(t *testing.T) {
	kinesisOnly := writeFile(t, "k.yaml", shortScenario)
	fh := writeFile(t, "f.yaml", sweepScenario)
	for _, args := range [][]string{
		{"sweep"},
		{"sweep", kinesisOnly},
		{"sweep", fh, "--buffer-size", "lots"},
		{"sweep", fh, "--buffer-interval", "soon"},
	} {
		if code, _, _ := runCLI(t, args...); code != exitUsage {
			t.Errorf("spillway %v: code %d, want %d", args[1:], code, exitUsage)
		}
	}
}
