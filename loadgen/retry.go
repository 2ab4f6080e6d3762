package loadgen

import (
	"math/rand/v2"
	"time"
)

// Backoff is the wait before retry number n (n = 1 for the first retry)
// under exponential backoff with full jitter: a uniform draw from
// [0, min(max, base·2^(n−1))). Zero base means retry at once.
func Backoff(n int, base, max time.Duration, rng *rand.Rand) time.Duration {
	if base <= 0 || n < 1 {
		return 0
	}
	ceiling := base
	for i := 1; i < n && ceiling < max; i++ {
		ceiling *= 2
	}
	if max > 0 && ceiling > max {
		ceiling = max
	}
	return time.Duration(rng.Int64N(int64(ceiling)))
}
