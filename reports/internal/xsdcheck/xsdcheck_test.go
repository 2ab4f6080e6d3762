package xsdcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records the failures and skips of the code under test instead of
// failing the real test; everything else goes to the real one.
type fakeTB struct {
	testing.TB
	errors []string
	fatals []string
	skips  []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Skip(args ...any) {
	f.skips = append(f.skips, fmt.Sprint(args...))
}

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "junit", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidPasses(t *testing.T) {
	Validate(t, JUnitSchema(t), readSample(t, "valid.xml"))
	// The smallest report, with the other root.
	Validate(t, JUnitSchema(t), []byte(`<testsuite name="spillway" tests="1"><testcase name="run"/></testsuite>`))
}

func TestInvalidFails(t *testing.T) {
	fake := &fakeTB{TB: t}
	Validate(fake, JUnitSchema(t), readSample(t, "invalid.xml"))
	if len(fake.fatals) > 0 || len(fake.errors) != 1 {
		t.Fatalf("failures %q and fatal failures %q, want one failure", fake.errors, fake.fatals)
	}
	t.Logf("the failure reads:\n%s", fake.errors[0])
	// One line from libxml2 for each mistake in invalid.xml.
	for _, want := range []string{
		"does not validate against " + JUnitSchema(t),
		`document.xml:4: Schemas validity error : Element 'testsuite', attribute 'failures': 'two' is not a valid value of the atomic type 'xs:nonNegativeInteger'.`,
		`document.xml:4: Schemas validity error : Element 'testsuite': The attribute 'tests' is required but missing.`,
		`document.xml:5: Schemas validity error : Element 'testcase', attribute 'time': [facet 'minInclusive'] The value '-1' is less than the minimum value allowed ('0').`,
		`document.xml:5: Schemas validity error : Element 'testcase': The attribute 'name' is required but missing.`,
		`document.xml:8: Schemas validity error : Element 'error': This element is not expected.`,
		`document.xml:10: Schemas validity error : Element 'testcase', attribute 'duration': The attribute 'duration' is not allowed.`,
		`document.xml:12: Schemas validity error : Element 'result': This element is not expected. Expected is ( testsuite ).`,
	} {
		if !strings.Contains(fake.errors[0], want) {
			t.Errorf("failure lacks\n  %s\nin\n%s", want, fake.errors[0])
		}
	}
}

func TestNotWellFormedFails(t *testing.T) {
	fake := &fakeTB{TB: t}
	Validate(fake, JUnitSchema(t), []byte(`<testsuite name="spillway" tests="1"><testcase`))
	if len(fake.fatals) > 0 || len(fake.errors) != 1 || !strings.Contains(fake.errors[0], "document.xml:1: parser error : Couldn't find end of Start Tag testcase") {
		t.Errorf("failures %q and fatal failures %q, want one parser error", fake.errors, fake.fatals)
	}
}

func TestBrokenSchemaStops(t *testing.T) {
	xsd := filepath.Join(t.TempDir(), "broken.xsd")
	err := os.WriteFile(xsd, []byte(`<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="nope"/></xs:schema>`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeTB{TB: t}
	Validate(fake, xsd, []byte(`<a/>`))
	if len(fake.errors) > 0 || len(fake.fatals) != 1 || !strings.Contains(fake.fatals[0], "broken.xsd does not compile") {
		t.Errorf("failures %q and fatal failures %q, want one fatal failure about the schema", fake.errors, fake.fatals)
	}
}

func TestWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	want := "xsdcheck: node (Node.js 20+) is not on PATH, needed for xmllint-wasm: install it and run `npm ci --prefix testdata/emulators` (make test does)"
	if _, err := os.Stat(filepath.Join("..", "..", "..", "testdata", "emulators", "node_modules", pkg)); err != nil {
		want = "xsdcheck: xmllint-wasm is not installed"
	}

	t.Setenv("SPILLWAY_EMULATORS", "")
	fake := &fakeTB{TB: t}
	Validate(fake, JUnitSchema(t), []byte(`<a/>`))
	if len(fake.skips) != 1 || !strings.HasPrefix(fake.skips[0], want) || len(fake.fatals)+len(fake.errors) > 0 {
		t.Errorf("skips %q, fatal failures %q and failures %q, want the skip %q", fake.skips, fake.fatals, fake.errors, want)
	}

	t.Setenv("SPILLWAY_EMULATORS", "required")
	fake = &fakeTB{TB: t}
	Validate(fake, JUnitSchema(t), []byte(`<a/>`))
	if len(fake.fatals) != 1 || !strings.HasPrefix(fake.fatals[0], want) || len(fake.skips)+len(fake.errors) > 0 {
		t.Errorf("skips %q, fatal failures %q and failures %q, want a fatal failure %q", fake.skips, fake.fatals, fake.errors, want)
	}
}
