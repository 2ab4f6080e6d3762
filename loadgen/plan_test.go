package loadgen

import (
	"math"
	"testing"
	"time"

	"github.com/spillway-dev/spillway/scenarios"
)

func TestSchedulePeak(t *testing.T) {
	for _, tc := range []struct {
		load scenarios.Load
		want float64
	}{
		{scenarios.Load{Rate: 250, Duration: dur(time.Minute)}, 250},
		{scenarios.Load{Duration: dur(2 * time.Minute), StartRate: 10, Stages: []scenarios.Stage{{Duration: dur(time.Minute), Target: 900}, {Duration: dur(time.Minute), Target: 300}}}, 900},
		// Cut in the middle of the ramp to 900: the peak is where it stops.
		{scenarios.Load{Duration: dur(30 * time.Second), Stages: []scenarios.Stage{{Duration: dur(time.Minute), Target: 900}}}, 450},
	} {
		s, err := ScheduleFor(tc.load, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Peak(); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%+v: peak %v, want %v", tc.load, got, tc.want)
		}
		if got := s.Trough(); got > s.Peak() || (tc.load.Rate > 0 && got != tc.load.Rate) {
			t.Errorf("%+v: trough %v", tc.load, got)
		}
	}
}

// Record sizes for the sizing formula: data plus key, each rounded up to a
// whole KiB before averaging.
func TestSizesOf(t *testing.T) {
	sc := testScenario(1, 1, time.Second, 100)
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysUUID}
	r, err := SizesOf(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b, kib := r.Bytes, r.KiB; b != 136 || kib != 1 { // 100 B + a 36-character key, under 1 KiB
		t.Errorf("uuid keys, 100 B: %v B, %v KiB; want 136, 1", b, kib)
	}
	// Uniform 1000–1100 B with 2-character keys k0…k9: sizes 1002–1101 B,
	// of which 1002–1024 (23 of 100 data sizes) bill 1 KiB and the rest 2.
	sc.Record.Size = scenarios.SizeSpec{Dist: scenarios.SizeUniform, Min: 1000, Max: 1099}
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysUniform, Count: 10}
	if r, err = SizesOf(sc, 1); err != nil {
		t.Fatal(err)
	}
	if kib, want := r.KiB, 1+0.77; math.Abs(kib-want) > 0.01 {
		t.Errorf("uniform 1000–1099 B: %v KiB per record, want about %v", kib, want)
	}
}

func TestKeySharesOf(t *testing.T) {
	keys, spread, err := KeySharesOf(scenarios.Keys{Dist: scenarios.KeysHot, HotShare: 0.3, Prefix: "p-"})
	if err != nil || len(keys) != 1 || keys[0].Key != "p-hot" || keys[0].Share != 0.3 || math.Abs(spread-0.7) > 1e-12 {
		t.Fatalf("hot: %+v, spread %v, %v", keys, spread, err)
	}
	keys, spread, err = KeySharesOf(scenarios.Keys{Dist: scenarios.KeysZipf, Count: 100, Exponent: 1.2})
	if err != nil || spread != 0 || len(keys) != 100 {
		t.Fatalf("zipf: %d keys, spread %v, %v", len(keys), spread, err)
	}
	sum := 0.0
	for _, k := range keys {
		sum += k.Share
	}
	// P(k0) / P(k1) = (1/1)^−1.2 / (2)^−1.2 = 2^1.2.
	if math.Abs(sum-1) > 1e-12 || math.Abs(keys[0].Share/keys[1].Share-math.Pow(2, 1.2)) > 1e-9 || keys[0].Key != "k0" {
		t.Errorf("zipf shares sum to %v, first two %v, %v", sum, keys[0], keys[1])
	}
	if keys, spread, _ := KeySharesOf(scenarios.Keys{Dist: scenarios.KeysUniform, Count: 4, ExplicitHashKey: scenarios.HashKeyRandom}); keys != nil || spread != 1 {
		t.Errorf("random explicit hash keys: %+v, spread %v; want all spread", keys, spread)
	}
	if _, _, err := KeySharesOf(scenarios.Keys{Dist: "gauss"}); err == nil {
		t.Error("unknown dist: no error")
	}
}

func TestDemandOf(t *testing.T) {
	sc := testScenario(2, 2304, time.Minute, 2000)
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysUniform, Count: 10}
	sc.Consumers = []scenarios.Consumer{{Type: scenarios.ConsumerPolling, Count: 3}, {Type: scenarios.ConsumerEFO, Count: 2}}
	sizes, err := SizesOf(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DemandOf(sc, 0, 0.8, sizes)
	if err != nil {
		t.Fatal(err)
	}
	if d.RecordsPerSec != 2304 || d.KiBPerRecord != 2 || d.BytesPerRecord != 2002 || d.PollingConsumers != 3 || d.EFOConsumers != 2 || d.Headroom != 0.8 {
		t.Errorf("demand %+v", d)
	}
}

func TestScheduleTrough(t *testing.T) {
	s, err := ScheduleFor(scenarios.Load{Duration: dur(3 * time.Minute), StartRate: 500, Stages: []scenarios.Stage{
		{Duration: dur(time.Minute), Target: 900}, {Duration: dur(time.Minute), Target: 120}, {Duration: dur(time.Minute), Target: 300}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Trough(); got != 120 {
		t.Errorf("trough %v, want 120", got)
	}
}

// A CSV profile plays each minute's records at a constant rate: 60,000,
// 120,000 and 90,000 records are 1,000, 2,000 and 1,500 records/s.
func TestScheduleFromProfile(t *testing.T) {
	l := scenarios.Load{Profile: []scenarios.ProfileMinute{{Records: 60000}, {Records: 120000}, {Records: 90000}}, Duration: dur(3 * time.Minute)}
	for _, tc := range []struct {
		d     time.Duration
		total int64
	}{
		{0, 270000},                       // the file
		{90 * time.Second, 120000},        // cut: 60,000 + 30 s × 2,000
		{4 * time.Minute, 270000 + 90000}, // the last minute held
	} {
		s, err := ScheduleFor(l, tc.d)
		if err != nil {
			t.Fatal(err)
		}
		if s.Total() != tc.total || s.Peak() != 2000 || s.RateAt(45*time.Second) != 1000 {
			t.Errorf("duration %v: total %d, peak %v, rate at 45 s %v", tc.d, s.Total(), s.Peak(), s.RateAt(45*time.Second))
		}
		if tc.d != 90*time.Second && s.RateAt(150*time.Second) != 1500 {
			t.Errorf("duration %v: rate at 150 s %v, want 1,500", tc.d, s.RateAt(150*time.Second))
		}
	}
}
