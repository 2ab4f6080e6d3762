package model

import "fmt"

// Billing units (kinesis-facts §6, §8).
const (
	// BillingGB is the bytes in one billed "GB". AWS price pages say "GB"
	// without defining it; spillway assumes 2^30 bytes, as AWS data-transfer
	// billing does in practice, and likewise TB = 2^40 and PB = 2^50 bytes
	// for the Firehose tier bounds. This is spillway's assumption, not a
	// sourced fact.
	BillingGB = 1 << 30
	// HoursPerMonth is the hours in a billing month, the AWS pricing
	// convention. Source: INFRA (730 h = $10.95 per shard).
	HoursPerMonth = 730
	// PutPayloadUnitBytes is the size of one KDS PUT payload unit: each
	// record is billed in 25 KB chunks, at least one. The sources say "KB";
	// spillway counts 25 KiB = 25,600 bytes, so a 1 MiB record is 41 units
	// where P-KDS-OLD's decimal example ("1 MB = 40 units") gives 40.
	// Source: P-KDS-OLD, FAQ.
	PutPayloadUnitBytes = 25 * 1024
	// OnDemandBillingIncrementBytes is the increment each record's size is
	// rounded up to for on-demand ingest billing (1 KB = 1,024 bytes).
	// Source: P-KDS.
	OnDemandBillingIncrementBytes = 1024
	// FirehoseBillingIncrementBytes is the increment each record's size is
	// rounded up to for Firehose ingestion and format-conversion billing
	// (5 KB = 5,120 bytes). Source: FH-Q, P-FH.
	FirehoseBillingIncrementBytes = 5 * 1024
)

// PriceTier is one step of a volume-tiered price.
type PriceTier struct {
	// UpToGB is the cumulative monthly volume, in BillingGB, at which the
	// tier ends; zero means the tier has no end.
	UpToGB float64 `json:"up_to_gb"`
	// USDPerGB is the price of each GB within the tier.
	USDPerGB float64 `json:"usd_per_gb"`
}

