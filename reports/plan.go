package reports

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spillway-dev/spillway/model"
)

// PlanSchema identifies the JSON of spillway plan.
const PlanSchema = "spillway.plan/v1"

// Plan is spillway plan's answer for one scenario: the shards it needs and
// why, the load on each of the scenario's shards, the keys no resharding can
// fix, and the resharding that would bring every shard under the target.
type Plan struct {
	Schema   string `json:"schema"`
	Scenario string `json:"scenario"`
	Stream   string `json:"stream"`
	// PeakRecordsPerSec is the peak of the rate profile; KiBPerRecord the
	// mean billed size (each record rounded up to a KiB); BytesPerRecord
	// the mean actual size, data plus key.
	PeakRecordsPerSec float64 `json:"peak_records_per_sec"`
	KiBPerRecord      float64 `json:"kib_per_record"`
	BytesPerRecord    float64 `json:"bytes_per_record"`
	PollingConsumers  int     `json:"polling_consumers"`
	EFOConsumers      int     `json:"efo_consumers"`
	// Headroom is the fraction of each limit the plan uses (1: none).
	Headroom       float64          `json:"headroom"`
	RequiredShards PlanShards       `json:"required_shards"`
	Shards         []PlanShardLoad  `json:"shards"`
	HotKeys        []PlanHotKey     `json:"hot_keys"`
	Actions        []PlanAction     `json:"actions"`
	Autoscaling    *PlanAutoscaling `json:"autoscaling,omitempty"`
	OnDemand       *PlanOnDemand    `json:"on_demand,omitempty"`
	Replays        []PlanReplay     `json:"replays,omitempty"`
	// Cost is a month of the scenario's mean traffic in each mode, in USD
	// (spillway cost has the lines).
	Cost       *CostTotals `json:"cost,omitempty"`
	CostRegion string      `json:"cost_region,omitempty"`
}

// PlanAutoscaling is the advice for scaling the stream with
// UpdateShardCount from CloudWatch alarms (model.AdviseAutoscaling).
type PlanAutoscaling struct {
	ScaleOut       []PlanAlarm `json:"scale_out"`
	ScaleIn        []PlanAlarm `json:"scale_in"`
	ScaleOutFactor float64     `json:"scale_out_factor"`
	ScaleInFactor  float64     `json:"scale_in_factor"`
	CooldownOutS   float64     `json:"cooldown_out_s"`
	CooldownInS    float64     `json:"cooldown_in_s"`
	MinShards      int         `json:"min_shards"`
	MaxShards      int         `json:"max_shards"`
	MaxPer24h      int         `json:"max_per_24h"`
	// ScaleInComposite is the composite alarm that scales in when both
	// scale-in alarms are on, as put-composite-alarm input.
	ScaleInComposite json.RawMessage `json:"scale_in_composite"`
}

// PlanAlarm is one alarm and its put-metric-alarm input.
type PlanAlarm struct {
	Name              string          `json:"name"`
	Metric            string          `json:"metric"`
	Utilization       float64         `json:"utilization"`
	Threshold         float64         `json:"threshold"`
	Comparison        string          `json:"comparison"`
	DatapointsToAlarm int             `json:"datapoints_to_alarm"`
	EvaluationPeriods int             `json:"evaluation_periods"`
	CloudWatch        json.RawMessage `json:"cloudwatch"`
}

// PlanOnDemand says whether the rate profile keeps to on-demand's doubling
// rule (twice the peak settled before the last 15 minutes, at least the
// starting 4 MiB/s and 4,000 records/s).
type PlanOnDemand struct {
	WithinDoubling bool `json:"within_doubling"`
	// AtS is the first second that breaks the rule, with its demand and
	// allowance.
	AtS                  float64 `json:"at_s,omitempty"`
	DemandRecordsPerSec  float64 `json:"demand_records_per_sec,omitempty"`
	AllowedRecordsPerSec float64 `json:"allowed_records_per_sec,omitempty"`
	DemandBytesPerSec    float64 `json:"demand_bytes_per_sec,omitempty"`
	AllowedBytesPerSec   float64 `json:"allowed_bytes_per_sec,omitempty"`
}

