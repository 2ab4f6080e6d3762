package model

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultRegion is the Region whose prices DefaultPriceTable holds, and the
// one spillway prices when none is named.
const DefaultRegion = "us-east-1"

// PriceTable holds a price set per AWS Region code ("us-east-1"). A Region
// that is not in the table has no known prices: PricesFor reports it,
// never substituting another Region's.
type PriceTable map[string]Prices

// DefaultPriceTable returns a new table holding DefaultPrices for
// us-east-1, the only Region kinesis-facts has figures for. Other Regions
// come from a pricing file (LoadPricing).
func DefaultPriceTable() PriceTable {
	return PriceTable{DefaultRegion: DefaultPrices}
}

// Regions returns the table's Regions, sorted.
func (t PriceTable) Regions() []string {
	regions := make([]string, 0, len(t))
	for r := range t {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	return regions
}

// PricesFor returns the prices of region in t. A Region without prices is
// an error naming the Regions that have them: prices are never guessed
// from another Region.
func PricesFor(t PriceTable, region string) (Prices, error) {
	if p, ok := t[region]; ok {
		return p, nil
	}
	if region == "" {
		return Prices{}, errors.New("no Region given to price")
	}
	known := "none"
	if len(t) > 0 {
		known = strings.Join(t.Regions(), ", ")
	}
	return Prices{}, fmt.Errorf("no prices for Region %q (prices are known for: %s)", region, known)
}

// LoadPricing reads the pricing file at path and returns DefaultPriceTable
// with the file applied. The file is YAML or JSON (JSON is read as YAML):
//
//	regions:
//	  us-east-1:              # an existing Region: the fields given override
//	    shard_hour_usd: 0.016
//	  eu-west-1:              # a new Region: every price is required
//	    as_of: "2026-01-15"
//	    source: "AWS Price List API, 2026-01-15"
//	    shard_hour_usd: 0.017
//	    ...
//
// Field names are Prices' JSON names; firehose_ingest_tiers is a list of
// 1–3 {up_to_gb, usd_per_gb}, replacing the Region's tiers. Prices are
// numbers ≥ 0 in US dollars. A new Region must give every price field, so
// that no price is taken as zero by omission. When a file changes prices
// of an existing Region without giving a source, the source says which
// fields the file overrode. Every problem is reported, each as
// "file:line:col: regions.<region>.<field>: message".
func LoadPricing(path string) (PriceTable, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParsePricing(path, data, DefaultPriceTable())
}

// ParsePricing applies the pricing file data (named name in errors) to a
// copy of base and returns the result; see LoadPricing. base is not
// changed.
func ParsePricing(name string, data []byte, base PriceTable) (PriceTable, error) {
	t := make(PriceTable, len(base))
	for r, p := range base {
		t[r] = p
	}
	pp := &pricingParser{file: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty pricing file: want a regions mapping", name)
	}
	root := doc.Content[0]
	regions := pp.topLevel(root)
	if regions != nil {
		pp.regions(regions, t)
	}
	if len(pp.errs) > 0 {
		return nil, errors.Join(pp.errs...)
	}
	return t, nil
}

// pricingParser collects the problems of one pricing file.
type pricingParser struct {
	file string
	errs []error
}

func (pp *pricingParser) errorf(n *yaml.Node, path, format string, args ...any) {
	var b strings.Builder
	b.WriteString(pp.file)
	if n != nil && n.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", n.Line, n.Column)
	}
	b.WriteString(": ")
	if path != "" {
		b.WriteString(path + ": ")
	}
	fmt.Fprintf(&b, format, args...)
	pp.errs = append(pp.errs, errors.New(b.String()))
}

// pairs returns a mapping node's key and value nodes, reporting duplicate
// keys; ok is false when n is not a mapping.
func (pp *pricingParser) pairs(n *yaml.Node, path string) (keys, values []*yaml.Node, ok bool) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			pp.errorf(k, joinPath(path, k.Value), "given twice")
			continue
		}
		seen[k.Value] = true
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values, true
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// topLevel checks the document's top level and returns its regions node.
func (pp *pricingParser) topLevel(root *yaml.Node) *yaml.Node {
	keys, values, ok := pp.pairs(root, "")
	if !ok {
		pp.errorf(root, "", "want a mapping with a regions key")
		return nil
	}
	var regions *yaml.Node
	for i, k := range keys {
		if k.Value != "regions" {
			pp.errorf(k, k.Value, "unknown field: the top level has only regions")
			continue
		}
		regions = values[i]
	}
	if regions == nil && len(pp.errs) == 0 {
		pp.errorf(root, "", "no regions key")
	}
	return regions
}

// regionName is an AWS Region code such as us-east-1 or us-gov-west-1.
var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

func (pp *pricingParser) regions(n *yaml.Node, t PriceTable) {
	keys, values, ok := pp.pairs(n, "regions")
	if !ok {
		pp.errorf(n, "regions", "want a mapping of Region codes (us-east-1) to prices")
		return
	}
	for i, k := range keys {
		path := "regions." + k.Value
		if !regionName.MatchString(k.Value) {
			pp.errorf(k, path, "%q is not an AWS Region code such as us-east-1", k.Value)
			continue
		}
		p, exists := t[k.Value]
		if !exists {
			p = Prices{}
		}
		set, ok := pp.prices(values[i], path, &p)
		if !ok {
			continue
		}
		if !exists {
			if missing := missingFields(set); len(missing) > 0 {
				pp.errorf(k, path, "a Region not in spillway's defaults needs every price; missing: %s", strings.Join(missing, ", "))
				continue
			}
		} else if !set["source"] {
			var changed []string
			for _, f := range priceFields() {
				if set[f.name] && f.name != "as_of" {
					changed = append(changed, f.name)
				}
			}
			if len(changed) > 0 {
				p.Source = fmt.Sprintf("%s overrides %s of: %s", pp.file, strings.Join(changed, ", "), p.Source)
			}
		}
		t[k.Value] = p
	}
}

