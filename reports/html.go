package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// WriteHTML writes the report of r as one self-contained HTML page: inline
// CSS, inline SVG charts, and no external references, so it can be kept as
// a CI artifact and opened offline.
func WriteHTML(w io.Writer, r *Results) error {
	charts, err := Charts(r)
	if err != nil {
		return err
	}
	type chart struct {
		Title string
		SVG   template.HTML
	}
	type shard struct {
		ID, Attempts, Acked, Throttled, ByRecords, ByBytes, Peak string
		Hot                                                      bool
		// State and Parents are shown after a resharding; AllParents
		// is the parents in full, for the cell's tooltip.
		State, Parents, AllParents string
	}
	type consumer struct {
		Name, Type, Read, Lost, Duplicates, P50, P99, Throttles string
	}
	type event struct {
		At, Action, Error string
		Skipped           bool
	}
	type record struct{ Name, Count, Note string }
	type latency struct {
		Name                            string
		Count, P50, P90, P99, P999, Max string
	}
	type threshold struct {
		ThresholdResult
		Word, Measured string
	}
	type errorCount struct{ Code, Count string }
	d := struct {
		R                                        *Results
		Title, Source, Target, Load, Run, Status string
		Verdict, Achieved                        string
		Pass                                     bool
		Records                                  []record
		Errors                                   []errorCount
		Latency                                  []latency
		Generator                                []string
		Bottleneck                               bool
		E2E                                      []string
		Consumers                                []consumer
		Events                                   []event
		Lineage                                  bool
		Shards                                   []shard
		ShardVerdict                             []string
		Thresholds                               []threshold
		Charts                                   []chart
	}{
		R:            r,
		Title:        "spillway: " + r.Scenario.Name,
		Source:       r.Scenario.Source,
		Target:       targetLine(r),
		Load:         loadLine(r),
		Run:          runLine(r),
		Status:       statusLine(r),
		Verdict:      verdict(r.Thresholds),
		Pass:         ThresholdsPassed(r.Thresholds),
		Achieved:     achievedLine(r),
		Generator:    generatorLines(r),
		Bottleneck:   clientBottleneck(r),
		ShardVerdict: shardVerdict(r),
		Lineage:      hasLineage(r),
	}
	if r.E2E != nil {
		d.E2E = e2eLines(r.E2E)
		for _, c := range consumerRows(r.E2E) {
			d.Consumers = append(d.Consumers, consumer{c.name, c.typ, c.read, c.lost, c.duplicates, c.p50, c.p99, c.throttles})
		}
	}
	for _, ev := range r.Events {
		d.Events = append(d.Events, event{eventAt(ev), ev.Action, ev.Error, ev.Skipped})
	}
	for _, rr := range recordRows(r) {
		d.Records = append(d.Records, record{rr.name, commas(rr.count), rr.note})
	}
	for _, c := range errorCodes(r) {
		d.Errors = append(d.Errors, errorCount{c, commas(r.Errors[c])})
	}
	for _, l := range latencyRows(r) {
		d.Latency = append(d.Latency, latency{l.name, commas(l.p.Count),
			ms(l.p.P50), ms(l.p.P90), ms(l.p.P99), ms(l.p.P999), ms(l.p.Max)})
	}
	for _, sh := range r.PerShard {
		d.Shards = append(d.Shards, shard{sh.ShardID, commas(sh.Attempts), commas(sh.Acked),
			commas(sh.Throttled), commas(sh.ThrottledRecordsLimit), commas(sh.ThrottledBytesLimit),
			pct0(sh.PeakUtilization), isHot(sh),
			orDash(sh.State), orDash(parentsLabel(sh.Parents)), strings.Join(sh.Parents, ", ")})
	}
	for _, tr := range r.Thresholds {
		d.Thresholds = append(d.Thresholds, threshold{tr, passWord(tr.Pass), thresholdValue(tr)})
	}
	for _, c := range charts {
		// The SVG is our own rendering, with its text escaped by vgsvg.
		d.Charts = append(d.Charts, chart{c.Title, template.HTML(inlineSVG(c.SVG))})
	}

	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	_, err = buf.WriteTo(w)
	return err
}

// xlinkNS matches the xlink namespace declaration that vgsvg writes; it is
// only needed for embedded images, which the charts have none of.
var xlinkNS = regexp.MustCompile(`\s*xmlns:xlink="[^"]*"`)

// inlineSVG turns a standalone SVG document into an element for an HTML
// page: no XML declaration or leading comment, no unused namespaces.
func inlineSVG(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
		svg = svg[i:]
	}
	if !bytes.Contains(svg, []byte("xlink:href")) {
		svg = xlinkNS.ReplaceAll(svg, nil)
	}
	return svg
}