// AddAutoscaling puts the autoscaling advice and the on-demand check into
// the plan.
func (p *Plan) AddAutoscaling(a model.Autoscaling, od model.OnDemandCheck) error {
	pa := &PlanAutoscaling{
		ScaleOutFactor: a.ScaleOutFactor, ScaleInFactor: a.ScaleInFactor,
		CooldownOutS: a.CooldownOut.Seconds(), CooldownInS: a.CooldownIn.Seconds(),
		MinShards: a.MinShards, MaxShards: a.MaxShards, MaxPer24h: a.MaxPer24h,
	}
	conv := func(alarms []model.Alarm) ([]PlanAlarm, error) {
		var out []PlanAlarm
		for _, al := range alarms {
			cw, err := al.CloudWatchJSON(p.Stream)
			if err != nil {
				return nil, err
			}
			out = append(out, PlanAlarm{Name: al.Name, Metric: al.Metric, Utilization: al.Utilization, Threshold: al.Threshold,
				Comparison: al.Comparison, DatapointsToAlarm: al.DatapointsToAlarm, EvaluationPeriods: al.EvaluationPeriods, CloudWatch: cw})
		}
		return out, nil
	}
	var err error
	if pa.ScaleOut, err = conv(a.ScaleOut); err != nil {
		return err
	}
	if pa.ScaleIn, err = conv(a.ScaleIn); err != nil {
		return err
	}
	if pa.ScaleInComposite, err = a.ScaleInCompositeJSON(p.Stream); err != nil {
		return err
	}
	p.Autoscaling = pa
	p.OnDemand = &PlanOnDemand{WithinDoubling: od.OK}
	if !od.OK {
		p.OnDemand.AtS = od.At.Seconds()
		p.OnDemand.DemandRecordsPerSec, p.OnDemand.AllowedRecordsPerSec = od.DemandRecordsPerSec, od.AllowedRecordsPerSec
		p.OnDemand.DemandBytesPerSec, p.OnDemand.AllowedBytesPerSec = od.DemandBytesPerSec, od.AllowedBytesPerSec
	}
	return nil
}

// PlanShards is the sizing formula's answer, term by term: each term's
// shard count and its unrounded requirement.
type PlanShards struct {
	Total             int     `json:"total"`
	WriteBytes        int     `json:"write_bytes"`
	WriteRecords      int     `json:"write_records"`
	Read              int     `json:"read"`
	CatchUp           int     `json:"catch_up,omitempty"`
	Binding           string  `json:"binding"`
	WriteBytesExact   float64 `json:"write_bytes_exact"`
	WriteRecordsExact float64 `json:"write_records_exact"`
	ReadExact         float64 `json:"read_exact"`
	CatchUpExact      float64 `json:"catch_up_exact,omitempty"`
}

// PlanShardLoad is one of the scenario's shards at the peak.
type PlanShardLoad struct {
	ShardID         string  `json:"shard_id"`
	StartingHashKey string  `json:"starting_hash_key"`
	EndingHashKey   string  `json:"ending_hash_key"`
	RecordsPerSec   float64 `json:"records_per_sec"`
	BytesPerSec     float64 `json:"bytes_per_sec"`
	// Utilization is max(records ÷ 1,000/s, bytes ÷ 1 MiB/s).
	Utilization float64 `json:"utilization"`
	TopKey      string  `json:"top_key,omitempty"`
	TopKeyShare float64 `json:"top_key_share,omitempty"`
}

// PlanHotKey is a key that alone takes over half a shard's limit.
type PlanHotKey struct {
	Key           string  `json:"key"`
	ShardID       string  `json:"shard_id"`
	RecordsPerSec float64 `json:"records_per_sec"`
	BytesPerSec   float64 `json:"bytes_per_sec"`
	// Unfixable: above one shard's limit by itself, so no resharding helps.
	Unfixable bool `json:"unfixable"`
}

