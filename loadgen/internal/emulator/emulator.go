//go:build unix

// Package emulator starts the local servers of testdata/emulators for
// tests (installed by `npm ci --prefix testdata/emulators`), as
// net/http/httptest starts HTTP servers: `node <launcher script>` on free
// 127.0.0.1 ports, answering on loopback only, and killed with its whole
// process group, port closed, when the test that started it ends. Without
// node or the server's package in node_modules the test is skipped, or
// failed when SPILLWAY_EMULATORS=required. loadgen/kinesis/kinesistest and
// loadgen/firehose/firehosetest start their servers with it.
package emulator

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

// emulatorsDir is testdata/emulators, found from this source file so that
// tests of any package can start the servers.
var emulatorsDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "emulators")
}()

const (
	installHint = "run `npm ci --prefix testdata/emulators` (make test does)"
	startWait   = 15 * time.Second
	poll        = 20 * time.Millisecond
)

// Start runs `node args(ports)...` in the emulators folder with nports free
// loopback ports, waits until the first port answers and the launcher has
// printed "listening", and returns the ports. The server's environment is
// the test's with NODE_OPTIONS cleared and env added (later entries win).
// name is the server's package in node_modules (the test is skipped, or
// failed when SPILLWAY_EMULATORS=required, if it or node is missing) and
// its name in logs and failures. A start that loses its port to another
// process is retried.
func Start(t testing.TB, name string, nports int, env []string, args func(ports []int) []string) []int {
	t.Helper()
	dir, node := setup(t, name)
	var last string
	for range 3 {
		ports := make([]int, nports)
		for i := range ports {
			ports[i] = freePort(t)
		}
		began := time.Now()
		ok, output := run(t, dir, node, name, env, args(ports), ports[0])
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

// WaitPort waits until 127.0.0.1:port accepts connections, failing the
// test after as long as Start waits for a server.
func WaitPort(t testing.TB, port int) {
	t.Helper()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(startWait)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing answers on %s after %v: %v", addr, startWait, err)
		}
		time.Sleep(poll)
	}
}

// setup returns the emulators folder and node, or skips the test (fails it
// when SPILLWAY_EMULATORS=required) if either is missing.
func setup(t testing.TB, pkg string) (dir, node string) {
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
		missing("%s is not installed in %s: %s", pkg, emulatorsDir, installHint)
	}
	node, err = exec.LookPath("node")
	if err != nil {
		missing("node (Node.js 20+) is not on PATH, needed for %s: install it and %s", pkg, installHint)
	}
	return dir, node
}

// run starts one server process and waits for it. It returns false and the
// process's output if the process exits before answering; it fails the
// test if the process neither answers nor exits in startWait.
func run(t testing.TB, dir, node, name string, env, args []string, port int) (ok bool, output string) {
	t.Helper()
	var stdout, stderr lockedBuffer
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	// Later entries win: pin what the server reads from the environment.
	cmd.Env = append(os.Environ(), "NODE_OPTIONS=")
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
	deadline := time.Now().Add(startWait)
	tick := time.NewTicker(poll)
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
			t.Fatalf("%s did not answer on %s within %v\n%s", name, addr, startWait, describe())
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
