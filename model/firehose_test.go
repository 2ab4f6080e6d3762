package model

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fhStart is 2026-01-02T03:04:05Z, the start of every Firehose test.
var fhStart = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newTestDelivery(t *testing.T, cfg DeliveryConfig) *DeliveryStream {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "fh"
	}
	d, err := NewDeliveryStream(cfg, fhStart)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// put sends one single-record call and fails the test on a request error.
func put(t *testing.T, d *DeliveryStream, at time.Time, e FirehoseEntry) ([]S3Object, FirehoseResult) {
	t.Helper()
	out := make([]FirehoseResult, 1)
	objs, err := d.PutRecordBatch(at, []FirehoseEntry{e}, out)
	if err != nil {
		t.Fatal(err)
	}
	return objs, out[0]
}

func TestDeliveryConfigValidate(t *testing.T) {
	ok := DeliveryConfig{Name: "fh", BufferInterval: DefaultBufferInterval}
	tests := []struct {
		name  string
		edit  func(*DeliveryConfig)
		field string // "" means valid
	}{
		{"defaults", func(*DeliveryConfig) {}, ""},
		{"every setting", func(c *DeliveryConfig) {
			*c = DeliveryConfig{Name: "a.b_c-1", Version: 3, BufferSizeBytes: 128 << 20, BufferInterval: 900 * time.Second,
				S3WriteTime: time.Second, Compression: CompressionGzip, CompressionRatio: 0.2, FormatConversion: true,
				DynamicPartitioning: true, ActivePartitionLimit: 5000, Quota: FirehoseQuotaSmall}
		}, ""},
		{"zero interval", func(c *DeliveryConfig) { c.BufferInterval = 0 }, ""},
		{"1 MiB", func(c *DeliveryConfig) { c.BufferSizeBytes = 1 << 20 }, ""},
		{"empty name", func(c *DeliveryConfig) { c.Name = "" }, "Name"},
		{"65-char name", func(c *DeliveryConfig) { c.Name = strings.Repeat("a", 65) }, "Name"},
		{"slash in name", func(c *DeliveryConfig) { c.Name = "a/b" }, "Name"},
		{"negative version", func(c *DeliveryConfig) { c.Version = -1 }, "Version"},
		{"size below 1 MiB", func(c *DeliveryConfig) { c.BufferSizeBytes = 1<<20 - 1 }, "BufferSizeBytes"},
		{"size above 128 MiB", func(c *DeliveryConfig) { c.BufferSizeBytes = 128<<20 + 1 }, "BufferSizeBytes"},
		{"format conversion under 64 MiB", func(c *DeliveryConfig) {
			c.FormatConversion, c.BufferSizeBytes = true, 64<<20-1
		}, "BufferSizeBytes"},
		{"format conversion at 64 MiB", func(c *DeliveryConfig) {
			c.FormatConversion, c.BufferSizeBytes = true, 64<<20
		}, ""},
		{"format conversion default size", func(c *DeliveryConfig) { c.FormatConversion = true }, ""},
		{"negative interval", func(c *DeliveryConfig) { c.BufferInterval = -time.Second }, "BufferInterval"},
		{"interval above 900 s", func(c *DeliveryConfig) { c.BufferInterval = 901 * time.Second }, "BufferInterval"},
		{"dynamic partitioning with zero buffering", func(c *DeliveryConfig) {
			c.DynamicPartitioning, c.BufferInterval = true, 0
		}, "BufferInterval"},
		{"negative S3 write time", func(c *DeliveryConfig) { c.S3WriteTime = -1 }, "S3WriteTime"},
		{"unknown compression", func(c *DeliveryConfig) { c.Compression = "LZ4" }, "Compression"},
		{"negative ratio", func(c *DeliveryConfig) { c.CompressionRatio = -0.5 }, "CompressionRatio"},
		{"partition limit above 5000", func(c *DeliveryConfig) { c.ActivePartitionLimit = 5001 }, "ActivePartitionLimit"},
		{"negative partition limit", func(c *DeliveryConfig) { c.ActivePartitionLimit = -1 }, "ActivePartitionLimit"},
		{"partial quota", func(c *DeliveryConfig) { c.Quota = FirehoseQuota{BytesPerSec: 1 << 20} }, "Quota"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.field != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.field+":")):
				t.Errorf("Validate() = %v, want an error on %s", err, tt.field)
			}
			if _, nerr := NewDeliveryStream(c, fhStart); (nerr == nil) != (err == nil) {
				t.Errorf("NewDeliveryStream error %v, Validate error %v", nerr, err)
			}
		})
	}
	// Every problem is reported, not only the first.
	err := DeliveryConfig{Name: "", BufferInterval: -1, S3WriteTime: -1}.Validate()
	for _, f := range []string{"Name:", "BufferInterval:", "S3WriteTime:"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("Validate() = %v, want it to name %s", err, f)
		}
	}
}

