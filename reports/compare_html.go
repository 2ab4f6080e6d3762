package reports

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
)

var compareTemplate = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>spillway compare: {{.C.Current.Scenario}} — {{if .C.Pass}}PASS{{else}}REGRESSION{{end}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0 auto; max-width: 1100px; padding: 1em; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.2em; margin: 1.6em 0 .5em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .4em 0; }
th, td { padding: .25em .7em; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; white-space: nowrap; }
th { background: #f6f6f6; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; padding: .1em .6em; border-radius: .3em; font-weight: 700; color: #fff; }
.pass, .improved { background: #2e7d32; }
.fail, .regression { background: #c62828; }
.noise { background: #b26a00; }
.ok { background: #607d8b; }
.info { background: #bbb; }
tr.regression td { background: #fdecea; }
.alert { border-left: 4px solid #b26a00; background: #fff6e5; padding: .5em 1em; }
.note { color: #555; }
li { overflow-wrap: anywhere; }
</style>
</head>
<body>
<h1>spillway compare: {{.C.Current.Scenario}} <span class="badge {{if .C.Pass}}pass{{else}}fail{{end}}">{{if .C.Pass}}PASS{{else}}REGRESSION{{end}}</span></h1>
<p id="headline">{{.C.Headline}}</p>
<dl class="meta">
<dt>Baseline</dt><dd>{{.Baseline}}</dd>
<dt>Current</dt><dd>{{.Current}}</dd>
<dt>Confidence</dt><dd>{{.Confidence}}</dd>
</dl>
{{if .C.Warnings}}<div class="alert" id="warnings">{{range .C.Warnings}}<p>{{.}}</p>{{end}}</div>{{end}}

<h2 id="checks">Metrics</h2>
<div class="scroll"><table>
<tr><th>metric</th><th class="n">baseline</th><th class="n">current</th><th class="n">change</th><th>tolerance</th><th>verdict</th></tr>
{{range .Rows}}<tr class="{{.Verdict}}"><td><code>{{index .Cells 0}}</code></td><td class="n">{{index .Cells 1}}</td><td class="n">{{index .Cells 2}}</td><td class="n">{{index .Cells 3}}</td><td>{{index .Cells 4}}</td><td><span class="badge {{.Verdict}}">{{index .Cells 5}}</span></td></tr>
{{end}}</table></div>
{{if .C.Missing}}<p class="note">Not compared, measured in one run only: {{range $i, $m := .C.Missing}}{{if $i}}, {{end}}{{$m}}{{end}}.</p>{{end}}

{{if .Why}}<h2 id="why">Why</h2>
<ul>{{range .Why}}<li><code>{{.Metric}}</code>: {{.Reason}}</li>
{{end}}</ul>{{end}}

<h2 id="series">Per second</h2>
<p class="note">Mean ± standard deviation [p5, p50, p95] of each run's seconds, and the mean difference (current − baseline, second by second) with its interval.</p>
<div class="scroll"><table>
<tr><th>series</th><th>baseline</th><th>current</th><th>difference</th></tr>
{{range .Series}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td><td>{{index . 3}}</td></tr>
{{end}}</table></div>
</body>
</html>
`))

// WriteCompareHTML writes the comparison as one self-contained HTML page:
// the verdict, every metric with its change and verdict, the reasons and
// the per-second series.
func WriteCompareHTML(w io.Writer, c *Comparison) error {
	type row struct {
		Verdict string
		Cells   []string
	}
	d := struct {
		C                             *Comparison
		Baseline, Current, Confidence string
		Rows                          []row
		Why                           []Check
		Series                        [][]string
	}{
		C: c, Baseline: runWords(c.Baseline), Current: runWords(c.Current),
		Confidence: fmt.Sprintf("%.0f%% (block bootstrap of per-second differences)", 100*c.Confidence),
	}
	for _, ch := range c.Checks {
		d.Rows = append(d.Rows, row{ch.Verdict, checkCells(ch)})
		if ch.Verdict == VerdictRegression || ch.Verdict == VerdictNoise || ch.Verdict == VerdictImproved {
			d.Why = append(d.Why, ch)
		}
	}
	for _, s := range c.Series {
		d.Series = append(d.Series, []string{s.Name, statWords(s.Baseline, s.Unit), statWords(s.Current, s.Unit), testWords(s.Test, s.Unit)})
	}
	var buf bytes.Buffer
	if err := compareTemplate.Execute(&buf, d); err != nil {
		return fmt.Errorf("render comparison: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}
