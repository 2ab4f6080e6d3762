package loadgen

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// LatencyHistogram collects durations as a run's latencies are collected:
// 1 µs to 1 hour at 3 significant figures, a duration outside that range
// counted at its nearer end (a negative one, from clocks apart, as 1 µs),
// summarised in milliseconds. Packages outside loadgen use it for latencies
// they measure themselves (loadgen/firehose for delivery delays). It is not
// safe for concurrent use.
type LatencyHistogram struct {
	h *hdrhistogram.Histogram
}

// NewLatencyHistogram returns an empty LatencyHistogram.
func NewLatencyHistogram() *LatencyHistogram {
	return &LatencyHistogram{h: newHist()}
}

// Record adds d.
func (l *LatencyHistogram) Record(d time.Duration) { recordMicros(l.h, d) }

// Percentiles summarises what was recorded; the zero Percentiles if nothing
// was.
func (l *LatencyHistogram) Percentiles() Percentiles { return summarize(l.h) }

// EncodeHistogram returns h in HdrHistogram's standard V2 compressed
// encoding, base64 ("HISTFAAA…"), as results files carry distributions:
// any HdrHistogram implementation can read it. It returns "" for an empty
// or nil histogram.
func EncodeHistogram(h *hdrhistogram.Histogram) string {
	if h == nil || h.TotalCount() == 0 {
		return ""
	}
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		// Encode fails only for an unknown version or a failed write to
		// memory; neither can happen here.
		return ""
	}
	return string(b)
}

// maxEncodedHistogram bounds what DecodeHistogram reads, in bytes of
// base64: NewHistogram's geometry has about 23,500 counts of at most 9
// bytes each, compressed, so 1 MiB is far above any real histogram.
const maxEncodedHistogram = 1 << 20

// DecodeHistogram reads a histogram EncodeHistogram wrote; "" is an empty
// histogram (of NewHistogram's geometry). Only spillway's geometries are
// accepted: 1 µs to 1 hour at 3 significant figures (NewHistogram), or 2
// for a second's histograms; the header is checked before any counts are
// allocated.
func DecodeHistogram(s string) (*hdrhistogram.Histogram, error) {
	if s == "" {
		return newHist(), nil
	}
	if len(s) > maxEncodedHistogram {
		return nil, fmt.Errorf("histogram of %d bytes: more than spillway ever writes (%d)", len(s), maxEncodedHistogram)
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("histogram is not base64: %w", err)
	}
	if err := checkGeometry(raw); err != nil {
		return nil, err
	}
	h, err := hdrhistogram.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("histogram: %w", err)
	}
	return h, nil
}

// checkGeometry reads the header of a V2 compressed histogram (8 bytes,
// then a zlib stream whose first 40 bytes are the geometry) and checks that
// it is NewHistogram's.
func checkGeometry(raw []byte) error {
	if len(raw) < 8 {
		return fmt.Errorf("histogram of %d bytes is too short for HdrHistogram's V2 compressed encoding", len(raw))
	}
	if cookie := int32(binary.BigEndian.Uint32(raw)) &^ 0xf0; cookie != hdrhistogram.V2CompressedEncodingCookieBase {
		return fmt.Errorf("histogram is not in HdrHistogram's V2 compressed encoding (cookie %#x)", uint32(cookie))
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return fmt.Errorf("histogram: %w", err)
	}
	defer z.Close()
	var head [40]byte
	if _, err := io.ReadFull(z, head[:]); err != nil {
		return fmt.Errorf("histogram header: %w", err)
	}
	sig := int32(binary.BigEndian.Uint32(head[12:]))
	lo := int64(binary.BigEndian.Uint64(head[16:]))
	hi := int64(binary.BigEndian.Uint64(head[24:]))
	if (sig != histSigFigs && sig != secondHistSigFig) || lo != histMinMicros || hi != histMaxMicros {
		return fmt.Errorf("histogram of %d to %d at %d significant figures: spillway's are %d µs to %d µs at %d (or %d for a second's)",
			lo, hi, sig, histMinMicros, histMaxMicros, histSigFigs, secondHistSigFig)
	}
	return nil
}
