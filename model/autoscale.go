package model

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// CloudWatch settings of the advised alarms. Kinesis stream metrics arrive
// once a minute (CW), so 60 s is the shortest useful period.
const (
	// AlarmPeriodSeconds is the alarms' period: one CloudWatch minute.
	AlarmPeriodSeconds = 60
	// ScaleOutDatapoints of ScaleOutPeriods minutes above the threshold
	// scale out: a surge is acted on within about three minutes, a single
	// noisy minute is not.
	ScaleOutDatapoints, ScaleOutPeriods = 2, 3
	// ScaleInDatapoints of ScaleInPeriods minutes below the threshold scale
	// in: a quarter hour of low traffic, so that a lull is not mistaken
	// for the end of the day.
	ScaleInDatapoints, ScaleInPeriods = 15, 15
	// ScaleInCooldown spaces scale-ins so that at most four happen in a day,
	// leaving six of the ten UpdateShardCount calls a rolling 24 hours
	// allows for scaling out (six doublings: 64 times the shards).
	ScaleInCooldown = 6 * time.Hour
)

// Alarm is one CloudWatch alarm of the advice, on a stream-level metric
// summed per minute.
type Alarm struct {
	// Name is the alarm's name; Metric is IncomingBytes or IncomingRecords
	// (namespace AWS/Kinesis, dimension StreamName).
	Name, Metric string
	// Utilization is the fraction of the stream's write limit the
	// threshold stands for; Threshold is that utilisation as the metric's
	// per-minute Sum for Shards shards (bytes or records).
	Utilization, Threshold float64
	Shards                 int
	// Comparison is GreaterThanThreshold (scale out) or LessThanThreshold
	// (scale in); DatapointsToAlarm of EvaluationPeriods minutes trigger it.
	Comparison                           string
	EvaluationPeriods, DatapointsToAlarm int
}

// CloudWatchJSON is the alarm as input for aws cloudwatch put-metric-alarm
// --cli-input-json, on stream. The action (the scaling policy's ARN) is
// left for the user to add.
func (a Alarm) CloudWatchJSON(stream string) ([]byte, error) {
	return json.MarshalIndent(map[string]any{
		"AlarmName":          stream + "-" + a.Name,
		"AlarmDescription":   fmt.Sprintf("%s at %.0f%% of the write limit of %d shards (spillway plan)", a.Metric, 100*a.Utilization, a.Shards),
		"Namespace":          "AWS/Kinesis",
		"MetricName":         a.Metric,
		"Dimensions":         []map[string]string{{"Name": "StreamName", "Value": stream}},
		"Statistic":          "Sum",
		"Period":             AlarmPeriodSeconds,
		"EvaluationPeriods":  a.EvaluationPeriods,
		"DatapointsToAlarm":  a.DatapointsToAlarm,
		"Threshold":          a.Threshold,
		"ComparisonOperator": a.Comparison,
		// No datapoints means no traffic: below any scale-in threshold,
		// above no scale-out one.
		"TreatMissingData": map[string]string{"GreaterThanThreshold": "notBreaching", "LessThanThreshold": "breaching"}[a.Comparison],
	}, "", "  ")
}

// ScaleInCompositeJSON is the composite alarm that scales in, as input for
// aws cloudwatch put-composite-alarm: only when bytes and records are both
// low, since halving the shards doubles the use of both limits (a stream
// of small records low on bytes may be near its records limit). The
// scaling policy's action goes on it, not on the two alarms under it.
func (a Autoscaling) ScaleInCompositeJSON(stream string) ([]byte, error) {
	var rule []string
	for _, al := range a.ScaleIn {
		rule = append(rule, fmt.Sprintf("ALARM(%q)", stream+"-"+al.Name))
	}
	return json.MarshalIndent(map[string]any{
		"AlarmName":        stream + "-scale-in",
		"AlarmDescription": "both scale-in alarms: bytes and records low (spillway plan)",
		"AlarmRule":        strings.Join(rule, " AND "),
	}, "", "  ")
}

// Autoscaling is advice for scaling a provisioned stream with
// UpdateShardCount from CloudWatch alarms.
type Autoscaling struct {
	// ScaleOut and ScaleIn are the alarms, on bytes and on records.
	ScaleOut, ScaleIn []Alarm
	// ScaleOutFactor and ScaleInFactor multiply the open shards per step:
	// UpdateShardCount allows at most double and at least half.
	ScaleOutFactor, ScaleInFactor float64
	// CooldownOut is the least time between a scale-out and the next
	// scaling: the resharding time plus the alarm's evaluation window, so
	// that the next decision sees the new capacity. CooldownIn spaces
	// scale-ins (ScaleInCooldown).
	CooldownOut, CooldownIn time.Duration
	// MinShards and MaxShards bound the scaling: the planned count at the
	// trough and at the peak.
	MinShards, MaxShards int
	// MaxPer24h is UpdateShardCount's limit per rolling 24 hours.
	MaxPer24h int
}