// Prices holds every price the cost model uses for one Region, in US
// dollars. A zero price means the dimension is free (the On-demand Advantage
// stream-hour is); PriceTable and LoadPricing keep each Region's set with
// its as-of date and source, so that a Region without prices is an error
// rather than a guess.
//
// No figure of DefaultPrices comes from an official AWS price table: the
// KDS prices are infracost's us-east-1 test output (INFRA, last changed
// 2024-07-01) checked against secondary sources (SEC), the On-demand
// Advantage prices are derived from the percentages of BLOG-ODA, and the
// Firehose prices come only from secondary sources that agree with each
// other (kinesis-facts §6, §8 provenance warnings). Check them against the
// AWS Price List API before relying on a bill.
type Prices struct {
	// AsOf says when the prices were current or last checked: free text,
	// an ISO date (2026-01-15) where there is one. "" means unknown.
	AsOf string `json:"as_of"`
	// Source says where the prices come from (a URL, the Price List API
	// and its date, a contract). "" means unknown.
	Source string `json:"source"`

	// ShardHourUSD is the provisioned price per shard per hour.
	// Source: INFRA, SEC.
	ShardHourUSD float64 `json:"shard_hour_usd"`
	// PutPayloadUnitsPerMillionUSD is the provisioned price per million PUT
	// payload units (see PutPayloadUnitBytes). Source: INFRA.
	PutPayloadUnitsPerMillionUSD float64 `json:"put_payload_units_per_million_usd"`
	// ExtendedRetentionShardHourUSD is the provisioned price per shard-hour,
	// for every shard, while retention is above 24 h and at most 7 days.
	// infracost labels the unit "GB"; its usage type and the FAQ make it a
	// shard-hour (kinesis-facts §11 item 18). Source: INFRA, SEC.
	ExtendedRetentionShardHourUSD float64 `json:"extended_retention_shard_hour_usd"`
	// LongTermRetentionGBMonthUSD is the provisioned price per GB-month
	// stored beyond 7 days. Source: INFRA, SEC.
	LongTermRetentionGBMonthUSD float64 `json:"long_term_retention_gb_month_usd"`
	// LongTermRetrievalGBUSD is the provisioned price per GB read of data
	// older than 7 days; another recollection is $0.0203 (unconfirmed).
	// Source: INFRA, SEC.
	LongTermRetrievalGBUSD float64 `json:"long_term_retrieval_gb_usd"`
	// EFOConsumerShardHourUSD is the provisioned enhanced fan-out price per
	// registered consumer per shard per hour. Source: INFRA, FAQ.
	EFOConsumerShardHourUSD float64 `json:"efo_consumer_shard_hour_usd"`
	// EFORetrievalGBUSD is the provisioned enhanced fan-out price per GB
	// read. Source: INFRA, SEC.
	EFORetrievalGBUSD float64 `json:"efo_retrieval_gb_usd"`

	// OnDemandStreamHourUSD is the on-demand Standard price per stream per
	// hour. Source: INFRA.
	OnDemandStreamHourUSD float64 `json:"on_demand_stream_hour_usd"`
	// OnDemandIngestGBUSD is the on-demand Standard price per GB written,
	// each record rounded up to OnDemandBillingIncrementBytes.
	// Source: INFRA, P-KDS.
	OnDemandIngestGBUSD float64 `json:"on_demand_ingest_gb_usd"`
	// OnDemandRetrievalGBUSD is the on-demand Standard price per GB read
	// with GetRecords; whether reads are rounded per record is unconfirmed.
	// Source: INFRA.
	OnDemandRetrievalGBUSD float64 `json:"on_demand_retrieval_gb_usd"`
	// OnDemandEFORetrievalGBUSD is the on-demand Standard price per GB read
	// by enhanced fan-out consumers; whether there is also an hourly EFO
	// charge is unconfirmed. Source: INFRA.
	OnDemandEFORetrievalGBUSD float64 `json:"on_demand_efo_retrieval_gb_usd"`
	// OnDemandExtendedRetentionGBMonthUSD is the on-demand Standard price
	// per GB-month stored while retention is above 24 h. Source: INFRA, SEC.
	OnDemandExtendedRetentionGBMonthUSD float64 `json:"on_demand_extended_retention_gb_month_usd"`
	// OnDemandLongTermRetentionGBMonthUSD is the on-demand Standard price
	// per GB-month stored beyond 7 days. Source: INFRA.
	OnDemandLongTermRetentionGBMonthUSD float64 `json:"on_demand_long_term_retention_gb_month_usd"`

	// OnDemandAdvantageStreamHourUSD is the On-demand Advantage price per
	// stream per hour: zero, Advantage has no per-stream charge.
	// Source: MODES, BLOG-ODA.
	OnDemandAdvantageStreamHourUSD float64 `json:"on_demand_advantage_stream_hour_usd"`
	// OnDemandAdvantageIngestGBUSD is the On-demand Advantage price per GB
	// written, each record rounded up to OnDemandBillingIncrementBytes (the
	// rounding is assumed to be Standard's). Derived: 60% below Standard's
	// $0.08 (BLOG-ODA; one secondary source agrees).
	OnDemandAdvantageIngestGBUSD float64 `json:"on_demand_advantage_ingest_gb_usd"`
	// OnDemandAdvantageRetrievalGBUSD is the On-demand Advantage price per
	// GB read with GetRecords. Derived: 60% below Standard's $0.04
	// (BLOG-ODA).
	OnDemandAdvantageRetrievalGBUSD float64 `json:"on_demand_advantage_retrieval_gb_usd"`
	// OnDemandAdvantageEFORetrievalGBUSD is the On-demand Advantage price
	// per GB read by enhanced fan-out consumers. Derived: 68% below
	// Standard's $0.05, the same as shared retrieval (BLOG-ODA, MODES).
	OnDemandAdvantageEFORetrievalGBUSD float64 `json:"on_demand_advantage_efo_retrieval_gb_usd"`
	// OnDemandAdvantageExtendedRetentionGBMonthUSD is the On-demand
	// Advantage price per GB-month stored beyond the first 24 h, up to a
	// year (Advantage has no separate long-term rate). Derived: 77% below
	// Standard's $0.10 (FAQ, BLOG-ODA).
	OnDemandAdvantageExtendedRetentionGBMonthUSD float64 `json:"on_demand_advantage_extended_retention_gb_month_usd"`
	// OnDemandAdvantageMinIngestMiBPerSec and
	// OnDemandAdvantageMinRetrievalMiBPerSec are the On-demand Advantage
	// commitment: ingest and retrieval are billed, at Advantage rates, for
	// at least this many MiB (1,048,576 bytes) per second. AWS applies it
	// per Region across all on-demand streams; OnDemandAdvantageMonthly
	// applies it to the one stream it prices. Zero means no minimum.
	// Source: MODES, FAQ.
	OnDemandAdvantageMinIngestMiBPerSec    float64 `json:"on_demand_advantage_min_ingest_mib_per_sec"`
	OnDemandAdvantageMinRetrievalMiBPerSec float64 `json:"on_demand_advantage_min_retrieval_mib_per_sec"`

	// FirehoseIngestTiers are the Firehose ingestion prices (Direct PUT or
	// KDS source) by monthly billed volume, in ascending order of UpToGB.
	// Source: SEC.
	FirehoseIngestTiers [3]PriceTier `json:"firehose_ingest_tiers"`
	// FormatConversionGBUSD is the Firehose Parquet/ORC conversion price
	// per GB ingested, in FirehoseBillingIncrementBytes increments.
	// Source: SEC, P-FH.
	FormatConversionGBUSD float64 `json:"format_conversion_gb_usd"`
	// DynamicPartitioningGBUSD is the Firehose dynamic partitioning price
	// per GB delivered to S3. Source: SEC, P-FH.
	DynamicPartitioningGBUSD float64 `json:"dynamic_partitioning_gb_usd"`
	// DynamicPartitioningPer1000ObjectsUSD is the Firehose dynamic
	// partitioning price per 1,000 S3 objects delivered. Source: SEC, P-FH.
	DynamicPartitioningPer1000ObjectsUSD float64 `json:"dynamic_partitioning_per_1000_objects_usd"`
	// DynamicPartitioningJQHourUSD is the Firehose price per JQ processing
	// hour, charged only when partition keys are parsed with JQ.
	// Source: SEC, P-FH.
	DynamicPartitioningJQHourUSD float64 `json:"dynamic_partitioning_jq_hour_usd"`
	// FirehoseVPCGBUSD is the Firehose price per GB processed for delivery
	// into a VPC. Source: SEC, P-FH.
	FirehoseVPCGBUSD float64 `json:"firehose_vpc_gb_usd"`
	// FirehoseVPCAZHourUSD is the Firehose price per hour per Availability
	// Zone for delivery into a VPC, partial hours billed as full.
	// Source: SEC, P-FH.
	FirehoseVPCAZHourUSD float64 `json:"firehose_vpc_az_hour_usd"`

	// S3PutPer1000USD is the S3 price per 1,000 PUT (and multipart)
	// requests, the cost that Firehose buffer settings change. It is NOT
	// from kinesis-facts (no S3 price was sourced there): the default is
	// S3 Standard's long-published us-east-1 figure, $0.005, to verify
	// against the S3 pricing page.
	S3PutPer1000USD float64 `json:"s3_put_per_1000_usd"`
}