func TestDeliveryConfigDefaults(t *testing.T) {
	got := newTestDelivery(t, DeliveryConfig{}).Config()
	want := DeliveryConfig{Name: "fh", Version: 1, BufferSizeBytes: 5 << 20, Compression: CompressionNone,
		CompressionRatio: 1, ActivePartitionLimit: 500, Quota: FirehoseQuotaLarge}
	if got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	// Format conversion defaults the size hint to 128 MiB (FH-RFC).
	if got := newTestDelivery(t, DeliveryConfig{FormatConversion: true}).Config().BufferSizeBytes; got != 128<<20 {
		t.Errorf("format conversion default size = %d, want %d", got, 128<<20)
	}
}

// delayStats returns the mean and max of DeliveredAt − Intended over all
// records of objs.
func delayStats(objs []S3Object) (n int, mean, maxD time.Duration) {
	var sum time.Duration
	for _, o := range objs {
		for _, r := range o.Records {
			d := o.DeliveredAt.Sub(r.Entry.Intended)
			sum += d
			maxD = max(maxD, d)
			n++
		}
	}
	if n > 0 {
		mean = sum / time.Duration(n)
	}
	return n, mean, maxD
}

// 1,024 records/s of 1,024 B (1 MiB/s) into 5 MiB / 300 s for 60 s. By
// hand: a buffer fills with 5,120 records in 5 s, so 61,440 records make 12
// objects, all by size, each flushed at its 5,120th record. A record i
// places before the last waits i/1,024 s: mean 5,119/2,048 s = 2.4995 s,
// max 5,119/1,024 s = 4.999 s.
func TestFirehoseFlushBySize(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: 300 * time.Second})
	var objs []S3Object
	for k := range 61440 {
		at := fhStart.Add(time.Duration(k) * time.Second / 1024)
		o, res := put(t, d, at, FirehoseEntry{ID: uint64(k), DataBytes: 1024, Intended: at})
		if res.ErrorCode != "" {
			t.Fatalf("record %d throttled", k)
		}
		objs = append(objs, o...)
	}
	if len(objs) != 12 {
		t.Fatalf("%d objects, want 12", len(objs))
	}
	for i, o := range objs {
		if o.Reason != FlushSize || len(o.Records) != 5120 || o.Bytes != 5<<20 || o.StoredBytes != 5<<20 {
			t.Errorf("object %d: reason %q, %d records, %d B, %d stored; want size, 5120, 5 MiB, 5 MiB",
				i, o.Reason, len(o.Records), o.Bytes, o.StoredBytes)
		}
		if last := o.Records[len(o.Records)-1].Arrived; !o.FlushedAt.Equal(last) || !o.DeliveredAt.Equal(last) {
			t.Errorf("object %d flushed %v delivered %v, want both at its last record %v", i, o.FlushedAt, o.DeliveredAt, last)
		}
	}
	_, mean, maxD := delayStats(objs)
	if want := 5119 * time.Second / 2048; absDur(mean-want) > time.Millisecond {
		t.Errorf("mean delay %v, want %v", mean, want)
	}
	if want := 5119 * time.Second / 1024; absDur(maxD-want) > time.Millisecond {
		t.Errorf("max delay %v, want %v", maxD, want)
	}
	if st := d.Stats(); st.Accepted != 61440 || st.Objects != 12 || st.BufferedRecords != 0 || st.BufferedBytes != 0 {
		t.Errorf("stats %+v", st)
	}
}

