package model

import (
	"math/big"
	"testing"
)

// The decimal values were computed outside Go: `printf %s KEY | md5sum`, then
// int(hex, 16) in Python.
func TestHashPartitionKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"a", "16955237001963240173058271559858726497"},
		{"hello", "123957004363873451094272536567338222994"},
		{"partitionKey-1", "159499196025307651934328298402289840726"},
		{"k42", "33643492697982712765493262575172277806"},
	}
	for _, tt := range tests {
		if got := HashPartitionKey(tt.key).String(); got != tt.want {
			t.Errorf("HashPartitionKey(%q) = %s, want %s", tt.key, got, tt.want)
		}
	}
}

// Starting hash keys computed in Python as (i * 2**128) // n; the 3-shard
// values match what CreateStream returns for a 3-shard stream.
func TestEvenRanges(t *testing.T) {
	tests := []struct {
		n      int
		starts []string
	}{
		{1, []string{"0"}},
		{2, []string{"0", "170141183460469231731687303715884105728"}},
		{3, []string{"0", "113427455640312821154458202477256070485", "226854911280625642308916404954512140970"}},
		{4, []string{"0", "85070591730234615865843651857942052864", "170141183460469231731687303715884105728", "255211775190703847597530955573826158592"}},
		{7, []string{"0", "48611766702991209066196372490252601636", "97223533405982418132392744980505203273",
			"145835300108973627198589117470757804909", "194447066811964836264785489961010406546",
			"243058833514956045330981862451263008182", "291670600217947254397178234941515609819"}},
	}
	for _, tt := range tests {
		rs := EvenRanges(tt.n)
		if len(rs) != tt.n {
			t.Fatalf("EvenRanges(%d) gave %d ranges", tt.n, len(rs))
		}
		var total float64
		for i, r := range rs {
			if got := r.Start.String(); got != tt.starts[i] {
				t.Errorf("n=%d range %d starts at %s, want %s", tt.n, i, got, tt.starts[i])
			}
			if i+1 < tt.n {
				if next := r.End.Big(); next.Add(next, oneBig()).String() != tt.starts[i+1] {
					t.Errorf("n=%d range %d ends at %s, not just before the next start", tt.n, i, r.End)
				}
			} else if r.End != MaxHashKey {
				t.Errorf("n=%d last range ends at %s, want 2^128-1", tt.n, r.End)
			}
			total += r.Fraction()
		}
		if total < 0.999999 || total > 1.000001 {
			t.Errorf("n=%d fractions add up to %v, want 1", tt.n, total)
		}
	}
}

func TestParseHashKey(t *testing.T) {
	for _, s := range []string{"0", "1", "340282366920938463463374607431768211455", "170141183460469231731687303715884105728"} {
		h, err := ParseHashKey(s)
		if err != nil || h.String() != s {
			t.Errorf("ParseHashKey(%q) = %v, %v", s, h, err)
		}
	}
	for _, s := range []string{"", "-1", "01", "1.5", "abc", "340282366920938463463374607431768211456", "9999999999999999999999999999999999999999"} {
		if _, err := ParseHashKey(s); err == nil {
			t.Errorf("ParseHashKey(%q) succeeded, want an error", s)
		}
	}
}

func TestHashKeyCmpAndContains(t *testing.T) {
	a, b := HashKey{Hi: 1, Lo: 0}, HashKey{Hi: 0, Lo: ^uint64(0)}
	if a.Cmp(b) != 1 || b.Cmp(a) != -1 || a.Cmp(a) != 0 || !b.Less(a) {
		t.Fatal("Cmp/Less disagree on the high word")
	}
	if d := a.Sub(b); d != (HashKey{Lo: 1}) {
		t.Fatalf("Sub borrow: got %v", d)
	}
	r := HashKeyRange{Start: b, End: a}
	if !r.Contains(a) || !r.Contains(b) || r.Contains(HashKey{Hi: 1, Lo: 1}) || r.Contains(HashKey{}) {
		t.Fatal("Contains is not inclusive at both ends only")
	}
}

// Every key lands in the one range that contains its hash, checked against a
// linear scan.
func TestShardIndexMatchesLinearScan(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 16, 64} {
		rs := EvenRanges(n)
		starts := make([]HashKey, n)
		for i, r := range rs {
			starts[i] = r.Start
		}
		probe := []HashKey{{}, MaxHashKey}
		for _, r := range rs {
			probe = append(probe, r.Start, r.End)
		}
		for i := range 2000 {
			probe = append(probe, HashPartitionKey(keyForTest(i)))
		}
		for _, h := range probe {
			got := shardIndex(starts, h)
			want := -1
			for i, r := range rs {
				if r.Contains(h) {
					want = i
				}
			}
			if got != want {
				t.Fatalf("n=%d: hash %s → shard %d, linear scan says %d", n, h, got, want)
			}
		}
	}
}

func keyForTest(i int) string { return "key-" + itoa(i) }

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func oneBig() *big.Int { return big.NewInt(1) }