// Firehose ingestion tier ends, in BillingGB: 500 TB and 500 TB + 1.5 PB.
const (
	firehoseTier1GB = 500 << 10
	firehoseTier2GB = 2 << 20
)

// DefaultPrices are the us-east-1 prices of kinesis-facts §6 and §8, the
// only Region the facts cover (DefaultPriceTable). The On-demand Advantage
// rates are derived from the launch blog's percentages, not read from a
// price table. The last Firehose tier is published as "next 3 PB" (2–5 PB);
// spillway applies it to all volume above 2 PB.
var DefaultPrices = Prices{
	AsOf: "KDS 2024-07-01 (INFRA); On-demand Advantage 2025-11-03 (BLOG-ODA); Firehose undated (SEC)",
	Source: "kinesis-facts §6, §8: KDS from infracost's us-east-1 test output checked against secondary sources; " +
		"On-demand Advantage derived from the launch blog's percentages; Firehose from secondary sources only; " +
		"S3 PUT unverified; none read from the AWS price table, verify before relying on a bill",

	ShardHourUSD:                  0.015,
	PutPayloadUnitsPerMillionUSD:  0.014,
	ExtendedRetentionShardHourUSD: 0.020,
	LongTermRetentionGBMonthUSD:   0.023,
	LongTermRetrievalGBUSD:        0.021,
	EFOConsumerShardHourUSD:       0.015,
	EFORetrievalGBUSD:             0.013,

	OnDemandStreamHourUSD:               0.04,
	OnDemandIngestGBUSD:                 0.08,
	OnDemandRetrievalGBUSD:              0.04,
	OnDemandEFORetrievalGBUSD:           0.05,
	OnDemandExtendedRetentionGBMonthUSD: 0.10,
	OnDemandLongTermRetentionGBMonthUSD: 0.023,

	OnDemandAdvantageStreamHourUSD:               0,
	OnDemandAdvantageIngestGBUSD:                 0.032, // derived: $0.08 less 60%
	OnDemandAdvantageRetrievalGBUSD:              0.016, // derived: $0.04 less 60%
	OnDemandAdvantageEFORetrievalGBUSD:           0.016, // derived: $0.05 less 68%
	OnDemandAdvantageExtendedRetentionGBMonthUSD: 0.023, // derived: $0.10 less 77%
	OnDemandAdvantageMinIngestMiBPerSec:          25,
	OnDemandAdvantageMinRetrievalMiBPerSec:       25,

	FirehoseIngestTiers: [3]PriceTier{
		{UpToGB: firehoseTier1GB, USDPerGB: 0.029},
		{UpToGB: firehoseTier2GB, USDPerGB: 0.025},
		{UpToGB: 0, USDPerGB: 0.020},
	},
	FormatConversionGBUSD:                0.018,
	DynamicPartitioningGBUSD:             0.020,
	DynamicPartitioningPer1000ObjectsUSD: 0.005,
	DynamicPartitioningJQHourUSD:         0.07,
	FirehoseVPCGBUSD:                     0.01,
	FirehoseVPCAZHourUSD:                 0.01,
	S3PutPer1000USD:                      0.005, // unverified: see the field
}