// 10 records/s of 1,024 B (10 KiB/s) into 5 MiB / 60 s for an hour. By
// hand: a buffer opens every 60 s and takes 600 records (600 KiB, far from
// 5 MiB), so 60 objects by interval, each flushed exactly at open + 60 s.
// Delays are 60 s − 0.1 s·i for i = 0..599: mean 30.05 s, max 60 s.
func TestFirehoseFlushByInterval(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: 60 * time.Second})
	var objs []S3Object
	for k := range 36000 {
		at := fhStart.Add(time.Duration(k) * 100 * time.Millisecond)
		o, _ := put(t, d, at, FirehoseEntry{ID: uint64(k), DataBytes: 1024, Intended: at})
		objs = append(objs, o...)
	}
	if dl, ok := d.NextDeadline(); !ok || !dl.Equal(fhStart.Add(time.Hour)) {
		t.Errorf("NextDeadline() = %v, %v; want start + 1 h", dl, ok)
	}
	objs = append(objs, d.Advance(fhStart.Add(2*time.Hour))...)
	if len(objs) != 60 {
		t.Fatalf("%d objects, want 60", len(objs))
	}
	for i, o := range objs {
		want := fhStart.Add(time.Duration(i+1) * time.Minute)
		if o.Reason != FlushInterval || len(o.Records) != 600 || !o.FlushedAt.Equal(want) {
			t.Errorf("object %d: reason %q, %d records, flushed %v; want interval, 600, %v", i, o.Reason, len(o.Records), o.FlushedAt, want)
		}
	}
	_, mean, maxD := delayStats(objs)
	if want := 30050 * time.Millisecond; absDur(mean-want) > time.Millisecond {
		t.Errorf("mean delay %v, want %v", mean, want)
	}
	if maxD != time.Minute {
		t.Errorf("max delay %v, want 1m0s", maxD)
	}
	if _, ok := d.NextDeadline(); ok {
		t.Error("NextDeadline() reports a deadline with every buffer flushed")
	}
}

func absDur(d time.Duration) time.Duration { return max(d, -d) }

// Advance late: a buffer opened at start with a 60 s interval is flushed
// at start + 60 s even when the caller advances at start + 500 s.
func TestFirehoseAdvanceLateKeepsDeadline(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute, S3WriteTime: 2 * time.Second})
	put(t, d, fhStart, FirehoseEntry{ID: 1, DataBytes: 10})
	put(t, d, fhStart.Add(time.Second), FirehoseEntry{ID: 2, DataBytes: 10})
	if objs := d.Advance(fhStart.Add(59 * time.Second)); len(objs) != 0 {
		t.Fatalf("Advance before the deadline flushed %d objects", len(objs))
	}
	objs := d.Advance(fhStart.Add(500 * time.Second))
	if len(objs) != 1 || len(objs[0].Records) != 2 {
		t.Fatalf("Advance flushed %+v, want one object of 2 records", objs)
	}
	if o := objs[0]; !o.FlushedAt.Equal(fhStart.Add(time.Minute)) || !o.DeliveredAt.Equal(fhStart.Add(62*time.Second)) {
		t.Errorf("flushed %v delivered %v, want start+60s and start+62s", o.FlushedAt, o.DeliveredAt)
	}
	// A record after that opens a new buffer at its own arrival.
	put(t, d, fhStart.Add(600*time.Second), FirehoseEntry{ID: 3, DataBytes: 10})
	if dl, _ := d.NextDeadline(); !dl.Equal(fhStart.Add(660 * time.Second)) {
		t.Errorf("NextDeadline() = %v, want start+660s", dl)
	}
	objs = d.Close(fhStart.Add(601 * time.Second))
	if len(objs) != 1 || objs[0].Reason != FlushClose || !objs[0].FlushedAt.Equal(fhStart.Add(601*time.Second)) {
		t.Errorf("Close returned %+v, want one object flushed at close time", objs)
	}
}

