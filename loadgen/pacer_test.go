package loadgen

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// recordingTarget accepts everything and remembers each record's key,
// size and a digest of its data, by id.
type recordingTarget struct {
	mu   sync.Mutex
	seen map[uint64]string
	// hashed and badHash count records whose key came with its hash, and
	// those whose hash was not the key's MD5.
	hashed, badHash int
}

func (t *recordingTarget) PutRecords(_ context.Context, recs []Record, out []Outcome) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = map[uint64]string{}
	}
	for i := range recs {
		r := &recs[i]
		if r.keyHashed {
			t.hashed++
			if r.keyHash != model.HashPartitionKey(r.PartitionKey) {
				t.badHash++
			}
		}
		t.seen[r.ID] = fmt.Sprintf("%s/%s/%d/%x", r.PartitionKey, r.ExplicitHashKey, len(r.Data), sha256.Sum256(r.Data))
		out[i] = Outcome{ShardID: "shardId-000000000000"}
	}
	return nil
}

// Any number of pacers offers the same records as one: the same ids with
// the same keys, sizes and payloads, and the same arrivals per second. A
// record is a function of the seed and its number alone.
func TestPacersOfferTheSameRecords(t *testing.T) {
	sc := testScenario(4, 2000, 3*time.Second, 100)
	sc.Keys = scenarios.Keys{Dist: scenarios.KeysZipf, Count: 50, Exponent: 1.3}
	sc.Record.Size = scenarios.SizeSpec{Dist: scenarios.SizeLognormal, Median: 300, P99: 3000}
	var hashed, badHash int
	run := func(pacers int) (map[uint64]string, *Summary) {
		var target recordingTarget
		var sum *Summary
		synctest.Test(t, func(t *testing.T) {
			r, err := New(Config{Scenario: sc, Seed: 42, RunID: 7, Pacers: pacers}, &target)
			if err != nil {
				t.Fatal(err)
			}
			if r.Pacers() != pacers {
				t.Fatalf("%d pacers, want %d", r.Pacers(), pacers)
			}
			if sum, err = r.Run(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
		checkBooks(t, sum)
		hashed, badHash = hashed+target.hashed, badHash+target.badHash
		return target.seen, sum
	}
	one, s1 := run(1)
	three, s3 := run(3)
	if len(one) != 6000 || !maps.Equal(one, three) {
		t.Fatalf("1 pacer made %d records, 3 pacers %d; equal: %v", len(one), len(three), maps.Equal(one, three))
	}
	// Zipf keys repeat: each comes with its MD5, hashed once per key.
	if hashed != 12000 || badHash != 0 {
		t.Errorf("%d records came with their key's hash (want all 12,000), %d of them wrong", hashed, badHash)
	}
	perSec := func(s *Summary) []int64 {
		var out []int64
		for _, x := range s.Series {
			out = append(out, x.Offered)
		}
		return out
	}
	if a, b := perSec(s1), perSec(s3); !slices.Equal(a, b) {
		t.Errorf("offered per second: %v with 1 pacer, %v with 3", a, b)
	}
	if s3.Generator.Pacers != 3 || s1.Generator.Pacers != 1 {
		t.Errorf("generator pacers %d and %d, want 1 and 3", s1.Generator.Pacers, s3.Generator.Pacers)
	}
}

// A target far slower than the schedule: the backlog fills to its limit
// and every later arrival is dropped and counted, never queued. The books
// balance exactly: offered = sent + dropped, and every sent record is
// acked. Memory stays bounded by the limit, whatever the schedule.
func TestOverloadDropsBeyondTheBacklog(t *testing.T) {
	sc := testScenario(1, 1000, 10*time.Second, 100)
	sc.Producer.Batch, sc.Producer.MaxInFlight = 10, 1
	sc.Producer.MaxBacklog = 200
	var sum *Summary
	var peakQueued int64
	synctest.Test(t, func(t *testing.T) {
		// One slot taking 100 ms a request of 10: 100 records/s drain.
		target := &slowTarget{delay: 100 * time.Millisecond}
		r, err := New(Config{Scenario: sc, Seed: 1}, target)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-time.After(10 * time.Millisecond):
				case <-t.Context().Done():
					return
				}
				p := r.Progress()
				if q := p.Offered - p.Dropped - p.Sent; q > peakQueued {
					peakQueued = q
				}
				if p.Elapsed >= p.Duration {
					return
				}
			}
		}()
		if sum, err = r.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		<-done
	})
	checkBooks(t, sum)
	tt := sum.Totals
	if tt.Offered != 10000 || tt.Sent+tt.Dropped != tt.Offered || tt.Acked != tt.Sent {
		t.Fatalf("totals %+v: want 10,000 offered = sent + dropped, all sent acked", tt)
	}
	// 10 s at 100 records/s drain, plus the 200 that wait at the end, plus
	// the request being sent as the backlog fills.
	if tt.Sent < 1000+150 || tt.Sent > 1000+250 {
		t.Errorf("sent %d, want about 1,200 (10 s of draining at 100/s and a full backlog)", tt.Sent)
	}
	// Records made but not yet sent never exceed the limit (plus the
	// request in flight and the one being built).
	if peakQueued > 200+2*10 {
		t.Errorf("up to %d records waited, want at most the backlog of 200 and two requests", peakQueued)
	}
	if sum.Generator.MaxBacklog != 200 {
		t.Errorf("generator max backlog %d, want the scenario's 200", sum.Generator.MaxBacklog)
	}
	// After the first seconds nearly every arrival is dropped, and the
	// pacing error says so.
	for _, x := range sum.Series[3:10] {
		if x.Dropped < 850 || x.Sent > 150 {
			t.Errorf("second %d: offered %d, sent %d, dropped %d: want about 100 sent and 900 dropped", x.T, x.Offered, x.Sent, x.Dropped)
		}
	}
}

