package model

import (
	"math"
	"testing"
)

func priceApprox(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func TestRoundUpTo(t *testing.T) {
	for _, tc := range []struct{ n, inc, want int64 }{
		{-1, 5120, 5120},
		{0, 5120, 5120},
		{1, 5120, 5120},
		{5120, 5120, 5120},
		{5121, 5120, 10240},
		{3 * 1024, 5120, 5120},   // 3 KB → 5 KB (FH-Q example)
		{12 * 1024, 5120, 15360}, // 12 KB → 15 KB
		{42 * 1024, 5120, 46080}, // 42 KB → 45 KB
		{7, 1, 7},
	} {
		if got := RoundUpTo(tc.n, tc.inc); got != tc.want {
			t.Errorf("RoundUpTo(%d, %d) = %d, want %d", tc.n, tc.inc, got, tc.want)
		}
	}
}

func TestRoundUpToPanicsOnBadIncrement(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("RoundUpTo(1, 0) did not panic")
		}
	}()
	RoundUpTo(1, 0)
}

func TestPutPayloadUnits(t *testing.T) {
	for _, tc := range []struct{ bytes, want int64 }{
		{0, 1},
		{1, 1},
		{5 * 1024, 1},
		{25 * 1024, 1},
		{25*1024 + 1, 2},
		{45 * 1024, 2},
		{1 << 20, 41},   // 1,048,576 / 25,600 = 40.96
		{10 << 20, 410}, // 10,485,760 / 25,600 = 409.6
	} {
		if got := PutPayloadUnits(tc.bytes); got != tc.want {
			t.Errorf("PutPayloadUnits(%d) = %d, want %d", tc.bytes, got, tc.want)
		}
	}
}

func TestBilledBytes(t *testing.T) {
	for _, tc := range []struct{ bytes, firehose, onDemand int64 }{
		{0, 5120, 1024},
		{1, 5120, 1024},
		{1000, 5120, 1024},
		{1024, 5120, 1024},
		{4608, 5120, 5120}, // 4.5 KiB: on-demand bills 5 KiB (P-KDS example)
		{5121, 10240, 6144},
	} {
		if got := FirehoseBilledBytes(tc.bytes); got != tc.firehose {
			t.Errorf("FirehoseBilledBytes(%d) = %d, want %d", tc.bytes, got, tc.firehose)
		}
		if got := OnDemandBilledBytes(tc.bytes); got != tc.onDemand {
			t.Errorf("OnDemandBilledBytes(%d) = %d, want %d", tc.bytes, got, tc.onDemand)
		}
	}
}

const (
	bytesTB = 1 << 40
	bytesPB = 1 << 50
)

func TestFirehoseIngestUSD(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bytes float64
		want  float64
	}{
		{"zero", 0, 0},
		// 1,000 records/s × 3,600 × 730 = 2.628e9 records of 1 KB, each
		// billed as 5,120 B: 13,455,360,000,000 B = 12,531.280517578125 GB
		// (2^30), all in the first tier: × $0.029 = $363.4071350097656.
		{"1k rec/s of 1 KB", 2.628e9 * 5120, 12531.280517578125 * 0.029},
		// 500 TB = 512,000 GB × $0.029 = $14,848 exactly at the tier end.
		{"500 TB", 500 * bytesTB, 14848},
		// 600 TB = 614,400 GB: 512,000 × $0.029 + 102,400 × $0.025
		// = $14,848 + $2,560 = $17,408.
		{"600 TB", 600 * bytesTB, 17408},
		// 3 PB = 3,145,728 GB: 512,000 × $0.029 + (2,097,152 − 512,000) ×
		// $0.025 + (3,145,728 − 2,097,152) × $0.020 = $14,848 + $39,628.80
		// + $20,971.52 = $75,448.32.
		{"3 PB", 3 * bytesPB, 75448.32},
	} {
		if got := DefaultPrices.FirehoseIngestUSD(tc.bytes); !priceApprox(got, tc.want) {
			t.Errorf("%s: FirehoseIngestUSD(%g) = %.6f, want %.6f", tc.name, tc.bytes, got, tc.want)
		}
	}
}