// PlanAction is one resharding step and the AWS CLI command for it.
type PlanAction struct {
	Action             string    `json:"action"`
	ShardID            string    `json:"shard_id"`
	NewStartingHashKey string    `json:"new_starting_hash_key,omitempty"`
	AdjacentShardID    string    `json:"adjacent_shard_id,omitempty"`
	Why                string    `json:"why"`
	Utilization        []float64 `json:"utilization"`
	Command            string    `json:"command"`
}

// PlanOf assembles a Plan from the model's answers.
func PlanOf(scenario, stream string, d model.Demand, req model.RequiredShards, loads []model.ShardLoad, hot []model.HotKey, actions []model.Action) *Plan {
	p := &Plan{
		Schema: PlanSchema, Scenario: scenario, Stream: stream,
		PeakRecordsPerSec: d.RecordsPerSec, KiBPerRecord: d.KiBPerRecord, BytesPerRecord: d.BytesPerRecord,
		PollingConsumers: d.PollingConsumers, EFOConsumers: d.EFOConsumers, Headroom: d.Headroom,
		RequiredShards: PlanShards{
			Total: req.Total, WriteBytes: req.WriteBytes, WriteRecords: req.WriteRecords, Read: req.Read, Binding: req.Binding,
			WriteBytesExact: req.WriteBytesExact, WriteRecordsExact: req.WriteRecordsExact, ReadExact: req.ReadExact,
			CatchUp: req.CatchUp, CatchUpExact: req.CatchUpExact,
		},
		Shards: []PlanShardLoad{}, HotKeys: []PlanHotKey{}, Actions: []PlanAction{},
	}
	if p.Headroom == 0 {
		p.Headroom = 1
	}
	for _, l := range loads {
		p.Shards = append(p.Shards, PlanShardLoad{
			ShardID: l.Shard.ID, StartingHashKey: l.Shard.Range.Start.String(), EndingHashKey: l.Shard.Range.End.String(),
			RecordsPerSec: l.RecordsPerSec, BytesPerSec: l.BytesPerSec, Utilization: l.Utilization,
			TopKey: l.TopKey, TopKeyShare: l.TopKeyShare,
		})
	}
	for _, h := range hot {
		p.HotKeys = append(p.HotKeys, PlanHotKey{Key: h.Key, ShardID: h.ShardID, RecordsPerSec: h.RecordsPerSec, BytesPerSec: h.BytesPerSec, Unfixable: h.Unfixable})
	}
	for _, a := range actions {
		pa := PlanAction{Action: a.Action, ShardID: a.ShardID, AdjacentShardID: a.AdjacentShardID, Why: a.Why, Utilization: a.Utilization, Command: a.Command(stream)}
		if a.NewStartingHashKey != nil {
			pa.NewStartingHashKey = a.NewStartingHashKey.String()
		}
		p.Actions = append(p.Actions, pa)
	}
	return p
}

// WriteJSON writes the plan as indented JSON.
func (p *Plan) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

var bindingWords = map[string]string{
	model.BindingWriteBytes:   "write bytes (KiB/s ÷ 1,024)",
	model.BindingWriteRecords: "write records (records/s ÷ 1,000)",
	model.BindingRead:         "reads (KiB/s × polling consumers ÷ 2,048)",
	model.BindingCatchUp:      "catching up (reads × (1 + backlog ÷ time to drain it))",
}

