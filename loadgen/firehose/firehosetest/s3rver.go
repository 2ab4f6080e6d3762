//go:build unix

// Package firehosetest starts a local S3-compatible server for tests of
// Firehose delivery, as loadgen/kinesis/kinesistest starts Kinesis ones:
// s3rver from testdata/emulators (installed by `npm ci --prefix
// testdata/emulators`), on a free 127.0.0.1 port, storing objects in the
// test's temporary folder, killed with its whole process group when the
// test ends. Without node or node_modules the test is skipped, or failed
// when SPILLWAY_EMULATORS=required.
package firehosetest

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

// s3rver's fixed credentials: it checks request signatures against them.
const (
	AccessKeyID     = "S3RVER"
	SecretAccessKey = "S3RVER"
)

// emulatorsDir is testdata/emulators, found from this source file so that
// tests of any package can start the server.
var emulatorsDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "emulators")
}()

const (
	installHint = "run `npm ci --prefix testdata/emulators` (make test does)"
	startWait   = 15 * time.Second
	poll        = 20 * time.Millisecond
)

// StartS3rver starts s3rver with the given buckets created and returns its
// endpoint, http://127.0.0.1:<port>: plain HTTP, path-style addressing,
// credentials AccessKeyID and SecretAccessKey. Objects live under a
// t.TempDir(), gone with the test.
func StartS3rver(t testing.TB, buckets ...string) (endpoint string) {
	t.Helper()
	dir, node := setup(t, "s3rver")
	store := t.TempDir()
	var last string
	for range 3 {
		port := freePort(t)
		began := time.Now()
		args := append([]string{"s3rver.cjs", strconv.Itoa(port), store}, buckets...)
		ok, output := run(t, dir, node, "s3rver", args, port)
		if ok {
			t.Logf("s3rver on 127.0.0.1:%d, answering after %v", port, time.Since(began).Round(time.Millisecond))
			return "http://127.0.0.1:" + strconv.Itoa(port)
		}
		last = output
		if !strings.Contains(output, "EADDRINUSE") {
			break
		}
	}
	t.Fatalf("s3rver did not start:\n%s", last)
	return ""
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
func run(t testing.TB, dir, node, name string, args []string, port int) (ok bool, output string) {
	t.Helper()
	var stdout, stderr lockedBuffer
	cmd := exec.Command(node, args...)
	cmd.Dir = dir
	// Later entries win: pin what the server reads from the environment.
	cmd.Env = append(os.Environ(), "NODE_OPTIONS=")
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
