package model

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultPriceTable(t *testing.T) {
	tab := DefaultPriceTable()
	if got := tab.Regions(); !reflect.DeepEqual(got, []string{"us-east-1"}) {
		t.Fatalf("regions %v, want only us-east-1 (the facts have no other Region)", got)
	}
	p, err := PricesFor(tab, "us-east-1")
	if err != nil || !reflect.DeepEqual(p, DefaultPrices) {
		t.Fatalf("PricesFor(us-east-1) = %+v, %v; want DefaultPrices", p, err)
	}
	if p.AsOf == "" || !strings.Contains(p.Source, "derived") {
		t.Errorf("us-east-1 lacks its as-of date or does not say which prices are derived: %q / %q", p.AsOf, p.Source)
	}
	// Changing the returned table leaves the defaults alone.
	tab["us-east-1"] = Prices{}
	if DefaultPriceTable()["us-east-1"].ShardHourUSD != 0.015 {
		t.Error("a changed table changed DefaultPriceTable")
	}
	for _, region := range []string{"eu-west-1", ""} {
		if _, err := PricesFor(DefaultPriceTable(), region); err == nil {
			t.Errorf("PricesFor(%q) guessed prices", region)
		}
	}
	_, err = PricesFor(DefaultPriceTable(), "eu-west-1")
	if want := `no prices for Region "eu-west-1" (prices are known for: us-east-1)`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

// Every price field has a file name, and a new Region needs them all.
func TestPriceFieldNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range priceFields() {
		if f.name == "" || seen[f.name] || strings.ToLower(f.name) != f.name {
			t.Errorf("field %d: bad or repeated file name %q", f.index, f.name)
		}
		seen[f.name] = true
	}
	if n := len(missingFields(nil)); n != len(priceFields())-2 {
		t.Errorf("a new Region misses %d fields, want every field but as_of and source", n)
	}
}

