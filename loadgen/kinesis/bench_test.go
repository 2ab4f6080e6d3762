package kinesis

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spillway-dev/spillway/loadgen"
	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// putRecordsServer answers every PutRecords with a realistic success body
// of one entry per record of the request (prebuilt for 1 to 500 records),
// and ListShards with one shard: the trivial local server of
// shared/perf-baseline.md, so that the client's cost is measured. It counts
// a request's records by its "Data" keys, the same work for every client.
func putRecordsServer(b *testing.B) *httptest.Server {
	answers := make([][]byte, 501)
	for n := 1; n <= 500; n++ {
		var body bytes.Buffer
		body.WriteString(`{"FailedRecordCount":0,"Records":[`)
		for i := range n {
			if i > 0 {
				body.WriteByte(',')
			}
			fmt.Fprintf(&body, `{"SequenceNumber":"49590338271490256608559692538361571095921575989136588%03d","ShardId":"shardId-000000000000"}`, i)
		}
		body.WriteString(`]}`)
		answers[n] = body.Bytes()
	}
	shards := []byte(`{"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"340282366920938463463374607431768211455"},"SequenceNumberRange":{"StartingSequenceNumber":"1"}}]}`)
	dataKey := []byte(`"Data"`)
	var bufs sync.Pool // *bytes.Buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := bufs.Get().(*bytes.Buffer)
		if req == nil {
			req = new(bytes.Buffer)
		}
		defer bufs.Put(req)
		req.Reset()
		_, _ = io.Copy(req, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") == "Kinesis_20131202.ListShards" {
			_, _ = w.Write(shards)
			return
		}
		n := min(max(bytes.Count(req.Bytes(), dataKey), 1), 500)
		_, _ = w.Write(answers[n])
	}))
	b.Cleanup(srv.Close)
	return srv
}

const benchConcurrency = 32 // the best concurrency found in perf-baseline.md

// wireMeter measures a benchmark's timed loop: records/s over wall time,
// and cpu-ns/record, the CPU time (user and system, getrusage RUSAGE_SELF)
// the whole process spent in the loop divided by the records sent. The
// server runs in the same process, so cpu-ns/record includes the server's
// share; that share is the same in every benchmark here (same server, same
// answers), so differences between them are the client's.
type wireMeter struct {
	start time.Time
	cpu   time.Duration
	cpuOK bool
}

// startWire resets b's timer and starts measuring.
func startWire(b *testing.B) *wireMeter {
	b.ResetTimer()
	m := &wireMeter{start: time.Now()}
	m.cpu, m.cpuOK = processCPU()
	return m
}

// report reports records/s and cpu-ns/record for records sent since
// startWire.
func (m *wireMeter) report(b *testing.B, records int64) {
	cpu, ok := processCPU()
	wall := time.Since(m.start)
	b.StopTimer()
	if records == 0 {
		return
	}
	b.ReportMetric(float64(records)/wall.Seconds(), "records/s")
	if ok && m.cpuOK {
		b.ReportMetric(float64(cpu-m.cpu)/float64(records), "cpu-ns/record")
	}
}

