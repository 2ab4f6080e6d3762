package loadgen

import (
	"math/rand/v2"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// counterSource is a rand.Source whose stream is set anew for each record:
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014) started at a mix of the run's seed and the
// record's number. So record n's key, size and payload depend on the seed
// and n alone, not on which pacer made it or what came before: any number
// of pacers, or of segments of a distributed run, offers the same records
// as one.
type counterSource struct{ state uint64 }

// golden is 2^64 ÷ φ, SplitMix64's increment.
const golden = 0x9e3779b97f4a7c15

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// at starts record n's stream.
func (c *counterSource) at(seed uint64, n int64) {
	c.state = mix64(seed^0x5370696c6c776179) ^ mix64(uint64(n)*golden+golden)
}

// Uint64 implements rand.Source.
func (c *counterSource) Uint64() uint64 {
	c.state += golden
	return mix64(c.state)
}

// recordGen makes the records of a run as a pure function of the seed and
// the record's number. It is not safe for concurrent use: each pacer has
// its own, sharing only the read-only filler.
type recordGen struct {
	seed           uint64
	src            counterSource
	rng            *rand.Rand
	keys           KeyGen
	sizes          SizeGen
	filler         filler
	randomHashKeys bool
}

func newRecordGen(sc *scenarios.Scenario, seed uint64, f filler) (*recordGen, error) {
	return newRecordGenLike(sc, seed, f, nil)
}

// newRecordGenLike is newRecordGen sharing like's key table, when like is
// not nil: a run's pacers format and hash their keys once.
func newRecordGenLike(sc *scenarios.Scenario, seed uint64, f filler, like *recordGen) (*recordGen, error) {
	g := &recordGen{seed: seed, filler: f, randomHashKeys: sc.Keys.ExplicitHashKey == scenarios.HashKeyRandom}
	g.rng = rand.New(&g.src)
	var names *keyNames
	if like != nil {
		names = like.names()
	}
	var err error
	if g.keys, err = newKeyGen(sc.Keys, g.rng, names); err != nil {
		return nil, err
	}
	if g.sizes, err = NewSizeGen(sc.Record.Size, maxDataBytes(sc), g.rng); err != nil {
		return nil, err
	}
	return g, nil
}

// names is the generator's key table, nil for keys drawn afresh.
func (g *recordGen) names() *keyNames {
	switch k := g.keys.(type) {
	case *uniformKeys:
		return k.names
	case *zipfKeys:
		return k.names
	}
	return nil
}

// size starts record n and returns its data size in bytes. Call key and
// data (in that order, both optional) for the same record next.
func (g *recordGen) size(n int64) int {
	g.src.at(g.seed, n)
	return g.sizes.Next()
}

// key is the current record's partition key, and its explicit hash key
// when the scenario asks for random ones ("" otherwise).
func (g *recordGen) key() (key, explicit string) {
	key, _, _, explicit = g.keyHashed()
	return key, explicit
}

// keyHashed is key with the key's MD5 hash key when the generator knows
// it (hashed).
func (g *recordGen) keyHashed() (key string, hash model.HashKey, hashed bool, explicit string) {
	if hk, ok := g.keys.(hashedKeys); ok {
		key, hash, hashed = hk.nextHashed()
	} else {
		key = g.keys.Next()
	}
	if g.randomHashKeys {
		explicit = model.HashKey{Hi: g.rng.Uint64(), Lo: g.rng.Uint64()}.String()
	}
	return key, hash, hashed, explicit
}

// data fills b, the current record's payload, and stamps it with st.
func (g *recordGen) data(b []byte, st Stamp) { g.filler.fill(b, st, g.rng) }
