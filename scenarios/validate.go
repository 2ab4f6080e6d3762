package scenarios

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spillway-dev/spillway/model"
)

// Validate checks s, with defaults applied, against Kinesis's limits and
// the format's rules. It reports every problem, each an *Error naming the
// field path and, when s came from a file, the line and column; nil means
// s is valid. The errors are sorted by position.
func (s *Scenario) Validate() []error {
	errs := s.check()
	if len(errs) == 0 {
		return nil
	}
	return errs.Unwrap()
}

// check is Validate returning Errors.
func (s *Scenario) check() Errors {
	c := &checker{s: s}
	c.stream()
	s.loadProfile(c)
	c.load()
	c.record()
	c.keys()
	c.producer()
	c.thresholds()
	c.firehose()
	c.consumers()
	c.events()
	if m := c.s.MaxCostUSD; m < 0 || !finite(m) {
		c.errorf("max_cost", "%g: want a cost in USD of 0 or more", m)
	}
	c.errs.sort()
	return c.errs
}

type checker struct {
	s    *Scenario
	errs Errors
}

// bad reports whether any of paths failed to decode, so checks that
// depend on them would only repeat the problem.
func (c *checker) bad(paths ...string) bool {
	for _, p := range paths {
		if c.s.meta.isBad(p) {
			return true
		}
	}
	return false
}

func (c *checker) set(path string) bool { return c.s.meta.set(path) }

func (c *checker) errorf(path, format string, args ...any) {
	if c.bad(path) {
		return
	}
	e := &Error{Field: path, Msg: fmt.Sprintf(format, args...)}
	if m := c.s.meta; m != nil {
		e.File = c.s.Source
		e.Line, e.Col = m.pos(path)
	}
	c.errs = append(c.errs, e)
}

var streamNameChars = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

func (c *checker) stream() {
	s := c.s
	if s.Name == "" {
		c.errorf("name", "required: the scenario's name in reports")
	}
	st := s.Stream
	var why string
	switch name := st.Name; {
	case name == "" && s.Name == "" && !c.set("stream.name"):
		// Only the missing scenario name is to blame.
	case name == "":
		c.errorf("stream.name", "must not be empty (omit it for %s<name>)", DefaultStreamPrefix)
	case len(name) > MaxStreamNameLen:
		why = fmt.Sprintf("%d characters is above the StreamName limit of %d", len(name), MaxStreamNameLen)
	case !streamNameChars.MatchString(name):
		why = fmt.Sprintf("%q: stream names may only hold a-z, A-Z, 0-9, _, . and -", name)
	}
	if why != "" {
		if st.Name == DefaultStreamPrefix+s.Name && !c.set("stream.name") {
			why += " (made from the scenario name; set stream.name)"
		}
		c.errorf("stream.name", "%s", why)
	}

	switch st.Mode {
	case StreamProvisioned, StreamOnDemand:
	default:
		c.errorf("stream.mode", "%q is not %s or %s%s", st.Mode, StreamProvisioned, StreamOnDemand,
			suggest(st.Mode, []string{StreamProvisioned, StreamOnDemand}))
	}
	switch n := st.Shards; {
	case n == 0 && c.directPut():
		// No Kinesis stream: records go straight to Firehose.
	case n == 0 && st.Mode == StreamOnDemand:
		c.errorf("stream.shards", "must be above 0 (omit it for the on-demand start of %d shards)", DefaultOnDemandShards)
	case n == 0:
		c.errorf("stream.shards", "required: the stream's number of shards, 1–%s", thousands(model.MaxShardsPerStream))
	case n < 1:
		c.errorf("stream.shards", "%d is below 1", n)
	case n > model.MaxShardsPerStream:
		c.errorf("stream.shards", "%s is above the UpdateShardCount/CreateStream maximum of %s shards per stream",
			thousands(n), thousands(model.MaxShardsPerStream))
	}

	switch m := st.MaxRecordSize; {
	case m < MinMaxRecordSize:
		c.errorf("stream.max_record_size", "%s is below the UpdateMaxRecordSize minimum of %s", m, MinMaxRecordSize)
	case m > MaxMaxRecordSize:
		c.errorf("stream.max_record_size", "%s is above the UpdateMaxRecordSize maximum of %s", m, MaxMaxRecordSize)
	case m%KiB != 0:
		c.errorf("stream.max_record_size", "%s is not a whole number of KiB (UpdateMaxRecordSize takes MaxRecordSizeInKiB)", m)
	}
	c.retention()
	c.resharding()
}