// Zero buffering: each call's accepted records are one object flushed at
// the call's time.
func TestFirehoseZeroInterval(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{S3WriteTime: 300 * time.Millisecond, Compression: CompressionGzip, CompressionRatio: 0.25})
	for i := range 3 {
		at := fhStart.Add(time.Duration(i) * time.Second)
		entries := []FirehoseEntry{{ID: 1, DataBytes: 1001}, {ID: 2, DataBytes: 1000}}
		objs, err := d.PutRecordBatch(at, entries, make([]FirehoseResult, 2))
		if err != nil {
			t.Fatal(err)
		}
		// Stored: ⌈2,001 × 0.25⌉ = 501 B.
		if len(objs) != 1 || len(objs[0].Records) != 2 || objs[0].Bytes != 2001 || objs[0].StoredBytes != 501 ||
			objs[0].Reason != FlushInterval || !objs[0].FlushedAt.Equal(at) || !objs[0].DeliveredAt.Equal(at.Add(300*time.Millisecond)) {
			t.Errorf("call %d: objects %+v", i, objs)
		}
	}
	if _, ok := d.NextDeadline(); ok {
		t.Error("zero buffering left a buffer open")
	}
}

func TestFirehoseObjectKey(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{Name: "fh", BufferInterval: time.Minute})
	put(t, d, fhStart, FirehoseEntry{DataBytes: 1})
	objs := d.Close(fhStart)
	if len(objs) != 1 {
		t.Fatalf("%d objects, want 1", len(objs))
	}
	key := objs[0].Key
	if !regexp.MustCompile(`^2026/01/02/03/fh-1-2026-01-02-03-04-05-[0-9a-f]{8}$`).MatchString(key) {
		t.Errorf("key %q, want 2026/01/02/03/fh-1-2026-01-02-03-04-05-xxxxxxxx", key)
	}
	// Keys are deterministic: the same stream history gives the same key.
	d2 := newTestDelivery(t, DeliveryConfig{Name: "fh", BufferInterval: time.Minute})
	put(t, d2, fhStart, FirehoseEntry{DataBytes: 1})
	if k2 := d2.Close(fhStart)[0].Key; k2 != key {
		t.Errorf("second stream's key %q, want %q", k2, key)
	}
	// A non-UTC time is written in UTC, and the version is carried.
	d3 := newTestDelivery(t, DeliveryConfig{Name: "fh", Version: 7, BufferInterval: time.Minute})
	at := fhStart.In(time.FixedZone("X", -5*3600))
	put(t, d3, at, FirehoseEntry{DataBytes: 1})
	if k := d3.Close(at)[0].Key; !strings.HasPrefix(k, "2026/01/02/03/fh-7-2026-01-02-03-04-05-") {
		t.Errorf("key %q, want the UTC hour and version 7", k)
	}
}

// Dynamic partitioning with a 60 s interval and a limit of 2 active
// partitions: keys a and b get buffers; c, arriving while both are open, goes
// to the error output. After a and b flush, c becomes active.
func TestFirehoseDynamicPartitioning(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute, DynamicPartitioning: true,
		ActivePartitionLimit: 2, S3WriteTime: time.Second})
	for i, k := range []string{"a", "b", "c", "a", "c"} {
		put(t, d, fhStart.Add(time.Duration(i)*time.Second), FirehoseEntry{ID: uint64(i), PartitionKey: k, DataBytes: 100})
	}
	if st := d.Stats(); st.PartitionExceeded != 2 || st.Accepted != 5 {
		t.Errorf("stats %+v, want 2 partition-exceeded of 5 accepted", st)
	}
	objs := d.Advance(fhStart.Add(time.Hour))
	// a opened at 0 s, b at 1 s, the error output at 2 s.
	want := []struct {
		prefix, partition string
		ids               []uint64
	}{
		{"a/2026/01/02/03/fh-1-", "a", []uint64{0, 3}},
		{"b/2026/01/02/03/fh-1-", "b", []uint64{1}},
		{"activePartitionExceeded/2026/01/02/03/fh-1-", "", []uint64{2, 4}},
	}
	if len(objs) != len(want) {
		t.Fatalf("%d objects, want %d", len(objs), len(want))
	}
	for i, w := range want {
		o := objs[i]
		if !strings.HasPrefix(o.Key, w.prefix) || o.Partition != w.partition || !slices.Equal(recordIDs(o), w.ids) {
			t.Errorf("object %d: key %q partition %q ids %v; want %s…, %q, %v", i, o.Key, o.Partition, recordIDs(o), w.prefix, w.partition, w.ids)
		}
	}
	// Now that a and b are flushed, c gets its own buffer.
	put(t, d, fhStart.Add(2*time.Hour), FirehoseEntry{ID: 9, PartitionKey: "c", DataBytes: 1})
	if objs := d.Close(fhStart.Add(2 * time.Hour)); len(objs) != 1 || objs[0].Partition != "c" {
		t.Errorf("after the flush, c's record went to %+v", objs)
	}
}