func TestFirehoseMonthly(t *testing.T) {
	// 600 TB ingested with every option on: format conversion 614,400 GB ×
	// $0.018 = $11,059.20; dynamic partitioning on 300 TB delivered =
	// 307,200 GB × $0.020 = $6,144 plus 2,000,000 objects = 2,000 × $0.005 =
	// $10 plus 730 JQ hours × $0.07 = $51.10; VPC 307,200 GB × $0.01 =
	// $3,072 plus 3 AZs × 730 h × $0.01 = $21.90.
	u := FirehoseUsage{
		Records:             1e9,
		BilledBytes:         600 * bytesTB,
		DeliveredBytes:      300 * bytesTB,
		Objects:             2e6,
		FormatConversion:    true,
		DynamicPartitioning: true,
		JQHours:             730,
		VPCAZs:              3,
	}
	want := []CostLine{
		{"Firehose ingestion, tier 1", 512000, "GB", 0.029, 14848},
		{"Firehose ingestion, tier 2", 102400, "GB", 0.025, 2560},
		{"Firehose format conversion", 614400, "GB", 0.018, 11059.20},
		{"Firehose dynamic partitioning", 307200, "GB", 0.020, 6144},
		{"Firehose dynamic partitioning objects", 2000, "1,000 objects", 0.005, 10},
		{"Firehose JQ processing", 730, "hour", 0.07, 51.10},
		{"Firehose VPC delivery", 307200, "GB", 0.01, 3072},
		{"Firehose VPC delivery AZ-hours", 2190, "AZ-hour", 0.01, 21.90},
	}
	got := DefaultPrices.FirehoseMonthly(u)
	checkCostLines(t, got, want)
	if total := TotalUSD(got); !priceApprox(total, 37766.20) {
		t.Errorf("TotalUSD = %.6f, want 37766.20", total)
	}

	// Plain Direct PUT: one ingestion line; DeliveredBytes zero falls back
	// to BilledBytes for dynamic partitioning.
	got = DefaultPrices.FirehoseMonthly(FirehoseUsage{BilledBytes: 2.628e9 * 5120})
	checkCostLines(t, got, []CostLine{
		{"Firehose ingestion, tier 1", 12531.280517578125, "GB", 0.029, 363.4071350097656},
	})
	got = DefaultPrices.FirehoseMonthly(FirehoseUsage{BilledBytes: 10 * BillingGB, DynamicPartitioning: true})
	checkCostLines(t, got, []CostLine{
		{"Firehose ingestion, tier 1", 10, "GB", 0.029, 0.29},
		{"Firehose dynamic partitioning", 10, "GB", 0.020, 0.20},
		{"Firehose dynamic partitioning objects", 0, "1,000 objects", 0.005, 0},
	})
}

func TestProvisionedMonthly(t *testing.T) {
	// 4 shards × 730 h × $0.015 = $43.80. 1,000 records/s of 1 KB for a
	// month = 2.628e9 records of 1 PUT payload unit each: 2,628 million ×
	// $0.014 = $36.792. Total $80.592.
	u := KDSUsage{Shards: 4, Records: 2.628e9, PutPayloadUnits: 2.628e9}
	got := DefaultPrices.ProvisionedMonthly(u)
	checkCostLines(t, got, []CostLine{
		{"KDS shard-hours", 2920, "shard-hour", 0.015, 43.80},
		{"KDS PUT payload units", 2628, "million units", 0.014, 36.792},
	})
	if total := TotalUSD(got); !priceApprox(total, 80.592) {
		t.Errorf("TotalUSD = %.6f, want 80.592", total)
	}

	// A 24 h day with 2 EFO consumers reading 100 GB: 10 shards × 24 h ×
	// $0.015 = $3.60; 2 × 10 × 24 = 480 consumer-shard-hours × $0.015 =
	// $7.20 (the FAQ's $0.15/h for 1 consumer × 10 shards, doubled, × 24);
	// 100 GB × $0.013 = $1.30.
	u = KDSUsage{Shards: 10, Hours: 24, EFOConsumers: 2, EFOBytes: 100 * BillingGB, ReadBytes: 5 * BillingGB}
	checkCostLines(t, DefaultPrices.ProvisionedMonthly(u), []CostLine{
		{"KDS shard-hours", 240, "shard-hour", 0.015, 3.60},
		{"KDS PUT payload units", 0, "million units", 0.014, 0},
		{"KDS EFO consumer-shard-hours", 480, "consumer-shard-hour", 0.015, 7.20},
		{"KDS EFO retrieval", 100, "GB", 0.013, 1.30},
	})
}

