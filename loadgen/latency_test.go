package loadgen

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

func TestHistogramRoundTrip(t *testing.T) {
	h := NewHistogram()
	for i := range 10_000 {
		recordMicros(h, time.Duration(i%997+1)*time.Millisecond/3)
	}
	s := EncodeHistogram(h)
	if !strings.HasPrefix(s, "HISTF") {
		t.Errorf("encoding %.20q… is not HdrHistogram's V2 compressed base64", s)
	}
	got, err := DecodeHistogram(s)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equals(h) {
		t.Error("decoded histogram differs")
	}
	if EncodeHistogram(NewHistogram()) != "" || EncodeHistogram(nil) != "" {
		t.Error("an empty histogram encodes to something")
	}
	if e, err := DecodeHistogram(""); err != nil || e.TotalCount() != 0 {
		t.Errorf(`DecodeHistogram("") = %v, %v; want an empty histogram`, e, err)
	}
}

func TestDecodeHistogramRejects(t *testing.T) {
	other := hdrhistogram.New(1, 1_000_000, 1)
	_ = other.RecordValue(5)
	foreign, _ := other.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	h := NewHistogram()
	_ = h.RecordValue(42)
	good := EncodeHistogram(h)
	raw, _ := base64.StdEncoding.DecodeString(good)
	truncated := base64.StdEncoding.EncodeToString(raw[:len(raw)/2])

	tests := []struct{ name, in, want string }{
		{"not base64", "HIST!!!", "not base64"},
		{"short", base64.StdEncoding.EncodeToString([]byte{1, 2, 3}), "too short"},
		{"wrong cookie", base64.StdEncoding.EncodeToString(make([]byte, 16)), "not in HdrHistogram's V2"},
		{"other geometry", string(foreign), "at 1 significant figures"},
		{"truncated", truncated, "histogram"},
		{"huge", strings.Repeat("A", maxEncodedHistogram+4), "more than spillway ever writes"},
	}
	for _, tt := range tests {
		if _, err := DecodeHistogram(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: DecodeHistogram error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestPercentilesOf(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v <= 1000; v++ {
		_ = h.RecordValue(v * 1000) // 1 ms to 1 s
	}
	p := summarize(h)
	if p.Count != 1000 || p.Min != 1 || p.Max < 999 || p.Max > 1001 {
		t.Errorf("summarize = %+v", p)
	}
	// 3 significant figures: each percentile within 0.1% of its value.
	for _, c := range []struct{ got, want float64 }{{p.P50, 500}, {p.P90, 900}, {p.P95, 950}, {p.P99, 990}, {p.P999, 999}} {
		if c.got < c.want*0.999 || c.got > c.want*1.001 {
			t.Errorf("percentile %g, want %g within 0.1%%", c.got, c.want)
		}
	}
	if p.Hist == nil || p.Hist == h || !p.Hist.Equals(h) {
		t.Error("summarize does not keep a copy of the histogram")
	}
}

// BenchmarkEncodeSecond is what closing each second of a run costs for
// the histograms results keep of it: encoding a second's response times
// (3,000 records spread from 5 ms to 2 s) and its service times.
func BenchmarkEncodeSecond(b *testing.B) {
	resp, service := newSecondHist(), newSecondHist()
	for i := range 3000 {
		_ = resp.RecordValue(int64(5_000 + (i*i)%2_000_000))
		if i%10 == 0 {
			_ = service.RecordValue(int64(15_000 + i*7))
		}
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(EncodeHistogram(resp)) + len(EncodeHistogram(service))
	}
	b.ReportMetric(float64(n), "bytes/second")
}
