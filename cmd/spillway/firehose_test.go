//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/spillway-dev/spillway/loadgen/firehose/firehosetest"
)

// fakeFirehose is a Direct PUT Firehose stream that delivers each
// PutRecordBatch at once as one object under prefix in an S3 bucket, in
// Firehose's key layout: enough of Firehose to run spillway against it end
// to end (there is no Firehose emulator).
func fakeFirehose(t *testing.T, s3c *s3.Client, bucket, prefix string) *httptest.Server {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "Firehose_20150804.")
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		switch op {
		case "DescribeDeliveryStream":
			_ = json.NewEncoder(w).Encode(map[string]any{"DeliveryStreamDescription": map[string]any{
				"DeliveryStreamName": "fh", "DeliveryStreamARN": "arn:aws:firehose:us-east-1:000000000000:deliverystream/fh",
				"DeliveryStreamStatus": "ACTIVE", "DeliveryStreamType": "DirectPut", "VersionId": "1", "HasMoreDestinations": false,
				"Destinations": []any{map[string]any{"DestinationId": "destinationId-000000000001",
					"ExtendedS3DestinationDescription": map[string]any{
						"BucketARN": "arn:aws:s3:::" + bucket, "RoleARN": "arn:aws:iam::000000000000:role/r", "Prefix": prefix,
						"CompressionFormat": "UNCOMPRESSED", "BufferingHints": map[string]any{"SizeInMBs": 1, "IntervalInSeconds": 1},
					}}},
			}})
		case "PutRecordBatch":
			var in struct{ Records []struct{ Data []byte } }
			if err := json.Unmarshal(body, &in); err != nil {
				t.Errorf("PutRecordBatch body: %v", err)
			}
			var obj bytes.Buffer
			var out []map[string]string
			for i, rec := range in.Records {
				obj.Write(rec.Data)
				out = append(out, map[string]string{"RecordId": fmt.Sprint(i)})
			}
			mu.Lock()
			n++
			now := time.Now().UTC()
			key := fmt.Sprintf("%s%s/fh-1-%s-%08d", prefix, now.Format("2006/01/02/15"), now.Format("2006-01-02-15-04-05"), n)
			mu.Unlock()
			if _, err := s3c.PutObject(r.Context(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(obj.Bytes())}); err != nil {
				t.Errorf("delivering %s: %v", key, err)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"FailedPutCount": 0, "Encrypted": false, "RequestResponses": out})
		default:
			t.Errorf("unexpected %s", op)
			w.WriteHeader(400)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// spillway run --target firehose: records go through the real Firehose SDK
// to a Direct PUT stream, which delivers them to S3 (s3rver); spillway
// reads the objects back with the S3 SDK and accounts for every record.
func TestRunAgainstFirehose(t *testing.T) {
	s3URL := firehosetest.StartS3rver(t, "spillway-bucket")
	localCredentials(t, firehosetest.AccessKeyID, firehosetest.SecretAccessKey)
	s3c := s3.New(s3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s3URL), UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(firehosetest.AccessKeyID, firehosetest.SecretAccessKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
	fh := fakeFirehose(t, s3c, "spillway-bucket", "runs/")
	sc := writeFile(t, "f.yaml", `name: cli-firehose
load: {rate: 300, duration: 2s}
record: {size: 300B}
producer: {batch: 100, linger: 50ms, max_in_flight: 2}
firehose: {name: fh, source: direct_put}
thresholds:
  - delivery_lost < 1
`)
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "run", sc, "--target", "firehose", "--endpoint", fh.URL, "--s3-endpoint", s3URL,
		"--no-progress", "--out", out, "--read-grace", "10s")
	if code != exitOK {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	res := runResults(t, out)
	d := res.Delivery
	if res.Target != "firehose" || res.Totals.Acked != 600 || d == nil || d.Delivered != 600 || d.Lost != 0 || d.Duplicates != 0 || d.Objects == 0 {
		t.Fatalf("target %q, totals %+v, delivery %+v", res.Target, res.Totals, d)
	}
	if d.Dir != "s3://spillway-bucket/runs/" || d.BufferIntervalS != 1 || d.BufferSizeBytes != 1<<20 {
		t.Errorf("delivery settings %+v, want the stream's own", d)
	}
	// A scenario without a Direct PUT firehose section is refused.
	plain := writeFile(t, "p.yaml", shortScenario)
	if code, _, stderr := runCLI(t, "run", plain, "--target", "firehose", "--endpoint", fh.URL, "--no-progress", "--out", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "direct_put") {
		t.Errorf("--target firehose without a firehose section: code %d, %s", code, stderr)
	}
}
