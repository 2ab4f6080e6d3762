package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/spillway-dev/spillway/reports/internal/xsdcheck"
	"github.com/spillway-dev/spillway/scenarios"
)

// TestJUnitValid writes JUnit reports of thresholds and of a comparison,
// with failures, passes and names that need escaping, and validates them
// against testdata/junit/junit.xsd with libxml2.
func TestJUnitValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	base := sampleRun("a", compareStart, randomSeconds(rng, 20, 100, 20))
	cur := sampleRun("b", compareStart, randomSeconds(rng, 20, 100, 40))
	cur.Scenario.Name = `ci <"quick"> & start`
	cur.Scenario.Thresholds = append(cur.Scenario.Thresholds,
		scenarios.Threshold{Expr: "throttle_ratio < 5%", Metric: "throttle_ratio", Op: "<", Value: 0.05},
		scenarios.Threshold{Expr: "put_latency p(95) < 1ms", Metric: "put_latency_p95", Op: "<", Value: 1})
	cur.Thresholds = Evaluate(cur, cur.Scenario.Thresholds)
	cur.Interrupted, cur.StopReason = true, "interrupted"
	c, err := Compare(base, cur, CompareOptions{BaselineName: "base.json", CurrentName: "cur.json"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Pass {
		t.Fatal("the comparison passed; the test wants a regression")
	}

	for _, tt := range []struct {
		name        string
		r           *Results
		c           *Comparison
		suites      int
		tests, fail int
	}{
		{"thresholds", cur, nil, 1, 3, 1},
		{"compare", nil, c, 1, checked(c), c.Regressions},
		{"both", cur, c, 2, 3 + checked(c), 1 + c.Regressions},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteJUnit(&buf, tt.r, tt.c); err != nil {
				t.Fatal(err)
			}
			xsdcheck.Validate(t, xsdcheck.JUnitSchema(t), buf.Bytes())

			var got junitSuites
			if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Suites) != tt.suites || got.Tests != tt.tests || got.Failures != tt.fail {
				t.Errorf("%d suites, %d tests, %d failures; want %d, %d, %d", len(got.Suites), got.Tests, got.Failures, tt.suites, tt.tests, tt.fail)
			}
			for _, s := range got.Suites {
				n := 0
				for _, tc := range s.Cases {
					if tc.Failure != nil {
						n++
						if tc.Failure.Message == "" || tc.Failure.Type == "" {
							t.Errorf("%s: failure without message or type", tc.Name)
						}
					}
				}
				if n != s.Failures || len(s.Cases) != s.Tests {
					t.Errorf("suite %s counts %d/%d, holds %d/%d", s.Name, s.Failures, s.Tests, n, len(s.Cases))
				}
			}
			if tt.name != "both" {
				return
			}
			for _, want := range []string{`name="put_latency p(95) &lt; 1ms"`, "spillway.thresholds.ci_quick_start", `type="regression"`, "the run was interrupted"} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("JUnit lacks %s", want)
				}
			}
		})
	}
}

// checked counts the checks a JUnit report has a test case for.
func checked(c *Comparison) int { return len(c.Checks) - c.count(VerdictInfo) }

// TestJUnitSchemaCatchesMistakes checks that the validation is not
// vacuous: a report missing what the schema requires fails it.
func TestJUnitSchemaCatchesMistakes(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, sampleRun("a", compareStart, [][]float64{{1}}), nil); err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(buf.String(), `tests="1"`, `tests="one"`, 1)
	rec := &recordingT{TB: t}
	xsdcheck.Validate(rec, xsdcheck.JUnitSchema(t), []byte(bad))
	if !rec.failed {
		t.Error("a testsuite with tests=\"one\" validated")
	}
	if rec.fatal != "" {
		t.Fatalf("the validator did not run: %s", rec.fatal)
	}
}

// recordingT records failures instead of failing the test; fatal is the
// message of a Fatalf, which Validate calls when it cannot validate.
type recordingT struct {
	testing.TB
	failed bool
	fatal  string
}

func (r *recordingT) Errorf(string, ...any) { r.failed = true }
func (r *recordingT) Error(...any)          { r.failed = true }
func (r *recordingT) Fatalf(f string, a ...any) {
	r.failed, r.fatal = true, fmt.Sprintf(f, a...)
}
func (r *recordingT) Fatal(a ...any) { r.failed, r.fatal = true, fmt.Sprint(a...) }
func (r *recordingT) Fail()          { r.failed = true }