// WritePlanText writes the plan as tables for a terminal.
func WritePlanText(w io.Writer, p *Plan) error {
	bw := bufio.NewWriter(w)
	r := p.RequiredShards
	fmt.Fprintf(bw, "Plan for %s: %d shards, bound by %s\n", p.Scenario, r.Total, bindingWords[r.Binding])
	fmt.Fprintf(bw, "  %s\n", planPeak(p))
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  write bytes\t%.2f\t-> %d\n", r.WriteBytesExact, r.WriteBytes)
	fmt.Fprintf(tw, "  write records\t%.2f\t-> %d\n", r.WriteRecordsExact, r.WriteRecords)
	fmt.Fprintf(tw, "  reads\t%.2f\t-> %d\n", r.ReadExact, r.Read)
	if r.CatchUpExact > 0 {
		fmt.Fprintf(tw, "  catching up\t%.2f\t-> %d\n", r.CatchUpExact, r.CatchUp)
	}
	tw.Flush()

	fmt.Fprintf(bw, "\nLoad at the peak on the scenario's %d shards\n", len(p.Shards))
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  shard\trecords/s\tMiB/s\tutilisation\ttop key\t")
	for _, s := range p.Shards {
		fmt.Fprintf(tw, "  %s\t%s\t%.2f\t%s\t%s\t\n", s.ShardID, whole(s.RecordsPerSec), s.BytesPerSec/(1<<20), pct0(s.Utilization), topKeyLabel(s))
	}
	tw.Flush()

	if len(p.HotKeys) > 0 {
		fmt.Fprintln(bw, "\nHot keys")
		for _, h := range p.HotKeys {
			fmt.Fprintf(bw, "  %s on %s: %s records/s, %.2f MiB/s: %s\n", h.Key, h.ShardID, whole(h.RecordsPerSec), h.BytesPerSec/(1<<20), hotKeyVerdict(h))
		}
	}
	fmt.Fprintln(bw)
	switch note := noReshardNote(p); {
	case note != "":
		fmt.Fprintln(bw, note)
	default:
		fmt.Fprintln(bw, "Resharding, one step at a time (each waits for the stream to be ACTIVE again)")
		for _, a := range p.Actions {
			fmt.Fprintf(bw, "  %s %s: %s\n    %s\n", a.Action, cmp.Or(a.ShardID, "the new child"), a.Why, a.Command)
		}
	}
	if a := p.Autoscaling; a != nil {
		fmt.Fprintf(bw, "\nAutoscaling with UpdateShardCount, between %d and %d shards (thresholds for %d shards: update them after each step)\n",
			a.MinShards, a.MaxShards, p.RequiredShards.Total)
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		for _, al := range append(append([]PlanAlarm(nil), a.ScaleOut...), a.ScaleIn...) {
			fmt.Fprintf(tw, "  %s\t%s Sum/min %s\t(%s of the limit)\t%d of %d minutes\t\n",
				al.Name, al.Metric, alarmThreshold(al), pct0(al.Utilization), al.DatapointsToAlarm, al.EvaluationPeriods)
		}
		tw.Flush()
		fmt.Fprintf(bw, "  steps: x%g out, x%g in (UpdateShardCount allows double to half); cooldown %v after a scale-out, %v between scale-ins (at most %d scalings a rolling 24 h)\n",
			a.ScaleOutFactor, a.ScaleInFactor, time.Duration(a.CooldownOutS*float64(time.Second)), time.Duration(a.CooldownInS*float64(time.Second)), a.MaxPer24h)
		fmt.Fprintln(bw, "  scale in only when both scale-in alarms are on (a composite alarm: autoscaling.scale_in_composite)")
		fmt.Fprintln(bw, "  alarms as put-metric-alarm input: spillway plan --json, autoscaling.*.cloudwatch")
	}
	if od := p.OnDemand; od != nil {
		fmt.Fprintf(bw, "\nOn-demand: %s\n", onDemandWords(od))
	}
	writeReplays(bw, p)
	if s := monthCostWords(p); s != "" {
		fmt.Fprintf(bw, "\n%s\n", s)
	}
	return bw.Flush()
}

// The plan's sentences and labels, shared by the text and the page.

// planPeak is the peak the plan sizes for, in words.
func planPeak(p *Plan) string {
	return fmt.Sprintf("peak %s records/s of %.0f B (%.2f KiB billed per record), %d polling and %d fan-out consumers, using %s of each limit",
		whole(p.PeakRecordsPerSec), p.BytesPerRecord, p.KiBPerRecord, p.PollingConsumers, p.EFOConsumers, pct0(p.Headroom))
}

