//go:build !unix

package kinesis

import "time"

// processCPU is not known here: the benchmarks then report no
// cpu-ns/record.
func processCPU() (time.Duration, bool) { return 0, false }
