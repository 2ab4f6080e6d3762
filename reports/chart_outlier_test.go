package reports

import (
	"math"
	"testing"
)

func TestClipAbove(t *testing.T) {
	for _, tc := range []struct {
		levels []float64
		want   float64
	}{
		{[]float64{110, 145, 300, 3079.69}, 300},
		{[]float64{300, 110, 3079.69}, 300},
		{[]float64{100, 200, 900}, math.Inf(1)},
		{[]float64{365, 370, 380, 40000, 40100}, 380},
		{[]float64{365, 40000, 40100}, math.Inf(1)}, // the high ones are the data
		{[]float64{0, 5, 6}, math.Inf(1)},           // from zero is no outlier
		{[]float64{1, 100}, math.Inf(1)},            // one of two is not a minority
		{nil, math.Inf(1)},
	} {
		if got := clipAbove(tc.levels); got != tc.want {
			t.Errorf("clipAbove(%v) = %g, want %g", tc.levels, got, tc.want)
		}
	}
}