// RoundUpTo returns n rounded up to a multiple of increment. A record of n
// ≤ 0 bytes still bills one increment, so RoundUpTo returns increment for
// it. It panics if increment is not positive.
func RoundUpTo(n, increment int64) int64 {
	if increment <= 0 {
		panic(fmt.Sprintf("model.RoundUpTo: increment %d is not positive", increment))
	}
	if n <= 0 {
		return increment
	}
	return ((n-1)/increment + 1) * increment
}

// PutPayloadUnits returns the KDS PUT payload units a record of recordBytes
// bytes costs: ceil(recordBytes / 25 KiB), at least 1. A 5 KiB record is
// 1 unit, 45 KiB is 2 and 1 MiB (1,048,576 / 25,600 = 40.96) is 41.
func PutPayloadUnits(recordBytes int64) int64 {
	return RoundUpTo(recordBytes, PutPayloadUnitBytes) / PutPayloadUnitBytes
}

// FirehoseBilledBytes returns the bytes Firehose bills for one record of
// recordBytes bytes: rounded up to 5,120, at least 5,120.
func FirehoseBilledBytes(recordBytes int64) int64 {
	return RoundUpTo(recordBytes, FirehoseBillingIncrementBytes)
}

// OnDemandBilledBytes returns the bytes KDS on-demand bills as ingest for
// one record of recordBytes bytes: rounded up to 1,024, at least 1,024.
func OnDemandBilledBytes(recordBytes int64) int64 {
	return RoundUpTo(recordBytes, OnDemandBillingIncrementBytes)
}

// CostLine is one item of a bill: Quantity of Unit at UnitPriceUSD each
// comes to USD.
type CostLine struct {
	Item         string  `json:"item"`
	Quantity     float64 `json:"quantity"`
	Unit         string  `json:"unit"`
	UnitPriceUSD float64 `json:"unit_price_usd"`
	USD          float64 `json:"usd"`
}

// TotalUSD returns the sum of the lines' USD.
func TotalUSD(lines []CostLine) float64 {
	var sum float64
	for _, l := range lines {
		sum += l.USD
	}
	return sum
}

func costLine(item string, quantity float64, unit string, unitPriceUSD float64) CostLine {
	return CostLine{Item: item, Quantity: quantity, Unit: unit, UnitPriceUSD: unitPriceUSD, USD: quantity * unitPriceUSD}
}

func monthHours(h float64) float64 {
	if h == 0 {
		return HoursPerMonth
	}
	return h
}

// FirehoseIngestUSD returns the Firehose ingestion charge for a month in
// which billedBytesPerMonth bytes (already rounded per record, see
// FirehoseBilledBytes) were ingested, applying the volume tiers.
func (p Prices) FirehoseIngestUSD(billedBytesPerMonth float64) float64 {
	return TotalUSD(p.firehoseIngestLines(billedBytesPerMonth))
}