// priceField is one field of Prices as a pricing file names it.
type priceField struct {
	name  string
	index int
}

// priceFields lists Prices' fields by their JSON names, in order.
func priceFields() []priceField {
	rt := reflect.TypeFor[Prices]()
	fields := make([]priceField, 0, rt.NumField())
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		fields = append(fields, priceField{name: name, index: i})
	}
	return fields
}

// missingFields returns the price fields (as_of and source aside) not in
// set.
func missingFields(set map[string]bool) []string {
	var missing []string
	for _, f := range priceFields() {
		if !set[f.name] && f.name != "as_of" && f.name != "source" {
			missing = append(missing, f.name)
		}
	}
	return missing
}

// prices applies the mapping n to p and returns the fields set; ok is
// false when anything in it was wrong.
func (pp *pricingParser) prices(n *yaml.Node, path string, p *Prices) (set map[string]bool, ok bool) {
	keys, values, isMap := pp.pairs(n, path)
	if !isMap {
		pp.errorf(n, path, "want a mapping of price fields")
		return nil, false
	}
	before := len(pp.errs)
	fields := priceFields()
	byName := map[string]priceField{}
	var names []string
	for _, f := range fields {
		byName[f.name] = f
		names = append(names, f.name)
	}
	set = map[string]bool{}
	v := reflect.ValueOf(p).Elem()
	for i, k := range keys {
		fpath := path + "." + k.Value
		f, known := byName[k.Value]
		if !known {
			pp.errorf(k, fpath, "unknown field%s", suggestField(k.Value, names))
			continue
		}
		val := values[i]
		fv := v.Field(f.index)
		switch fv.Kind() {
		case reflect.String:
			if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
				pp.errorf(val, fpath, "want text")
				continue
			}
			fv.SetString(val.Value)
		case reflect.Float64:
			x, err := priceNumber(val)
			if err != nil {
				pp.errorf(val, fpath, "%v", err)
				continue
			}
			fv.SetFloat(x)
		case reflect.Array:
			tiers, good := pp.tiers(val, fpath)
			if !good {
				continue
			}
			fv.Set(reflect.ValueOf(tiers))
		}
		set[k.Value] = true
	}
	return set, len(pp.errs) == before
}

// priceNumber reads a price or rate: a finite number ≥ 0.
func priceNumber(n *yaml.Node) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, fmt.Errorf("want a number ≥ 0 (US dollars, or MiB/s for the Advantage minimums), got %s", nodeText(n))
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("want a finite number, got %s", nodeText(n))
	}
	if x < 0 {
		return 0, fmt.Errorf("%s is negative", n.Value)
	}
	return x, nil
}

func nodeText(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}

// tiers reads firehose_ingest_tiers: 1 to 3 tiers in ascending order of
// up_to_gb, where the last must be 0 (no end), so that every GB has a
// price.
func (pp *pricingParser) tiers(n *yaml.Node, path string) ([3]PriceTier, bool) {
	var out [3]PriceTier
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 || len(n.Content) > len(out) {
		pp.errorf(n, path, "want a list of 1 to %d tiers {up_to_gb, usd_per_gb}", len(out))
		return out, false
	}
	before := len(pp.errs)
	for i, tn := range n.Content {
		tpath := fmt.Sprintf("%s[%d]", path, i)
		keys, values, ok := pp.pairs(tn, tpath)
		if !ok {
			pp.errorf(tn, tpath, "want a mapping {up_to_gb, usd_per_gb}")
			continue
		}
		var hasPrice bool
		for j, k := range keys {
			x, err := priceNumber(values[j])
			switch {
			case k.Value != "up_to_gb" && k.Value != "usd_per_gb":
				pp.errorf(k, tpath+"."+k.Value, "unknown field: a tier has up_to_gb and usd_per_gb")
			case err != nil:
				pp.errorf(values[j], tpath+"."+k.Value, "%v", err)
			case k.Value == "up_to_gb":
				out[i].UpToGB = x
			default:
				out[i].USDPerGB, hasPrice = x, true
			}
		}
		if !hasPrice {
			pp.errorf(tn, tpath, "usd_per_gb is missing")
		}
		last := i == len(n.Content)-1
		switch {
		case !last && out[i].UpToGB == 0:
			pp.errorf(tn, tpath, "only the last tier may have no end (up_to_gb 0 or absent)")
		case i > 0 && out[i].UpToGB != 0 && out[i].UpToGB <= out[i-1].UpToGB:
			pp.errorf(tn, tpath, "up_to_gb %g is not above the previous tier's %g", out[i].UpToGB, out[i-1].UpToGB)
		case last && out[i].UpToGB != 0:
			pp.errorf(tn, tpath, "the last tier must have no end (leave out up_to_gb), or volume above %g GB would have no price", out[i].UpToGB)
		}
	}
	return out, len(pp.errs) == before
}

// suggestField returns ` (did you mean "x"?)` for the known name closest to
// s, if one is close enough, else "".
func suggestField(s string, names []string) string {
	best, bestD := "", max(3, len(s)/4)+1
	for _, n := range names {
		d := editDistance(s, n)
		if strings.HasPrefix(n, s) || strings.HasPrefix(s, n) {
			d = min(d, 1) // shard_hour for shard_hour_usd
		}
		if d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
