package model

// tokenBucket is a continuously refilled bucket. Times are nanoseconds on
// the stream's clock; tokens are whatever the bucket meters (records or
// bytes).
type tokenBucket struct {
	// ratePerNs is the refill rate in tokens per nanosecond.
	ratePerNs float64
	// capacity is the most tokens the bucket holds (the burst).
	capacity float64
	tokens   float64
	lastNs   int64
}

func newTokenBucket(ratePerSec, capacity float64, nowNs int64) tokenBucket {
	return tokenBucket{ratePerNs: ratePerSec / 1e9, capacity: capacity, tokens: capacity, lastNs: nowNs}
}

// refill adds the tokens earned since the last call. Time going backwards
// (two callers racing to the lock with clock reads in the other order)
// earns nothing.
func (b *tokenBucket) refill(nowNs int64) {
	if nowNs <= b.lastNs {
		return
	}
	b.tokens += float64(nowNs-b.lastNs) * b.ratePerNs
	if b.tokens > b.capacity {
		b.tokens = b.capacity
	}
	b.lastNs = nowNs
}

// has reports whether n tokens are available (after refill).
func (b *tokenBucket) has(n float64) bool { return b.tokens >= n }

// take removes n tokens; callers check has first.
func (b *tokenBucket) take(n float64) { b.tokens -= n }