// firehoseIngestLines returns one line per ingestion tier used; always at
// least the first.
func (p Prices) firehoseIngestLines(billedBytes float64) []CostLine {
	gb := billedBytes / BillingGB
	var lines []CostLine
	var from float64
	for i, t := range p.FirehoseIngestTiers {
		to := t.UpToGB
		last := to == 0 || i == len(p.FirehoseIngestTiers)-1
		if last || gb < to {
			to = gb
		}
		if i > 0 && to <= from {
			break
		}
		lines = append(lines, costLine(fmt.Sprintf("Firehose ingestion, tier %d", i+1), max(to-from, 0), "GB", t.USDPerGB))
		if last {
			break
		}
		from = to
	}
	return lines
}

// FirehoseUsage is one Firehose stream's usage over a month (or over Hours).
// Zero fields mean none.
type FirehoseUsage struct {
	// Records is the records ingested. Nothing is priced per record (the
	// per-record rounding is in BilledBytes); it is kept for reports.
	Records float64
	// BilledBytes is the bytes ingested, each record rounded up with
	// FirehoseBilledBytes.
	BilledBytes float64
	// DeliveredBytes is the bytes delivered to the destination, for the
	// dynamic partitioning and VPC per-GB charges; zero means BilledBytes,
	// an overestimate.
	DeliveredBytes float64
	// Objects is the S3 objects delivered.
	Objects float64
	// FormatConversion is whether Parquet/ORC conversion is on.
	FormatConversion bool
	// DynamicPartitioning is whether dynamic partitioning is on.
	DynamicPartitioning bool
	// JQHours is the JQ processing hours, billed only with
	// DynamicPartitioning.
	JQHours float64
	// VPCAZs is the Availability Zones of a VPC destination; zero means the
	// destination is not in a VPC.
	VPCAZs float64
	// Hours is the hours the usage covers, for the VPC hourly charge; zero
	// means HoursPerMonth.
	Hours float64
}

// FirehoseMonthly returns u's Firehose charges line by line: ingestion per
// tier, then format conversion, dynamic partitioning and VPC delivery when
// used. Destination charges (S3 requests and storage) are not included.
func (p Prices) FirehoseMonthly(u FirehoseUsage) []CostLine {
	lines := p.firehoseIngestLines(u.BilledBytes)
	billedGB := u.BilledBytes / BillingGB
	deliveredGB := u.DeliveredBytes / BillingGB
	if u.DeliveredBytes == 0 {
		deliveredGB = billedGB
	}
	if u.FormatConversion {
		lines = append(lines, costLine("Firehose format conversion", billedGB, "GB", p.FormatConversionGBUSD))
	}
	if u.DynamicPartitioning {
		lines = append(lines,
			costLine("Firehose dynamic partitioning", deliveredGB, "GB", p.DynamicPartitioningGBUSD),
			costLine("Firehose dynamic partitioning objects", u.Objects/1000, "1,000 objects", p.DynamicPartitioningPer1000ObjectsUSD))
		if u.JQHours > 0 {
			lines = append(lines, costLine("Firehose JQ processing", u.JQHours, "hour", p.DynamicPartitioningJQHourUSD))
		}
	}
	if u.VPCAZs > 0 {
		lines = append(lines,
			costLine("Firehose VPC delivery", deliveredGB, "GB", p.FirehoseVPCGBUSD),
			costLine("Firehose VPC delivery AZ-hours", u.VPCAZs*monthHours(u.Hours), "AZ-hour", p.FirehoseVPCAZHourUSD))
	}
	return lines
}

// KDSUsage is one Kinesis data stream's usage over a month (or over Hours).
// Zero fields mean none, except Hours and RetentionHours.
type KDSUsage struct {
	// Shards is the open shards (provisioned mode), averaged over Hours.
	Shards float64
	// Records is the records written. Nothing is priced per record; it is
	// kept for reports.
	Records float64
	// PutPayloadUnits is the sum of PutPayloadUnits over the records
	// written (provisioned mode).
	PutPayloadUnits float64
	// OnDemandBilledBytes is the sum of OnDemandBilledBytes over the records
	// written (on-demand modes).
	OnDemandBilledBytes float64
	// ReadBytes is the bytes read with GetRecords; free in provisioned mode.
	ReadBytes float64
	// EFOConsumers is the enhanced fan-out consumers registered, averaged
	// over Hours.
	EFOConsumers float64
	// EFOBytes is the bytes read by enhanced fan-out consumers.
	EFOBytes float64
	// Hours is the hours the usage covers; zero means HoursPerMonth.
	Hours float64
	// RetentionHours is the stream's retention period in hours (24 to
	// 8,760). Zero, or anything up to 24, means the default 24 h, which
	// costs nothing extra.
	RetentionHours float64
	// StoredBytes is the bytes the stream holds on average over Hours:
	// records of every age up to RetentionHours, as StoredBytesFor gives
	// for a steady ingest rate. The per-GB-month retention charges split it
	// by age assuming that steady rate (ages spread evenly over the
	// retention period). Zero means nothing stored, so no per-GB retention
	// charge; the provisioned extended-retention charge is per shard-hour
	// and does not use it.
	StoredBytes float64
}

