package model

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// Thresholds for 10 shards at a target of 80%: scale out above 0.8 × 10 ×
// 1 MiB × 60 s = 503,316,480 bytes (and 0.8 × 10 × 1,000 × 60 = 480,000
// records) a minute, in 2 of 3 minutes; scale in below 0.32 of the limit
// (201,326,592 bytes, 192,000 records) for 15 of 15 minutes.
func TestAdviseAutoscaling(t *testing.T) {
	a := AdviseAutoscaling(10, 4, 16, 0.8, 2*time.Minute)
	want := []struct {
		alarm                  Alarm
		threshold, utilization float64
	}{
		{a.ScaleOut[0], 503316480, 0.8}, {a.ScaleOut[1], 480000, 0.8},
		{a.ScaleIn[0], 201326592, 0.32}, {a.ScaleIn[1], 192000, 0.32},
	}
	for _, w := range want {
		if w.alarm.Threshold != w.threshold || math.Abs(w.alarm.Utilization-w.utilization) > 1e-12 || w.alarm.Shards != 10 {
			t.Errorf("%s: threshold %v at %v, want %v at %v", w.alarm.Name, w.alarm.Threshold, w.alarm.Utilization, w.threshold, w.utilization)
		}
	}
	if o := a.ScaleOut[0]; o.Comparison != "GreaterThanThreshold" || o.DatapointsToAlarm != 2 || o.EvaluationPeriods != 3 || o.Metric != "IncomingBytes" {
		t.Errorf("scale-out alarm %+v", o)
	}
	if i := a.ScaleIn[1]; i.Comparison != "LessThanThreshold" || i.DatapointsToAlarm != 15 || i.EvaluationPeriods != 15 || i.Metric != "IncomingRecords" {
		t.Errorf("scale-in alarm %+v", i)
	}
	// Steps within UpdateShardCount's half-to-double; cooldown out = 2 min
	// of resharding + 3 minutes of evaluation; four scale-ins a day at most.
	if a.ScaleOutFactor != 2 || a.ScaleInFactor != 0.5 || a.CooldownOut != 5*time.Minute || a.CooldownIn != 6*time.Hour ||
		a.MinShards != 4 || a.MaxShards != 16 || a.MaxPer24h != 10 {
		t.Errorf("advice %+v", a)
	}
	if scaleIns := int(24 * time.Hour / a.CooldownIn); scaleIns+6 > a.MaxPer24h {
		t.Errorf("%d scale-ins a day leave fewer than 6 of %d UpdateShardCount calls for scaling out", scaleIns, a.MaxPer24h)
	}
	b, err := a.ScaleOut[0].CloudWatchJSON("orders")
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	if in["AlarmName"] != "orders-scale-out-bytes" || in["Namespace"] != "AWS/Kinesis" || in["MetricName"] != "IncomingBytes" ||
		in["Period"] != float64(60) || in["Threshold"] != float64(503316480) || in["Statistic"] != "Sum" {
		t.Errorf("alarm JSON %s", b)
	}
	// Defaults: target 0 → 0.8, update time 0 → 3 minutes.
	if d := AdviseAutoscaling(1, 1, 1, 0, 0); d.ScaleOut[0].Utilization != 0.8 || d.CooldownOut != 6*time.Minute {
		t.Errorf("defaults %+v", d)
	}
}

// The doubling rule with records of 1 KiB: from 1,000 records/s, a step to
// 3,000 stays within the 4,000 records/s (4 MiB/s) a new stream starts
// with, and a step to 5,000 breaks it at once. After 20 minutes at 3,000
// (a peak settled for more than the 15-minute window) a step to 6,000 is
// twice that peak and allowed; a step to 7,000 is more and breaks the rule
// at its first second.
func TestCheckOnDemandGrowth(t *testing.T) {
	step := func(at time.Duration, before, after float64) func(time.Duration) float64 {
		return func(t time.Duration) float64 {
			if t < at {
				return before
			}
			return after
		}
	}
	for _, tc := range []struct {
		name    string
		rate    func(time.Duration) float64
		ok      bool
		atS     int
		allowed float64 // records/s allowed at the breaking second
	}{
		{"within the start", step(10*time.Minute, 1000, 3000), true, 0, 0},
		{"beyond the start", step(10*time.Minute, 1000, 5000), false, 600, 4000},
		{"doubling a settled peak", step(20*time.Minute, 3000, 6000), true, 0, 0},
		{"more than doubling", step(20*time.Minute, 3000, 7000), false, 1200, 6000},
	} {
		c := CheckOnDemandGrowth(tc.rate, 3600, 1024)
		if c.OK != tc.ok || (!tc.ok && (c.At != time.Duration(tc.atS)*time.Second || c.AllowedRecordsPerSec != tc.allowed)) {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
}

// Scale in needs both metrics low: the composite alarm's rule joins the two
// scale-in alarms with AND; missing data (no traffic) counts as low for
// scale-in and as not high for scale-out.
func TestScaleInComposite(t *testing.T) {
	a := AdviseAutoscaling(4, 1, 8, 0.8, time.Minute)
	b, err := a.ScaleInCompositeJSON("s")
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]string
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	if in["AlarmRule"] != `ALARM("s-scale-in-bytes") AND ALARM("s-scale-in-records")` || in["AlarmName"] != "s-scale-in" {
		t.Errorf("composite %s", b)
	}
	for _, al := range []struct {
		a    Alarm
		want string
	}{{a.ScaleIn[0], "breaching"}, {a.ScaleOut[0], "notBreaching"}} {
		b, _ := al.a.CloudWatchJSON("s")
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if m["TreatMissingData"] != al.want {
			t.Errorf("%s: TreatMissingData %v, want %s", al.a.Name, m["TreatMissingData"], al.want)
		}
	}
}
