package loadgen

import (
	"reflect"
	"testing"
	"time"
)

func TestBitset(t *testing.T) {
	var a, b Bitset
	for _, id := range []uint64{0, 63, 64, 1000, 1 << 20} {
		if a.Set(id) {
			t.Fatalf("%d reported present before Set", id)
		}
	}
	if !a.Set(64) || a.Len() != 5 || !a.Has(1000) || a.Has(1001) || a.Has(1<<30) {
		t.Fatal("Set/Has/Len disagree")
	}
	b.Set(64)
	b.Set(65)
	b.Set(1 << 20)
	if n := a.Intersect(&b); n != 2 || b.Intersect(&a) != 2 {
		t.Fatalf("Intersect = %d, want 2", n)
	}
}

func stamped(run, id uint64, intended time.Time, size int) []byte {
	b := make([]byte, size)
	PutStamp(b, Stamp{RunID: run, RecordID: id, IntendedUnixNano: intended.UnixNano()})
	return b
}

// Read records are matched by stamp: duplicates, other runs, short records,
// per-key order and lost records against the acknowledged set.
func TestE2E(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	e := NewE2E(7, true)
	var acked Bitset
	for id := range uint64(10) {
		acked.Set(id)
	}
	read := func(id uint64, key string) { e.Add(stamped(7, id, t0, 64), key, t0.Add(100*time.Millisecond)) }
	for _, id := range []uint64{0, 1, 2, 3, 5, 4, 6, 7} { // 8 and 9 never read; 4 after 5 on key "a"
		read(id, "a")
	}
	read(2, "a")                          // a duplicate
	e.Add(stamped(8, 1, t0, 64), "x", t0) // another run's
	e.Add([]byte("short"), "x", t0)       // no stamp
	read(11, "b")                         // read but never acked
	r := e.Result(&acked)
	want := E2EResult{Read: 9, Lost: 2, Duplicates: 1, OutOfOrder: 1, Foreign: 1, Unrecognised: 1}
	got := r
	got.Latency = Percentiles{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if r.Latency.Count != 9 || r.Latency.P50 < 99.9 || r.Latency.P50 > 100.1 {
		t.Fatalf("latency %+v, want 9 samples of 100 ms", r.Latency)
	}
	if n := e.ReadOf(&acked); n != 8 {
		t.Fatalf("ReadOf = %d, want 8", n)
	}
}
