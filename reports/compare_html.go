package reports

import (
	"fmt"
	"io"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// WriteCompareHTML writes the comparison as one self-contained HTML page,
// in the style of the other pages: the verdict, every metric with its
// change and verdict, the reasons, the per-second series of both runs
// described and drawn over each other, and their latency distributions by
// percentile.
func WriteCompareHTML(w io.Writer, c *Comparison) error {
	checks := table{Class: "checks", Head: header("metric", "baseline", "current", "change")}
	checks.Head = append(checks.Head, textCell("tolerance"), textCell("verdict"))
	var why [][2]string
	for _, ch := range c.Checks {
		cells := checkCells(ch)
		class := ""
		switch ch.Verdict {
		case VerdictRegression:
			class = "hotrow"
		case VerdictInfo:
			class = "off"
		}
		checks.Rows = append(checks.Rows, row{class, []cell{codeCell(cells[0]), numCell(cells[1]), numCell(cells[2]),
			numCell(cells[3]), textCell(cells[4]), textCell(cells[5])}})
		if ch.Verdict == VerdictRegression || ch.Verdict == VerdictNoise || ch.Verdict == VerdictImproved {
			why = append(why, [2]string{ch.Metric, ch.Reason})
		}
	}
	perSecond := table{Class: "series", Head: []cell{textCell("series"), textCell("baseline"), textCell("current"), textCell("difference")}}
	for _, s := range c.Series {
		perSecond.Rows = append(perSecond.Rows, row{"", []cell{textCell(s.Name), textCell(statWords(s.Baseline, s.Unit)),
			textCell(statWords(s.Current, s.Unit)), textCell(testWords(s.Test, s.Unit))}})
	}
	charts, err := CompareCharts(c)
	if err != nil {
		return err
	}
	d := struct {
		C                             *Comparison
		Verdict, Headline             string
		Baseline, Current, Confidence string
		Checks, PerSecond             table
		Why                           [][2]string
		Charts                        []figure
	}{
		C: c, Verdict: "PASS", Headline: c.Headline(),
		Baseline: runWords(c.Baseline), Current: runWords(c.Current),
		Confidence: fmt.Sprintf("%.0f%%: a block bootstrap of the per-second differences, second T against second T", 100*c.Confidence),
		Checks:     checks, PerSecond: perSecond, Why: why, Charts: figures(charts...),
	}
	if !c.Pass {
		d.Verdict = "REGRESSION"
	}
	if err := writePage(w, "page_compare.html.tmpl", d); err != nil {
		return fmt.Errorf("render comparison: %w", err)
	}
	return nil
}

// CompareCharts draws the comparison: each per-second series of both runs
// over each other (the baseline dashed grey), and each latency
// distribution of both by percentile.
func CompareCharts(c *Comparison) ([]Chart, error) {
	var charts []Chart
	for _, s := range c.Series {
		if len(s.Baseline.Points)+len(s.Current.Points) == 0 {
			continue
		}
		div, unit := 1.0, s.Unit
		if unit == unitRatio {
			div, unit = 0.01, "%"
		}
		p, leg := newPlot(unit)
		err := addLines(p, &leg, []series{
			{name: "baseline", xys: pointsXY(s.Baseline.Points, div), color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
			{name: "current", xys: pointsXY(s.Current.Points, div), color: palette[0], width: vg.Points(2)},
		})
		fixRange(p, true)
		ch, err := plotChart(capitalize(s.Name)+" ("+unit+")", p, leg, err)
		if err != nil {
			return nil, err
		}
		charts = append(charts, ch)
	}
	for _, sp := range c.Spectra {
		end := 10.0
		for _, pts := range [][][2]float64{sp.Baseline, sp.Current} {
			if len(pts) > 0 {
				end = max(end, pts[len(pts)-1][0])
			}
		}
		p, leg := newSpectrumPlot("ms", end)
		err := addLines(p, &leg, []series{
			{name: "baseline", xys: spectrumXY(pointsXY(sp.Baseline, 1), 1), color: grey, dash: []vg.Length{vg.Points(4), vg.Points(2)}},
			{name: "current", xys: spectrumXY(pointsXY(sp.Current, 1), 1), color: palette[0], width: vg.Points(2)},
		})
		fixRange(p, true)
		ch, err := plotChart(capitalize(sp.Name)+" by percentile (ms)", p, leg, err)
		if err != nil {
			return nil, err
		}
		charts = append(charts, ch)
	}
	return charts, nil
}

// pointsXY turns [x, y] points into plot points, y divided by div.
func pointsXY(pts [][2]float64, div float64) plotter.XYs {
	out := make(plotter.XYs, len(pts))
	for i, pt := range pts {
		out[i] = plotter.XY{X: pt[0], Y: pt[1] / div}
	}
	return out
}

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