// The backlog bounds memory too: records of 10 KB with a 1 MiB limit hold
// about a hundred records, whatever max_backlog says.
func TestOverloadBacklogBytes(t *testing.T) {
	sc := testScenario(1, 1000, 5*time.Second, 10_000)
	sc.Producer.Batch, sc.Producer.MaxInFlight = 10, 1
	sc.Producer.MaxBacklog, sc.Producer.MaxBacklogBytes = 1_000_000, 1<<20
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		r, err := New(Config{Scenario: sc, Seed: 1}, &slowTarget{delay: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if sum, err = r.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	checkBooks(t, sum)
	// 1 MiB ÷ (10,036 bytes + 128 of bookkeeping) = 103 records wait; 5 s
	// drain 500.
	if got := sum.Totals.Sent; got < 500+80 || got > 500+130 {
		t.Errorf("sent %d, want about 600 (5 s of draining and a backlog of about 100 records)", got)
	}
}

// Default backlog limits: ten seconds of the peak, at least two full
// rounds of in-flight requests, and 128 MiB.
func TestBacklogLimits(t *testing.T) {
	for _, c := range []struct {
		p           scenarios.Producer
		peak        float64
		recs, bytes int64
	}{
		{scenarios.Producer{Batch: 500, MaxInFlight: 64}, 1000, 64000, 128 << 20},
		{scenarios.Producer{Batch: 500, MaxInFlight: 64}, 2.5e6, 25_000_000, 128 << 20},
		{scenarios.Producer{Batch: 500, MaxInFlight: 64, MaxBacklog: 10, MaxBacklogBytes: 1 << 20}, 2.5e6, 10, 1 << 20},
	} {
		r, b := backlogLimits(c.p, c.peak)
		if r != c.recs || b != c.bytes {
			t.Errorf("backlogLimits(%+v, %g) = %d, %d; want %d, %d", c.p, c.peak, r, b, c.recs, c.bytes)
		}
	}
}

// A generator that stalls (here its clock jumps 3 s, as when the process
// gets no CPU for that long) owes the arrivals it missed: those beyond the
// backlog limit are dropped and counted, so the run does not stretch by
// the stall and the books still balance.
func TestStalledPacerDropsWhatItOwes(t *testing.T) {
	sc := testScenario(4, 1000, 6*time.Second, 100)
	sc.Producer.MaxBacklog = 500
	var sum *Summary
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		clock := func() time.Time {
			now := time.Now()
			if now.Sub(start) >= 2*time.Second {
				now = now.Add(3 * time.Second)
			}
			return now
		}
		r, err := New(Config{Scenario: sc, Seed: 1, Now: clock}, &recordingTarget{})
		if err != nil {
			t.Fatal(err)
		}
		if sum, err = r.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	checkBooks(t, sum)
	tt := sum.Totals
	// 3,000 arrivals were missed; 500 of them may still be owed.
	if tt.Offered != 6000 || tt.Dropped < 2400 || tt.Dropped > 2600 || tt.Sent+tt.Dropped != tt.Offered {
		t.Errorf("totals %+v: want about 2,500 of the 3,000 missed arrivals dropped", tt)
	}
	if d := sum.End.Sub(sum.Start); d > 7*time.Second {
		t.Errorf("run took %v on the stalled clock, want about 6 s", d)
	}
}

// skipTo drops a pacer's share of a range of arrivals in bulk, each in the
// second it was meant for, exactly as many as walking them one by one.
func TestSkipToCountsEachSecond(t *testing.T) {
	sched, err := NewSchedule([]Segment{{Duration: 2 * time.Second, StartRate: 1000, EndRate: 1000}, {Duration: 2 * time.Second, StartRate: 1000, EndRate: 3000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, stride := range []int64{1, 3} {
		for idx := range stride {
			p := &pacer{r: &Runner{sched: sched}, idx: int(idx), stride: stride, n: idx}
			got := p.skipTo(5000)
			// Walk the same arrivals one by one.
			want := make([]int64, 4)
			var n int64
			for i := idx; i < 5000; i += stride {
				at, _ := sched.Arrival(i)
				want[int(at/time.Second)]++
				n++
			}
			if got != n || p.n < 5000 || p.n >= 5000+stride || (p.n-idx)%stride != 0 {
				t.Errorf("stride %d idx %d: skipped %d to %d, want %d to the first index ≥ 5000", stride, idx, got, p.n, n)
			}
			for s := range want {
				if s >= len(p.dropped) && want[s] != 0 || s < len(p.dropped) && (p.dropped[s] != want[s] || p.offered[s] != want[s]) {
					t.Errorf("stride %d idx %d: second %d dropped %v, want %d", stride, idx, s, p.dropped, want[s])
				}
			}
		}
	}
}