// Retention period bounds, in hours: the free default and the end of
// extended retention, beyond which long-term retention prices apply
// (kinesis-facts §5).
const (
	DefaultRetentionHours  = 24
	ExtendedRetentionHours = 7 * 24
)

// StoredBytesFor is the bytes a stream holds at a steady ingest of
// bytesPerSec with a retention period of retentionHours (zero or less than
// 24 meaning the default 24 h): bytesPerSec × 3,600 × retentionHours.
func StoredBytesFor(bytesPerSec, retentionHours float64) float64 {
	return bytesPerSec * 3600 * retentionHoursOf(retentionHours)
}

func retentionHoursOf(h float64) float64 {
	if !(h > DefaultRetentionHours) {
		return DefaultRetentionHours
	}
	return h
}

// storedGBMonths is the GB-months, over u's hours, of u's stored bytes
// whose age is between fromHours and toHours, with ages spread evenly over
// the retention period.
func (u KDSUsage) storedGBMonths(fromHours, toHours float64) float64 {
	ret := retentionHoursOf(u.RetentionHours)
	toHours = min(toHours, ret)
	if toHours <= fromHours || u.StoredBytes <= 0 {
		return 0
	}
	share := (toHours - fromHours) / ret
	return u.StoredBytes * share / BillingGB * monthHours(u.Hours) / HoursPerMonth
}

// ProvisionedMonthly returns u's charges in provisioned mode line by line:
// shard-hours and PUT payload units, then enhanced fan-out when used, then
// retention when RetentionHours is above 24: extended retention on every
// shard-hour, and above 7 days long-term retention on the GB-months stored
// beyond 7 days. Reads of data older than 7 days (LongTermRetrievalGBUSD)
// are not included: spillway's consumers read at the tip.
func (p Prices) ProvisionedMonthly(u KDSUsage) []CostLine {
	h := monthHours(u.Hours)
	lines := []CostLine{
		costLine("KDS shard-hours", u.Shards*h, "shard-hour", p.ShardHourUSD),
		costLine("KDS PUT payload units", u.PutPayloadUnits/1e6, "million units", p.PutPayloadUnitsPerMillionUSD),
	}
	if u.EFOConsumers > 0 {
		lines = append(lines, costLine("KDS EFO consumer-shard-hours", u.EFOConsumers*u.Shards*h, "consumer-shard-hour", p.EFOConsumerShardHourUSD))
	}
	if u.EFOBytes > 0 {
		lines = append(lines, costLine("KDS EFO retrieval", u.EFOBytes/BillingGB, "GB", p.EFORetrievalGBUSD))
	}
	if u.RetentionHours > DefaultRetentionHours {
		lines = append(lines, costLine("KDS extended retention", u.Shards*h, "shard-hour", p.ExtendedRetentionShardHourUSD))
	}
	if u.RetentionHours > ExtendedRetentionHours {
		lines = append(lines, costLine("KDS long-term retention", u.storedGBMonths(ExtendedRetentionHours, u.RetentionHours), "GB-month", p.LongTermRetentionGBMonthUSD))
	}
	return lines
}

