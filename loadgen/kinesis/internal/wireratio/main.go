// Command wireratio prints the wire-path ratios of `make bench`: the median
// records/s and the median cpu-ns/record of BenchmarkRunnerKinesis (a whole
// spillway run) and of BenchmarkTargetPutRecordsLoop, each divided by the
// same median of BenchmarkSDKPutRecordsLoop (a bare aws-sdk-go-v2 loop),
// from Go benchmark output (the files named, or standard input).
//
// Usage:
//
//	go run ./loadgen/kinesis/internal/wireratio out/bench/wire.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The benchmark every ratio divides by, and the ones divided.
const base = "BenchmarkSDKPutRecordsLoop"

var compared = []string{"BenchmarkRunnerKinesis", "BenchmarkTargetPutRecordsLoop"}

// units are the metrics compared.
var units = []string{"records/s", "cpu-ns/record"}

// procs is the -GOMAXPROCS suffix of a benchmark's name.
var procs = regexp.MustCompile(`-\d+$`)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "wireratio:", err)
		os.Exit(1)
	}
}

func run(files []string, stdin io.Reader, w io.Writer) error {
	// values[benchmark][unit] are the results, one per run.
	values := map[string]map[string][]float64{}
	read := func(r io.Reader) error {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
				continue
			}
			name := procs.ReplaceAllString(f[0], "")
			if values[name] == nil {
				values[name] = map[string][]float64{}
			}
			for i := 2; i+1 < len(f); i += 2 { // after the name and N: value unit pairs
				if v, err := strconv.ParseFloat(f[i], 64); err == nil {
					values[name][f[i+1]] = append(values[name][f[i+1]], v)
				}
			}
		}
		return sc.Err()
	}
	if len(files) == 0 {
		if err := read(stdin); err != nil {
			return err
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = read(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if values[base] == nil {
		return fmt.Errorf("no %s results", base)
	}
	fmt.Fprintf(w, "wire ratios, median ÷ median of %s:\n", base)
	for _, name := range compared {
		for _, unit := range units {
			a, b := values[name][unit], values[base][unit]
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			fmt.Fprintf(w, "  %-30s %-14s %5.2f×  (%.4g ÷ %.4g, n=%d and %d)\n",
				strings.TrimPrefix(name, "Benchmark"), unit, median(a)/median(b), median(a), median(b), len(a), len(b))
		}
	}
	return nil
}

// median is the median of v, which it sorts.
func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
