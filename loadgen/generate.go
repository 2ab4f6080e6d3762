package loadgen

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// KeyGen chooses partition keys. It is not safe for concurrent use.
type KeyGen interface {
	Next() string
}

// NewKeyGen returns the generator for a scenario's keys section, drawing
// from rng.
func NewKeyGen(k scenarios.Keys, rng *rand.Rand) (KeyGen, error) { return newKeyGen(k, rng, nil) }

// newKeyGen is NewKeyGen, with the key table of names when it is not nil
// (tables are only read, so generators of one run share one).
func newKeyGen(k scenarios.Keys, rng *rand.Rand, names *keyNames) (KeyGen, error) {
	table := func() *keyNames {
		if names == nil {
			names = newKeyNames(k.Prefix, k.Count)
		}
		return names
	}
	switch k.Dist {
	case scenarios.KeysUUID, "":
		return &uuidKeys{rng: rng, prefix: k.Prefix}, nil
	case scenarios.KeysUniform:
		if k.Count < 1 {
			return nil, fmt.Errorf("keys: uniform needs count >= 1")
		}
		return &uniformKeys{rng: rng, names: table(), count: k.Count}, nil
	case scenarios.KeysZipf:
		if k.Count < 1 || k.Exponent <= 1 {
			return nil, fmt.Errorf("keys: zipf needs count >= 1 and exponent > 1")
		}
		z := rand.NewZipf(rng, k.Exponent, 1, uint64(k.Count-1))
		return &zipfKeys{z: z, names: table()}, nil
	case scenarios.KeysHot:
		if k.HotShare <= 0 || k.HotShare > 1 {
			return nil, fmt.Errorf("keys: hot needs 0 < hot_share <= 1")
		}
		return &hotKeys{rng: rng, share: k.HotShare, hot: scenarios.HotKey(k.Prefix), rest: uuidKeys{rng: rng, prefix: k.Prefix}}, nil
	}
	return nil, fmt.Errorf("keys: unknown dist %q", k.Dist)
}

// uuidKeys makes a new random (version 4 layout) UUID per record.
type uuidKeys struct {
	rng    *rand.Rand
	prefix string
}

func (g *uuidKeys) Next() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], g.rng.Uint64())
	binary.BigEndian.PutUint64(b[8:16], g.rng.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	if g.prefix == "" {
		return string(s[:])
	}
	return g.prefix + string(s[:])
}

// keyNames formats key i on demand, caching the first names so that the
// common case (a few thousand keys) allocates nothing per record, and
// their MD5 hash keys, so that a target that routes records itself (the
// simulated stream) hashes each of them once instead of once per record.
type keyNames struct {
	prefix string
	cache  []string
	hashes []model.HashKey
}

const keyNameCache = 1 << 16

func newKeyNames(prefix string, count int) *keyNames {
	n := min(count, keyNameCache)
	k := &keyNames{prefix: prefix, cache: make([]string, n), hashes: make([]model.HashKey, n)}
	for i := range n {
		k.cache[i] = scenarios.KeyName(prefix, i)
		k.hashes[i] = model.HashPartitionKey(k.cache[i])
	}
	return k
}

// hashedKeys is a KeyGen that knows the MD5 hash key of some of its keys.
type hashedKeys interface {
	// nextHashed is Next, with the key's hash when ok.
	nextHashed() (key string, hash model.HashKey, ok bool)
}

func (k *keyNames) hashed(i int) (string, model.HashKey, bool) {
	if i < len(k.cache) {
		return k.cache[i], k.hashes[i], true
	}
	return scenarios.KeyName(k.prefix, i), model.HashKey{}, false
}

func (k *keyNames) name(i int) string {
	name, _, _ := k.hashed(i)
	return name
}

type uniformKeys struct {
	rng   *rand.Rand
	names *keyNames
	count int
}

func (g *uniformKeys) Next() string {
	k, _, _ := g.nextHashed()
	return k
}

func (g *uniformKeys) nextHashed() (string, model.HashKey, bool) {
	return g.names.hashed(g.rng.IntN(g.count))
}

type zipfKeys struct {
	z     *rand.Zipf
	names *keyNames
}

func (g *zipfKeys) Next() string { return g.names.name(int(g.z.Uint64())) }

func (g *zipfKeys) nextHashed() (string, model.HashKey, bool) {
	return g.names.hashed(int(g.z.Uint64()))
}

type hotKeys struct {
	rng   *rand.Rand
	share float64
	hot   string
	rest  uuidKeys
}

func (g *hotKeys) Next() string {
	if g.rng.Float64() < g.share {
		return g.hot
	}
	return g.rest.Next()
}

// SizeGen draws data sizes in bytes. It is not safe for concurrent use.
type SizeGen interface {
	Next() int
}