// The second-stage delay of dynamic partitioning lies in [0, interval/2]
// and spreads over that range.
func TestFirehoseDynamicPartitioningDelay(t *testing.T) {
	const iv = 100 * time.Second
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: iv, DynamicPartitioning: true, S3WriteTime: time.Second})
	var lo, hi time.Duration = iv, 0
	for i := range 2000 {
		put(t, d, fhStart, FirehoseEntry{PartitionKey: fmt.Sprint(i % 400), DataBytes: 1})
		if i%400 == 399 {
			for _, o := range d.Close(fhStart) {
				extra := o.DeliveredAt.Sub(o.FlushedAt) - time.Second
				if extra < 0 || extra > iv/2 {
					t.Fatalf("extra delay %v outside [0, %v]", extra, iv/2)
				}
				lo, hi = min(lo, extra), max(hi, extra)
			}
		}
	}
	if lo > 5*time.Second || hi < 45*time.Second {
		t.Errorf("extra delays span %v–%v, want about 0–50 s", lo, hi)
	}
	// Without dynamic partitioning there is no extra delay.
	d = newTestDelivery(t, DeliveryConfig{BufferInterval: iv, S3WriteTime: time.Second})
	put(t, d, fhStart, FirehoseEntry{DataBytes: 1})
	if o := d.Close(fhStart)[0]; o.DeliveredAt.Sub(o.FlushedAt) != time.Second {
		t.Errorf("delivery took %v after the flush, want the S3 write time 1s", o.DeliveredAt.Sub(o.FlushedAt))
	}
}

func recordIDs(o S3Object) []uint64 {
	ids := make([]uint64, len(o.Records))
	for i, r := range o.Records {
		ids[i] = r.Entry.ID
	}
	return ids
}

// FirehoseQuotaSmall (1 MiB/s) offered 2 MiB/s for 10 s: 16 calls/s of
// 128 records of 1,024 B at t = k/16 s, k = 0..159 (20,480 records). By
// hand: the bytes bucket starts full (1 MiB) and earns 1 MiB/s × 159/16 s
// = 9.9375 MiB, so 11,200 records (10.9375 MiB) are accepted, plus one on
// the debt, and 9,280 (45%) throttled. Records/s (100,000) and requests/s
// (1,000) never bind.
func TestFirehoseQuotaThrottlesBytes(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute, Quota: FirehoseQuotaSmall})
	entries := make([]FirehoseEntry, 128)
	for i := range entries {
		entries[i].DataBytes = 1024
	}
	out := make([]FirehoseResult, len(entries))
	var acked, throttled int
	for k := range 160 {
		if _, err := d.PutRecordBatch(fhStart.Add(time.Duration(k)*time.Second/16), entries, out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out {
			switch r.ErrorCode {
			case "":
				acked++
			case ErrServiceUnavailable:
				throttled++
			default:
				t.Fatalf("error code %q", r.ErrorCode)
			}
		}
	}
	if acked < 11200 || acked > 11201 {
		t.Errorf("accepted %d of 20480, want 11200 or 11201", acked)
	}
	if st := d.Stats(); st.Accepted != int64(acked) || st.Throttled != int64(throttled) {
		t.Errorf("stats %+v, want %d accepted, %d throttled", st, acked, throttled)
	}
}

