package loadgen

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

func firehoseScenario(rate float64, d time.Duration, size scenarios.ByteSize, bufSize scenarios.ByteSize, interval time.Duration, codec string) *scenarios.Scenario {
	sc := testScenario(0, rate, d, size)
	sc.Name = "fh"
	sc.Producer.Batch, sc.Producer.Linger = 100, dur(20*time.Millisecond)
	sc.Firehose = &scenarios.Firehose{Name: "fh", Source: scenarios.FirehoseDirectPut, Quota: "large",
		BufferSize: bufSize, BufferInterval: dur(interval), Compression: codec}
	return sc
}

// runFirehose runs sc against the simulated Firehose in a synctest bubble
// (virtual time: minutes of buffering take no real time) and returns the
// run and the delivery read back from the objects.
func runFirehose(t *testing.T, sc *scenarios.Scenario) (*Summary, Delivery) {
	t.Helper()
	var sum *Summary
	var del Delivery
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		fh, err := NewSimFirehose(DeliveryConfigFor(sc, 1), dir, SimConfig{LatencyMedian: 20 * time.Millisecond, LatencyP99: 60 * time.Millisecond}, time.Now)
		if err != nil {
			t.Fatal(err)
		}
		r, err := New(Config{Scenario: sc, Seed: 1, RequestMaxBytes: model.PutRecordBatchMaxBytes}, fh)
		if err != nil {
			t.Fatal(err)
		}
		if sum, err = r.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		if del, err = fh.Close(r.RunStamp()); err != nil {
			t.Fatal(err)
		}
	})
	return sum, del
}

// sweepOne is the sweep's prediction for sc's own buffer setting.
func sweepOne(t *testing.T, sc *scenarios.Scenario) model.SweepResult {
	t.Helper()
	arrivals, sched, err := Arrivals(sc, 0, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DeliveryConfigFor(sc, 1)
	pt := model.SweepPoint{BufferSizeBytes: cfg.BufferSizeBytes, BufferInterval: cfg.BufferInterval}
	res := model.SweepDelivery(cfg, []model.SweepPoint{pt}, time.Unix(0, 0), sched.Duration(), arrivals)
	if len(res) != 1 || res[0].Err != "" {
		t.Fatalf("sweep: %+v", res)
	}
	return res[0]
}

// The sweep's prediction and a real-time run on the simulated Firehose agree:
// mean delivery delay within 10%, and every accepted record is found once in
// the objects on disk. One setting flushes by size, one by interval.
func TestSweepAgreesWithRun(t *testing.T) {
	for _, tt := range []struct {
		name string
		sc   *scenarios.Scenario
	}{
		// 200 KiB/s into 1 MiB / 300 s buffers for 2 min: 23 size flushes
		// of 1,024 records (mean delay 2.56 s) and a 448-record tail that
		// waits out its 300 s interval (≈ 298.9 s): mean (23,552 × 2.56 +
		// 448 × 298.9) ÷ 24,000 ≈ 8.09 s.
		{"by size", firehoseScenario(200, 2*time.Minute, scenarios.KiB, scenarios.MiB, 300*time.Second, "UNCOMPRESSED")},
		// 10 KiB/s into 5 MiB / 60 s: an interval flush every 60 s, mean
		// delay about 30 s.
		{"by interval", firehoseScenario(10, 10*time.Minute, scenarios.KiB, 5*scenarios.MiB, 60*time.Second, "GZIP")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sum, del := runFirehose(t, tt.sc)
			if sum.Totals.Acked != sum.Totals.Offered || del.Accepted != sum.Totals.Acked {
				t.Fatalf("offered %d, acked %d, firehose accepted %d", sum.Totals.Offered, sum.Totals.Acked, del.Accepted)
			}
			if del.Delivered != del.Accepted || del.Lost != 0 || del.Duplicates != 0 {
				t.Fatalf("delivery %+v: want every accepted record found once in the objects", del)
			}
			pred := sweepOne(t, tt.sc)
			got, want := del.Delay.Mean, pred.DelayMeanMs
			if got < want*0.9 || got > want*1.1 {
				t.Errorf("mean delay: run measured %.0f ms, sweep predicted %.0f ms (more than 10%% apart)", got, want)
			}
			if del.Objects != pred.Objects {
				t.Errorf("objects: run wrote %d, sweep predicted %d", del.Objects, pred.Objects)
			}
			t.Logf("run: mean delay %.0f ms, %d objects; sweep: mean %.0f ms, %d objects", got, del.Objects, want, pred.Objects)
		})
	}
}

// Records shorter than the stamp cannot be found on disk: they are counted
// as unverifiable, never as lost or delivered, and their delay comes from
// the runner's own intended time, not from bytes they do not carry.
func TestSimFirehoseShortRecords(t *testing.T) {
	sc := firehoseScenario(100, time.Minute, 0, scenarios.MiB, 10*time.Second, "SNAPPY")
	sc.Record.Size = scenarios.SizeSpec{Dist: scenarios.SizeUniform, Min: 1, Max: 100}
	_, del := runFirehose(t, sc)
	// 31 of the 100 sizes are below the 32-byte stamp: about 1,860 of 6,000.
	if del.Unverifiable < 1650 || del.Unverifiable > 2050 {
		t.Errorf("unverifiable %d, want about 1,860", del.Unverifiable)
	}
	if del.Lost != 0 || del.Duplicates != 0 || del.Delivered+del.Unverifiable != del.Accepted {
		t.Errorf("delivery %+v: want nothing lost", del)
	}
	if del.Delay.Max > 11000 {
		t.Errorf("max delay %.0f ms, want at most the 10 s interval plus the round trip", del.Delay.Max)
	}
}