func TestLoadPricingOverride(t *testing.T) {
	tab, err := LoadPricing(filepath.Join("testdata", "pricing", "override.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p := tab["us-east-1"]
	want := DefaultPrices
	want.ShardHourUSD = 0.016
	want.FirehoseIngestTiers = [3]PriceTier{{UpToGB: 1000, USDPerGB: 0.03}, {USDPerGB: 0.02}}
	want.AsOf = "2026-01-15"
	want.Source = "testdata/pricing/override.yaml overrides shard_hour_usd, firehose_ingest_tiers of: " + DefaultPrices.Source
	if !reflect.DeepEqual(p, want) {
		t.Errorf("us-east-1 after the override:\n got  %+v\n want %+v", p, want)
	}
	// 10 shards for a month at the new price: 7,300 × $0.016 = $116.80;
	// 1,500 GB through Firehose: 1,000 × $0.03 + 500 × $0.02 = $40.
	if got := TotalUSD(p.ProvisionedMonthly(KDSUsage{Shards: 10})); !priceApprox(got, 116.80) {
		t.Errorf("10 shards = $%g, want $116.80", got)
	}
	if got := p.FirehoseIngestUSD(1500 * BillingGB); !priceApprox(got, 40) {
		t.Errorf("1,500 GB of Firehose = $%g, want $40", got)
	}
	if DefaultPrices.ShardHourUSD != 0.015 {
		t.Error("LoadPricing changed DefaultPrices")
	}
}

func TestLoadPricingNewRegion(t *testing.T) {
	tab, err := LoadPricing(filepath.Join("testdata", "pricing", "new-region.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Regions(); !reflect.DeepEqual(got, []string{"eu-west-1", "us-east-1"}) {
		t.Fatalf("regions %v", got)
	}
	p, err := PricesFor(tab, "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if p.ShardHourUSD != 0.017 || p.AsOf != "2026-01-15" || p.Source != "test figures, not real prices" ||
		p.FirehoseIngestTiers[2] != (PriceTier{USDPerGB: 0.022}) || p.OnDemandAdvantageMinIngestMiBPerSec != 25 || p.S3PutPer1000USD != 0.0054 {
		t.Errorf("eu-west-1 = %+v", p)
	}
	if !reflect.DeepEqual(tab["us-east-1"], DefaultPrices) {
		t.Error("adding a Region changed us-east-1")
	}
}

func TestLoadPricingErrors(t *testing.T) {
	_, err := LoadPricing(filepath.Join("testdata", "pricing", "bad.yaml"))
	if err == nil {
		t.Fatal("bad.yaml loaded")
	}
	const f = "testdata/pricing/bad.yaml"
	for _, want := range []string{
		f + `:3:5: regions.us-east-1.shard_hour: unknown field (did you mean "shard_hour_usd"?)`,
		f + `:4:40: regions.us-east-1.put_payload_units_per_million_usd: want a number ≥ 0 (US dollars, or MiB/s for the Advantage minimums), got "cheap"`,
		f + `:5:27: regions.us-east-1.efo_retrieval_gb_usd: -0.01 is negative`,
		f + `:7:9: regions.us-east-1.firehose_ingest_tiers[0]: only the last tier may have no end`,
		f + `:9:3: regions.eu-west-1: a Region not in spillway's defaults needs every price; missing: put_payload_units_per_million_usd,`,
		f + `:11:3: regions.Frankfurt: "Frankfurt" is not an AWS Region code such as us-east-1`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks\n  %s\ngot:\n%v", want, err)
		}
	}

	for _, tc := range []struct{ name, body, want string }{
		{"empty.yaml", "", "empty.yaml: empty pricing file"},
		{"syntax.yaml", "regions:\n  us-east-1: [\n", "syntax.yaml: line 2: did not find expected node content"},
		{"top.yaml", "regions: {}\nprices: {}\n", "top.yaml:2:1: prices: unknown field: the top level has only regions"},
		{"noregions.yaml", "version: 1\n", "noregions.yaml:1:1: version: unknown field"},
		{"list.yaml", "- us-east-1\n", "list.yaml:1:1: want a mapping with a regions key"},
		{"scalar.yaml", "regions:\n  us-east-1: 0.015\n", "scalar.yaml:2:14: regions.us-east-1: want a mapping of price fields"},
		{"twice.yaml", "regions:\n  us-east-1: {shard_hour_usd: 1, shard_hour_usd: 2}\n", "twice.yaml:2:34: regions.us-east-1.shard_hour_usd: given twice"},
		{"inf.yaml", "regions:\n  us-east-1: {shard_hour_usd: .inf}\n", "inf.yaml:2:31: regions.us-east-1.shard_hour_usd: want a finite number"},
		{"string.json", `{"regions": {"us-east-1": {"shard_hour_usd": "0.015"}}}`, `string.json:1:46: regions.us-east-1.shard_hour_usd: want a number ≥ 0`},
		{"tiers.yaml", "regions:\n  us-east-1:\n    firehose_ingest_tiers: [{up_to_gb: 5, usd_per_gb: 1}, {up_to_gb: 4, usd_per_gb: 1}]\n",
			"tiers.yaml:3:59: regions.us-east-1.firehose_ingest_tiers[1]: up_to_gb 4 is not above the previous tier's 5"},
		{"open-tiers.yaml", "regions:\n  us-east-1:\n    firehose_ingest_tiers: [{up_to_gb: 100, usd_per_gb: 0.03}]\n",
			"open-tiers.yaml:3:29: regions.us-east-1.firehose_ingest_tiers[0]: the last tier must have no end"},
		{"tiers4.yaml", "regions:\n  us-east-1:\n    firehose_ingest_tiers: [{usd_per_gb: 1}, {usd_per_gb: 1}, {usd_per_gb: 1}, {usd_per_gb: 1}]\n",
			"tiers4.yaml:3:28: regions.us-east-1.firehose_ingest_tiers: want a list of 1 to 3 tiers"},
		{"tierprice.yaml", "regions:\n  us-east-1:\n    firehose_ingest_tiers: [{up_to_gb: 5}]\n", "regions.us-east-1.firehose_ingest_tiers[0]: usd_per_gb is missing"},
		{"source.yaml", "regions:\n  us-east-1: {source: [a]}\n", "source.yaml:2:23: regions.us-east-1.source: want text"},
	} {
		path := filepath.Join(t.TempDir(), tc.name)
		if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPricing(path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadPricing(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}
