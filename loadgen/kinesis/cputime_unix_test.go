//go:build unix

package kinesis

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the whole process has used
// so far, from getrusage(RUSAGE_SELF); ok is false if it is not known.
func processCPU() (cpu time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
