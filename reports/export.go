package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteSeriesCSV writes r's per-second series as CSV, one row a second
// with a header: t (seconds from the start), the record counts, the
// response time statistics of the records settled in the second (ms,
// empty when none settled), the requests in flight, the reading columns
// and the open shards.
func WriteSeriesCSV(w io.Writer, r *Results) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"t", "offered", "attempts", "acked", "throttled", "failed", "expired", "bytes_acked",
		"min_ms", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "in_flight",
		"read", "read_throttles", "iterator_age_max_ms", "open_shards", "sent", "dropped", "pacing_error"})
	i := strconv.FormatInt
	for _, s := range r.Series {
		lat := []string{"", "", "", "", "", "", ""}
		if s.MaxMs > 0 || s.Hist != "" {
			lat = []string{f(s.MinMs), f(s.MeanMs), f(s.P50Ms), f(s.P90Ms), f(s.P95Ms), f(s.P99Ms), f(s.MaxMs)}
		}
		row := []string{strconv.Itoa(s.T), i(s.Offered, 10), i(s.Attempts, 10), i(s.Acked, 10), i(s.Throttled, 10),
			i(s.Failed, 10), i(s.Expired, 10), i(s.BytesAcked, 10)}
		row = append(row, lat...)
		row = append(row, strconv.Itoa(s.InFlight), i(s.Read, 10), i(s.ReadThrottles, 10), i(s.IteratorAgeMaxMs, 10), strconv.Itoa(s.OpenShards),
			i(s.Sent, 10), i(s.Dropped, 10), f(s.PacingError))
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteShardsCSV writes r's per-shard rows as CSV with a header: the
// shard, its hash key range, state and parents (space-separated), when a
// resharding opened and closed it (seconds from the start, empty when it
// did not), the counts, and the peak utilisation (a fraction of the
// shard's capacity).
func WriteShardsCSV(w io.Writer, r *Results) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"shard_id", "starting_hash_key", "ending_hash_key", "state", "parents", "opened_s", "closed_s",
		"attempts", "acked", "bytes_acked", "throttled", "throttled_records_limit", "throttled_bytes_limit", "throttled_by",
		"peak_utilization"})
	opt := func(v float64) string {
		if v == 0 {
			return ""
		}
		return f(v)
	}
	i := strconv.FormatInt
	for _, sh := range r.PerShard {
		parents := ""
		for k, p := range sh.Parents {
			if k > 0 {
				parents += " "
			}
			parents += p
		}
		if err := cw.Write([]string{sh.ShardID, sh.StartingHashKey, sh.EndingHashKey, sh.State, parents, opt(sh.OpenedS), opt(sh.ClosedS),
			i(sh.Attempts, 10), i(sh.Acked, 10), i(sh.BytesAcked, 10), i(sh.Throttled, 10),
			i(sh.ThrottledRecordsLimit, 10), i(sh.ThrottledBytesLimit, 10), sh.ThrottledBy, f(sh.PeakUtilization)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func f(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Distribution is one of a run's distributions, by the name of its
// threshold metrics (put_latency, service_latency, send_lag, e2e_latency,
// delivery_delay).
type Distribution struct {
	Name string
	*Percentiles
}

// Distributions returns the distributions r measured, in the order of
// scenarios.Distributions.
func Distributions(r *Results) []Distribution {
	var out []Distribution
	for _, name := range []string{"put_latency", "service_latency", "send_lag", "e2e_latency", "delivery_delay"} {
		if p := distributions[name](r); p != nil && p.Count > 0 {
			out = append(out, Distribution{name, p})
		}
	}
	return out
}

// WriteHgrm writes a distribution's percentile spectrum in HdrHistogram's
// .hgrm text form, as hdrhistogram-go's PercentilesPrint writes it (the
// form of wrk2's --latency output), values in milliseconds, five steps per
// halving of the distance to 100%.
func WriteHgrm(w io.Writer, p *Percentiles) error {
	h, err := p.Histogram()
	if err != nil {
		return err
	}
	if _, err := h.PercentilesPrint(w, 5, 1000); err != nil {
		return fmt.Errorf("write .hgrm: %w", err)
	}
	return nil
}
