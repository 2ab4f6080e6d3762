package model

// tokenBucket is a continuously refilled bucket that may go into debt. Times are nanoseconds on
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

// newTokenBucket makes an empty bucket: a new stream's first second takes
// exactly the per-second limit, as AWS states the limits, instead of a
// second of burst on top. Idle time then fills it up to capacity.
func newTokenBucket(ratePerSec, capacity float64, nowNs int64) tokenBucket {
	return tokenBucket{ratePerNs: ratePerSec / 1e9, capacity: capacity, lastNs: nowNs}
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

// ok reports whether the bucket is out of debt (after refill). A request
// is allowed whenever it is, and then takes its whole cost, possibly going
// into debt: the long-run rate is exactly the refill rate, a new stream
// takes its first record at once, and a record bigger than the bucket is
// repaid at the refill rate (the large-record "tank" of LR and BLOG-LR).
func (b *tokenBucket) ok() bool { return b.tokens >= 0 }

// take removes n tokens; callers check ok first.
func (b *tokenBucket) take(n float64) { b.tokens -= n }

// fullTokenBucket makes a bucket that starts full: the large-record burst
// and the GetRecords call rate, which AWS describes as available at once.
func fullTokenBucket(ratePerSec, capacity float64, nowNs int64) tokenBucket {
	b := newTokenBucket(ratePerSec, capacity, nowNs)
	b.tokens = capacity
	return b
}
