package model

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
)

// Firehose S3 compression formats, named as the Firehose API's
// CompressionFormat values. Source: FH-API (kinesis-facts §7).
const (
	codecUncompressed = "UNCOMPRESSED"
	codecGzip         = "GZIP"
	codecZip          = "ZIP"
	codecSnappy       = "SNAPPY"
	codecHadoopSnappy = "HADOOP_SNAPPY"
)

// HadoopSnappyBlockBytes is the most input bytes Compress puts in one
// HADOOP_SNAPPY block: Hadoop's default io.compression.codec.snappy.buffersize
// of 256 KiB. Hadoop itself fills a block with a little less (the buffer
// size less its compression overhead allowance); readers accept either.
const HadoopSnappyBlockBytes = 256 << 10

// zipEntryName is the name of the single entry in a ZIP object. Firehose's
// entry naming is not documented; this name is spillway's choice.
const zipEntryName = "data"

// Compress returns data compressed as Firehose stores it in S3 with codec:
//
//   - "UNCOMPRESSED": a copy of data.
//   - "GZIP": one gzip member (compress/gzip, default level).
//   - "ZIP": a zip archive with one deflated entry.
//   - "SNAPPY": the Snappy framing (stream) format of
//     https://github.com/google/snappy/blob/main/framing_format.txt.
//   - "HADOOP_SNAPPY": Hadoop's BlockCompressorStream format. Input is cut
//     into blocks of at most HadoopSnappyBlockBytes; each block is written as
//     its uncompressed length (4 bytes, big-endian), then the length of the
//     compressed chunk (4 bytes, big-endian), then the chunk, which is the
//     Snappy block format (snappy.Encode) of the block. Empty input gives
//     empty output.
//
// An unknown codec is an error naming the valid ones.
func Compress(codec string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	switch codec {
	case codecUncompressed:
		return bytes.Clone(data), nil
	case codecGzip:
		w := gzip.NewWriter(&buf)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case codecZip:
		zw := zip.NewWriter(&buf)
		w, err := zw.Create(zipEntryName)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
	case codecSnappy:
		w := snappy.NewBufferedWriter(&buf)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
	case codecHadoopSnappy:
		return hadoopSnappyEncode(data), nil
	default:
		return nil, unknownCodec(codec)
	}
	return buf.Bytes(), nil
}

// Decompress is the inverse of Compress, for reading delivered objects back.
// A ZIP archive with several entries decompresses to their concatenation, in
// archive order.
func Decompress(codec string, data []byte) ([]byte, error) {
	switch codec {
	case codecUncompressed:
		return bytes.Clone(data), nil
	case codecGzip:
		r, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("GZIP: %w", err)
		}
		defer r.Close()
		return readAll(codec, r)
	case codecZip:
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("ZIP: %w", err)
		}
		var out []byte
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("ZIP entry %q: %w", f.Name, err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("ZIP entry %q: %w", f.Name, err)
			}
			out = append(out, b...)
		}
		return out, nil
	case codecSnappy:
		return readAll(codec, snappy.NewReader(bytes.NewReader(data)))
	case codecHadoopSnappy:
		return hadoopSnappyDecode(data)
	default:
		return nil, unknownCodec(codec)
	}
}

// CompressionRatio returns the compressed size over the uncompressed size
// of samples concatenated into one buffer, as Firehose compresses a whole
// buffer of records: below 1 means the codec saves space. Samples with no
// bytes in total are an error.
func CompressionRatio(codec string, samples [][]byte) (float64, error) {
	data := bytes.Join(samples, nil)
	if len(data) == 0 {
		return 0, errors.New("compression ratio: no sample bytes")
	}
	c, err := Compress(codec, data)
	if err != nil {
		return 0, err
	}
	return float64(len(c)) / float64(len(data)), nil
}

func unknownCodec(codec string) error {
	return fmt.Errorf("compression %q: want one of %s, %s, %s, %s or %s", codec,
		codecUncompressed, codecGzip, codecZip, codecSnappy, codecHadoopSnappy)
}

func readAll(codec string, r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", codec, err)
	}
	return b, nil
}

func hadoopSnappyEncode(data []byte) []byte {
	var out []byte
	for len(data) > 0 {
		n := min(len(data), HadoopSnappyBlockBytes)
		chunk := snappy.Encode(nil, data[:n])
		out = binary.BigEndian.AppendUint32(out, uint32(n))
		out = binary.BigEndian.AppendUint32(out, uint32(len(chunk)))
		out = append(out, chunk...)
		data = data[n:]
	}
	return out
}

// hadoopSnappyDecode reads blocks as Hadoop's BlockDecompressorStream does:
// a block's compressed chunks follow its length until they decode to that
// many bytes (Compress writes one chunk per block; Hadoop may write more).
func hadoopSnappyDecode(data []byte) ([]byte, error) {
	var out []byte
	off := 0
	next := func() (int, error) {
		if len(data)-off < 4 {
			return 0, fmt.Errorf("HADOOP_SNAPPY: truncated length at byte %d", off)
		}
		n := int(binary.BigEndian.Uint32(data[off:]))
		off += 4
		return n, nil
	}
	for off < len(data) {
		blockLen, err := next()
		if err != nil {
			return nil, err
		}
		for got := 0; got < blockLen; {
			chunkLen, err := next()
			if err != nil {
				return nil, err
			}
			if chunkLen > len(data)-off {
				return nil, fmt.Errorf("HADOOP_SNAPPY: chunk of %d bytes at byte %d overruns the input", chunkLen, off)
			}
			chunk := data[off : off+chunkLen]
			off += chunkLen
			if n, err := snappy.DecodedLen(chunk); err != nil {
				return nil, fmt.Errorf("HADOOP_SNAPPY: %w", err)
			} else if n > blockLen-got {
				return nil, fmt.Errorf("HADOOP_SNAPPY: chunk decodes to %d bytes, block has %d left", n, blockLen-got)
			}
			dec, err := snappy.Decode(nil, chunk)
			if err != nil {
				return nil, fmt.Errorf("HADOOP_SNAPPY: %w", err)
			}
			out = append(out, dec...)
			got += len(dec)
		}
	}
	return out, nil
}
