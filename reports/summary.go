package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spillway-dev/spillway/model"
	"github.com/spillway-dev/spillway/scenarios"
)

// maxShardRows is the most shards the text and Markdown reports list; a
// bigger stream lists its busiest shards.
const maxShardRows = 20

// lateThreshold is how late a request must leave to count in
// Generator.LateRequests; it matches the loadgen definition.
const lateThreshold = "10 ms"

// ackedPerSec is the acked records per second over the run, 0 for a run
// of no duration.
func ackedPerSec(r *Results) float64 {
	if r.DurationS <= 0 {
		return 0
	}
	return float64(r.Totals.Acked) / r.DurationS
}

// mib converts bytes to MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// streamUtilization returns, for each second, the average of the shards'
// utilisation: the fraction of the whole stream's capacity in use. Shards
// without a value for a second count as idle.
func streamUtilization(r *Results) []float64 {
	if len(r.PerShard) == 0 {
		return nil
	}
	n := 0
	for _, sh := range r.PerShard {
		n = max(n, len(sh.Utilization))
	}
	avg := make([]float64, n)
	open := openShards(r)
	for _, sh := range r.PerShard {
		for i, u := range sh.Utilization {
			avg[i] += u
		}
	}
	for i := range avg {
		avg[i] /= float64(open(i))
	}
	return avg
}

// openShards returns how many shards were open in second i of the run: as
// the series says, or else, when the target does not say when shards
// opened and closed (real Kinesis), the listed shards that are not CLOSED,
// counted once.
func openShards(r *Results) func(i int) int {
	listed := 0
	for _, sh := range r.PerShard {
		if sh.State == "" || sh.State == "OPEN" {
			listed++
		}
	}
	listed = max(listed, 1)
	return func(i int) int {
		if i < len(r.Series) && r.Series[i].OpenShards > 0 {
			return r.Series[i].OpenShards
		}
		return listed
	}
}

// streamDemandPeak is the highest per-second offered load as a fraction of
// the whole stream's write capacity (shards × the per-shard limits of
// model): max(offered records ÷ records capacity, offered bytes ÷ bytes
// capacity), with offered bytes estimated from the mean acked record size.
// It counts new records only, not retries, so it answers whether the
// stream had room for the load; -1 when it cannot be computed.
func streamDemandPeak(r *Results) float64 {
	shards := len(r.PerShard)
	if shards == 0 || len(r.Series) == 0 {
		return -1
	}
	meanBytes := 0.0
	if r.Totals.Acked > 0 {
		meanBytes = float64(r.Totals.BytesAcked) / float64(r.Totals.Acked)
	}
	peak := 0.0
	open := openShards(r)
	for i, x := range r.Series {
		n := float64(open(i))
		recCap, byteCap := n*model.ShardWriteRecordsPerSec, n*model.ShardWriteBytesPerSec
		peak = max(peak, float64(x.Offered)/recCap, float64(x.Offered)*meanBytes/byteCap)
	}
	return peak
}

// isHot reports whether a shard throttled or was asked for more than its
// capacity in some second.
func isHot(sh ShardRow) bool { return sh.Throttled > 0 || sh.PeakUtilization > 1 }

// hotShards counts the hot shards.
func hotShards(r *Results) int {
	n := 0
	for _, sh := range r.PerShard {
		if isHot(sh) {
			n++
		}
	}
	return n
}

// busiest returns the indexes of the n shards with the highest peak
// utilisation, busiest first (ties in hash key order).
func busiest(rows []ShardRow, n int) []int {
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(rows[b].PeakUtilization, rows[a].PeakUtilization)
	})
	return idx[:min(n, len(idx))]
}

// shownShards returns the shards a summary lists, in hash key order: all of
// them, or the maxShardRows busiest of a bigger stream.
func shownShards(r *Results) []ShardRow {
	if len(r.PerShard) <= maxShardRows {
		return r.PerShard
	}
	idx := busiest(r.PerShard, maxShardRows)
	slices.Sort(idx)
	rows := make([]ShardRow, len(idx))
	for i, j := range idx {
		rows[i] = r.PerShard[j]
	}
	return rows
}