func TestOnDemandMonthly(t *testing.T) {
	// 730 h × $0.04 = $29.20. 1,000 records/s of 1 KB for a month, each
	// billed as 1,024 B: 2.628e9 × 1,024 = 2,691,072,000,000 B =
	// 2,506.256103515625 GB × $0.08 = $200.50048828125. Reads: 2 × that
	// ingest × $0.04 = $200.50048828125; EFO 100 GB × $0.05 = $5.
	ingest := 2.628e9 * 1024
	u := KDSUsage{Shards: 99, PutPayloadUnits: 1e9, OnDemandBilledBytes: ingest, ReadBytes: 2 * ingest, EFOBytes: 100 * BillingGB}
	got := DefaultPrices.OnDemandMonthly(u)
	checkCostLines(t, got, []CostLine{
		{"KDS on-demand stream-hours", 730, "stream-hour", 0.04, 29.20},
		{"KDS on-demand ingest", 2506.256103515625, "GB", 0.08, 200.50048828125},
		{"KDS on-demand retrieval", 5012.51220703125, "GB", 0.04, 200.50048828125},
		{"KDS on-demand EFO retrieval", 100, "GB", 0.05, 5},
	})
	if total := TotalUSD(got); !priceApprox(total, 435.2009765625) {
		t.Errorf("TotalUSD = %.6f, want 435.2009765625", total)
	}
}

func TestPricesOverride(t *testing.T) {
	p := DefaultPrices
	p.FirehoseIngestTiers[0].USDPerGB = 1
	if DefaultPrices.FirehoseIngestTiers[0].USDPerGB != 0.029 {
		t.Fatal("changing a copy of DefaultPrices changed DefaultPrices")
	}
	if got := p.FirehoseIngestUSD(10 * BillingGB); !priceApprox(got, 10) {
		t.Errorf("FirehoseIngestUSD with tier 1 at $1 = %g, want 10", got)
	}
	// Zero tier bounds mean one unbounded tier.
	p = Prices{FirehoseIngestTiers: [3]PriceTier{{USDPerGB: 0.5}}}
	if got := p.FirehoseIngestUSD(1000 * bytesTB); !priceApprox(got, 1024000*0.5) {
		t.Errorf("single unbounded tier: got %g, want %g", got, 1024000*0.5)
	}
}

func checkCostLines(t *testing.T, got, want []CostLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n got  %+v\n want %+v", len(got), len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Item != w.Item || g.Unit != w.Unit || !priceApprox(g.Quantity, w.Quantity) ||
			!priceApprox(g.UnitPriceUSD, w.UnitPriceUSD) || !priceApprox(g.USD, w.USD) {
			t.Errorf("line %d = %+v, want %+v", i, g, w)
		}
	}
}

// The issue's hand-computed cases, one billing rule each.
func TestIssueCostCases(t *testing.T) {
	// 10 provisioned shards × 730 h = 7,300 shard-hours × $0.015 = $109.50.
	got := DefaultPrices.ProvisionedMonthly(KDSUsage{Shards: 10})
	if got[0].Quantity != 7300 || !priceApprox(got[0].USD, 109.50) {
		t.Errorf("10 shards for a month: %+v, want 7,300 shard-hours = $109.50", got[0])
	}
	// One EFO consumer on 10 shards for an hour: 10 consumer-shard-hours ×
	// $0.015 = $0.15 (the FAQ's example).
	got = DefaultPrices.ProvisionedMonthly(KDSUsage{Shards: 10, EFOConsumers: 1, Hours: 1})
	checkCostLines(t, got, []CostLine{
		{"KDS shard-hours", 10, "shard-hour", 0.015, 0.15},
		{"KDS PUT payload units", 0, "million units", 0.014, 0},
		{"KDS EFO consumer-shard-hours", 10, "consumer-shard-hour", 0.015, 0.15},
	})
	// A 2.5 KiB record bills 3 KiB on-demand; a 12 KiB record bills 15 KiB
	// in Firehose.
	if b := OnDemandBilledBytes(2560); b != 3072 {
		t.Errorf("OnDemandBilledBytes(2560) = %d, want 3072", b)
	}
	if b := FirehoseBilledBytes(12 * 1024); b != 15*1024 {
		t.Errorf("FirehoseBilledBytes(12 KiB) = %d, want 15,360", b)
	}
}

