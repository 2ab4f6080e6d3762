package loadgen

import (
	"testing"
	"time"
)

// FuzzDecodeHistogram: whatever a results file holds where a histogram
// should be, decoding returns a histogram or an error, never panics, and a
// histogram it returns encodes back to one that decodes equal.
func FuzzDecodeHistogram(f *testing.F) {
	h := NewHistogram()
	for _, ms := range []int{1, 5, 20, 20, 60, 900, 3_600_000} {
		recordMicros(h, time.Duration(ms)*time.Millisecond)
	}
	f.Add(EncodeHistogram(h))
	s := newSecondHist()
	_ = s.RecordValue(12345)
	f.Add(EncodeHistogram(s))
	f.Add("")
	f.Add("HISTFAAAAA==")
	f.Fuzz(func(t *testing.T, enc string) {
		got, err := DecodeHistogram(enc)
		if err != nil {
			return
		}
		again, err := DecodeHistogram(EncodeHistogram(got))
		if err != nil {
			t.Fatalf("a decoded histogram does not decode after encoding: %v", err)
		}
		if again.TotalCount() != got.TotalCount() || (got.TotalCount() > 0 && !again.Equals(got)) {
			t.Fatalf("round trip changed the histogram: %d samples, then %d", got.TotalCount(), again.TotalCount())
		}
	})
}
