// Package loadgen is the real-time load generator: the arrival schedule,
// key and payload generators, batching, workers, retries and recording. It
// talks to a stream only through the Target interface; the simulated target
// adapts model.Stream, and targets that need a heavy dependency live in
// sub-packages so that loadgen itself never imports the AWS SDK.
package loadgen

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/spillway-dev/spillway/scenarios"
)

// Segment is one piece of a rate profile: the rate goes linearly from
// StartRate to EndRate (records per second) over Duration.
type Segment struct {
	Duration           time.Duration
	StartRate, EndRate float64
}

// Schedule gives every record of a run its intended send time, as an offset
// from the start of the run. It is pure arithmetic: arrivals never depend on
// responses (the open model), and the n-th arrival is computed from the
// profile, never by adding up sleeps.
type Schedule struct {
	segs []Segment
	// startNs[i] and startCount[i] are the offset and the cumulative
	// expected arrivals at the start of segment i.
	startNs    []int64
	startCount []float64
	total      float64
	duration   time.Duration
}

// NewSchedule builds a schedule from segments played one after the other.
func NewSchedule(segs []Segment) (*Schedule, error) {
	s := &Schedule{segs: segs}
	var t time.Duration
	var c float64
	for i, g := range segs {
		if g.Duration <= 0 || g.StartRate < 0 || g.EndRate < 0 ||
			math.IsInf(g.StartRate, 0) || math.IsInf(g.EndRate, 0) || math.IsNaN(g.StartRate) || math.IsNaN(g.EndRate) {
			return nil, fmt.Errorf("schedule segment %d: %+v: want a positive duration and finite rates ≥ 0", i, g)
		}
		s.startNs = append(s.startNs, int64(t))
		s.startCount = append(s.startCount, c)
		t += g.Duration
		c += (g.StartRate + g.EndRate) / 2 * g.Duration.Seconds()
	}
	s.total, s.duration = c, t
	return s, nil
}

// ScheduleFor builds the schedule of a scenario's load section: a constant
// rate, or stages ramping from the previous target (start_rate for the
// first). A duration longer than the stages holds the last target; a
// shorter one cuts the profile. d overrides load.duration when positive.
func ScheduleFor(l scenarios.Load, d time.Duration) (*Schedule, error) {
	if d <= 0 {
		d = l.Duration.D()
	}
	var segs []Segment
	if len(l.Profile) > 0 {
		// A minute-by-minute profile: each minute's records at a constant
		// rate, the last minute held if the run is longer, cut if shorter.
		var t time.Duration
		for _, m := range l.Profile {
			if t >= d {
				break
			}
			g := Segment{Duration: min(time.Minute, d-t), StartRate: m.Records / 60, EndRate: m.Records / 60}
			segs = append(segs, g)
			t += g.Duration
		}
		if t < d {
			last := l.Profile[len(l.Profile)-1].Records / 60
			segs = append(segs, Segment{Duration: d - t, StartRate: last, EndRate: last})
		}
		return NewSchedule(segs)
	}
	if len(l.Stages) == 0 {
		segs = []Segment{{Duration: d, StartRate: l.Rate, EndRate: l.Rate}}
	} else {
		prev := l.StartRate
		var t time.Duration
		for _, st := range l.Stages {
			if t >= d {
				break
			}
			g := Segment{Duration: st.Duration.D(), StartRate: prev, EndRate: st.Target}
			if t+g.Duration > d { // cut the ramp where the run ends
				frac := float64(d-t) / float64(g.Duration)
				g.EndRate = g.StartRate + (g.EndRate-g.StartRate)*frac
				g.Duration = d - t
			}
			segs = append(segs, g)
			t += g.Duration
			prev = st.Target
		}
		if t < d {
			segs = append(segs, Segment{Duration: d - t, StartRate: prev, EndRate: prev})
		}
	}
	return NewSchedule(segs)
}

// Duration is the length of the profile.
func (s *Schedule) Duration() time.Duration { return s.duration }

// Total is the number of records the schedule produces.
func (s *Schedule) Total() int64 { return int64(math.Ceil(s.total - 1e-9)) }

// PeakRate is the highest rate of the profile, in records per second.
func (s *Schedule) PeakRate() float64 {
	var peak float64
	for _, g := range s.segs {
		peak = max(peak, g.StartRate, g.EndRate)
	}
	return peak
}

// RateAt is the arrival rate at offset t, in records per second.
func (s *Schedule) RateAt(t time.Duration) float64 {
	i := s.segmentAt(int64(t))
	if i < 0 {
		return 0
	}
	g := s.segs[i]
	f := float64(int64(t)-s.startNs[i]) / float64(g.Duration)
	return g.StartRate + (g.EndRate-g.StartRate)*f
}

// CountAt is the expected number of arrivals in [0, t): the integral of the
// rate.
func (s *Schedule) CountAt(t time.Duration) float64 {
	if t >= s.duration {
		return s.total
	}
	i := s.segmentAt(int64(t))
	if i < 0 {
		return 0
	}
	g := s.segs[i]
	tau := time.Duration(int64(t) - s.startNs[i]).Seconds()
	slope := (g.EndRate - g.StartRate) / g.Duration.Seconds()
	return s.startCount[i] + g.StartRate*tau + slope*tau*tau/2
}

func (s *Schedule) segmentAt(ns int64) int {
	if ns < 0 || ns >= int64(s.duration) {
		return -1
	}
	return sort.Search(len(s.startNs), func(i int) bool { return s.startNs[i] > ns }) - 1
}

// Arrival is the intended offset of arrival n (counting from 0): the time
// at which CountAt reaches n. ok is false once n is past the last arrival.
func (s *Schedule) Arrival(n int64) (t time.Duration, ok bool) {
	if n < 0 || n >= s.Total() {
		return 0, false
	}
	target := float64(n)
	// The last segment whose starting count is ≤ n, skipping silent ones.
	i := sort.Search(len(s.startCount), func(i int) bool { return s.startCount[i] > target }) - 1
	for i < len(s.segs)-1 && s.segs[i].StartRate+s.segs[i].EndRate == 0 {
		i++
	}
	g := s.segs[i]
	need := target - s.startCount[i] // arrivals still to come within the segment
	secs := g.Duration.Seconds()
	slope := (g.EndRate - g.StartRate) / secs
	// Solve StartRate·τ + slope·τ²/2 = need for the smallest τ ≥ 0, in the
	// form that stays exact when slope is 0 or StartRate is 0.
	var tau float64
	if need > 0 {
		disc := g.StartRate*g.StartRate + 2*slope*need
		tau = 2 * need / (g.StartRate + math.Sqrt(math.Max(disc, 0)))
	}
	tau = math.Min(tau, secs)
	off := time.Duration(s.startNs[i]) + time.Duration(tau*float64(time.Second))
	if off >= s.duration {
		off = s.duration - 1
	}
	return off, true
}
