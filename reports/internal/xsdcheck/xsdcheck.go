// Package xsdcheck validates XML that a test produced against an XSD with
// libxml2's xmllint, compiled to WebAssembly: testdata/emulators/xmllint.cjs
// on Node with the xmllint-wasm package that `npm ci --prefix
// testdata/emulators` installs (make test does). Without node or the
// package the test is skipped, or failed when SPILLWAY_EMULATORS=required
// (as make test sets).
//
//	var buf bytes.Buffer
//	// ... write a JUnit report to buf ...
//	xsdcheck.Validate(t, xsdcheck.JUnitSchema(t), buf.Bytes())
package xsdcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const (
	// timeout bounds one validation; one takes about half a second.
	timeout = time.Minute
	// pkg is the npm package that validates, in the emulators' node_modules.
	pkg         = "xmllint-wasm"
	installHint = "run `npm ci --prefix testdata/emulators` (make test does)"
)

// Validate fails the test, with libxml2's messages, when xml does not
// validate against the schema at xsdPath (absolute, or relative to the
// test's working directory). It fails the test with t.Fatalf when the
// validator cannot run or the schema does not compile.
func Validate(t testing.TB, xsdPath string, xml []byte) {
	t.Helper()
	script := filepath.Join(root, "testdata", "emulators", "xmllint.cjs")
	node, ok := setup(t)
	if !ok {
		return
	}
	schema, err := filepath.Abs(xsdPath)
	if err != nil {
		t.Fatalf("xsdcheck: %v", err)
		return
	}
	file := filepath.Join(t.TempDir(), "document.xml")
	if err := os.WriteFile(file, xml, 0o644); err != nil {
		t.Fatalf("xsdcheck: %v", err)
		return
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, node, script, schema, file)
	cmd.Env = append(os.Environ(), "NODE_OPTIONS=")
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && exit.ExitCode() == 3: // invalid (xmllint.cjs)
		t.Errorf("xsdcheck: the XML does not validate against %s:\n%s", xsdPath, indent(stderr.String()))
	default:
		t.Fatalf("xsdcheck: %s %s: %v\n%s", filepath.Base(script), xsdPath, err, indent(stderr.String()))
	}
}

// JUnitSchema returns the path of testdata/junit/junit.xsd, the schema of
// JUnit XML reports. (t is not used; it is kept so the call reads as the
// test's.)
func JUnitSchema(testing.TB) string {
	return filepath.Join(root, "testdata", "junit", "junit.xsd")
}

// root is the repository, found from this source file (as
// loadgen/internal/emulator finds testdata/emulators), so that tests of
// any package, in any working directory, find the validator and schemas.
var root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}()

// setup returns node, or skips the test (fails it when
// SPILLWAY_EMULATORS=required) when node or xmllint-wasm is missing.
func setup(t testing.TB) (node string, ok bool) {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("SPILLWAY_EMULATORS") == "required" {
			t.Fatalf("%s (SPILLWAY_EMULATORS=required)", msg)
		} else {
			t.Skip(msg)
		}
	}
	modules := filepath.Join(root, "testdata", "emulators", "node_modules")
	if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
		missing("xsdcheck: %s is not installed in %s: %s", pkg, modules, installHint)
		return "", false
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("xsdcheck: node (Node.js 20+) is not on PATH, needed for %s: install it and %s", pkg, installHint)
		return "", false
	}
	return node, true
}

// indent sets the validator's lines off from the test's own.
func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
