//go:build unix

// Package firehosetest starts a local S3-compatible server for tests of
// Firehose delivery, as loadgen/kinesis/kinesistest starts Kinesis ones:
// s3rver from testdata/emulators (installed by `npm ci --prefix
// testdata/emulators`), on a free 127.0.0.1 port, storing objects in the
// test's temporary folder, killed with its whole process group when the
// test ends. Without node or node_modules the test is skipped, or failed
// when SPILLWAY_EMULATORS=required (loadgen/internal/emulator).
package firehosetest

import (
	"strconv"
	"testing"

	"github.com/spillway-dev/spillway/loadgen/internal/emulator"
)

// s3rver's fixed credentials: it checks request signatures against them.
const (
	AccessKeyID     = "S3RVER"
	SecretAccessKey = "S3RVER"
)

// StartS3rver starts s3rver with the given buckets created and returns its
// endpoint, http://127.0.0.1:<port>: plain HTTP, path-style addressing,
// credentials AccessKeyID and SecretAccessKey. Objects live under a
// t.TempDir(), gone with the test.
func StartS3rver(t testing.TB, buckets ...string) (endpoint string) {
	t.Helper()
	store := t.TempDir()
	ports := emulator.Start(t, "s3rver", 1, nil, func(ports []int) []string {
		return append([]string{"s3rver.cjs", strconv.Itoa(ports[0]), store}, buckets...)
	})
	return "http://127.0.0.1:" + strconv.Itoa(ports[0])
}