// directPut reports whether the producer writes to Firehose Direct PUT,
// so that stream.shards may be 0: no Kinesis stream at all.
func (c *checker) directPut() bool {
	return c.s.Firehose != nil && c.s.Firehose.Source == FirehoseDirectPut
}

// noStream reports whether the run has no Kinesis stream.
func (c *checker) noStream() bool { return c.directPut() && c.s.Stream.Shards == 0 }

func (c *checker) retention() {
	switch r := c.s.Stream.Retention; {
	case r < MinRetention:
		c.errorf("stream.retention", "%s is below the DecreaseStreamRetentionPeriod minimum of %s", r, hours(MinRetention))
	case r > MaxRetention:
		c.errorf("stream.retention", "%s is above the IncreaseStreamRetentionPeriod maximum of %s", r, hours(MaxRetention))
	}
}

// hours formats a whole number of hours as a duration is written: "24h".
func hours(d Duration) string { return fmt.Sprintf("%dh", d.D()/time.Hour) }

func (c *checker) resharding() {
	r := c.s.Stream.Resharding
	for _, f := range []struct {
		name string
		d    Duration
	}{{"split", r.Split}, {"merge", r.Merge}, {"update_shard_count", r.UpdateShardCount}} {
		if f.d < 0 {
			c.errorf("stream.resharding."+f.name, "%s is negative (0 means instant)", f.d)
		}
	}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (c *checker) load() {
	l := c.s.Load
	rate, stages := l.Rate != 0, len(l.Stages) > 0
	switch {
	case c.bad("load.rate", "load.stages", "load.csv"):
	case l.CSV != "" && (rate || stages):
		c.errorf("load.csv", "set one of rate, stages and csv")
		return
	case l.CSV != "":
		return // checked as it was read
	case rate && stages:
		c.errorf("load", "set either rate or stages, not both")
	case !rate && !stages && c.set("load.stages"):
		c.errorf("load.stages", "must not be empty")
	case !rate && !stages && c.set("load.rate"):
		c.errorf("load.rate", "must be above 0 (records per second)")
	case !rate && !stages:
		c.errorf("load", "set rate (records per second), stages or csv")
	}
	if rate && (!finite(l.Rate) || l.Rate < 0) {
		c.errorf("load.rate", "%g is not a positive number of records per second", l.Rate)
	}

	switch {
	case l.Duration < 0:
		c.errorf("load.duration", "%s is negative", l.Duration)
	case l.Duration > 0:
	case rate && !stages:
		c.errorf("load.duration", "required with rate: how long to run")
	case stages && c.set("load.duration"):
		c.errorf("load.duration", "must be above 0 (omit it to run the stages through)")
	}

	if l.StartRate != 0 {
		switch {
		case !stages:
			c.errorf("load.start_rate", "only used with stages")
		case !finite(l.StartRate) || l.StartRate < 0:
			c.errorf("load.start_rate", "%g is not a rate of 0 or more records per second", l.StartRate)
		}
	}
	for i, st := range l.Stages {
		p := fmt.Sprintf("load.stages[%d]", i)
		switch {
		case st.Duration == 0 && !c.set(p+".duration"):
			c.errorf(p+".duration", "required: how long the ramp takes")
		case st.Duration <= 0:
			c.errorf(p+".duration", "%s is not above 0", st.Duration)
		}
		if !finite(st.Target) || st.Target < 0 {
			c.errorf(p+".target", "%g is not a rate of 0 or more records per second", st.Target)
		}
	}
}

// Largest is the biggest data size sz produces: Bytes for fixed, Max for
// uniform. For lognormal it is P99, although 1% of draws are larger: a
// lognormal spec is valid when its p99 fits the stream, and the generator
// must cap draws that would not.
func (sz SizeSpec) Largest() ByteSize {
	switch sz.Dist {
	case SizeFixed:
		return sz.Bytes
	case SizeUniform:
		return sz.Max
	case SizeLognormal:
		return sz.P99
	}
	return 0
}

func (c *checker) record() {
	sz := c.s.Record.Size
	ok := false
	switch sz.Dist {
	case SizeFixed:
		ok = sz.Bytes >= 1
		if !ok {
			c.errorf("record.size", "%s is below 1B", sz.Bytes)
		}
	case SizeUniform:
		ok = c.pair("record.size", SizeUniform, "min", sz.Min, "max", sz.Max)
	case SizeLognormal:
		ok = c.pair("record.size", SizeLognormal, "median", sz.Median, "p99", sz.P99)
	default:
		c.errorf("record.size.dist", "%q is not fixed, uniform or lognormal", sz.Dist)
	}

	k, maxSize := c.s.Keys, c.s.Stream.MaxRecordSize
	keyBytes := k.maxKeyBytes()
	if !ok || keyBytes == 0 || maxSize < MinMaxRecordSize || maxSize > MaxMaxRecordSize ||
		c.bad("record.size", "keys", "stream.max_record_size") {
		return
	}
	if big := sz.Largest(); int64(big)+int64(keyBytes) > int64(maxSize) {
		what := map[string]string{SizeFixed: "", SizeUniform: "max ", SizeLognormal: "p99 "}[sz.Dist]
		unit := "character"
		if keyBytes != k.MaxKeyLen() {
			unit = "byte"
		}
		c.errorf("record.size", "%s%s plus a %d-%s partition key is above the stream's maximum record size of %s (stream.max_record_size)",
			what, big, keyBytes, unit, maxSize)
	}
}

// pair checks 1B ≤ lo ≤ hi for a two-parameter size distribution.
func (c *checker) pair(path, dist, loName string, lo ByteSize, hiName string, hi ByteSize) bool {
	ok := true
	for _, f := range []struct {
		name string
		v    ByteSize
	}{{loName, lo}, {hiName, hi}} {
		switch {
		case f.v == 0:
			c.errorf(path+"."+f.name, "required for dist %s", dist)
			ok = false
		case f.v < 1:
			c.errorf(path+"."+f.name, "%s is below 1B", f.v)
			ok = false
		}
	}
	if ok && hi < lo {
		c.errorf(path+"."+hiName, "%s is below %s %s", hi, loName, lo)
		ok = false
	}
	return ok
}

func (c *checker) keys() {
	k := c.s.Keys
	counted := k.Dist == KeysUniform || k.Dist == KeysZipf
	switch k.Dist {
	case KeysUUID, KeysUniform, KeysZipf, KeysHot:
	default:
		c.errorf("keys.dist", "%q is not uuid, uniform, zipf or hot", k.Dist)
		return
	}
	switch {
	case counted && k.Count == 0:
		c.errorf("keys.count", "required for dist %s: the number of distinct keys", k.Dist)
	case counted && k.Count < 0:
		c.errorf("keys.count", "%d is below 1", k.Count)
	case !counted && k.Count != 0:
		c.errorf("keys.count", "only used by dist uniform and zipf, not %s", k.Dist)
	}
	switch {
	case k.Dist == KeysZipf && !(k.Exponent > 1) || math.IsInf(k.Exponent, 0):
		c.errorf("keys.exponent", "%g is not above 1, as zipf needs", k.Exponent)
	case k.Dist != KeysZipf && k.Exponent != 0:
		c.errorf("keys.exponent", "only used by dist zipf, not %s", k.Dist)
	}
	switch {
	case k.Dist == KeysHot && k.HotShare == 0:
		c.errorf("keys.hot_share", "required for dist hot: the fraction of records on the hot key, in (0, 1]")
	case k.Dist == KeysHot && !(k.HotShare > 0 && k.HotShare <= 1):
		c.errorf("keys.hot_share", "%g is not a fraction in (0, 1]", k.HotShare)
	case k.Dist != KeysHot && k.HotShare != 0:
		c.errorf("keys.hot_share", "only used by dist hot, not %s", k.Dist)
	}
	if h := k.ExplicitHashKey; h != "" && h != HashKeyRandom {
		c.errorf("keys.explicit_hash_key", "%q is not %s (omit it to map keys by their MD5)%s", h, HashKeyRandom,
			suggest(h, []string{HashKeyRandom}))
	}
	if n := k.MaxKeyLen(); n > model.MaxPartitionKeyChars && !c.bad("keys.count") {
		c.errorf("keys.prefix", "makes keys of up to %d characters, above the partition key limit of %d characters",
			n, model.MaxPartitionKeyChars)
	}
}

func (c *checker) producer() {
	p := c.s.Producer
	switch {
	case p.Batch < 1:
		c.errorf("producer.batch", "%d is below 1", p.Batch)
	case p.Batch > model.MaxRecordsPerPutRecords:
		c.errorf("producer.batch", "%d is above the PutRecords limit of %d records per request", p.Batch, model.MaxRecordsPerPutRecords)
	}
	if p.Linger < 0 {
		c.errorf("producer.linger", "%s is negative", p.Linger)
	}
	switch {
	case p.MaxInFlight < 1:
		c.errorf("producer.max_in_flight", "%d is below 1", p.MaxInFlight)
	case p.MaxInFlight > MaxMaxInFlight:
		c.errorf("producer.max_in_flight", "%s is above spillway's limit of %s requests in flight", thousands(p.MaxInFlight), thousands(MaxMaxInFlight))
	}
	if p.MaxBacklog < 0 {
		c.errorf("producer.max_backlog", "%d is negative (0 means the default)", p.MaxBacklog)
	}
	if p.MaxBacklogBytes < 0 {
		c.errorf("producer.max_backlog_bytes", "%s is negative (0 means the default)", p.MaxBacklogBytes)
	}
	r := p.Retry
	if r.MaxAttempts < 1 {
		c.errorf("producer.retry.max_attempts", "%d is below 1 (1 means no retries)", r.MaxAttempts)
	}
	switch {
	case r.Backoff < 0:
		c.errorf("producer.retry.backoff", "%s is negative", r.Backoff)
	case r.MaxBackoff < r.Backoff && !c.bad("producer.retry.backoff"):
		c.errorf("producer.retry.max_backoff", "%s is below retry.backoff %s", r.MaxBackoff, r.Backoff)
	}
	if r.TTL < 0 {
		c.errorf("producer.retry.ttl", "%s is negative (0 means no TTL)", r.TTL)
	}
}

func (c *checker) thresholds() {
	for i, t := range c.s.Thresholds {
		p := fmt.Sprintf("thresholds[%d]", i)
		m, ok := LookupMetric(t.Metric)
		switch {
		case !ok:
			c.errorf(p, "%v", unknownMetric(t.Metric))
		case !slices.Contains(thresholdOps, t.Op):
			c.errorf(p, "operator %q is not one of <, <=, >, >=", t.Op)
		case NeedsFirehose(t.Metric) && c.s.Firehose == nil:
			c.errorf(p, "%s is measured only on runs with a firehose section", t.Metric)
		case t.AbortOnFail && !LiveMetric(m.Name):
			c.errorf(join(p, "abort_on_fail"), "%s is known only after the run, so it cannot abort one; abort on a put-side metric (put_latency_*, throttle_ratio, error_ratio, …)", m.Name)
		case t.AbortDelay < 0:
			c.errorf(join(p, "delay_abort_eval"), "%s is negative", t.AbortDelay)
		case !t.AbortOnFail && t.AbortDelay != 0:
			c.errorf(join(p, "delay_abort_eval"), "is set but abort_on_fail is not: the delay only applies to a threshold that aborts the run")
		default:
			if err := checkMetricValue(m, t.Value); err != nil {
				c.errorf(p, "value %g %v", t.Value, err)
			}
		}
	}
}

// thousands formats n with comma separators, as AWS writes its limits.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

var firehoseCompressions = []string{
	string(model.CompressionNone), string(model.CompressionGzip), string(model.CompressionZip),
	string(model.CompressionSnappy), string(model.CompressionHadoopSnappy),
}

func (c *checker) firehose() {
	f := c.s.Firehose
	if f == nil {
		return
	}
	if f.Name == "" {
		c.errorf("firehose.name", "required: the Firehose stream's name (or set stream.name)")
	} else if len(f.Name) > 64 || !streamNameChars.MatchString(f.Name) {
		c.errorf("firehose.name", "%q: Firehose stream names are 1–64 characters of a-z, A-Z, 0-9, _, . and -", f.Name)
	}
	if f.Source != FirehoseDirectPut && f.Source != FirehoseKinesis {
		c.errorf("firehose.source", "%q: want %s or %s", f.Source, FirehoseDirectPut, FirehoseKinesis)
	}
	if f.Quota != "large" && f.Quota != "small" {
		c.errorf("firehose.quota", "%q: want large (us-east-1, us-west-2, eu-west-1) or small (other Regions)", f.Quota)
	}
	switch b := f.BufferSize; {
	case b < MiB:
		c.errorf("firehose.buffer_size", "%s is below the BufferingHints minimum of 1MiB", b)
	case b > 128*MiB:
		c.errorf("firehose.buffer_size", "%s is above the BufferingHints maximum of 128MiB", b)
	case f.FormatConversion && b < 64*MiB:
		c.errorf("firehose.buffer_size", "%s is below the 64MiB that format conversion requires", b)
	}
	switch i := f.BufferInterval; {
	case i < 0:
		c.errorf("firehose.buffer_interval", "%s is negative (0 means zero buffering)", i)
	case i > Duration(900*time.Second):
		c.errorf("firehose.buffer_interval", "%s is above the BufferingHints maximum of 900s", i)
	case i == 0 && f.PartitionBy != "":
		c.errorf("firehose.buffer_interval", "zero buffering is not allowed with dynamic partitioning")
	}
	if !slices.Contains(firehoseCompressions, f.Compression) {
		c.errorf("firehose.compression", "%q: want one of %s", f.Compression, strings.Join(firehoseCompressions, ", "))
	}
	if f.PartitionBy != "" && f.PartitionBy != "key" {
		c.errorf("firehose.partition_by", "%q: want key (partition by the record's partition key) or leave it out", f.PartitionBy)
	}
	if f.S3WriteTime < 0 {
		c.errorf("firehose.s3_write_time", "%s is negative", f.S3WriteTime)
	}
	if f.DelayTarget < 0 {
		c.errorf("firehose.delivery_delay_target", "%s is negative", f.DelayTarget)
	}
	if f.Source == FirehoseDirectPut && !c.bad("record.size") {
		if largest := c.s.Record.Size.Largest(); int64(largest) > model.FirehoseMaxRecordBytes {
			c.errorf("record.size", "%s is above Firehose's record limit of %d bytes (1,000 KiB)", largest, model.FirehoseMaxRecordBytes)
		}
	}
}