// putRecordsLoop calls put from benchConcurrency goroutines until b.N
// calls are made, each with the same prebuilt request of 500 records of
// 100 B, and reports records/s and cpu-ns/record (wireMeter).
func putRecordsLoop(b *testing.B, put func(*sdk.PutRecordsInput) error) {
	entries := make([]types.PutRecordsRequestEntry, 500)
	for i := range entries {
		entries[i] = types.PutRecordsRequestEntry{Data: bytes.Repeat([]byte{byte(i)}, 100), PartitionKey: aws.String(fmt.Sprintf("%036d", i))}
	}
	in := &sdk.PutRecordsInput{StreamName: aws.String("bench"), Records: entries}
	var calls atomic.Int64
	m := startWire(b)
	var wg sync.WaitGroup
	for range benchConcurrency {
		wg.Go(func() {
			for calls.Add(1) <= int64(b.N) {
				if err := put(in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	m.report(b, int64(b.N)*500)
}

// BenchmarkSDKPutRecordsLoop is the ceiling of the SDK path on this
// machine: the SDK as shipped (its own serializer, retries off, a pool of
// benchConcurrency connections), 32 goroutines calling PutRecords with a
// prebuilt request, as fast as the server answers.
func BenchmarkSDKPutRecordsLoop(b *testing.B) {
	srv := putRecordsServer(b)
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxConnsPerHost, t.MaxIdleConnsPerHost = benchConcurrency, benchConcurrency
	})
	c := sdk.New(sdk.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: hc, Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "test", ""),
	})
	putRecordsLoop(b, func(in *sdk.PutRecordsInput) error {
		_, err := c.PutRecords(context.Background(), in)
		return err
	})
}

// BenchmarkTargetPutRecordsLoop is the same loop through the Target's
// client, which writes PutRecords bodies itself (putRecordsProtocol): the
// SDK path as spillway drives it, without the load generator.
func BenchmarkTargetPutRecordsLoop(b *testing.B) {
	srv := putRecordsServer(b)
	t, err := New(context.Background(), Options{Endpoint: srv.URL, Stream: "bench", Region: "us-east-1", AccessKeyID: "AKIDTEST", SecretAccessKey: "test", MaxConns: benchConcurrency})
	if err != nil {
		b.Fatal(err)
	}
	putRecordsLoop(b, func(in *sdk.PutRecordsInput) error {
		_, err := t.Client().PutRecords(context.Background(), in)
		return err
	})
}

// BenchmarkRunnerKinesis is a whole spillway run through the Kinesis
// target against the same server: schedule, keys and stamped payloads,
// batches of 500, 32 requests in flight, outcomes and recording. Compare
// its records/s with BenchmarkSDKPutRecordsLoop's: spillway should not be
// the bottleneck of the SDK path. BenchmarkTargetPutRecordsLoop's figure
// is the same path without generating anything, for what the generator
// itself costs.
func BenchmarkRunnerKinesis(b *testing.B) {
	srv := putRecordsServer(b)
	sc := &scenarios.Scenario{
		Name:   "bench",
		Stream: scenarios.Stream{Name: "bench", Shards: 1, MaxRecordSize: model.DefaultMaxRecordSizeBytes},
		// Far more than the path can carry: the generator runs flat out
		// and records/s counts the records acked over the run's wall time.
		Load:   scenarios.Load{Duration: scenarios.Duration(500 * time.Millisecond), Rate: 2e6},
		Record: scenarios.Record{Size: scenarios.SizeSpec{Dist: scenarios.SizeFixed, Bytes: 100}},
		Keys:   scenarios.Keys{Dist: scenarios.KeysUUID},
		Producer: scenarios.Producer{Batch: 500, Linger: scenarios.Duration(5 * time.Millisecond), MaxInFlight: benchConcurrency,
			// Four rounds of requests may wait for a slot; the rest of
			// what the path cannot carry is dropped, as in a real run
			// that offers too much, so that the queue stays small (and
			// in cache) and the wire, not memory, is measured.
			MaxBacklog: 4 * benchConcurrency * 500,
			Retry:      scenarios.Retry{MaxAttempts: 1}},
	}
	t, err := New(context.Background(), Options{Endpoint: srv.URL, Stream: "bench", Region: "us-east-1", AccessKeyID: "AKIDTEST", SecretAccessKey: "test"})
	if err != nil {
		b.Fatal(err)
	}
	var records int64
	m := startWire(b)
	for b.Loop() {
		r, err := loadgen.New(loadgen.Config{Scenario: sc, Seed: 1}, t)
		if err != nil {
			b.Fatal(err)
		}
		s, err := r.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if tt := s.Totals; tt.Acked != tt.Sent || tt.Sent+tt.Dropped != tt.Offered {
			b.Fatalf("acked %d of %d sent: %+v, errors %v", tt.Acked, tt.Sent, tt, s.Errors)
		}
		records += s.Totals.Acked
	}
	m.report(b, records)
}