// advantageMinGB is 25 MiB/s for 730 h in GB (2^30 bytes): 25 × 3,600 ×
// 730 = 65,700,000 MiB = 64,160.15625 GB.
const advantageMinGB = 64160.15625

func TestOnDemandAdvantageMonthly(t *testing.T) {
	// Below the commitment: 100 GB written and 50 GB read in a month.
	// Ingest 100 × $0.032 = $3.20, retrieval 50 × $0.016 = $0.80; the
	// shortfalls 64,060.15625 GB × $0.032 = $2,049.925 and 64,110.15625 GB
	// × $0.016 = $1,025.7625. The total, $3,079.6875, is the minimum bill:
	// 64,160.15625 × ($0.032 + $0.016).
	u := KDSUsage{OnDemandBilledBytes: 100 * BillingGB, ReadBytes: 50 * BillingGB}
	got := DefaultPrices.OnDemandAdvantageMonthly(u)
	checkCostLines(t, got, []CostLine{
		{"KDS Advantage ingest", 100, "GB", 0.032, 3.20},
		{"KDS Advantage retrieval", 50, "GB", 0.016, 0.80},
		{"KDS Advantage commitment, ingest below the minimum", advantageMinGB - 100, "GB", 0.032, 2049.925},
		{"KDS Advantage commitment, retrieval below the minimum", advantageMinGB - 50, "GB", 0.016, 1025.7625},
	})
	if total := TotalUSD(got); !priceApprox(total, 3079.6875) {
		t.Errorf("TotalUSD = %.6f, want the minimum 3079.6875", total)
	}
	// Nothing at all still bills the minimum.
	if total := TotalUSD(DefaultPrices.OnDemandAdvantageMonthly(KDSUsage{})); !priceApprox(total, 3079.6875) {
		t.Errorf("idle stream: TotalUSD = %.6f, want 3079.6875", total)
	}

	// Above it: 30 MiB/s written for a month (76,992.1875 GB × $0.032 =
	// $2,463.75) read by two fan-out consumers (153,984.375 GB × $0.016 =
	// $2,463.75): no commitment lines.
	in := 30 * float64(1<<20) * 3600 * 730
	u = KDSUsage{OnDemandBilledBytes: in, EFOBytes: 2 * in, EFOConsumers: 2}
	checkCostLines(t, DefaultPrices.OnDemandAdvantageMonthly(u), []CostLine{
		{"KDS Advantage ingest", 76992.1875, "GB", 0.032, 2463.75},
		{"KDS Advantage EFO retrieval", 153984.375, "GB", 0.016, 2463.75},
	})

	// A day is held to a day's minimum: 25 MiB/s × 86,400 s = 2,109.375 GB.
	got = DefaultPrices.OnDemandAdvantageMonthly(KDSUsage{Hours: 24})
	checkCostLines(t, got, []CostLine{
		{"KDS Advantage ingest", 0, "GB", 0.032, 0},
		{"KDS Advantage commitment, ingest below the minimum", 2109.375, "GB", 0.032, 67.5},
		{"KDS Advantage commitment, retrieval below the minimum", 2109.375, "GB", 0.016, 33.75},
	})

	// A price set with a stream-hour price and no minimum.
	p := DefaultPrices
	p.OnDemandAdvantageStreamHourUSD, p.OnDemandAdvantageMinIngestMiBPerSec, p.OnDemandAdvantageMinRetrievalMiBPerSec = 0.01, 0, 0
	checkCostLines(t, p.OnDemandAdvantageMonthly(KDSUsage{OnDemandBilledBytes: BillingGB}), []CostLine{
		{"KDS Advantage stream-hours", 730, "stream-hour", 0.01, 7.30},
		{"KDS Advantage ingest", 1, "GB", 0.032, 0.032},
	})
}