// shardVerdict contrasts the stream-wide utilisation with the hottest
// shard, the point of a per-shard view: whether throttling came from key
// skew or from too little capacity overall. It returns no lines when there
// is no per-shard data.
func shardVerdict(r *Results) []string {
	if len(r.PerShard) == 0 {
		return nil
	}
	// Feature the busiest hot shard, or the busiest shard if none is hot.
	hot := r.PerShard[busiest(r.PerShard, 1)[0]]
	for _, sh := range r.PerShard {
		if isHot(sh) && (!isHot(hot) || sh.PeakUtilization > hot.PeakUtilization) {
			hot = sh
		}
	}
	var b strings.Builder
	streamPeak := streamDemandPeak(r)
	if streamPeak >= 0 {
		fmt.Fprintf(&b, "the offered load peaked at %s of the stream's capacity; %s peaked at %s of its own (attempts, retries included)",
			pct0(streamPeak), hot.ShardID, pct0(hot.PeakUtilization))
	} else {
		fmt.Fprintf(&b, "hottest shard %s peaked at %s", hot.ShardID, pct0(hot.PeakUtilization))
	}
	if hot.ThrottledBy != "" {
		fmt.Fprintf(&b, " and throttled on %s/s", hot.ThrottledBy)
	}
	nhot := hotShards(r)
	if nhot > 1 {
		fmt.Fprintf(&b, "; %d of %d shards were hot", nhot, len(r.PerShard))
	}
	lines := []string{b.String()}
	switch {
	case nhot == 0:
		lines = append(lines, "no shard throttled or exceeded its capacity")
	case streamPeak >= 1:
		lines = append(lines, "the stream as a whole was over capacity: add shards or lower the rate")
	case streamPeak < 0:
	case nhot < len(r.PerShard):
		lines = append(lines, "the stream as a whole had headroom: partition keys skew the load onto hot shards, so adding shards alone will not fix it")
	default:
		lines = append(lines, "every shard ran hot at some point while the stream as a whole had headroom: the load is bursty, not steadily over capacity")
	}
	return lines
}

// clientBottleneck reports whether the load generator, not the target,
// limited the run: it dropped records, every in-flight slot was taken at
// some point, or more than 1% of requests left late.
func clientBottleneck(r *Results) bool {
	g := r.Generator
	return r.Totals.Dropped > 0 || g.SaturatedS > 0 ||
		(r.Totals.Requests > 0 && float64(g.LateRequests) > 0.01*float64(r.Totals.Requests))
}

// cpuStarved reports whether the generator's late requests mostly left
// with an in-flight slot free: no in-flight limit held them, so the
// generator did not get the CPU in time.
func cpuStarved(g Generator) bool {
	return g.LateRequests > 0 && 2*g.LateWithFreeSlots >= g.LateRequests
}