// OnDemandMonthly returns u's charges for one stream in on-demand Standard
// mode line by line: stream-hours and ingest, then retrieval and enhanced
// fan-out retrieval when used, then retention when RetentionHours is above
// 24: extended retention on the GB-months stored aged 24 h to 7 days, and
// long-term retention on those beyond 7 days (spillway reads the extended
// price as applying to data older than 24 h, as Advantage's does). Shards,
// PutPayloadUnits and EFOConsumers are ignored.
func (p Prices) OnDemandMonthly(u KDSUsage) []CostLine {
	lines := []CostLine{
		costLine("KDS on-demand stream-hours", monthHours(u.Hours), "stream-hour", p.OnDemandStreamHourUSD),
		costLine("KDS on-demand ingest", u.OnDemandBilledBytes/BillingGB, "GB", p.OnDemandIngestGBUSD),
	}
	if u.ReadBytes > 0 {
		lines = append(lines, costLine("KDS on-demand retrieval", u.ReadBytes/BillingGB, "GB", p.OnDemandRetrievalGBUSD))
	}
	if u.EFOBytes > 0 {
		lines = append(lines, costLine("KDS on-demand EFO retrieval", u.EFOBytes/BillingGB, "GB", p.OnDemandEFORetrievalGBUSD))
	}
	if u.RetentionHours > DefaultRetentionHours {
		lines = append(lines, costLine("KDS on-demand extended retention", u.storedGBMonths(DefaultRetentionHours, ExtendedRetentionHours), "GB-month", p.OnDemandExtendedRetentionGBMonthUSD))
	}
	if u.RetentionHours > ExtendedRetentionHours {
		lines = append(lines, costLine("KDS on-demand long-term retention", u.storedGBMonths(ExtendedRetentionHours, u.RetentionHours), "GB-month", p.OnDemandLongTermRetentionGBMonthUSD))
	}
	return lines
}

// mibPerSecBytes is the bytes that a rate of mibPerSec MiB per second moves
// in hours hours.
func mibPerSecBytes(mibPerSec, hours float64) float64 {
	return mibPerSec * (1 << 20) * 3600 * hours
}

// OnDemandAdvantageMonthly returns u's charges for one stream in On-demand
// Advantage mode line by line: stream-hours when they have a price (the
// default has none), ingest, retrieval and enhanced fan-out retrieval when
// used, then the commitment: when the billed ingest is below
// OnDemandAdvantageMinIngestMiBPerSec over u's hours, a line bills the
// shortfall at the ingest rate, and likewise for all reads together
// (GetRecords and fan-out) against OnDemandAdvantageMinRetrievalMiBPerSec,
// at the retrieval rate. Then, when RetentionHours is above 24, extended
// retention on the GB-months stored beyond 24 h (Advantage has no
// long-term rate). AWS applies the commitment across all of a Region's
// on-demand streams; this prices u's stream as if it were the only one.
// Shards, PutPayloadUnits and EFOConsumers are ignored.
func (p Prices) OnDemandAdvantageMonthly(u KDSUsage) []CostLine {
	h := monthHours(u.Hours)
	var lines []CostLine
	if p.OnDemandAdvantageStreamHourUSD > 0 {
		lines = append(lines, costLine("KDS Advantage stream-hours", h, "stream-hour", p.OnDemandAdvantageStreamHourUSD))
	}
	lines = append(lines, costLine("KDS Advantage ingest", u.OnDemandBilledBytes/BillingGB, "GB", p.OnDemandAdvantageIngestGBUSD))
	if u.ReadBytes > 0 {
		lines = append(lines, costLine("KDS Advantage retrieval", u.ReadBytes/BillingGB, "GB", p.OnDemandAdvantageRetrievalGBUSD))
	}
	if u.EFOBytes > 0 {
		lines = append(lines, costLine("KDS Advantage EFO retrieval", u.EFOBytes/BillingGB, "GB", p.OnDemandAdvantageEFORetrievalGBUSD))
	}
	if short := mibPerSecBytes(p.OnDemandAdvantageMinIngestMiBPerSec, h) - u.OnDemandBilledBytes; short > 0 {
		lines = append(lines, costLine("KDS Advantage commitment, ingest below the minimum", short/BillingGB, "GB", p.OnDemandAdvantageIngestGBUSD))
	}
	if short := mibPerSecBytes(p.OnDemandAdvantageMinRetrievalMiBPerSec, h) - u.ReadBytes - u.EFOBytes; short > 0 {
		lines = append(lines, costLine("KDS Advantage commitment, retrieval below the minimum", short/BillingGB, "GB", p.OnDemandAdvantageRetrievalGBUSD))
	}
	if u.RetentionHours > DefaultRetentionHours {
		lines = append(lines, costLine("KDS Advantage extended retention", u.storedGBMonths(DefaultRetentionHours, u.RetentionHours), "GB-month", p.OnDemandAdvantageExtendedRetentionGBMonthUSD))
	}
	return lines
}