// A requests/s quota of 10 (bucket starts full with 10 tokens) and 20
// calls of 5 records at one instant: calls 1–10 take the tokens, call 11 is
// allowed into debt, calls 12–20 are throttled whole (45 records).
func TestFirehoseQuotaThrottlesRequests(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute,
		Quota: FirehoseQuota{RecordsPerSec: 1e6, RequestsPerSec: 10, BytesPerSec: 1e9}})
	entries := make([]FirehoseEntry, 5)
	out := make([]FirehoseResult, 5)
	for call := 1; call <= 20; call++ {
		if _, err := d.PutRecordBatch(fhStart, entries, out); err != nil {
			t.Fatal(err)
		}
		for i, r := range out {
			if wantOK := call <= 11; (r.ErrorCode == "") != wantOK {
				t.Errorf("call %d record %d: error code %q", call, i, r.ErrorCode)
			}
		}
	}
	if st := d.Stats(); st.Accepted != 55 || st.Throttled != 45 {
		t.Errorf("stats %+v, want 55 accepted, 45 throttled", st)
	}
	// A Kinesis source has no Direct PUT quota.
	d = newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute, SourceKinesis: true, Quota: FirehoseQuotaSmall})
	for range 200 {
		d.PutRecordBatch(fhStart, entries, out)
	}
	if st := d.Stats(); st.Throttled != 0 {
		t.Errorf("Kinesis source throttled %d records", st.Throttled)
	}
}

func TestFirehoseRequestLimits(t *testing.T) {
	many := make([]FirehoseEntry, 501)
	big := make([]FirehoseEntry, 5) // 5 × 1,000,000 B > 4 MiB
	for i := range big {
		big[i].DataBytes = 1_000_000
	}
	tests := []struct {
		name    string
		entries []FirehoseEntry
		code    string
	}{
		{"no records", nil, ErrValidation},
		{"501 records", many, ErrValidation},
		{"over 4 MiB", big, ErrInvalidArgument},
		{"record over 1,000 KiB", []FirehoseEntry{{DataBytes: FirehoseMaxRecordBytes + 1}}, ErrValidation},
		{"negative size", []FirehoseEntry{{DataBytes: -1}}, ErrValidation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute})
			_, err := d.PutRecordBatch(fhStart, tt.entries, make([]FirehoseResult, len(tt.entries)))
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != tt.code {
				t.Fatalf("error %v, want %s", err, tt.code)
			}
			if st := d.Stats(); st != (DeliveryStats{}) {
				t.Errorf("a failed call changed the stats: %+v", st)
			}
		})
	}
	// The limits themselves are allowed: 500 records, 4 MiB, 1,000 KiB.
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Minute})
	ok := [][]FirehoseEntry{make([]FirehoseEntry, 500), {{DataBytes: FirehoseMaxRecordBytes}},
		// 4 × 1,024,000 + 98,304 = 4,194,304 B = 4 MiB.
		{{DataBytes: FirehoseMaxRecordBytes}, {DataBytes: FirehoseMaxRecordBytes}, {DataBytes: FirehoseMaxRecordBytes},
			{DataBytes: FirehoseMaxRecordBytes}, {DataBytes: 98304}}}
	for _, e := range ok {
		if _, err := d.PutRecordBatch(fhStart, e, make([]FirehoseResult, len(e))); err != nil {
			t.Errorf("%d records: %v", len(e), err)
		}
	}
}