// topKeyLabel is a shard's busiest key and its share: "k0 (60%)"; "" for
// none.
func topKeyLabel(s PlanShardLoad) string {
	if s.TopKey == "" {
		return ""
	}
	return fmt.Sprintf("%s (%s)", s.TopKey, pct0(s.TopKeyShare))
}

// hotKeyVerdict says what a hot key means for resharding.
func hotKeyVerdict(h PlanHotKey) string {
	if h.Unfixable {
		return "UNFIXABLE by resharding: above one shard's 1,000 records/s or 1 MiB/s by itself; salt the key or use explicit hash keys"
	}
	return "above half a shard's limit"
}

// shardsOver counts the shards above the plan's headroom at the peak.
func shardsOver(p *Plan) int {
	n := 0
	for _, sh := range p.Shards {
		if sh.Utilization > p.Headroom {
			n++
		}
	}
	return n
}

// noReshardNote says why no resharding is advised; "" when some is.
func noReshardNote(p *Plan) string {
	switch {
	case len(p.Actions) > 0:
		return ""
	case shardsOver(p) == 0:
		return fmt.Sprintf("No resharding advised: every shard stays within %s of its limits.", pct0(p.Headroom))
	}
	return fmt.Sprintf("No resharding advised: what is above %s is there because of keys no resharding can fix (see Hot keys).", pct0(p.Headroom))
}

// alarmThreshold is an alarm's comparison and threshold: "> 48,000".
func alarmThreshold(al PlanAlarm) string {
	op := ">"
	if al.Comparison == "LessThanThreshold" {
		op = "<"
	}
	return op + " " + whole(al.Threshold)
}

// onDemandWords is the on-demand check in words, from a lower-case start.
func onDemandWords(od *PlanOnDemand) string {
	if od.WithinDoubling {
		return "the profile never more than doubles the peak of 15 minutes before (nor exceeds the starting 4 MiB/s and 4,000 records/s before it has one): no throttling from growth"
	}
	return fmt.Sprintf("at %v the profile asks for %s records/s (%.2f MiB/s) where %s records/s (%.2f MiB/s) are allowed: expect throttling while on-demand catches up (up to 15 minutes per doubling)",
		time.Duration(od.AtS*float64(time.Second)), whole(od.DemandRecordsPerSec), od.DemandBytesPerSec/(1<<20),
		whole(od.AllowedRecordsPerSec), od.AllowedBytesPerSec/(1<<20))
}

// monthCostWords is a month's cost in each mode; "" when not priced.
func monthCostWords(p *Plan) string {
	c := p.Cost
	if c == nil || c.Provisioned == nil {
		return ""
	}
	return fmt.Sprintf("A month of the mean traffic (%s prices; spillway cost for the lines): provisioned $%s, on-demand $%s, On-demand Advantage $%s",
		p.CostRegion, usd(*c.Provisioned), usd(deref(c.OnDemand)), usd(deref(c.OnDemandAdvantage)))
}

// whole formats x rounded to a whole number, with thousands separators.
func whole(x float64) string { return group(strconv.FormatFloat(x, 'f', 0, 64)) }

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

// PlanReplay is one policy's replay of the scenario's profile in virtual
// time (model.Replay).
type PlanReplay struct {
	Policy        string  `json:"policy"`
	StartShards   int     `json:"start_shards"`
	MaxShards     int     `json:"max_shards"`
	ThrottleRatio float64 `json:"throttle_ratio"`
	FailedRatio   float64 `json:"failed_ratio"`
	CostUSD       float64 `json:"cost_usd"`
	// RuleBreaks lists broken UpdateShardCount rules; empty for a policy
	// that keeps them.
	RuleBreaks []string `json:"rule_breaks"`
	// Refused lists the scalings the policy wanted that AWS would refuse
	// for the ten-a-day limit (not made).
	Refused []string          `json:"refused"`
	Events  []PlanReplayEvent `json:"events"`
	// Minutes is the timeline, one entry per minute: sums of records, the
	// shards open at its end and the largest iterator age in it.
	Minutes []PlanReplayMinute `json:"minutes"`
}

