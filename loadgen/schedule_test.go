package loadgen

import (
	"math"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/scenarios"
)

func mustSchedule(t *testing.T, segs ...Segment) *Schedule {
	t.Helper()
	s, err := NewSchedule(segs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleConstant(t *testing.T) {
	s := mustSchedule(t, Segment{Duration: time.Second, StartRate: 10, EndRate: 10})
	if s.Total() != 10 {
		t.Fatalf("Total = %d, want 10", s.Total())
	}
	for n := range int64(10) {
		got, ok := s.Arrival(n)
		if want := time.Duration(n) * 100 * time.Millisecond; !ok || absDur(got-want) > time.Microsecond {
			t.Errorf("Arrival(%d) = %v %v, want %v", n, got, ok, want)
		}
	}
	if _, ok := s.Arrival(10); ok {
		t.Error("Arrival(10) exists, want the end of the schedule")
	}
}

// A ramp from 0 to 100/s over 10 s produces 500 records; arrival n happens
// where 5·τ² = n, i.e. τ = sqrt(n/5) seconds.
func TestScheduleRamp(t *testing.T) {
	s := mustSchedule(t, Segment{Duration: 10 * time.Second, StartRate: 0, EndRate: 100})
	if s.Total() != 500 {
		t.Fatalf("Total = %d, want 500", s.Total())
	}
	for _, n := range []int64{0, 1, 5, 20, 125, 499} {
		got, _ := s.Arrival(n)
		want := time.Duration(math.Sqrt(float64(n)/5) * float64(time.Second))
		if absDur(got-want) > time.Microsecond {
			t.Errorf("Arrival(%d) = %v, want %v", n, got, want)
		}
	}
	if r := s.RateAt(5 * time.Second); r != 50 {
		t.Errorf("RateAt(5s) = %v, want 50", r)
	}
}

// A ramp down from 100/s to 0 over 10 s: CountAt(τ) = 100τ − 5τ².
func TestScheduleRampDown(t *testing.T) {
	s := mustSchedule(t, Segment{Duration: 10 * time.Second, StartRate: 100, EndRate: 0})
	for _, n := range []int64{0, 100, 375, 499} {
		got, _ := s.Arrival(n)
		want := time.Duration((10 - math.Sqrt(100-float64(n)/5)) * float64(time.Second))
		if absDur(got-want) > time.Microsecond {
			t.Errorf("Arrival(%d) = %v, want %v", n, got, want)
		}
	}
}

// Arrivals are increasing, each within the segment that holds its count, and
// a silent stage (rate 0) produces nothing.
func TestScheduleStagesMonotonic(t *testing.T) {
	s := mustSchedule(t,
		Segment{Duration: 2 * time.Second, StartRate: 0, EndRate: 300},
		Segment{Duration: 3 * time.Second, StartRate: 300, EndRate: 300},
		Segment{Duration: time.Second, StartRate: 0, EndRate: 0},
		Segment{Duration: 2 * time.Second, StartRate: 300, EndRate: 0},
	)
	if want := int64(300 + 900 + 0 + 300); s.Total() != want {
		t.Fatalf("Total = %d, want %d", s.Total(), want)
	}
	prev := time.Duration(-1)
	for n := range s.Total() {
		got, ok := s.Arrival(n)
		if !ok || got < prev {
			t.Fatalf("Arrival(%d) = %v (prev %v, ok %v)", n, got, prev, ok)
		}
		if got >= 5*time.Second && got < 6*time.Second {
			t.Fatalf("Arrival(%d) = %v falls in the silent stage", n, got)
		}
		if c := s.CountAt(got); math.Abs(c-float64(n)) > 1e-3 {
			t.Fatalf("CountAt(Arrival(%d)) = %v", n, c)
		}
		prev = got
	}
}

func TestScheduleFor(t *testing.T) {
	sec := func(n int) scenarios.Duration { return scenarios.Duration(time.Duration(n) * time.Second) }
	tests := []struct {
		name  string
		load  scenarios.Load
		d     time.Duration
		total int64
		dur   time.Duration
	}{
		{"constant", scenarios.Load{Duration: sec(10), Rate: 50}, 0, 500, 10 * time.Second},
		{"override duration", scenarios.Load{Duration: sec(10), Rate: 50}, 2 * time.Second, 100, 2 * time.Second},
		{"stages", scenarios.Load{Duration: sec(20), Stages: []scenarios.Stage{{Duration: sec(10), Target: 100}, {Duration: sec(10), Target: 100}}}, 0, 500 + 1000, 20 * time.Second},
		{"hold last target", scenarios.Load{Duration: sec(15), Stages: []scenarios.Stage{{Duration: sec(10), Target: 100}}}, 0, 500 + 500, 15 * time.Second},
		{"cut mid-ramp", scenarios.Load{Duration: sec(5), Stages: []scenarios.Stage{{Duration: sec(10), Target: 100}}}, 0, 125, 5 * time.Second},
		{"start rate", scenarios.Load{Duration: sec(10), StartRate: 100, Stages: []scenarios.Stage{{Duration: sec(10), Target: 0}}}, 0, 500, 10 * time.Second},
	}
	for _, tt := range tests {
		s, err := ScheduleFor(tt.load, tt.d)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Total() != tt.total || s.Duration() != tt.dur {
			t.Errorf("%s: total %d over %v, want %d over %v", tt.name, s.Total(), s.Duration(), tt.total, tt.dur)
		}
	}
}

func TestScheduleRejectsBadSegments(t *testing.T) {
	for _, g := range []Segment{{Duration: 0, StartRate: 1, EndRate: 1}, {Duration: time.Second, StartRate: -1}, {Duration: time.Second, EndRate: math.Inf(1)}, {Duration: time.Second, StartRate: math.NaN()}} {
		if _, err := NewSchedule([]Segment{g}); err == nil {
			t.Errorf("NewSchedule(%+v) succeeded", g)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