// generatorLines describes the generator's health in plain words: what it
// did, what it used, and, when it could not keep up, why and what to do.
func generatorLines(r *Results) []string {
	g := r.Generator
	inflight := strconv.Itoa(g.MaxInFlight)
	if lim := r.Scenario.Producer.MaxInFlight; lim > 0 {
		inflight += " of " + strconv.Itoa(lim)
	}
	free := ""
	if g.LateWithFreeSlots > 0 {
		free = fmt.Sprintf("; %s of them with a slot free", commas(g.LateWithFreeSlots))
	}
	lines := []string{fmt.Sprintf("max %s requests in flight, %s late requests (left >%s after their intended time%s), %d saturated seconds",
		inflight, commas(g.LateRequests), lateThreshold, free, g.SaturatedS)}
	if use := resourceLine(r); use != "" {
		lines = append(lines, use)
	}
	if !clientBottleneck(r) {
		return append(lines, "the client kept up with the schedule: the load reached the target as intended")
	}
	if t := r.Totals; t.Dropped > 0 {
		lines = append(lines, fmt.Sprintf("THE GENERATOR WAS OVERLOADED: it dropped %s records (%s of offered) that arrived while its backlog was full (at most %s records or %.0f MiB due and not yet sent, waiting for an in-flight slot or for the CPU to make them: producer.max_backlog, max_backlog_bytes)",
			commas(t.Dropped), pct(float64(t.Dropped)/float64(max(t.Offered, 1))), commas(g.MaxBacklog), mib(g.MaxBacklogBytes)))
	}
	seconds := len(r.Series)
	switch {
	case cpuStarved(g):
		lines = append(lines,
			fmt.Sprintf("THE CLIENT WAS THE BOTTLENECK: %s of %s requests left late while in-flight slots were free: the generator did not get the CPU in time, not an in-flight limit",
				commas(g.LateWithFreeSlots), commas(r.Totals.Requests)),
			"give the generator more CPU (a quieter machine, more cores) or split the load across generators; response times include the delay")
	case g.SaturatedS > 0:
		lines = append(lines,
			fmt.Sprintf("THE CLIENT WAS THE BOTTLENECK: every in-flight slot was taken in %d of %d s", g.SaturatedS, max(seconds, g.SaturatedS)),
			raiseInFlight)
	case g.LateRequests > 0:
		lines = append(lines,
			fmt.Sprintf("THE CLIENT WAS THE BOTTLENECK: %s of %s requests left late", commas(g.LateRequests), commas(r.Totals.Requests)),
			raiseInFlight)
	}
	return lines
}

// raiseInFlight is the advice when requests waited for an in-flight slot.
const raiseInFlight = "raise producer.max_in_flight or split the load across generators; response times include this queueing"

// resourceLine says what the generator used: pacers, cores, CPU and peak
// memory; "" for results that do not say (version 1, merged old files).
func resourceLine(r *Results) string {
	g := r.Generator
	if g.Cores == 0 {
		return ""
	}
	line := fmt.Sprintf("%d pacer(s) on %d core(s)", g.Pacers, g.Cores)
	if g.CPUSeconds > 0 && r.DurationS > 0 {
		line += fmt.Sprintf(", CPU %s of the cores (%.1f CPU-s in %.1f s)", pct0(g.CPUSeconds/r.DurationS/float64(g.Cores)), g.CPUSeconds, r.DurationS)
	}
	if g.PeakRSSBytes > 0 {
		line += fmt.Sprintf(", peak memory %.0f MiB", mib(g.PeakRSSBytes))
	}
	return line
}

// thresholdValue formats a threshold's measured value in its unit.
func thresholdValue(tr ThresholdResult) string {
	switch tr.Unit {
	case unitRatio:
		return fmt.Sprintf("%.4g (%s)", tr.Value, pct(tr.Value))
	case unitMs:
		return ms(tr.Value) + " ms"
	case unitRecords, unitCalls:
		return commas(int64(math.Round(tr.Value)))
	case unitUSD:
		return "$" + dollars(tr.Value)
	case unitRecordsPerS:
		return num(tr.Value) + " records/s"
	}
	if _, ok := scenarios.LookupMetric(tr.Metric); !ok {
		return fmt.Sprintf("unknown metric %q", tr.Metric)
	}
	return strconv.FormatFloat(tr.Value, 'g', -1, 64)
}

// ThresholdMeasured is what a threshold measured, in words with its unit:
// "912.7 ms", "0.1176 (11.8%)".
func ThresholdMeasured(tr ThresholdResult) string { return "measured " + thresholdValue(tr) }

// passWord is PASS or FAIL: plain words, so logs can be grepped.
func passWord(pass bool) string {
	if pass {
		return "PASS"
	}
	return "FAIL"
}

// verdict summarises the thresholds in one line, "" when there are none.
func verdict(trs []ThresholdResult) string {
	failed := 0
	for _, tr := range trs {
		if !tr.Pass {
			failed++
		}
	}
	switch {
	case len(trs) == 0:
		return ""
	case failed == 0:
		return fmt.Sprintf("PASS (all %d thresholds passed)", len(trs))
	}
	return fmt.Sprintf("FAIL (%d of %d thresholds failed)", failed, len(trs))
}

