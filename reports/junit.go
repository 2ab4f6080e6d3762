package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// JUnit XML, in the common form Jenkins, GitLab and GitHub test
// reporters read (Jenkins' junit-10.xsd): testsuites of testcases, a
// failed one with a failure element.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties *junitProps     `xml:"properties,omitempty"`
		Cases      []junitCase     `xml:"testcase"`
		SystemOut  *junitSystemOut `xml:"system-out,omitempty"`
	}
	junitProps struct {
		Props []junitProp `xml:"property"`
	}
	junitProp struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string          `xml:"name,attr"`
		Classname string          `xml:"classname,attr"`
		Time      string          `xml:"time,attr"`
		Failure   *junitFailure   `xml:"failure,omitempty"`
		SystemOut *junitSystemOut `xml:"system-out,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	junitSystemOut struct {
		Text string `xml:",chardata"`
	}
)

// WriteJUnit writes a JUnit XML report: a test suite with one test case
// per threshold of r (when r is not nil) and one with a test case per
// checked metric of c (when c is not nil; metrics with their tolerance off
// are left out). A failed threshold or a regression is a failure; a
// change within the noise of the runs passes with a note.
func WriteJUnit(w io.Writer, r *Results, c *Comparison) error {
	out := junitSuites{Name: "spillway"}
	if r != nil {
		out.Suites = append(out.Suites, thresholdSuite(r))
	}
	if c != nil {
		out.Suites = append(out.Suites, compareSuite(c))
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
	}
	out.Time = "0" // the comparison takes no time
	if r != nil {
		out.Time = seconds3(r.DurationS)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write JUnit XML: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// seconds3 formats seconds with millisecond precision, as JUnit's time.
func seconds3(s float64) string { return strconv.FormatFloat(max(s, 0), 'f', 3, 64) }

func thresholdSuite(r *Results) junitSuite {
	name := "spillway.thresholds." + junitName(r.Scenario.Name)
	s := junitSuite{
		Name: name, Time: seconds3(r.DurationS),
		Timestamp: r.StartTime.UTC().Format("2006-01-02T15:04:05"),
		Properties: &junitProps{Props: []junitProp{
			{"scenario", r.Scenario.Name}, {"run_id", r.RunID}, {"target", r.Target},
			{"seed", strconv.FormatInt(r.Seed, 10)}, {"tool", r.Tool},
		}},
	}
	for _, tr := range r.Thresholds {
		tc := junitCase{Name: tr.Expr, Classname: name, Time: "0"}
		if tc.Name == "" {
			tc.Name = tr.Metric + " " + tr.Op + " " + strconv.FormatFloat(tr.Limit, 'g', -1, 64)
		}
		measured := ThresholdMeasured(tr)
		if !tr.Pass {
			s.Failures++
			tc.Failure = &junitFailure{Message: "threshold failed: " + measured, Type: "threshold", Text: tr.Expr + ": " + measured}
		} else {
			tc.SystemOut = &junitSystemOut{Text: measured}
		}
		s.Cases = append(s.Cases, tc)
	}
	if r.Interrupted {
		s.SystemOut = &junitSystemOut{Text: "the run was interrupted: " + r.StopReason}
	}
	s.Tests = len(s.Cases)
	return s
}

func compareSuite(c *Comparison) junitSuite {
	name := "spillway.compare." + junitName(c.Current.Scenario)
	s := junitSuite{
		Name: name, Time: "0",
		Properties: &junitProps{Props: []junitProp{
			{"baseline", c.Baseline.File}, {"baseline_run_id", c.Baseline.RunID},
			{"current", c.Current.File}, {"current_run_id", c.Current.RunID},
			{"confidence", strconv.FormatFloat(c.Confidence, 'g', -1, 64)},
		}},
	}
	for _, ch := range c.Checks {
		if ch.Verdict == VerdictInfo {
			continue
		}
		tc := junitCase{Name: ch.Metric, Classname: name, Time: "0"}
		if ch.Verdict == VerdictRegression {
			cells := checkCells(ch)
			s.Failures++
			tc.Failure = &junitFailure{Message: "regression: " + ch.Reason, Type: "regression",
				Text: fmt.Sprintf("%s: baseline %s, current %s, change %s, tolerance %s", ch.Metric, cells[1], cells[2], cells[3], cells[4])}
		} else {
			tc.SystemOut = &junitSystemOut{Text: ch.Verdict + ": " + ch.Reason}
		}
		s.Cases = append(s.Cases, tc)
	}
	if len(c.Warnings) > 0 {
		s.SystemOut = &junitSystemOut{Text: "warning: " + strings.Join(c.Warnings, "\nwarning: ")}
	}
	s.Tests = len(s.Cases)
	return s
}

// junitUnsafe is what a class name segment should not hold.
var junitUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// junitName makes a scenario name safe as a dotted class name.
func junitName(s string) string {
	s = junitUnsafe.ReplaceAllString(s, "_")
	if s == "" {
		return "unnamed"
	}
	return s
}