func TestRetentionCharges(t *testing.T) {
	// 1 MiB/s kept 30 days (720 h): 1 × 3,600 × 720 = 2,592,000 MiB =
	// 2,531.25 GB stored. With ages spread evenly, 552/720 of it is older
	// than 7 days (1,940.625 GB) and 144/720 is 24 h to 7 days old
	// (506.25 GB); 696/720 is older than 24 h (2,446.875 GB).
	stored := StoredBytesFor(1<<20, 720)
	if stored != 2531.25*BillingGB {
		t.Fatalf("StoredBytesFor(1 MiB/s, 720 h) = %g, want 2,531.25 GB", stored)
	}
	u := KDSUsage{Shards: 10, RetentionHours: 720, StoredBytes: stored}
	// Provisioned: 7,300 shard-hours × $0.020 = $146 of extended retention
	// and 1,940.625 GB-months × $0.023 = $44.634375 of long-term.
	got := DefaultPrices.ProvisionedMonthly(u)
	checkCostLines(t, got[2:], []CostLine{
		{"KDS extended retention", 7300, "shard-hour", 0.020, 146},
		{"KDS long-term retention", 1940.625, "GB-month", 0.023, 44.634375},
	})
	// On-demand Standard: 506.25 × $0.10 = $50.625 extended, and the same
	// $44.634375 long-term.
	checkCostLines(t, DefaultPrices.OnDemandMonthly(u)[2:], []CostLine{
		{"KDS on-demand extended retention", 506.25, "GB-month", 0.10, 50.625},
		{"KDS on-demand long-term retention", 1940.625, "GB-month", 0.023, 44.634375},
	})
	// On-demand Advantage: one rate beyond 24 h, 2,446.875 × $0.023 =
	// $56.278125.
	adv := DefaultPrices.OnDemandAdvantageMonthly(u)
	checkCostLines(t, adv[len(adv)-1:], []CostLine{
		{"KDS Advantage extended retention", 2446.875, "GB-month", 0.023, 56.278125},
	})

	// 48 h retention over one day, 10 GB stored: half of it is older than
	// 24 h, 5 GB × 24/730 of a month = 0.1643835… GB-months × $0.10; the
	// provisioned charge is 10 shards × 24 h × $0.020 = $4.80 and there is
	// no long-term line.
	u = KDSUsage{Shards: 10, Hours: 24, RetentionHours: 48, StoredBytes: 10 * BillingGB}
	checkCostLines(t, DefaultPrices.OnDemandMonthly(u)[2:], []CostLine{
		{"KDS on-demand extended retention", 5 * 24.0 / 730, "GB-month", 0.10, 0.5 * 24 / 730},
	})
	checkCostLines(t, DefaultPrices.ProvisionedMonthly(u)[2:], []CostLine{
		{"KDS extended retention", 240, "shard-hour", 0.020, 4.80},
	})

	// The default 24 h (or zero, or less) adds nothing in any mode.
	for _, h := range []float64{0, 12, 24} {
		u := KDSUsage{Shards: 2, RetentionHours: h, StoredBytes: 5 * BillingGB}
		if n := len(DefaultPrices.ProvisionedMonthly(u)); n != 2 {
			t.Errorf("retention %g h: %d provisioned lines, want 2", h, n)
		}
		if n := len(DefaultPrices.OnDemandMonthly(u)); n != 2 {
			t.Errorf("retention %g h: %d on-demand lines, want 2", h, n)
		}
	}
	if got := StoredBytesFor(100, 0); got != 100*3600*24 {
		t.Errorf("StoredBytesFor(100, 0) = %g, want a day's bytes", got)
	}
}
