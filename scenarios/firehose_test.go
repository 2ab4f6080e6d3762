package scenarios

import (
	"strings"
	"testing"
	"time"
)

// A firehose section needs no Kinesis stream; absent fields take the
// documented defaults, an explicit 0s interval is kept (zero buffering), and
// format conversion raises the default buffer to 128 MiB.
func TestFirehoseSection(t *testing.T) {
	s, err := LoadFile("testdata/good/firehose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := s.Firehose
	if f == nil {
		t.Fatal("firehose section not decoded")
	}
	want := Firehose{Name: "events", Source: FirehoseDirectPut, Quota: "large", BufferSize: 128 * MiB,
		BufferInterval: 0, Compression: "GZIP", FormatConversion: true, DelayTarget: Duration(90 * time.Second)}
	if *f != want {
		t.Errorf("got %+v\nwant %+v", *f, want)
	}
	if s.Stream.Shards != 0 {
		t.Errorf("stream.shards %d, want none", s.Stream.Shards)
	}
	// Without the section, the interval default is 300 s and shards are required.
	s2, err := Parse("x.yaml", []byte("name: x\nfirehose: {}\nload: {rate: 1, duration: 1s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s2.Firehose.BufferInterval != DefaultFirehoseBufferInterval || s2.Firehose.BufferSize != DefaultFirehoseBufferSize || s2.Firehose.Name != "spillway-x" {
		t.Errorf("defaults: %+v", *s2.Firehose)
	}
}

// Delivery metrics exist only where a Firehose delivers.
func TestDeliveryThresholdsNeedFirehose(t *testing.T) {
	_, err := Parse("k.yaml", []byte("name: k\nstream: {shards: 1}\nload: {rate: 1, duration: 1s}\nthresholds: [delivery_lost < 1]\n"))
	if err == nil || !strings.Contains(err.Error(), "k.yaml:4:14: thresholds[0]: delivery_lost is measured only on runs with a firehose section") {
		t.Fatalf("got %v", err)
	}
	if _, err := Parse("f.yaml", []byte("name: f\nfirehose: {}\nload: {rate: 1, duration: 1s}\nthresholds: [delivery_delay_p99 < 2m]\n")); err != nil {
		t.Fatal(err)
	}
}
