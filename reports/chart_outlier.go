package reports

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Cost charts keep a linear axis, on which dollars compare as dollars,
// and clip what lies far above the rest: zero buffering's S3 bill in a
// sweep, or On-demand Advantage's commitment beside a small stream's
// bill, would otherwise squeeze every other line into the bottom of the
// chart, where the differences a reader chooses by cannot be seen. A line
// that goes above the chart is named in the legend with its highest
// value, and each clipped point of a line drawn with points (the sweep's)
// is marked by a triangle on the top edge. (A log axis would keep the outlier in view
// but flatten the rest as surely: settings a tenth apart in cost sit a
// few points apart on a log axis three decades tall.)

// outlierFactor is how many times the level below it a level of a chart
// must be to start the outliers.
const outlierFactor = 10

// clipAbove returns the top of a linear axis that leaves out the
// outliers among levels (a chart's points, or each line's highest
// value): sorted, the levels from the first that is more than
// outlierFactor times the positive one before it are the outliers, when
// they are fewer than half of all (else they are the data). It returns
// +Inf when nothing is left out.
func clipAbove(levels []float64) float64 {
	lv := slices.Clone(levels)
	slices.Sort(lv)
	for i := 1; i < len(lv); i++ {
		if lv[i-1] > 0 && lv[i] > outlierFactor*lv[i-1] {
			if 2*(len(lv)-i) < len(lv) {
				return lv[i-1]
			}
			break
		}
	}
	return math.Inf(1)
}

// clipLines returns the lines with the names of those that go above an
// axis clipped at top (addClipMarks) saying so, with their highest value
// as format writes it. Call it before addLines, and addClipMarks after.
func clipLines(top float64, lines []series, format func(float64) string) []series {
	out := slices.Clone(lines)
	for i, s := range out {
		hi := math.Inf(-1)
		for _, xy := range s.xys {
			hi = max(hi, xy.Y)
		}
		if hi > clipHeadroom*top {
			out[i].name = fmt.Sprintf("%s (above the chart, up to %s)", s.name, format(hi))
		}
	}
	return out
}

// clipHeadroom is how far above the highest value left in view a clipped
// axis reaches.
const clipHeadroom = 1.08

// addClipMarks sets p's y axis from 0 to clipHeadroom times top and draws
// a triangle on its top edge at each point of a points series above it.
func addClipMarks(p *plot.Plot, top float64, lines []series) error {
	p.Y.Min, p.Y.Max = 0, clipHeadroom*top
	for _, s := range lines {
		if !s.points {
			continue
		}
		var above plotter.XYs
		for _, xy := range s.xys {
			if xy.Y > p.Y.Max {
				// Just inside the edge, where the glyph is drawn.
				above = append(above, plotter.XY{X: xy.X, Y: p.Y.Max * (1 - 1e-6)})
			}
		}
		if len(above) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(above)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: s.color, Shape: draw.PyramidGlyph{}, Radius: vg.Points(4)}
		p.Add(sc)
	}
	return nil
}