// loadLine describes the scenario's arrival-rate profile.
func loadLine(r *Results) string {
	l := r.Scenario.Load
	var s string
	switch {
	case l.Rate > 0:
		s = fmt.Sprintf("%s records/s for %s", num(l.Rate), l.Duration)
	case len(l.Stages) > 0:
		peak := l.StartRate
		for _, st := range l.Stages {
			peak = max(peak, st.Target)
		}
		s = fmt.Sprintf("%d stages up to %s records/s over %s", len(l.Stages), num(peak), l.Duration)
	default:
		s = "no load profile"
	}
	if r.DurationOverrideS > 0 {
		s += fmt.Sprintf(", cut to %s by --duration", secondsLabel(r.DurationOverrideS))
	}
	p := r.Scenario.Producer
	return fmt.Sprintf("%s; batches of up to %d, %s keys", s, p.Batch, orDash(r.Scenario.Keys.Dist))
}

// runLine describes when the run happened.
func runLine(r *Results) string {
	const layout = "2006-01-02 15:04:05 MST"
	s := fmt.Sprintf("%s to %s (%.1f s)", r.StartTime.UTC().Format(layout), r.EndTime.UTC().Format(layout), r.DurationS)
	if r.RunID != "" {
		s += ", run " + r.RunID
	}
	if r.Tool != "" {
		s += ", spillway " + r.Tool
	}
	return s
}

// targetLine describes what was loaded.
func targetLine(r *Results) string {
	st := r.Scenario.Stream
	return fmt.Sprintf("%s: stream %s, %d shards, seed %d", orDash(r.Target), orDash(st.Name), st.Shards, r.Seed)
}

// statusLine is "" for a run that ran its course.
func statusLine(r *Results) string {
	if !r.Interrupted {
		return ""
	}
	if r.StopReason == "" {
		return "INTERRUPTED before the end of the scenario"
	}
	return "INTERRUPTED: " + r.StopReason
}

// latencyRow is one row of the latency table.
type latencyRow struct {
	name string
	p    Percentiles
}

// latencyHeader heads the columns of latencyRow.cells.
var latencyHeader = []string{"count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"}

// cells are the row's figures, as latencyHeader names them.
func (l latencyRow) cells() []string { return l.cellsIn(1) }

// cellsIn is cells with the statistics divided by div (1000 for seconds).
func (l latencyRow) cellsIn(div float64) []string {
	p := l.p
	in := func(x float64) string { return ms(x / div) }
	return []string{commas(p.Count), in(p.Min), in(p.Mean), in(p.P50), in(p.P90), in(p.P95), in(p.P99), in(p.P999), in(p.Max)}
}

func latencyRows(r *Results) []latencyRow {
	return []latencyRow{
		{"response time, from intended send", r.Latency.ResponseMs},
		{"service time, request round trip", r.Latency.ServiceMs},
		{"send lag, behind schedule", r.Latency.SendLagMs},
	}
}

// recordRow is one row of the records table: a count and a note.
type recordRow struct {
	name  string
	count int64
	note  string
}

func recordRows(r *Results) []recordRow {
	t := r.Totals
	share := func(n int64) string {
		if t.Offered == 0 || n == 0 {
			return ""
		}
		return pct(float64(n)/float64(t.Offered)) + " of offered"
	}
	rows := []recordRow{{"offered", t.Offered, ""}}
	if t.Dropped > 0 {
		// Shown only when it happened: the generator's failure, not the
		// stream's.
		rows = append(rows, recordRow{"dropped", t.Dropped, share(t.Dropped) + ", generator overloaded"})
	}
	return append(rows,
		recordRow{"acked", t.Acked, share(t.Acked)},
		recordRow{"failed", t.Failed, share(t.Failed)},
		recordRow{"expired", t.Expired, share(t.Expired)},
		recordRow{"unfinished", t.Unfinished, share(t.Unfinished)},
		recordRow{"throttled", t.Throttled, fmt.Sprintf("throttle ratio %s of %s put attempts", pct(t.ThrottleRatio), commas(t.Attempts))},
		recordRow{"retried", t.Retried, fmt.Sprintf("in %s requests", commas(t.Requests))},
	)
}

