package scenarios

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Byte size units.
const (
	KB  ByteSize = 1000
	MB  ByteSize = 1000 * KB
	GB  ByteSize = 1000 * MB
	KiB ByteSize = 1 << 10
	MiB ByteSize = 1 << 20
	GiB ByteSize = 1 << 30
)

// byteUnits is searched in order, so longer suffixes come before "B".
var byteUnits = []struct {
	suffix string
	size   ByteSize
}{
	{"KiB", KiB}, {"MiB", MiB}, {"GiB", GiB},
	{"KB", KB}, {"MB", MB}, {"GB", GB},
	{"B", 1},
}

var decimalNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// ParseByteSize reads a size such as "100B", "1.5KiB", "1MB" or "2048" (a
// bare integer is bytes). KB, MB and GB are powers of 1,000; KiB, MiB and
// GiB powers of 1,024. Negative sizes and fractions of a byte are errors.
func ParseByteSize(s string) (ByteSize, error) {
	num, unit := strings.TrimSpace(s), ByteSize(1)
	bare := true
	for _, u := range byteUnits {
		if strings.HasSuffix(num, u.suffix) {
			num, unit, bare = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.size, false
			break
		}
	}
	if !decimalNumber.MatchString(num) {
		return 0, fmt.Errorf("%q is not a size: write bytes as a whole number or with a unit (B, KB, KiB, MB, MiB, GB, GiB)", s)
	}
	if strings.HasPrefix(num, "-") {
		return 0, fmt.Errorf("%q is negative", s)
	}
	r, _ := new(big.Rat).SetString(num) // the pattern guarantees a valid number
	r.Mul(r, new(big.Rat).SetInt64(int64(unit)))
	if !r.IsInt() {
		if bare {
			return 0, fmt.Errorf("%q is not a whole number of bytes (add a unit, e.g. 1.5KiB)", s)
		}
		return 0, fmt.Errorf("%q is not a whole number of bytes", s)
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return ByteSize(r.Num().Int64()), nil
}

// String formats b in the largest unit that divides it exactly, binary
// units first ("1MiB", "1KB", "1500B"), so ParseByteSize reads it back.
func (b ByteSize) String() string {
	for _, i := range []int{2, 1, 0, 5, 4, 3, 6} { // GiB, MiB, KiB, GB, MB, KB, B
		u := byteUnits[i]
		if b != 0 && b%u.size == 0 {
			return strconv.FormatInt(int64(b/u.size), 10) + u.suffix
		}
	}
	return "0B"
}

// MarshalYAML writes b with a unit, as ParseByteSize reads it.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// MarshalYAML writes sz as Parse reads it: a plain size when fixed,
// otherwise a mapping with dist and that distribution's fields.
func (sz SizeSpec) MarshalYAML() (any, error) {
	switch sz.Dist {
	case SizeFixed:
		return sz.Bytes.String(), nil
	case SizeUniform:
		return struct {
			Dist     string `yaml:"dist"`
			Min, Max string
		}{sz.Dist, sz.Min.String(), sz.Max.String()}, nil
	case SizeLognormal:
		return struct {
			Dist   string `yaml:"dist"`
			Median string `yaml:"median"`
			P99    string `yaml:"p99"`
		}{sz.Dist, sz.Median.String(), sz.P99.String()}, nil
	}
	return struct {
		Dist string `yaml:"dist"`
	}{sz.Dist}, nil
}

// ParseDuration reads a Go duration string ("30s", "250ms", "1m30s"). A
// bare number other than 0 is an error, since its unit would be a guess.
func ParseDuration(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%s has no unit: write e.g. %q or %q", s, s+"s", s+"ms")
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration: write e.g. \"30s\", \"250ms\" or \"1m30s\"", s)
	}
	return Duration(d), nil
}

// MarshalYAML writes d as a duration string, as ParseDuration reads it.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// parseNumber reads a finite decimal number.
func parseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, errors.New("not a number")
	}
	return f, nil
}
