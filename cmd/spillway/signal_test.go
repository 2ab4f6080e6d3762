package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spillway-dev/spillway/reports"
)

// TestMain lets a test run this binary as spillway itself, so signals can be
// sent to a real process.
func TestMain(m *testing.M) {
	if os.Getenv("SPILLWAY_TEST_MAIN") == "1" {
		main()
		return
	}
	// A CI job's own step summary is not for the runs these tests make;
	// tests that want one set their own.
	os.Unsetenv("GITHUB_STEP_SUMMARY")
	code := m.Run()
	if ciRuns.dir != "" {
		os.RemoveAll(ciRuns.dir)
	}
	os.Exit(code)
}

// The first Ctrl-C stops the run, drains, writes the results and exits 1.
// The run is long (60 s) so only the signal can end it quickly; the test
// sends it once the run has started, and waits for the process to exit.
func TestInterruptWritesResults(t *testing.T) {
	sc := writeFile(t, "s.yaml", strings.Replace(shortScenario, "duration: 1s", "duration: 60s", 1))
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "run", sc, "--out", out, "--no-progress", "--sim-latency", "5ms")
	cmd.Env = append(os.Environ(), "SPILLWAY_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	var log []string
	for lines.Scan() {
		log = append(log, lines.Text())
		if strings.Contains(lines.Text(), "running \"cli-test\"") {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitError {
		t.Fatalf("exit: %v, want code %d\nstderr:\n%s\nstdout:\n%s", err, exitError, strings.Join(log, "\n"), stdout.String())
	}
	files, _ := filepath.Glob(filepath.Join(out, "*", "results.json"))
	if len(files) != 1 {
		t.Fatalf("results not written after Ctrl-C: %v", files)
	}
	res, err := reports.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	tt := res.Totals
	if !res.Interrupted || res.StopReason != "interrupted" || tt.Offered >= 400*60 {
		t.Fatalf("interrupted %v (%q), offered %d: want an interrupted, short run", res.Interrupted, res.StopReason, tt.Offered)
	}
	if tt.Acked+tt.Failed+tt.Expired+tt.Unfinished != tt.Offered {
		t.Fatalf("books do not balance after Ctrl-C: %+v", tt)
	}
}