// achievedLine is the throughput the target accepted.
func achievedLine(r *Results) string {
	mibps := 0.0
	if r.DurationS > 0 {
		mibps = mib(r.Totals.BytesAcked) / r.DurationS
	}
	return fmt.Sprintf("%s acked records/s, %.1f MiB acked (%.2f MiB/s)", num(ackedPerSec(r)), mib(r.Totals.BytesAcked), mibps)
}

// errorCodes returns the error codes of r.Errors, sorted.
func errorCodes(r *Results) []string {
	codes := make([]string, 0, len(r.Errors))
	for c := range r.Errors {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// commas formats n with thousands separators: 1234567 → "1,234,567".
func commas(n int64) string { return group(strconv.FormatInt(n, 10)) }

// num formats a rate: whole numbers as integers, others to one decimal,
// with thousands separators.
func num(f float64) string {
	if f == math.Trunc(f) {
		return group(strconv.FormatFloat(f, 'f', 0, 64))
	}
	return ms(f)
}

// ms formats milliseconds to one decimal, with thousands separators.
func ms(f float64) string { return group(strconv.FormatFloat(f, 'f', 1, 64)) }

// group inserts thousands separators into the integer part of a decimal
// number string.
func group(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, dot := strings.Cut(s, ".")
	if len(whole) > 15 { // Inf, NaN or huge: leave alone
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(whole[i])
	}
	if dot {
		b.WriteString("." + frac)
	}
	return b.String()
}

// pct formats a fraction as a percentage with one decimal: 0.1176 → "11.8%".
func pct(f float64) string { return fmt.Sprintf("%.1f%%", f*100) }

// pct0 formats a fraction as a whole percentage: 1.83 → "183%".
func pct0(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// deliveryLines describes a Firehose run's delivery in a few lines.
func deliveryLines(d *Delivery) []string {
	return []string{
		fmt.Sprintf("buffer %s or %s, %s; %s objects (%s MiB stored) under %s",
			sizeLabel(d.BufferSizeBytes), secondsLabel(d.BufferIntervalS), d.Compression,
			commas(d.Objects), strconv.FormatFloat(mib(d.StoredBytes), 'f', 1, 64), d.Dir),
		fmt.Sprintf("accepted %s, delivered %s, lost %s, duplicates %s (read back from the objects)%s",
			commas(d.Accepted), commas(d.Delivered), commas(d.Lost), commas(d.Duplicates), unverifiable(d)),
		"delivery delay from intended send (ms): " + distributionWords(d.DelayMs),
	}
}

// distributionWords lists a distribution's statistics in milliseconds
// (min, mean, p50, p90, p95, p99, max), leaving out the min and p95 of a
// version 1 file, which has neither.
func distributionWords(p Percentiles) string {
	var b strings.Builder
	add := func(name string, v float64) { fmt.Fprintf(&b, "%s %s  ", name, ms(v)) }
	v1 := p.Min == 0 && p.P95 == 0 && p.Count > 0
	if !v1 {
		add("min", p.Min)
	}
	add("mean", p.Mean)
	add("p50", p.P50)
	add("p90", p.P90)
	if !v1 {
		add("p95", p.P95)
	}
	add("p99", p.P99)
	add("max", p.Max)
	return strings.TrimSpace(b.String())
}

func unverifiable(d *Delivery) string {
	if d.Unverifiable == 0 {
		return ""
	}
	noun := "records"
	if d.Unverifiable == 1 {
		noun = "record"
	}
	return fmt.Sprintf("; %s %s shorter than the 32-byte stamp could not be matched", commas(d.Unverifiable), noun)
}

// e2eLines describes the read-back of a run.
func e2eLines(e *E2E) []string {
	summed := ""
	if n := len(e.Consumers); n > 0 {
		summed = fmt.Sprintf("summed over %d consumers; ", n)
	}
	return []string{
		fmt.Sprintf("read %s, lost %s, duplicates %s, out of order %s (%sreading went on %.1f s after the last write)",
			commas(e.Read), commas(e.Lost), commas(e.Duplicates), commas(e.OutOfOrder), summed, e.GraceS),
		"end-to-end latency from intended send (ms): " + distributionWords(e.LatencyMs),
		fmt.Sprintf("%s GetRecords calls, %s throttled; iterator age max %s ms (how far reading fell behind the stream)",
			commas(e.GetRecordsCalls), commas(e.ReadThrottles), commas(e.IteratorAgeMaxMs)),
	}
}

// consumerRow is one consumer's row of the per-consumer table, formatted.
type consumerRow struct {
	name, typ, read, lost, duplicates, p50, p99, throttles string
}

// consumerHeader names the columns of the per-consumer table after the
// consumer's name.
var consumerHeader = []string{"type", "read", "lost", "duplicates", "p50 ms", "p99 ms", "read throttles"}

// consumerRows is the per-consumer table of a read-back, empty with a
// single reader.
func consumerRows(e *E2E) []consumerRow {
	rows := make([]consumerRow, 0, len(e.Consumers))
	for _, c := range e.Consumers {
		rows = append(rows, consumerRow{c.Name, orDash(c.Type), commas(c.Read), commas(c.Lost), commas(c.Duplicates),
			ms(c.LatencyMs.P50), ms(c.LatencyMs.P99), commas(c.ReadThrottles)})
	}
	return rows
}

// cells is the row's cells after the name, in consumerHeader's order.
func (c consumerRow) cells() []string {
	return []string{c.typ, c.read, c.lost, c.duplicates, c.p50, c.p99, c.throttles}
}

// hasLineage reports whether any shard row is closed or has parents, as
// after a resharding: the shard tables then show those columns.
func hasLineage(r *Results) bool {
	for _, sh := range r.PerShard {
		if (sh.State != "" && sh.State != "OPEN") || len(sh.Parents) > 0 {
			return true
		}
	}
	return false
}

// parentsLabel lists a shard's parents for a table cell: a single parent
// in full, the two of a merge shortened ("…0001, …0002"); "" for none.
func parentsLabel(parents []string) string {
	if len(parents) == 1 {
		return parents[0]
	}
	short := make([]string, len(parents))
	for i, p := range parents {
		short[i] = shortShardID(p)
	}
	return strings.Join(short, ", ")
}

// shortShardID shortens "shardId-000000000001" to "…0001", keeping at
// least four digits and every significant one; other ids are kept whole.
func shortShardID(id string) string {
	digits, ok := strings.CutPrefix(id, "shardId-")
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
		return id
	}
	sig := strings.TrimLeft(digits, "0")
	n := max(len(sig), 4)
	if n >= len(digits) {
		return id
	}
	return "…" + digits[len(digits)-n:]
}

// eventAt is when an event was due, "12.5 s" from the start of the run.
func eventAt(ev Event) string { return secondsAt(ev.AtS) }

// secondsAt labels a time in seconds from the start, to the millisecond:
// "20 s", "25.5 s".
func secondsAt(s float64) string { return secondsLabel(math.Round(s*1000) / 1000) }

// eventOutcome says what became of an event: "accepted", "REFUSED: …"
// with the target's answer, or "skipped".
func eventOutcome(ev Event) string {
	switch {
	case ev.Skipped:
		return "skipped: the run ended first"
	case ev.Error != "":
		return "REFUSED: " + strings.Join(strings.Fields(ev.Error), " ")
	}
	return "accepted"
}

// padColumn pads the cells of column col with spaces to the same width,
// so that it reads left-aligned in a right-aligned table.
func padColumn(rows [][]string, col int) {
	width := 0
	for _, row := range rows {
		width = max(width, utf8.RuneCountInString(row[col]))
	}
	for _, row := range rows {
		row[col] = fmt.Sprintf("%-*s", width, row[col])
	}
}
