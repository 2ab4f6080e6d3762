package model

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
)

var compressCodecs = []string{"UNCOMPRESSED", "GZIP", "ZIP", "SNAPPY", "HADOOP_SNAPPY"}

// compressRandomBytes returns n incompressible bytes from a fixed seed.
func compressRandomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// compressJSONRecords returns n JSON-like records, newline-terminated, as a load
// scenario generates them.
func compressJSONRecords(n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"device_id":"sensor-%04d","ts":"2026-01-01T00:%02d:%02dZ","temperature":%d.%d,"status":"OK","region":"us-east-1"}`+"\n",
			i%100, i/60%60, i%60, 20+i%7, i%10)
	}
	return recs
}

func TestCompressRoundTrip(t *testing.T) {
	inputs := map[string][]byte{
		"empty":              nil,
		"one byte":           {'x'},
		"random 1 MiB + 3":   compressRandomBytes(1<<20 + 3),
		"repetitive 600 KiB": bytes.Repeat([]byte("abcdefgh"), 600<<10/8),
		"json 10k records":   bytes.Join(compressJSONRecords(10000), nil),
	}
	for _, codec := range compressCodecs {
		for name, in := range inputs {
			c, err := Compress(codec, in)
			if err != nil {
				t.Fatalf("%s %s: Compress: %v", codec, name, err)
			}
			out, err := Decompress(codec, c)
			if err != nil {
				t.Fatalf("%s %s: Decompress: %v", codec, name, err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("%s %s: round trip gave %d bytes, want %d equal bytes", codec, name, len(out), len(in))
			}
		}
	}
}

func TestCompressUncompressedCopies(t *testing.T) {
	in := []byte("abc")
	c, _ := Compress("UNCOMPRESSED", in)
	c[0] = 'z'
	if in[0] != 'a' {
		t.Error("Compress UNCOMPRESSED aliases its input")
	}
}

func TestCompressionRatio(t *testing.T) {
	random := [][]byte{compressRandomBytes(256 << 10), compressRandomBytes(256 << 10)}
	jsonRecs := compressJSONRecords(5000)
	for _, codec := range compressCodecs {
		r, err := CompressionRatio(codec, random)
		if err != nil {
			t.Fatalf("%s random: %v", codec, err)
		}
		if r < 0.95 || r > 1.05 {
			t.Errorf("%s random: ratio %.4f, want 1 ± 5%%", codec, r)
		}
		rRandom := r
		r, err = CompressionRatio(codec, jsonRecs)
		if err != nil {
			t.Fatalf("%s JSON: %v", codec, err)
		}
		t.Logf("%s: random %.4f, JSON %.4f", codec, rRandom, r)
		if codec == "UNCOMPRESSED" {
			if r != 1 {
				t.Errorf("UNCOMPRESSED JSON: ratio %g, want 1", r)
			}
		} else if r >= 0.3 {
			t.Errorf("%s JSON: ratio %.4f, want below 0.3", codec, r)
		}
	}
	if _, err := CompressionRatio("GZIP", [][]byte{nil, {}}); err == nil {
		t.Error("CompressionRatio of no bytes: no error")
	}
}

func TestHadoopSnappyFraming(t *testing.T) {
	// 300 KiB = 307,200 bytes makes two blocks: 262,144 (0x00040000) and
	// 45,056 (0x0000B000) input bytes.
	in := bytes.Repeat([]byte("0123456789abcdef"), 300<<10/16)
	c, err := Compress("HADOOP_SNAPPY", in)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for i, wantLen := range []uint32{0x00040000, 0x0000B000} {
		if got := binary.BigEndian.Uint32(c[off:]); got != wantLen {
			t.Fatalf("block %d: uncompressed length %#x, want %#x", i, got, wantLen)
		}
		chunkLen := int(binary.BigEndian.Uint32(c[off+4:]))
		chunk := c[off+8 : off+8+chunkLen]
		dec, err := snappy.Decode(nil, chunk)
		if err != nil {
			t.Fatalf("block %d: snappy block decode: %v", i, err)
		}
		if !bytes.Equal(dec, in[i*HadoopSnappyBlockBytes:i*HadoopSnappyBlockBytes+int(wantLen)]) {
			t.Fatalf("block %d: chunk does not decode to the block's input", i)
		}
		off += 8 + chunkLen
	}
	if off != len(c) {
		t.Fatalf("%d trailing bytes after two blocks", len(c)-off)
	}

	// A small input by hand: "hello" is one block, 00 00 00 05, then the
	// chunk length, then the Snappy block: varint length 05 and a literal
	// tag (5−1)<<2 = 0x10 followed by the 5 bytes.
	c, _ = Compress("HADOOP_SNAPPY", []byte("hello"))
	want := []byte{0, 0, 0, 5, 0, 0, 0, 7, 0x05, 0x10, 'h', 'e', 'l', 'l', 'o'}
	if !bytes.Equal(c, want) {
		t.Errorf("HADOOP_SNAPPY(hello) = % x, want % x", c, want)
	}

	// Hadoop may split a block into several chunks; Decompress must join
	// them. Block of 10 bytes written as chunks of 4 and 6.
	var multi []byte
	multi = binary.BigEndian.AppendUint32(multi, 10)
	for _, part := range []string{"abcd", "efghij"} {
		enc := snappy.Encode(nil, []byte(part))
		multi = binary.BigEndian.AppendUint32(multi, uint32(len(enc)))
		multi = append(multi, enc...)
	}
	if got, err := Decompress("HADOOP_SNAPPY", multi); err != nil || string(got) != "abcdefghij" {
		t.Errorf("multi-chunk block: got %q, %v; want abcdefghij", got, err)
	}
}

func TestDecompressCorrupt(t *testing.T) {
	hello, _ := Compress("HADOOP_SNAPPY", []byte("hello"))
	for _, tc := range []struct {
		codec string
		data  []byte
	}{
		{"GZIP", []byte("not gzip")},
		{"ZIP", []byte("not zip")},
		{"SNAPPY", []byte("not snappy")},
		{"HADOOP_SNAPPY", hello[:3]},            // truncated block length
		{"HADOOP_SNAPPY", hello[:6]},            // truncated chunk length
		{"HADOOP_SNAPPY", hello[:len(hello)-1]}, // chunk overruns input
		{"HADOOP_SNAPPY", []byte{0, 0, 0, 2, 0, 0, 0, 7, 0x05, 0x10, 'h', 'e', 'l', 'l', 'o'}}, // chunk longer than block
	} {
		if _, err := Decompress(tc.codec, tc.data); err == nil {
			t.Errorf("Decompress(%s, % x): no error", tc.codec, tc.data)
		}
	}
}

func TestUnknownCodec(t *testing.T) {
	for _, f := range []func() error{
		func() error { _, err := Compress("gzip", nil); return err },
		func() error { _, err := Decompress("LZ4", nil); return err },
		func() error { _, err := CompressionRatio("", [][]byte{{1}}); return err },
	} {
		err := f()
		if err == nil {
			t.Fatal("unknown codec: no error")
		}
		for _, name := range compressCodecs {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("error %q does not name %s", err, name)
			}
		}
	}
}
