package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// load.csv reads a CloudWatch-style per-minute profile, relative to the
// scenario file; the run lasts as many minutes as the file has unless
// load.duration says otherwise.
func TestLoadCSV(t *testing.T) {
	dir := filepath.Join("testdata", "profile")
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "traffic.csv"))
	sc, err := LoadFile(write("s.yaml", "name: p\nstream: {shards: 2}\nload: {csv: "+abs+"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ProfileMinute{{60000, 61440000}, {120000, 122880000}, {90000, 92160000}}
	if len(sc.Load.Profile) != 3 || sc.Load.Profile[1] != want[1] || sc.Load.Duration.D() != 3*time.Minute {
		t.Errorf("profile %+v, duration %v", sc.Load.Profile, sc.Load.Duration)
	}
	// Relative to the scenario's folder.
	sc, err = LoadFile(filepath.Join(dir, "relative.yaml"))
	if err != nil || len(sc.Load.Profile) != 3 {
		t.Fatalf("relative: %v", err)
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"bad value", "load: {csv: " + filepath.Join(mustAbs(t, dir), "bad.csv") + "}", `bad.csv:3: IncomingRecords: "lots" is not a count of 0 or more`},
		{"missing file", "load: {csv: nowhere.csv}", "load.csv: open"},
		{"with a rate", "load: {csv: " + abs + ", rate: 10, duration: 1m}", "load.csv: set one of rate, stages and csv"},
		{"no records column", "load: {csv: " + write("h.csv", "Timestamp,IncomingBytes\nx,1\n") + "}", "no IncomingRecords column"},
	} {
		_, err := LoadFile(write("s.yaml", "name: p\nstream: {shards: 2}\n"+tc.yaml+"\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.yaml:3:") {
			t.Errorf("%s: %v, want s.yaml:3: … %s", tc.name, err, tc.want)
		}
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
