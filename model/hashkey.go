package model

import (
	"crypto/md5"
	"fmt"
	"math/big"
	"math/bits"
)

// HashKey is an unsigned 128-bit hash key, the space in which shards own
// ranges: 0 … 2^128−1. Source: API (PutRecord), RESH (kinesis-facts §2).
type HashKey struct {
	Hi, Lo uint64
}

// MaxHashKey is 2^128−1, the end of the last shard's range.
var MaxHashKey = HashKey{Hi: ^uint64(0), Lo: ^uint64(0)}

// HashPartitionKey maps a partition key to its hash key: the MD5 digest of
// the key's UTF-8 bytes read as a big-endian unsigned 128-bit integer, as the
// KPL does (kinesis-facts §2 "Digest → integer").
func HashPartitionKey(key string) HashKey {
	// Copy short keys to the stack: converting the string directly makes
	// md5.Sum's argument escape, an allocation per record.
	var buf [64]byte
	var b []byte
	if len(key) <= len(buf) {
		b = append(buf[:0], key...)
	} else {
		b = []byte(key)
	}
	sum := md5.Sum(b)
	return HashKey{
		Hi: be64(sum[0:8]),
		Lo: be64(sum[8:16]),
	}
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

// Cmp returns -1, 0 or +1 as h is less than, equal to or greater than o.
func (h HashKey) Cmp(o HashKey) int {
	switch {
	case h.Hi < o.Hi:
		return -1
	case h.Hi > o.Hi:
		return 1
	case h.Lo < o.Lo:
		return -1
	case h.Lo > o.Lo:
		return 1
	}
	return 0
}

// Less reports whether h < o.
func (h HashKey) Less(o HashKey) bool {
	return h.Hi < o.Hi || (h.Hi == o.Hi && h.Lo < o.Lo)
}

// Sub returns h − o modulo 2^128.
func (h HashKey) Sub(o HashKey) HashKey {
	lo, borrow := bits.Sub64(h.Lo, o.Lo, 0)
	hi, _ := bits.Sub64(h.Hi, o.Hi, borrow)
	return HashKey{Hi: hi, Lo: lo}
}

// Big returns h as a big.Int.
func (h HashKey) Big() *big.Int {
	b := new(big.Int).SetUint64(h.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(h.Lo))
}

// Float64 returns h as a float64 (rounded), for fractions of the hash space.
func (h HashKey) Float64() float64 {
	return float64(h.Hi)*0x1p64 + float64(h.Lo)
}

// String formats h in decimal, as the Kinesis API writes hash keys.
func (h HashKey) String() string { return h.Big().String() }

// hashKeyFromBig converts b (0 ≤ b < 2^128) to a HashKey.
func hashKeyFromBig(b *big.Int) HashKey {
	var buf [16]byte
	b.FillBytes(buf[:])
	return HashKey{Hi: be64(buf[0:8]), Lo: be64(buf[8:16])}
}

// ParseHashKey reads a decimal hash key such as an ExplicitHashKey or a
// shard's StartingHashKey. It accepts the API's pattern 0|([1-9]\d{0,38})
// within 0 … 2^128−1.
func ParseHashKey(s string) (HashKey, error) {
	if s == "" || len(s) > 39 || (len(s) > 1 && s[0] == '0') {
		return HashKey{}, fmt.Errorf("hash key %q: want a decimal integer from 0 to 2^128-1", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return HashKey{}, fmt.Errorf("hash key %q: want a decimal integer from 0 to 2^128-1", s)
		}
	}
	b, _ := new(big.Int).SetString(s, 10)
	if b.BitLen() > 128 {
		return HashKey{}, fmt.Errorf("hash key %q: above 2^128-1", s)
	}
	return hashKeyFromBig(b), nil
}

// HashKeyRange is an inclusive range of hash keys owned by one shard.
type HashKeyRange struct {
	Start, End HashKey
}

// Contains reports whether h is within r.
func (r HashKeyRange) Contains(h HashKey) bool {
	return !h.Less(r.Start) && !r.End.Less(h)
}

// Fraction is the share of the whole hash space that r covers, 0–1.
func (r HashKeyRange) Fraction() float64 {
	return (r.End.Sub(r.Start).Float64() + 1) / 0x1p128
}

// EvenRanges splits 0 … 2^128−1 into n contiguous ranges as CreateStream
// does: range i starts at floor(i·2^128/n) and ends just before range i+1.
// n must be at least 1.
func EvenRanges(n int) []HashKeyRange {
	if n < 1 {
		panic("model: EvenRanges needs n >= 1")
	}
	space := new(big.Int).Lsh(big.NewInt(1), 128)
	starts := make([]HashKey, n)
	for i := range n {
		s := new(big.Int).Mul(space, big.NewInt(int64(i)))
		s.Quo(s, big.NewInt(int64(n)))
		starts[i] = hashKeyFromBig(s)
	}
	out := make([]HashKeyRange, n)
	for i := range n {
		end := MaxHashKey
		if i+1 < n {
			end = starts[i+1].Sub(HashKey{Lo: 1})
		}
		out[i] = HashKeyRange{Start: starts[i], End: end}
	}
	return out
}