// NewSizeGen returns the generator for a record size spec. Sizes are
// clamped to [1, maxBytes].
func NewSizeGen(s scenarios.SizeSpec, maxBytes int, rng *rand.Rand) (SizeGen, error) {
	switch s.Dist {
	case scenarios.SizeFixed, "":
		if s.Bytes < 1 {
			return nil, fmt.Errorf("record.size: fixed size must be at least 1 byte")
		}
		return fixedSize(min(int(s.Bytes), maxBytes)), nil
	case scenarios.SizeUniform:
		if s.Min < 1 || s.Max < s.Min {
			return nil, fmt.Errorf("record.size: uniform needs 1 <= min <= max")
		}
		return &uniformSize{rng: rng, min: int(s.Min), max: min(int(s.Max), maxBytes)}, nil
	case scenarios.SizeLognormal:
		if s.Median < 1 || s.P99 < s.Median {
			return nil, fmt.Errorf("record.size: lognormal needs 0 < median <= p99")
		}
		// p99 = median·exp(σ·z99), z99 = Φ⁻¹(0.99) = 2.326348.
		sigma := math.Log(float64(s.P99)/float64(s.Median)) / 2.326348
		return &lognormalSize{rng: rng, mu: math.Log(float64(s.Median)), sigma: sigma, max: maxBytes}, nil
	}
	return nil, fmt.Errorf("record.size: unknown dist %q", s.Dist)
}

type fixedSize int

func (f fixedSize) Next() int { return int(f) }

type uniformSize struct {
	rng      *rand.Rand
	min, max int
}

func (u *uniformSize) Next() int { return u.min + u.rng.IntN(u.max-u.min+1) }

type lognormalSize struct {
	rng       *rand.Rand
	mu, sigma float64
	max       int
}

func (l *lognormalSize) Next() int {
	v := math.Exp(l.mu + l.sigma*l.rng.NormFloat64())
	return int(min(max(math.Round(v), 1), float64(l.max)))
}

// Stamp is what spillway writes at the start of every record's data so that
// the record can be recognised after delivery: the run, the record and the
// time it was meant to be sent.
type Stamp struct {
	RunID    uint64
	RecordID uint64
	// IntendedUnixNano is the intended send time, in Unix nanoseconds.
	IntendedUnixNano int64
}

// StampBytes is the size of an encoded Stamp: magic, run id, record id,
// intended time and a check. Records smaller than this carry a truncated
// stamp and cannot be recognised.
const StampBytes = 4 + 8 + 8 + 8 + 4

var stampMagic = [4]byte{'S', 'P', 'W', '1'}

// stampCheck mixes the stamp's fields into 32 bits, so that a partial stamp
// followed by other bytes (records are concatenated in Firehose objects)
// is not mistaken for one.
func stampCheck(b []byte) uint32 {
	h := uint64(0x9e3779b97f4a7c15)
	for i := 4; i < 28; i += 8 {
		h ^= binary.BigEndian.Uint64(b[i : i+8])
		h *= 0xbf58476d1ce4e5b9
		h ^= h >> 31
	}
	return uint32(h >> 32)
}

// PutStamp writes st at the start of b (as much as fits).
func PutStamp(b []byte, st Stamp) {
	var buf [StampBytes]byte
	copy(buf[0:4], stampMagic[:])
	binary.BigEndian.PutUint64(buf[4:12], st.RunID)
	binary.BigEndian.PutUint64(buf[12:20], st.RecordID)
	binary.BigEndian.PutUint64(buf[20:28], uint64(st.IntendedUnixNano))
	binary.BigEndian.PutUint32(buf[28:32], stampCheck(buf[:]))
	copy(b, buf[:])
}

// ReadStamp decodes the stamp at the start of b; ok is false when b does
// not start with a whole, intact stamp.
func ReadStamp(b []byte) (Stamp, bool) {
	if len(b) < StampBytes || [4]byte(b[0:4]) != stampMagic || binary.BigEndian.Uint32(b[28:32]) != stampCheck(b) {
		return Stamp{}, false
	}
	return Stamp{
		RunID:            binary.BigEndian.Uint64(b[4:12]),
		RecordID:         binary.BigEndian.Uint64(b[12:20]),
		IntendedUnixNano: int64(binary.BigEndian.Uint64(b[20:28])),
	}, true
}

// filler is random bytes that payloads are cut from: cheaper than drawing
// random bytes per record, and still incompressible. It is made once per
// run from the seed and only read afterwards, so pacers share it.
type filler []byte

// fillerBytes is the size of a run's filler: 256 KiB, large enough that
// payloads cut at random offsets do not repeat in a way a codec notices.
const fillerBytes = 256 << 10

func newFiller(seed uint64) filler {
	rng := rand.New(rand.NewPCG(seed, 0x5370696c6c776179))
	f := make(filler, fillerBytes)
	for i := 0; i+8 <= len(f); i += 8 {
		binary.LittleEndian.PutUint64(f[i:], rng.Uint64())
	}
	return f
}

// fill writes filler into b, starting at offsets drawn from rng, and
// stamps it with st.
func (f filler) fill(b []byte, st Stamp, rng *rand.Rand) {
	for off := 0; off < len(b); {
		start := rng.IntN(len(f))
		off += copy(b[off:], f[start:])
	}
	PutStamp(b, st)
}
