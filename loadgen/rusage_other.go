//go:build !unix

package loadgen

import "time"

// processCPU is unknown here: 0.
func processCPU() time.Duration { return 0 }

// peakRSS is unknown here: 0.
func peakRSS() int64 { return 0 }