// Every accepted record is in exactly one object, in arrival order, and no
// throttled record is in any, over a random workload with several
// partitions (with and without dynamic partitioning).
func TestFirehoseEveryRecordDeliveredOnce(t *testing.T) {
	for _, dp := range []bool{false, true} {
		t.Run(fmt.Sprint("dynamic partitioning ", dp), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			d := newTestDelivery(t, DeliveryConfig{BufferSizeBytes: 1 << 20, BufferInterval: 10 * time.Second,
				DynamicPartitioning: dp, ActivePartitionLimit: 3,
				Quota: FirehoseQuota{RecordsPerSec: 2000, RequestsPerSec: 100, BytesPerSec: 2 << 20}})
			accepted := map[uint64]bool{}
			var objs []S3Object
			now := fhStart
			var id uint64
			for range 3000 {
				now = now.Add(time.Duration(rng.IntN(20)) * time.Millisecond)
				entries := make([]FirehoseEntry, 1+rng.IntN(20))
				for i := range entries {
					id++
					entries[i] = FirehoseEntry{ID: id, PartitionKey: fmt.Sprint("k", rng.IntN(5)), DataBytes: rng.IntN(20000), Intended: now}
				}
				out := make([]FirehoseResult, len(entries))
				o, err := d.PutRecordBatch(now, entries, out)
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, o...)
				for i, r := range out {
					if r.ErrorCode == "" {
						accepted[entries[i].ID] = true
					}
				}
				if rng.IntN(10) == 0 {
					objs = append(objs, d.Advance(now)...)
				}
			}
			objs = append(objs, d.Close(now)...)
			seen := map[uint64]int{}
			keys := map[string]bool{}
			var bytes int64
			for _, o := range objs {
				if keys[o.Key] {
					t.Errorf("duplicate key %q", o.Key)
				}
				keys[o.Key] = true
				var ob int64
				for i, r := range o.Records {
					seen[r.Entry.ID]++
					ob += int64(r.Entry.DataBytes)
					if i > 0 && r.Arrived.Before(o.Records[i-1].Arrived) {
						t.Errorf("object %q out of arrival order", o.Key)
					}
					if o.Partition != "" && r.Entry.PartitionKey != o.Partition {
						t.Errorf("record of %q in object of %q", r.Entry.PartitionKey, o.Partition)
					}
				}
				if ob != o.Bytes {
					t.Errorf("object %q: Bytes %d, records sum to %d", o.Key, o.Bytes, ob)
				}
				bytes += ob
			}
			for id := range accepted {
				if seen[id] != 1 {
					t.Errorf("accepted record %d in %d objects", id, seen[id])
				}
			}
			if len(seen) != len(accepted) {
				t.Errorf("%d records in objects, %d accepted", len(seen), len(accepted))
			}
			st := d.Stats()
			if st.Accepted != int64(len(accepted)) || st.Objects != int64(len(objs)) || st.BufferedRecords != 0 || st.BufferedBytes != 0 {
				t.Errorf("stats %+v; %d accepted, %d objects", st, len(accepted), len(objs))
			}
			if st.Throttled == 0 || (dp && st.PartitionExceeded == 0) {
				t.Errorf("workload exercised too little: %+v", st)
			}
		})
	}
}

// Concurrent callers (run with -race): every accepted record is delivered.
func TestFirehoseConcurrent(t *testing.T) {
	d := newTestDelivery(t, DeliveryConfig{BufferInterval: time.Second, DynamicPartitioning: true})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var delivered int
	for g := range 4 {
		wg.Go(func() {
			out := make([]FirehoseResult, 10)
			entries := make([]FirehoseEntry, 10)
			for i := range entries {
				entries[i] = FirehoseEntry{PartitionKey: fmt.Sprint(g), DataBytes: 10}
			}
			for i := range 200 {
				at := fhStart.Add(time.Duration(i) * 10 * time.Millisecond)
				objs, err := d.PutRecordBatch(at, entries, out)
				if err != nil {
					t.Error(err)
					return
				}
				objs = append(objs, d.Advance(at)...)
				mu.Lock()
				for _, o := range objs {
					delivered += len(o.Records)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, o := range d.Close(fhStart.Add(time.Hour)) {
		delivered += len(o.Records)
	}
	if st := d.Stats(); int64(delivered) != st.Accepted {
		t.Errorf("delivered %d, accepted %d", delivered, st.Accepted)
	}
}
