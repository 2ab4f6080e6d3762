package scenarios

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ProfileMinute is one minute of a traffic profile read from a CSV file:
// the records (and bytes, when the file has them) the stream took in it, as
// CloudWatch's IncomingRecords and IncomingBytes sums per minute.
type ProfileMinute struct {
	Records, Bytes float64
}

// MaxProfileMinutes is the longest CSV profile spillway reads: 31 days of
// minutes, a guard against a wrong file rather than an AWS limit.
const MaxProfileMinutes = 31 * 24 * 60

// readProfile reads a CSV profile: a header naming the columns, then one
// row per minute in order. The IncomingRecords column is required,
// IncomingBytes optional; other columns (a timestamp, as CloudWatch exports
// it) are ignored. Errors name the file, the line and the column.
func readProfile(path string) ([]ProfileMinute, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	recCol, byteCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "incomingrecords":
			recCol = i
		case "incomingbytes":
			byteCol = i
		}
	}
	if recCol < 0 {
		return nil, fmt.Errorf("%s:1: no IncomingRecords column in the header %q", path, strings.Join(header, ","))
	}
	var out []ProfileMinute
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(out) == MaxProfileMinutes {
			return nil, fmt.Errorf("%s:%d: more than %d minutes (31 days)", path, line, MaxProfileMinutes)
		}
		var m ProfileMinute
		for _, c := range []struct {
			col  int
			name string
			v    *float64
		}{{recCol, "IncomingRecords", &m.Records}, {byteCol, "IncomingBytes", &m.Bytes}} {
			if c.col < 0 {
				continue
			}
			if c.col >= len(row) {
				return nil, fmt.Errorf("%s:%d: %s: missing", path, line, c.name)
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(row[c.col]), 64)
			if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a count of 0 or more", path, line, c.name, row[c.col])
			}
			*c.v = v
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no minutes after the header", path)
	}
	return out, nil
}

// loadProfile reads load.csv, relative to the scenario file, into
// Load.Profile, reporting problems at the load.csv field.
func (s *Scenario) loadProfile(c *checker) {
	if s.Load.CSV == "" {
		return
	}
	path := s.Load.CSV
	if !filepath.IsAbs(path) && s.Source != "" {
		path = filepath.Join(filepath.Dir(s.Source), path)
	}
	p, err := readProfile(path)
	if err != nil {
		c.errorf("load.csv", "%v", err)
		return
	}
	s.Load.Profile = p
	if s.Load.Duration == 0 {
		s.Load.Duration = Duration(len(p)) * Duration(time.Minute)
	}
}
