package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroomBytes is the least the heap may grow between collections
// while a run goes on. Go collects when the heap has grown by GOGC% of
// what is live (100%): a generator whose live heap is a few MiB would
// collect every second or so, and each collection delays a few requests by
// milliseconds (at 50,000 records/s, scenarios/perf/lag-50k.yaml measured
// a send lag p99 of 1.7, 3.0 and 4.6 ms without the headroom, 0.5–1.0 ms
// with it). 64 MiB of headroom makes that once every ten seconds or
// more, and changes nothing once the live heap is above 64 MiB, so a run
// at millions of records/s keeps Go's default memory use.
const gcHeadroomBytes = 64 << 20

// keepGCHeadroom raises the GC percentage while the live heap is small, so
// that the heap may always grow by gcHeadroomBytes, until ctx ends; then
// it restores the setting. It does nothing when the user set GOGC.
func keepGCHeadroom(ctx context.Context) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for {
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetGCPercent(gcPercentFor(sample[0].Value.Uint64()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// gcPercentFor is the GC percentage that lets a live heap of live bytes
// grow by at least gcHeadroomBytes: never below Go's default of 100, and at
// most 1,000.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return 1000
	}
	return int(min(max(100, gcHeadroomBytes*100/live), 1000))
}
