package loadgen

import (
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"testing"

	"github.com/spillway-dev/spillway/scenarios"
)

func TestStampRoundTrip(t *testing.T) {
	st := Stamp{RunID: 0xdeadbeef, RecordID: 42, IntendedUnixNano: 1_700_000_000_123_456_789}
	b := make([]byte, 100)
	PutStamp(b, st)
	got, ok := ReadStamp(b)
	if !ok || got != st {
		t.Fatalf("ReadStamp = %+v %v, want %+v", got, ok, st)
	}
	if _, ok := ReadStamp(b[:StampBytes-1]); ok {
		t.Fatal("a truncated stamp was read")
	}
	small := make([]byte, 10)
	PutStamp(small, st) // must not panic
	// A partial stamp followed by another record's bytes is rejected.
	mixed := append(append([]byte{}, b[:20]...), b[:20]...)
	if _, ok := ReadStamp(mixed); ok {
		t.Fatal("a partial stamp followed by other bytes was read as a stamp")
	}
	b[25] ^= 1
	if _, ok := ReadStamp(b); ok {
		t.Fatal("a damaged stamp was read")
	}
}

func TestUUIDKeys(t *testing.T) {
	g, _ := NewKeyGen(scenarios.Keys{Dist: scenarios.KeysUUID}, rand.New(rand.NewPCG(1, 2)))
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		k := g.Next()
		if !re.MatchString(k) || seen[k] {
			t.Fatalf("key %q is not a fresh version-4 UUID", k)
		}
		seen[k] = true
	}
}

func keyCounts(t *testing.T, k scenarios.Keys, n int) []int {
	t.Helper()
	g, err := NewKeyGen(k, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for range n {
		counts[g.Next()]++
	}
	var out []int
	for _, c := range counts {
		out = append(out, c)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(out)))
	return out
}

func TestKeyDistributions(t *testing.T) {
	const n = 100000
	u := keyCounts(t, scenarios.Keys{Dist: scenarios.KeysUniform, Count: 10}, n)
	if len(u) != 10 || u[0] > n/10*11/10 || u[9] < n/10*9/10 {
		t.Errorf("uniform over 10 keys: counts %v", u)
	}
	// Zipf with s=2, v=1 over 100 keys: P(k) ∝ (1+k)^-2, so the top key has
	// 1/H where H = Σ_{i=1..100} i^-2 ≈ 1.6350, i.e. 61.2%.
	z := keyCounts(t, scenarios.Keys{Dist: scenarios.KeysZipf, Count: 100, Exponent: 2}, n)
	if share := float64(z[0]) / n; math.Abs(share-0.6116) > 0.01 {
		t.Errorf("zipf top key share %.4f, want 0.6116", share)
	}
	h := keyCounts(t, scenarios.Keys{Dist: scenarios.KeysHot, HotShare: 0.3}, n)
	if share := float64(h[0]) / n; math.Abs(share-0.3) > 0.01 || h[1] != 1 {
		t.Errorf("hot key share %.4f (second key %d), want 0.30 and unique others", share, h[1])
	}
}

func TestSizeDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	u, _ := NewSizeGen(scenarios.SizeSpec{Dist: scenarios.SizeUniform, Min: 100, Max: 200}, 1<<20, rng)
	lo, hi := 1<<30, 0
	for range 10000 {
		v := u.Next()
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo != 100 || hi != 200 {
		t.Errorf("uniform 100–200 gave %d–%d", lo, hi)
	}
	l, _ := NewSizeGen(scenarios.SizeSpec{Dist: scenarios.SizeLognormal, Median: 1000, P99: 10000}, 1<<20, rng)
	var xs []int
	for range 100000 {
		xs = append(xs, l.Next())
	}
	sort.Ints(xs)
	med, p99 := xs[50000], xs[99000]
	if math.Abs(float64(med)-1000) > 30 || math.Abs(float64(p99)-10000) > 600 {
		t.Errorf("lognormal median %d p99 %d, want 1000 and 10000", med, p99)
	}
	c, _ := NewSizeGen(scenarios.SizeSpec{Dist: scenarios.SizeLognormal, Median: 1000, P99: 1 << 30}, 5000, rng)
	for range 10000 {
		if v := c.Next(); v < 1 || v > 5000 {
			t.Fatalf("clamped lognormal gave %d", v)
		}
	}
}

func TestBackoff(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range []struct {
		n       int
		ceiling int64
	}{{1, 100}, {2, 200}, {3, 400}, {4, 800}, {5, 1000}, {30, 1000}} {
		var top int64
		for range 5000 {
			d := int64(Backoff(tt.n, 100, 1000, rng))
			if d < 0 || d >= tt.ceiling {
				t.Fatalf("Backoff(%d) = %d, want [0, %d)", tt.n, d, tt.ceiling)
			}
			top = max(top, d)
		}
		if top < tt.ceiling*9/10 {
			t.Errorf("Backoff(%d) never came near its ceiling %d (max %d)", tt.n, tt.ceiling, top)
		}
	}
	if Backoff(1, 0, 1000, rng) != 0 {
		t.Error("zero base should retry at once")
	}
}
