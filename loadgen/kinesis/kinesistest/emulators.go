//go:build unix

// Package kinesistest starts local Kinesis-compatible servers for tests, as
// net/http/httptest starts HTTP servers: kinesalite and kinesis-local from
// testdata/emulators (installed by `npm ci --prefix testdata/emulators`),
// each on a free 127.0.0.1 port, killed with its whole process group when
// the test ends. Without node or node_modules the test is skipped, or
// failed when SPILLWAY_EMULATORS=required (loadgen/internal/emulator).
package kinesistest

import (
	"strconv"
	"testing"

	"github.com/spillway-dev/spillway/loadgen/internal/emulator"
)

// StartKinesalite starts kinesalite (in memory, 50 ms stream state changes)
// and returns its endpoint, http://127.0.0.1:<port>.
func StartKinesalite(t testing.TB) (endpoint string) {
	t.Helper()
	ports := start(t, "kinesalite", 1, nil, func(ports []int) []string {
		return []string{"kinesalite.cjs", strconv.Itoa(ports[0])}
	})
	return "http://127.0.0.1:" + strconv.Itoa(ports[0])
}

// StartKinesisLocal starts kinesis-local (every *_DURATION at 50 ms, bound
// to loopback by bind-loopback.cjs) and returns its plain HTTP endpoint.
func StartKinesisLocal(t testing.TB) (endpoint string) {
	t.Helper()
	ports := start(t, "kinesis-local", 2, nil, kinesisLocalArgs)
	return "http://127.0.0.1:" + strconv.Itoa(ports[0])
}

// kinesisLocalArgs starts kinesis-local with plain HTTP on ports[0] and TLS
// on ports[1].
func kinesisLocalArgs(ports []int) []string {
	return []string{"kinesis-local.cjs", strconv.Itoa(ports[0]), strconv.Itoa(ports[1])}
}

// start is emulator.Start with the region and account the servers read
// from the environment pinned, before env.
func start(t testing.TB, name string, nports int, env []string, args func(ports []int) []string) []int {
	t.Helper()
	env = append([]string{"AWS_REGION=us-east-1", "AWS_ACCOUNT_ID=000000000000"}, env...)
	return emulator.Start(t, name, nports, env, args)
}
