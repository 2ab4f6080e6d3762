package reports

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// WriteHTML writes the report of r as one self-contained HTML page: inline
// CSS, inline SVG charts, and no external references, so it can be kept as
// a CI artifact and opened offline. Besides what the text summary has, it
// draws the put latency by percentile, a Firehose run's delivery delay by
// percentile, and the time charts (Charts) with the scenario's events
// marked. It reads on a 420 px wide screen.
func WriteHTML(w io.Writer, r *Results) error {
	charts, err := Charts(r)
	if err != nil {
		return err
	}
	type shard struct {
		ID, Attempts, Acked, Throttled, ByRecords, ByBytes, Peak string
		Hot                                                      bool
		// State and Parents are shown after a resharding; AllParents
		// is the parents in full, for the cell's tooltip; Life is when
		// the shard opened and closed.
		State, Parents, AllParents, Life string
	}
	type consumer struct {
		Name, Type, Read, Lost, Duplicates, P50, P99, Throttles string
	}
	type event struct {
		At, Action, Error string
		Skipped           bool
	}
	type record struct{ Name, Count, Note string }
	type threshold struct {
		ThresholdResult
		Word, Measured string
	}
	type errorCount struct{ Code, Count string }
	d := struct {
		R                                        *Results
		Title, Source, Target, Load, Run, Status string
		Verdict, Achieved, Cost                  string
		Pass                                     bool
		Records                                  []record
		Errors                                   []errorCount
		Latency                                  table
		Spectrum                                 []figure
		Generator                                []string
		Bottleneck                               bool
		E2E                                      []string
		Consumers                                []consumer
		Delivery                                 *deliveryView
		Events                                   []event
		Lineage                                  bool
		Shards                                   []shard
		ShardVerdict                             []string
		Thresholds                               []threshold
		Charts                                   []figure
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
		Latency:      latencyTable(r),
		Charts:       figures(charts...),
	}
	if r.Cost != nil {
		d.Cost = runCostLine(r.Cost)
	}
	if c, ok, err := latencySpectrumChart(r); err != nil {
		return err
	} else if ok {
		d.Spectrum = figures(c)
	}
	if r.Delivery != nil {
		v, err := newDeliveryView(r)
		if err != nil {
			return err
		}
		d.Delivery = v
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
	for _, sh := range r.PerShard {
		d.Shards = append(d.Shards, shard{sh.ShardID, commas(sh.Attempts), commas(sh.Acked),
			commas(sh.Throttled), commas(sh.ThrottledRecordsLimit), commas(sh.ThrottledBytesLimit),
			pct0(sh.PeakUtilization), isHot(sh),
			orDash(sh.State), orDash(parentsLabel(sh.Parents)), strings.Join(sh.Parents, ", "), shardLife(sh)})
	}
	for _, tr := range r.Thresholds {
		d.Thresholds = append(d.Thresholds, threshold{tr, passWord(tr.Pass), thresholdValue(tr)})
	}
	if err := writePage(w, "report.html.tmpl", d); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	return nil
}

// latencyTable is the run's latency distributions in milliseconds, with
// the statistics latencyHeader names.
func latencyTable(r *Results) table {
	t := table{Class: "latency", Head: header("ms", latencyHeader...)}
	for _, l := range latencyRows(r) {
		t.Rows = append(t.Rows, row{Cells: append([]cell{textCell(l.name)}, numCells(l.cells()...)...)})
	}
	return t
}

// shardLife says when a shard existed, for a shard a resharding opened
// or closed during the run: "from 20 s", "to 20 s", "10 s to 20 s"; ""
// for one open throughout.
func shardLife(sh ShardRow) string {
	switch {
	case sh.OpenedS > 0 && sh.ClosedS > 0:
		return secondsAt(sh.OpenedS) + " to " + secondsAt(sh.ClosedS)
	case sh.OpenedS > 0:
		return "from " + secondsAt(sh.OpenedS)
	case sh.ClosedS > 0:
		return "to " + secondsAt(sh.ClosedS)
	}
	return ""
}

// deliveryView is the Firehose delivery section of the report: the
// figures deliveryLines gives, as a definition list and tables, and the
// delay's chart.
type deliveryView struct {
	// Settings are term and value pairs: buffer, compression, objects,
	// stored bytes, folder.
	Settings [][2]string
	// Dir is the folder holding the objects.
	Dir string
	// Records is accepted, delivered, lost and duplicates (and
	// unverifiable when there are any).
	Records table
	// Delay is the delivery delay's statistics, in Unit.
	Delay table
	Unit  string
	Chart []figure
}

// newDeliveryView lays out r's delivery; r.Delivery is not nil.
func newDeliveryView(r *Results) (*deliveryView, error) {
	d := r.Delivery
	v := &deliveryView{
		Settings: [][2]string{
			{"Buffer", fmt.Sprintf("%s or %s, whichever fills first", sizeLabel(d.BufferSizeBytes), secondsLabel(d.BufferIntervalS))},
			{"Compression", orDash(d.Compression)},
			{"Objects", fmt.Sprintf("%s objects, %s MiB stored", commas(d.Objects), strconv.FormatFloat(mib(d.StoredBytes), 'f', 1, 64))},
		},
		Dir: d.Dir,
	}
	v.Records = table{Class: "delivery-records", Head: []cell{textCell(""), numCell("records"), textCell("")}}
	share := func(n int64) string {
		if s := shareOf(n, d.Accepted); s != "" {
			return s + " of accepted"
		}
		return ""
	}
	add := func(name string, n int64, note string) {
		v.Records.Rows = append(v.Records.Rows, row{Cells: []cell{textCell(name), numCell(commas(n)), textCell(note)}})
	}
	add("accepted", d.Accepted, "by Firehose")
	add("delivered", d.Delivered, share(d.Delivered)+" (read back from the objects)")
	add("lost", d.Lost, share(d.Lost))
	add("duplicates", d.Duplicates, share(d.Duplicates))
	if d.Unverifiable > 0 {
		add("unverifiable", d.Unverifiable, "shorter than the 32-byte stamp: cannot be matched in the objects")
	}

	unit, div := deliveryDelayUnit(r)
	v.Unit = unit
	v.Delay = table{Class: "delivery-delay", Head: header(unit, latencyHeader...), Rows: []row{{
		Cells: append([]cell{textCell("delivery delay, from intended send")}, numCells(latencyRow{p: d.DelayMs}.cellsIn(div)...)...),
	}}}
	c, ok, err := deliveryDelayChart(r)
	if err != nil {
		return nil, err
	}
	if ok {
		v.Chart = figures(c)
	}
	return v, nil
}

// shareOf is n as a percentage of total to one decimal, never rounded to
// 0.0% or 100.0% when it is neither: "<0.1%", ">99.9%"; "" when n or
// total is 0.
func shareOf(n, total int64) string {
	if n == 0 || total == 0 {
		return ""
	}
	f := float64(n) / float64(total)
	switch {
	case f < 0.0005:
		return "<0.1%"
	case f > 0.9995 && n < total:
		return ">99.9%"
	}
	return pct(f)
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