// PlanReplayEvent is one UpdateShardCount of a replay.
type PlanReplayEvent struct {
	AtS   float64 `json:"at_s"`
	DoneS float64 `json:"done_s"`
	From  int     `json:"from"`
	To    int     `json:"to"`
	Why   string  `json:"why"`
}

// PlanReplayMinute is one minute of a replay.
type PlanReplayMinute struct {
	Minute int     `json:"minute"`
	Demand float64 `json:"demand"`
	// PeakDemand is the minute\'s highest demand in one second, records/s.
	PeakDemand      float64 `json:"peak_demand"`
	Accepted        float64 `json:"accepted"`
	Throttled       float64 `json:"throttled"`
	CapacityRecords float64 `json:"capacity_records"`
	Shards          int     `json:"shards"`
	IteratorAgeS    float64 `json:"iterator_age_s"`
	CostUSD         float64 `json:"cost_usd"`
}

// AddReplay adds one policy's replay to the plan.
func (p *Plan) AddReplay(policy string, start int, r model.ReplayResult) {
	pr := PlanReplay{Policy: policy, StartShards: start, MaxShards: r.MaxShards, ThrottleRatio: r.ThrottleRatio, FailedRatio: r.FailedRatio,
		CostUSD: r.CostUSD, RuleBreaks: append([]string{}, r.RuleBreaks...), Refused: append([]string{}, r.Refused...), Events: []PlanReplayEvent{}}
	for _, e := range r.Events {
		pr.Events = append(pr.Events, PlanReplayEvent{AtS: e.At.Seconds(), DoneS: e.Done.Seconds(), From: e.From, To: e.To, Why: e.Why})
	}
	for i, s := range r.Seconds {
		m := i / 60
		if m == len(pr.Minutes) {
			pr.Minutes = append(pr.Minutes, PlanReplayMinute{Minute: m})
		}
		pm := &pr.Minutes[m]
		pm.Demand += s.Demand
		pm.PeakDemand = max(pm.PeakDemand, s.Demand)
		pm.Accepted += s.Accepted
		pm.Throttled += s.Throttled
		pm.CapacityRecords = s.CapacityRecords * 60
		pm.Shards = s.Shards
		pm.IteratorAgeS = max(pm.IteratorAgeS, s.IteratorAgeS)
		pm.CostUSD = s.CostUSD
	}
	p.Replays = append(p.Replays, pr)
}

// writeReplays writes the replays' summary table.
func writeReplays(bw *bufio.Writer, p *Plan) {
	if len(p.Replays) == 0 {
		return
	}
	fmt.Fprintf(bw, "\nReplay of the rate profile in virtual time, second by second (%d minutes)\n", len(p.Replays[0].Minutes))
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  policy\tshards\tscalings\tthrottled\tfailed\tcost\trules\t")
	for _, r := range p.Replays {
		rules := replayRules(r)
		shards := fmt.Sprintf("%d", r.StartShards)
		if r.MaxShards != r.StartShards {
			shards = fmt.Sprintf("%d to %d", r.StartShards, r.MaxShards)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%.3f%%\t%.3f%%\t$%.2f\t%s\t\n", r.Policy, shards, len(r.Events), 100*r.ThrottleRatio, 100*r.FailedRatio, r.CostUSD, rules)
	}
	tw.Flush()
	fmt.Fprintln(bw, "  throttled: attempts refused ÷ attempts; failed: records given up after the producer's attempts; cost: shard-hours and PUT payload units (on-demand: stream-hours and ingest), us-east-1")
}

// replayRules says whether a replay kept UpdateShardCount's rules: "kept",
// "kept, N refused" (scalings the rules refused), or "N BROKEN".
func replayRules(r PlanReplay) string {
	switch {
	case len(r.RuleBreaks) > 0:
		return fmt.Sprintf("%d BROKEN", len(r.RuleBreaks))
	case len(r.Refused) > 0:
		return fmt.Sprintf("kept, %d refused", len(r.Refused))
	}
	return "kept"
}