// AdviseAutoscaling advises alarms, steps and cooldowns for a stream of
// shards shards (the thresholds are for that count: they scale with it, so
// a scaling policy must update them after each step), keeping utilisation
// under target (0 means 0.8). Scale in happens below 40% of target, so that
// halving the shards leaves the stream at under 80% of target. minShards
// and maxShards are the plan at the trough and at the peak; updateTime is
// how long UpdateShardCount takes (0 means DefaultUpdateShardCountTime, a
// negative value at once).
func AdviseAutoscaling(shards, minShards, maxShards int, target float64, updateTime time.Duration) Autoscaling {
	if target <= 0 || target > 1 {
		target = 0.8
	}
	switch {
	case updateTime == 0:
		updateTime = DefaultUpdateShardCountTime
	case updateTime < 0:
		updateTime = 0
	}
	shards = max(shards, 1)
	alarms := func(name, cmp string, util float64, periods, datapoints int) []Alarm {
		perMinute := float64(AlarmPeriodSeconds) * float64(shards) * util
		return []Alarm{
			{Name: name + "-bytes", Metric: "IncomingBytes", Utilization: util, Threshold: math.Round(perMinute * ShardWriteBytesPerSec),
				Shards: shards, Comparison: cmp, EvaluationPeriods: periods, DatapointsToAlarm: datapoints},
			{Name: name + "-records", Metric: "IncomingRecords", Utilization: util, Threshold: math.Round(perMinute * ShardWriteRecordsPerSec),
				Shards: shards, Comparison: cmp, EvaluationPeriods: periods, DatapointsToAlarm: datapoints},
		}
	}
	return Autoscaling{
		ScaleOut:       alarms("scale-out", "GreaterThanThreshold", target, ScaleOutPeriods, ScaleOutDatapoints),
		ScaleIn:        alarms("scale-in", "LessThanThreshold", 0.4*target, ScaleInPeriods, ScaleInDatapoints),
		ScaleOutFactor: 2, ScaleInFactor: 0.5,
		CooldownOut: updateTime + ScaleOutPeriods*AlarmPeriodSeconds*time.Second,
		CooldownIn:  ScaleInCooldown,
		MinShards:   max(min(minShards, shards), 1), MaxShards: max(maxShards, shards),
		MaxPer24h: MaxUpdateShardCountPer24h,
	}
}

// OnDemandCheck is whether a rate profile keeps to on-demand's doubling
// rule, and if not, where it first breaks it.
type OnDemandCheck struct {
	OK bool
	// At is the first second that breaks the rule; DemandBytesPerSec and
	// AllowedBytesPerSec are its demand and allowance (records likewise).
	At                                        time.Duration
	DemandBytesPerSec, AllowedBytesPerSec     float64
	DemandRecordsPerSec, AllowedRecordsPerSec float64
}

// CheckOnDemandGrowth checks seconds seconds of a rate profile against
// on-demand's doubling rule (MODES, FAQ): at every second the demand must
// stay within twice the peak seen before the last OnDemandWindow, and
// within the starting capacity (OnDemandStartBytesPerSec,
// OnDemandStartRecordsPerSec) until traffic has built a peak of its own.
// recordsPerSec is the profile's rate at a time; bytesPerRecord the mean
// record size (data plus key).
func CheckOnDemandGrowth(recordsPerSec func(t time.Duration) float64, seconds int, bytesPerRecord float64) OnDemandCheck {
	window := int(OnDemandWindow / time.Second)
	var peakRecords float64 // the peak settled before the current window
	for s := range seconds {
		if old := s - window; old >= 0 {
			peakRecords = max(peakRecords, recordsPerSec(time.Duration(old)*time.Second))
		}
		r := recordsPerSec(time.Duration(s) * time.Second)
		allowR := max(OnDemandStartRecordsPerSec, 2*peakRecords)
		allowB := max(OnDemandStartBytesPerSec, 2*peakRecords*bytesPerRecord)
		if r > allowR*(1+1e-9) || r*bytesPerRecord > allowB*(1+1e-9) {
			return OnDemandCheck{At: time.Duration(s) * time.Second,
				DemandBytesPerSec: r * bytesPerRecord, AllowedBytesPerSec: allowB,
				DemandRecordsPerSec: r, AllowedRecordsPerSec: allowR}
		}
	}
	return OnDemandCheck{OK: true}
}
