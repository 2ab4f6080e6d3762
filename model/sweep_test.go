package model

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// steady yields n arrivals of size bytes, one every gap, cycling through
// keys (none if empty).
func steady(n int, gap time.Duration, size int, keys ...string) iter.Seq[Arrival] {
	return func(yield func(Arrival) bool) {
		for i := range n {
			a := Arrival{At: time.Duration(i) * gap, DataBytes: size}
			if len(keys) > 0 {
				a.PartitionKey = keys[i%len(keys)]
			}
			if !yield(a) {
				return
			}
		}
	}
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// The by-size and by-interval cases of TestFirehoseFlushBySize and
// TestFirehoseFlushByInterval, through the sweep.
func TestSweepDeliveryHandComputed(t *testing.T) {
	t.Run("1 MiB/s into 5 MiB / 300 s for 60 s", func(t *testing.T) {
		// 12 objects by size; delay mean 5,119/2,048 s = 2,499.5 ms, max
		// 5,119/1,024 s = 4,999.0 ms, median ≈ 2.5 s; one PUT each.
		res := SweepDelivery(DeliveryConfig{}, []SweepPoint{{5 << 20, 300 * time.Second}}, fhStart, time.Minute,
			steady(61440, time.Second/1024, 1024))[0]
		if res.Err != "" || res.Records != 61440 || res.Throttled != 0 || res.Objects != 12 || res.S3PutRequests != 12 ||
			res.MeanObjectBytes != 5<<20 || res.IngestedBytes != 60<<20 || res.ObjectsPerHour != 720 {
			t.Errorf("result %+v", res)
		}
		if !near(res.DelayMeanMs, 2499.5, 1) || !near(res.DelayMaxMs, 4999.0, 1) || !near(res.DelayP50Ms, 2500, 5) || !near(res.DelayP95Ms, 4750, 5) {
			t.Errorf("delays mean %.1f p50 %.1f p95 %.1f max %.1f ms, want 2499.5, 2500, 4750, 4999",
				res.DelayMeanMs, res.DelayP50Ms, res.DelayP95Ms, res.DelayMaxMs)
		}
	})
	t.Run("10 KiB/s into 5 MiB / 60 s for an hour", func(t *testing.T) {
		// 60 objects by interval; delays 0.1–60 s uniform: mean 30,050 ms,
		// p50 30,000 ms (the 18,000th of 36,000), p95 57,000 ms, max 60,000 ms.
		res := SweepDelivery(DeliveryConfig{}, []SweepPoint{{5 << 20, time.Minute}}, fhStart, time.Hour,
			steady(36000, 100*time.Millisecond, 1024))[0]
		if res.Err != "" || res.Records != 36000 || res.Objects != 60 || res.S3PutRequests != 60 || res.ObjectsPerHour != 60 ||
			res.MeanObjectBytes != 600*1024 {
			t.Errorf("result %+v", res)
		}
		// The HDR quantiles are within 0.1% (3 significant figures).
		if !near(res.DelayMeanMs, 30050, 0.01) || !near(res.DelayMaxMs, 60000, 0.01) ||
			!near(res.DelayP50Ms, 30000, 30) || !near(res.DelayP95Ms, 57000, 57) {
			t.Errorf("delays mean %.1f p50 %.1f p95 %.1f max %.1f ms, want 30050, 30000, 57000, 60000",
				res.DelayMeanMs, res.DelayP50Ms, res.DelayP95Ms, res.DelayMaxMs)
		}
	})
	t.Run("records open at the end deliver at their deadline", func(t *testing.T) {
		// 10 records/s for 90 s into 60 s buffers: the second buffer opens
		// at 60 s and delivers at 120 s, after the span, so the record at
		// 60 s still waits the full 60 s.
		res := SweepDelivery(DeliveryConfig{}, []SweepPoint{{5 << 20, time.Minute}}, fhStart, 90*time.Second,
			steady(2000, 100*time.Millisecond, 1024))[0]
		if res.Records != 900 || res.Objects != 2 || res.DelayMaxMs != 60000 {
			t.Errorf("result %+v, want 900 records (arrivals past the span ignored), 2 objects, max delay 60 s", res)
		}
	})
}

func TestSweepDeliveryPoints(t *testing.T) {
	base := DeliveryConfig{FormatConversion: true, S3WriteTime: time.Second, Compression: CompressionSnappy, CompressionRatio: 0.5}
	points := []SweepPoint{
		{5 << 20, time.Minute},       // under 64 MiB with format conversion
		{64 << 20, 0},                // zero buffering: every arrival is an object
		{64 << 20, 59 * time.Second}, // multipart: 3 requests per object
		{128 << 20, time.Minute},
		{0, time.Minute}, // format conversion default: 128 MiB
	}
	res := SweepDelivery(base, points, fhStart, 10*time.Minute, steady(600, time.Second, 1000))
	if res[0].Err == "" || res[0].Objects != 0 {
		t.Errorf("5 MiB with format conversion: %+v, want an error and no objects", res[0])
	}
	// Zero buffering: 600 objects of 1,000 B (500 stored), each delivered
	// 1 s (the S3 write time) after arrival; 3 requests each.
	if r := res[1]; r.Err != "" || r.Objects != 600 || r.S3PutRequests != 1800 || r.MeanStoredBytes != 500 ||
		r.DelayMeanMs != 1000 || r.DelayMaxMs != 1000 {
		t.Errorf("zero buffering: %+v", r)
	}
	// 59 s: records at 0..599 s; buffers open at 0, 59, 118, … → ⌈600/59⌉
	// = 11 objects, 33 requests.
	if r := res[2]; r.Objects != 11 || r.S3PutRequests != 33 {
		t.Errorf("59 s: %d objects, %d requests; want 11, 33", r.Objects, r.S3PutRequests)
	}
	if r := res[3]; r.Objects != 10 || r.S3PutRequests != 10 || res[4] != (SweepResult{SweepPoint: points[4], Records: r.Records,
		Objects: r.Objects, ObjectsPerHour: r.ObjectsPerHour, MeanObjectBytes: r.MeanObjectBytes, MeanStoredBytes: r.MeanStoredBytes,
		S3PutRequests: r.S3PutRequests, DelayMeanMs: r.DelayMeanMs, DelayP50Ms: r.DelayP50Ms, DelayP95Ms: r.DelayP95Ms,
		DelayMaxMs: r.DelayMaxMs, IngestedBytes: r.IngestedBytes, BilledBytes: r.BilledBytes}) {
		t.Errorf("128 MiB / 60 s: %+v; default size: %+v; want 10 objects each, equal", r, res[4])
	}

	dp := SweepDelivery(DeliveryConfig{DynamicPartitioning: true}, []SweepPoint{{5 << 20, 0}}, fhStart, time.Minute, steady(10, time.Second, 1))
	if dp[0].Err == "" {
		t.Error("dynamic partitioning with zero buffering: no error")
	}
}

// With dynamic partitioning, a limit of 2 and 3 keys in turn, the third
// key of each round finds both partitions active: a third of the records go
// to the error output. Delays stay within 1.5 × the interval.
func TestSweepDeliveryDynamicPartitioning(t *testing.T) {
	base := DeliveryConfig{DynamicPartitioning: true, ActivePartitionLimit: 2}
	res := SweepDelivery(base, []SweepPoint{{5 << 20, time.Minute}}, fhStart, time.Hour,
		steady(36000, 100*time.Millisecond, 100, "a", "b", "c"))[0]
	if res.Err != "" || res.Records != 36000 || res.PartitionExceeded != 12000 {
		t.Errorf("result %+v, want 12000 partition-exceeded of 36000", res)
	}
	// 3 buffers (a, b, error output) per minute.
	if res.Objects != 180 {
		t.Errorf("%d objects, want 180", res.Objects)
	}
	if res.DelayMaxMs > 90000 || res.DelayMaxMs < 75000 {
		t.Errorf("max delay %.0f ms, want in (75 s, 90 s]", res.DelayMaxMs)
	}
}

// The sweep gives what DeliveryStream's API gives for the same workload
// (one-record calls; requests/s does not bind below 2,000 calls/s).
func TestSweepDeliveryMatchesStream(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var arr []Arrival
	at := time.Duration(0)
	for range 20000 {
		at += time.Duration(rng.IntN(2_000_000)) // mean 1 ms
		arr = append(arr, Arrival{At: at, DataBytes: rng.IntN(10000), PartitionKey: fmt.Sprint(rng.IntN(4))})
	}
	span := at + 1
	for _, dp := range []bool{false, true} {
		base := DeliveryConfig{Name: "fh", DynamicPartitioning: dp, ActivePartitionLimit: 3, S3WriteTime: time.Second,
			Quota: FirehoseQuota{RecordsPerSec: 800, RequestsPerSec: 2000, BytesPerSec: 4 << 20}}
		points := []SweepPoint{{1 << 20, time.Second}, {2 << 20, 10 * time.Second}}
		got := SweepDelivery(base, points, fhStart, span, func(yield func(Arrival) bool) {
			for _, a := range arr {
				if !yield(a) {
					return
				}
			}
		})
		for i, p := range points {
			cfg := base
			cfg.BufferSizeBytes, cfg.BufferInterval = p.BufferSizeBytes, p.BufferInterval
			d := newTestDelivery(t, cfg)
			var objs []S3Object
			for _, a := range arr {
				now := fhStart.Add(a.At)
				o, _ := put(t, d, now, FirehoseEntry{PartitionKey: a.PartitionKey, DataBytes: a.DataBytes, Intended: now})
				objs = append(objs, o...)
			}
			objs = append(objs, d.Advance(fhStart.Add(span+time.Hour))...)
			n, mean, maxD := delayStats(objs)
			st := d.Stats()
			g := got[i]
			if g.Records != st.Accepted || g.Throttled != st.Throttled || g.PartitionExceeded != st.PartitionExceeded ||
				g.Objects != int64(len(objs)) || int64(n) != g.Records {
				t.Errorf("dp %v point %v: sweep %+v, stream %+v with %d objects", dp, p, g, st, len(objs))
			}
			if !near(g.DelayMeanMs, float64(mean)/1e6, 1e-3) || !near(g.DelayMaxMs, float64(maxD)/1e6, 1e-6) {
				t.Errorf("dp %v point %v: sweep delay mean %v max %v, stream %v %v", dp, p, g.DelayMeanMs, g.DelayMaxMs, mean, maxD)
			}
			if st.Throttled == 0 {
				t.Errorf("dp %v point %v: quota never bound", dp, p)
			}
		}
	}
}

func TestSweepGrid(t *testing.T) {
	g := SweepGrid(DefaultSweepSizes, DefaultSweepIntervals)
	if len(g) != 20 || g[0] != (SweepPoint{1 << 20, 0}) || g[19] != (SweepPoint{128 << 20, 900 * time.Second}) {
		t.Errorf("grid %v", g)
	}
	for _, p := range g {
		if err := (DeliveryConfig{Name: "x", BufferSizeBytes: p.BufferSizeBytes, BufferInterval: p.BufferInterval}).Validate(); err != nil {
			t.Errorf("default point %v: %v", p, err)
		}
	}
}

// BenchmarkSweepDelivery plays 1,000 records/s of 1 KiB for an hour
// (3.6 M arrivals) through a 4×4 grid; ns/arrival/point is the wall time
// of one arrival at one point (points run on GOMAXPROCS goroutines).
// "partitioned" adds dynamic partitioning over 100 keys.
func BenchmarkSweepDelivery(b *testing.B) {
	const n = 3_600_000
	sizes := []int64{1 << 20, 5 << 20, 64 << 20, 128 << 20}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("customer-%03d", i)
	}
	for _, bc := range []struct {
		name      string
		base      DeliveryConfig
		intervals []time.Duration
		keys      []string
	}{
		{"plain", DeliveryConfig{}, []time.Duration{0, time.Minute, 5 * time.Minute, 15 * time.Minute}, nil},
		{"partitioned", DeliveryConfig{DynamicPartitioning: true}, []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute}, keys},
	} {
		b.Run(bc.name, func(b *testing.B) {
			points := SweepGrid(sizes, bc.intervals)
			b.ReportAllocs()
			for b.Loop() {
				for _, r := range SweepDelivery(bc.base, points, fhStart, time.Hour, steady(n, time.Millisecond, 1024, bc.keys...)) {
					if r.Err != "" {
						b.Fatal(r.Err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed())/float64(b.N)/n/float64(len(points)), "ns/arrival/point")
		})
	}
}

// BilledBytes rounds each accepted record up to 5 KiB (FH-Q, P-FH): 100
// records of 1,024 B and 50 of 6,000 B bill 100 × 5,120 + 50 × 10,240.
func TestSweepBilledBytes(t *testing.T) {
	arrivals := func(yield func(Arrival) bool) {
		for i := range 150 {
			size := 1024
			if i%3 == 2 {
				size = 6000
			}
			if !yield(Arrival{At: time.Duration(i) * 10 * time.Millisecond, DataBytes: size}) {
				return
			}
		}
	}
	res := SweepDelivery(DeliveryConfig{Name: "b", BufferInterval: 60 * time.Second}, []SweepPoint{{BufferSizeBytes: 5 << 20, BufferInterval: 60 * time.Second}},
		time.Unix(0, 0), 10*time.Second, arrivals)
	if want := int64(100*5120 + 50*10240); res[0].BilledBytes != want || res[0].IngestedBytes != 100*1024+50*6000 {
		t.Fatalf("billed %d, ingested %d; want %d and %d", res[0].BilledBytes, res[0].IngestedBytes, want, 100*1024+50*6000)
	}
}
