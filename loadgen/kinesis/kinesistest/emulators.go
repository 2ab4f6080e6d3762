//go:build unix

// Package kinesistest starts local Kinesis-compatible servers for tests, as
// net/http/httptest starts HTTP servers: kinesalite and kinesis-local from
// testdata/emulators (installed by `npm ci --prefix testdata/emulators`),
// each on a free 127.0.0.1 port, killed with its whole process group when
// the test ends.
package kinesistest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Local Kinesis-compatible servers for tests, from testdata/emulators
// (installed by `npm ci --prefix testdata/emulators`). Each test that needs
// one starts its own on a free 127.0.0.1 port; it is killed, with its whole
// process group, when the test ends.

// emulatorsDir is testdata/emulators, found from this source file so that
// tests of any package can start the servers.
var emulatorsDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "emulators")
}()

const (
	emulatorInstallHint = "run `npm ci --prefix testdata/emulators` (make test does)"
	emulatorStartWait   = 15 * time.Second
	emulatorPoll        = 20 * time.Millisecond
)

// StartKinesalite starts kinesalite (in memory, 50 ms stream state changes)
// and returns its endpoint, http://127.0.0.1:<port>.
func StartKinesalite(t testing.TB) (endpoint string) {
	t.Helper()
	ports := startEmulator(t, "kinesalite", 1, nil, func(ports []int) []string {
		return []string{"kinesalite.cjs", strconv.Itoa(ports[0])}
	})
	return "http://127.0.0.1:" + strconv.Itoa(ports[0])
}

// StartKinesisLocal starts kinesis-local (every *_DURATION at 50 ms, bound
// to loopback by bind-loopback.cjs) and returns its plain HTTP endpoint.
func StartKinesisLocal(t testing.TB) (endpoint string) {
	t.Helper()
	ports := startEmulator(t, "kinesis-local", 2, nil, kinesisLocalArgs)
	return "http://127.0.0.1:" + strconv.Itoa(ports[0])
}

// kinesisLocalArgs starts kinesis-local with plain HTTP on ports[0] and TLS
// on ports[1].
func kinesisLocalArgs(ports []int) []string {
	return []string{"kinesis-local.cjs", strconv.Itoa(ports[0]), strconv.Itoa(ports[1])}
}

// emulatorSetup returns the emulators folder and node, or skips the test
// (fails it when SPILLWAY_EMULATORS=required) if either is missing.
func emulatorSetup(t testing.TB, pkg string) (dir, node string) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("SPILLWAY_EMULATORS") == "required" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir, err := filepath.Abs(emulatorsDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
		missing("%s is not installed in %s: %s", pkg, emulatorsDir, emulatorInstallHint)
	}
	node, err = exec.LookPath("node")
	if err != nil {
		missing("node (Node.js 20+) is not on PATH, needed for %s: install it and %s", pkg, emulatorInstallHint)
	}
	return dir, node
}

// startEmulator runs `node args(ports)...` in the emulators folder with
// nports free loopback ports and env added to the environment, waits until
// the first port answers and the launcher has printed "listening", and
// returns the ports. A start that loses its port to another process is
// retried.
func startEmulator(t testing.TB, name string, nports int, env []string, args func(ports []int) []string) []int {
	t.Helper()
	dir, node := emulatorSetup(t, name)
	var last string
	for range 3 {
		ports := make([]int, nports)
		for i := range ports {
			ports[i] = freePort(t)
		}
		began := time.Now()
		ok, output := runEmulator(t, dir, node, name, env, args(ports), ports[0])
		if ok {
			t.Logf("%s on 127.0.0.1:%d, answering after %v", name, ports[0], time.Since(began).Round(time.Millisecond))
			return ports
		}
		last = output
		if !strings.Contains(output, "EADDRINUSE") {
			break
		}
	}
	t.Fatalf("%s did not start:\n%s", name, last)
	return nil
}

// runEmulator starts one server process and waits for it. It returns false
// and the process's output if the process exits before answering; it fails
// the test if the process neither answers nor exits in emulatorStartWait.
func runEmulator(t testing.TB, dir, node, name string, env, args []string, port int) (ok bool, output string) {
	t.Helper()
	var stdout, stderr lockedBuffer
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	// Later entries win: pin what the servers read from the environment.
	cmd.Env = append(os.Environ(), "AWS_REGION=us-east-1", "AWS_ACCOUNT_ID=000000000000", "NODE_OPTIONS=")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	pid := cmd.Process.Pid
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-pid, syscall.SIGKILL) // the group: pgid == pid
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (pid %d) still running 10 s after SIGKILL", name, pid)
		}
	})
	describe := func() string {
		return fmt.Sprintf("exit: %v\nstderr:\n%s\nstdout:\n%s", waitErr, stderr.String(), stdout.String())
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(emulatorStartWait)
	tick := time.NewTicker(emulatorPoll)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return false, describe()
		case <-tick.C:
		}
		if strings.Contains(stdout.String(), "listening ") {
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				c.Close()
				return true, ""
			}
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-done
			t.Fatalf("%s did not answer on %s within %v\n%s", name, addr, emulatorStartWait, describe())
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer is a bytes.Buffer that a process may write while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The helpers start a server that answers on loopback only, and stop it,
// port closed, when the test that started it ends.
