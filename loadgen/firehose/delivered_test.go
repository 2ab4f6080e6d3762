//go:build unix

package firehose

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/loadgen/firehose/firehosetest"
	"github.com/spillway-dev/spillway/model"
)

const testRun = 0x5eed_0001

// stamped is a record of run with id, intended at at, size bytes long.
func stamped(run, id uint64, at time.Time, size int) []byte {
	b := bytes.Repeat([]byte{'x'}, size)
	loadgen.PutStamp(b, loadgen.Stamp{RunID: run, RecordID: id, IntendedUnixNano: at.UnixNano()})
	return b
}

// fhKey is an object key in Firehose's layout under prefix:
// YYYY/MM/dd/HH/Name-Version-YYYY-MM-dd-HH-MM-SS-random.
func fhKey(prefix string, at time.Time, random, ext string) string {
	at = at.UTC()
	return prefix + at.Format("2006/01/02/15/") + "fh-1-" + at.Format("2006-01-02-15-04-05-") + random + ext
}

func TestReadDeliveredS3rver(t *testing.T) {
	endpoint := firehosetest.StartS3rver(t, "bucket")
	opts := S3Options{Endpoint: endpoint, Region: "us-east-1", Bucket: "bucket", UsePathStyle: true,
		AccessKeyID: firehosetest.AccessKeyID, SecretAccessKey: firehosetest.SecretAccessKey}
	ctx := t.Context()
	client, err := newS3Client(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}

	// Records 0–10 of the run, intended 10 minutes ago, 1 s apart.
	t0 := time.Now().Add(-10 * time.Minute).Truncate(time.Millisecond)
	intended := func(id uint64) time.Time { return t0.Add(time.Duration(id) * time.Second) }
	rec := func(id uint64) []byte { return stamped(testRun, id, intended(id), 64+int(id)) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	foreign := stamped(testRun+1, 3, t0, 64) // another run's record 3
	// Record 8 is too short for a whole stamp: its check is missing, but
	// the next record (not spillway's) happens to start with it, so that
	// the stamp reads as whole. Acknowledged short records are counted as
	// unverifiable whether found or not.
	short := rec(8)[:loadgen.StampBytes-4]
	completes := append(bytes.Clone(rec(8)[loadgen.StampBytes-4:loadgen.StampBytes]), "not spillway's"...)
	gz := func(b []byte) []byte {
		c, err := model.Compress(string(model.CompressionGzip), b)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	objA := fhKey("fh/", at, "0000000a", "")
	objB := fhKey("fh/", at.Add(time.Minute), "0000000b", ".gz")
	objC := fhKey("fh/", at.Add(2*time.Minute), "0000000c", "")
	objD := fhKey("fh/", at.Add(3*time.Minute), "0000000d", "")
	objects := map[string][]byte{
		// Records 0–3 with another run's record among them.
		objA: cat(rec(0), rec(1), foreign, rec(2), rec(3)),
		// GZIP: records 4–6 and a second copy of record 1.
		objB: gz(cat(rec(4), rec(5), rec(1), rec(6))),
		// Record 7, the short record 8, record 9 (never acknowledged).
		objC: cat(rec(7), short, completes, rec(9)),
		// Another run only: listed and read, but not one of the run's.
		objD: cat(foreign, foreign),
		// Record 10 outside the prefix: not listed, so lost.
		fhKey("elsewhere/", at, "0000000e", ""): rec(10),
	}
	for key, body := range objects {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("uploading %s: %v", key, err)
		}
	}
	// The objects' LastModified, as S3 lists it, is what delays are
	// measured to.
	modified := map[string]time.Time{}
	list, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		modified[aws.ToString(o.Key)] = aws.ToTime(o.LastModified)
	}

	var acked, shortIDs loadgen.Bitset
	for id := range uint64(11) {
		if id != 9 {
			acked.Set(id)
		}
	}
	shortIDs.Set(8)
	check := Check{Prefix: "fh/", RunID: testRun, Acked: &acked, Short: &shortIDs}
	got, err := ReadDelivered(ctx, opts, check)
	if err != nil {
		t.Fatal(err)
	}

	// Delays: each delivered record's first copy (record 1: object A).
	where := map[uint64]string{0: objA, 1: objA, 2: objA, 3: objA, 4: objB, 5: objB, 6: objB, 7: objC}
	var sum, maxMs float64
	for id, key := range where {
		ms := float64(modified[key].Sub(intended(id)).Microseconds()) / 1000
		sum += ms
		maxMs = max(maxMs, ms)
	}
	want := Delivery{Delivery: loadgen.Delivery{
		Accepted: 10, Delivered: 8, Unverifiable: 1, Lost: 1, Duplicates: 1,
		Objects: 3, StoredBytes: int64(len(objects[objA]) + len(objects[objB]) + len(objects[objC])),
		Dir: "s3://bucket/fh/",
	}, Unacked: 1, Listed: 4}
	gotDelay := got.Delay
	got.Delay = loadgen.Percentiles{}
	if got != want {
		t.Fatalf("ReadDelivered =\n%+v\nwant\n%+v", got, want)
	}
	// The histogram keeps 3 significant figures.
	near := func(a, b float64) bool { return math.Abs(a-b) <= b*1e-3+0.001 }
	if gotDelay.Count != 8 || !near(gotDelay.Max, maxMs) || !near(gotDelay.Mean, sum/8) {
		t.Fatalf("Delay = %+v, want 8 samples, max %.3f ms, mean %.3f ms", gotDelay, maxMs, sum/8)
	}

	// Since after every object: nothing read, every verifiable acked
	// record lost.
	var latest time.Time
	for _, m := range modified {
		if m.After(latest) {
			latest = m
		}
	}
	check.Since = latest.Add(time.Second)
	got, err = ReadDelivered(ctx, opts, check)
	if err != nil {
		t.Fatal(err)
	}
	if got.Listed != 0 || got.Objects != 0 || got.Delivered != 0 || got.Lost != 9 || got.Delay.Count != 0 {
		t.Fatalf("ReadDelivered since %v = %+v, want nothing read and 9 lost", check.Since, got)
	}

	// A wrong codec is an error naming the object, not a silent loss.
	opts.Compression = model.CompressionZip
	check.Since = time.Time{}
	if _, err := ReadDelivered(ctx, opts, check); err == nil {
		t.Fatal("reading GZIP and plain objects as ZIP: no error")
	}

	// A bucket that does not exist is an error.
	opts.Compression, opts.Bucket = "", "no-such-bucket"
	if _, err := ReadDelivered(ctx, opts, check); err == nil {
		t.Fatal("no error for a missing bucket")
	}
}

func TestSniff(t *testing.T) {
	data := stamped(testRun, 1, time.Unix(0, 0), 300)
	for _, codec := range []model.Compression{model.CompressionNone, model.CompressionGzip, model.CompressionZip, model.CompressionSnappy} {
		c, err := model.Compress(string(codec), data)
		if err != nil {
			t.Fatal(err)
		}
		if got := sniff(c); got != codec {
			t.Errorf("sniff(%s) = %s", codec, got)
		}
	}
}
