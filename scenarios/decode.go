package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadFile reads the scenario file at path; see Parse. (It cannot be
// called Load, the name of the load profile type.)
func LoadFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a scenario file's contents, applies defaults and validates
// the result. name is the file name used in errors and as Source. Parsing
// is strict: unknown and duplicate fields are errors. When the file has
// problems the error is an Errors holding every one of them.
func Parse(name string, data []byte) (*Scenario, error) {
	d := &decoder{file: name, meta: &fileMeta{nodes: map[string]position{}, bad: map[string]bool{}}}
	s := &Scenario{Source: name, meta: d.meta}
	root, ok := d.document(data)
	if !ok {
		return nil, d.errs
	}
	if root != nil {
		d.value(root, nil, reflect.ValueOf(s).Elem(), "")
	}
	s.ApplyDefaults()
	errs := append(d.errs, s.check()...)
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	return s, nil
}

// fileMeta is what Parse remembers of a file for ApplyDefaults and
// Validate: where each field path was, and which failed to decode.
type fileMeta struct {
	nodes map[string]position
	bad   map[string]bool
}

type position struct {
	line, col int
	null      bool // the field was written with no value
}

// set reports whether path was given a value in the file.
func (m *fileMeta) set(path string) bool {
	if m == nil {
		return false
	}
	p, ok := m.nodes[path]
	return ok && !p.null
}

// isBad reports whether path or a parent of it failed to decode, so that
// checking it would only repeat the problem.
func (m *fileMeta) isBad(path string) bool {
	if m == nil {
		return false
	}
	for {
		if m.bad[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parent(path)
	}
}

// pos is the position of path, or of its nearest parent in the file; 1:1
// for the top level.
func (m *fileMeta) pos(path string) (line, col int) {
	for {
		if p, ok := m.nodes[path]; ok {
			return p.line, p.col
		}
		if path == "" {
			return 1, 1
		}
		path = parent(path)
	}
}

// parent strips the last name or index from a field path.
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')]
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

type decoder struct {
	file string
	meta *fileMeta
	errs Errors
}

func (d *decoder) errorf(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: n.Line, Col: n.Column, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// fail reports a value that could not be decoded and marks its path bad.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.errorf(n, path, format, args...)
	d.meta.bad[path] = true
}

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses data into its root node, nil for an empty file. It
// reports false after a YAML syntax error.
func (d *decoder) document(data []byte) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		d.syntax(err)
		return nil, false
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(&extra, "", "a scenario file holds one YAML document; this is a second")
		return nil, false
	case !errors.Is(err, io.EOF):
		d.syntax(err)
		return nil, false
	}
	if len(doc.Content) == 0 {
		return nil, true
	}
	return doc.Content[0], true
}

func (d *decoder) syntax(err error) {
	e := &Error{File: d.file, Line: 1, Col: 1, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := yamlErrLine.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Msg = m[2]
	}
	d.errs = append(d.errs, e)
}

var (
	durationType  = reflect.TypeFor[Duration]()
	byteSizeType  = reflect.TypeFor[ByteSize]()
	sizeSpecType  = reflect.TypeFor[SizeSpec]()
	thresholdType = reflect.TypeFor[Threshold]()
	tolerances    = reflect.TypeFor[Tolerances]()
)

// value decodes n into v, walking them together. key is n's mapping key,
// nil for the root and list items.
func (d *decoder) value(n, key *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	null := n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
	at := n
	if key != nil && (n.Kind != yaml.ScalarNode || null) {
		at = key // point at "stream:" rather than the mapping below it
	}
	if path != "" { // the top level's position is 1:1, not its first key's
		d.meta.nodes[path] = position{line: at.Line, col: at.Column, null: null}
	}
	if null {
		return
	}
	switch v.Type() {
	case durationType:
		if s, ok := d.scalar(n, path, "a duration"); ok {
			dur, err := ParseDuration(s)
			if err != nil {
				d.fail(n, path, "%v", err)
			}
			v.Set(reflect.ValueOf(dur))
		}
		return
	case byteSizeType:
		if s, ok := d.scalar(n, path, "a size"); ok {
			b, err := ParseByteSize(s)
			if err != nil {
				d.fail(n, path, "%v", err)
			}
			v.Set(reflect.ValueOf(b))
		}
		return
	case sizeSpecType:
		d.sizeSpec(n, v.Addr().Interface().(*SizeSpec), path)
		return
	case thresholdType:
		d.threshold(n, v.Addr().Interface().(*Threshold), path)
		return
	case tolerances:
		d.tolerances(n, v.Addr().Interface().(*Tolerances), path)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.mapping(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "expected a list, got %s", describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(item, nil, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if s, ok := d.scalar(n, path, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Int:
		if _, ok := d.scalar(n, path, "a whole number"); ok {
			var i int64
			if n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
				d.fail(n, path, "expected a whole number, got %s%s", describe(n), quoted(n))
				return
			}
			v.SetInt(i)
		}
	case reflect.Float64:
		if _, ok := d.scalar(n, path, "a number"); ok {
			var f float64
			if t := n.ShortTag(); (t != "!!int" && t != "!!float") || n.Decode(&f) != nil {
				d.fail(n, path, "expected a number, got %s%s", describe(n), quoted(n))
				return
			}
			v.SetFloat(f)
		}
	case reflect.Bool:
		if _, ok := d.scalar(n, path, "true or false"); ok {
			var b bool
			if n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
				d.fail(n, path, "expected true or false, got %s%s", describe(n), quoted(n))
				return
			}
			v.SetBool(b)
		}
	case reflect.Pointer: // an optional section: present when written
		p := reflect.New(v.Type().Elem())
		d.value(n, key, p.Elem(), path)
		v.Set(p)
	default: // a field of a new type needs a case above
		d.fail(n, path, "internal error: no decoder for %s", v.Type())
	}
}

// scalar returns n's text, reporting an error if n is not a scalar.
func (d *decoder) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected %s, got %s", want, describe(n))
		return "", false
	}
	return n.Value, true
}

// describe names a node for error messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// quoted hints at why a quoted number is not one.
func quoted(n *yaml.Node) string {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return " (a string: remove the quotes)"
	}
	return ""
}

// mapping decodes the mapping n into the struct v by yaml tags.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping, got %s", describe(n))
		return
	}
	var names []string
	index := map[string]int{}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
			index[name] = i
		}
	}
	d.fields(n, path, names, func(k, val *yaml.Node) {
		d.value(val, k, v.Field(index[k.Value]), join(path, k.Value))
	})
}

// fields calls f for each key of the mapping n that is in names, after
// reporting unknown and duplicate keys.
func (d *decoder) fields(n *yaml.Node, path string, names []string, f func(k, v *yaml.Node)) {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch first, dup := seen[k.Value]; {
		case k.Kind != yaml.ScalarNode:
			d.errorf(k, path, "expected a field name, got %s", describe(k))
		case dup:
			d.errorf(k, join(path, k.Value), "duplicate field (first set at line %d)", first.Line)
		case !slices.Contains(names, k.Value):
			d.errorf(k, path, "unknown field %q%s", k.Value, suggestOrList(k.Value, names))
		default:
			seen[k.Value] = k
			f(k, v)
		}
	}
}

// threshold decodes a threshold: an expression, or a mapping
// {threshold, abort_on_fail, delay_abort_eval}.
func (d *decoder) threshold(n *yaml.Node, t *Threshold, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		parsed, err := ParseThreshold(n.Value)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		*t = parsed
		return
	case yaml.MappingNode:
	default:
		d.fail(n, path, "expected a threshold expression such as \"put_latency_p99 < 500ms\", or a mapping with threshold and abort_on_fail, got %s", describe(n))
		return
	}
	var (
		expr    *yaml.Node
		abort   bool
		delay   Duration
		badPart bool
	)
	d.fields(n, path, []string{"threshold", "abort_on_fail", "delay_abort_eval"}, func(k, v *yaml.Node) {
		p := join(path, k.Value)
		d.meta.nodes[p] = position{line: v.Line, col: v.Column}
		switch k.Value {
		case "threshold":
			if _, ok := d.scalar(v, p, "a threshold expression"); ok {
				expr = v
			}
		case "abort_on_fail":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&abort) != nil {
				d.fail(v, p, "expected true or false, got %s%s", describe(v), quoted(v))
				badPart = true
			}
		case "delay_abort_eval":
			dur, err := ParseDuration(v.Value)
			if v.Kind != yaml.ScalarNode || err != nil {
				d.fail(v, p, "expected a duration such as 10s, got %s%s", describe(v), quoted(v))
				badPart = true
			}
			delay = dur
		}
	})
	if expr == nil || badPart {
		if expr == nil && !badPart {
			d.errorf(n, path, "the mapping has no threshold: write threshold: \"put_latency_p99 < 500ms\"")
		}
		d.meta.bad[path] = true
		return
	}
	parsed, err := ParseThreshold(expr.Value)
	if err != nil {
		d.fail(expr, join(path, "threshold"), "%v", err)
		d.meta.bad[path] = true
		return
	}
	parsed.AbortOnFail, parsed.AbortDelay = abort, delay
	*t = parsed
}

// tolerances decodes the compare section: a mapping of metric names to
// tolerance expressions (ParseTolerance).
func (d *decoder) tolerances(n *yaml.Node, ts *Tolerances, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping of metric names to tolerances (put_latency_p99: +10%%), got %s", describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "expected a metric name, got %s", describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, p, "duplicate metric (first set at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		d.meta.nodes[p] = position{line: v.Line, col: v.Column}
		if _, ok := LookupMetric(k.Value); !ok {
			d.fail(k, p, "%v", unknownMetric(k.Value))
			continue
		}
		if v.Kind != yaml.ScalarNode {
			d.fail(v, p, "expected a tolerance such as +10%%, +1pp, +50ms or off, got %s", describe(v))
			continue
		}
		t, err := ParseTolerance(k.Value, v.Value)
		if err != nil {
			d.fail(v, p, "%v", err)
			continue
		}
		*ts = append(*ts, t)
	}
}

// sizeDistFields are the mapping keys of each size distribution.
var sizeDistFields = map[string][]string{
	SizeFixed:     {"bytes"},
	SizeUniform:   {"min", "max"},
	SizeLognormal: {"median", "p99"},
}

// sizeSpec decodes a size: a scalar ByteSize, or a mapping with dist.
func (d *decoder) sizeSpec(n *yaml.Node, sz *SizeSpec, path string) {
	switch n.Kind {
	case yaml.ScalarNode:
		b, err := ParseByteSize(n.Value)
		if err != nil {
			d.fail(n, path, "%v", err)
		}
		*sz = SizeSpec{Dist: SizeFixed, Bytes: b}
		return
	case yaml.MappingNode:
	default:
		d.fail(n, path, "expected a size such as 1KiB, or a mapping with dist, got %s", describe(n))
		return
	}
	var dist *yaml.Node
	for i := 0; i+1 < len(n.Content) && dist == nil; i += 2 {
		if n.Content[i].Value == "dist" {
			dist = n.Content[i+1]
		}
	}
	distPath := join(path, "dist")
	var allowed []string // nil when dist is missing or wrong
	switch {
	case dist == nil:
		at := d.meta.nodes[path] // the "size:" key
		d.fail(&yaml.Node{Line: at.line, Column: at.col}, path, "a size mapping needs dist: uniform (with min and max) or lognormal (with median and p99); write a fixed size as a plain value such as 1KiB")
	case dist.Kind != yaml.ScalarNode || sizeDistFields[dist.Value] == nil:
		d.fail(dist, distPath, "expected fixed, uniform or lognormal, got %s", describe(dist))
	default:
		sz.Dist = dist.Value
		allowed = sizeDistFields[dist.Value]
	}
	all := []string{"dist", "bytes", "min", "max", "median", "p99"}
	fields := map[string]*ByteSize{"bytes": &sz.Bytes, "min": &sz.Min, "max": &sz.Max, "median": &sz.Median, "p99": &sz.P99}
	d.fields(n, path, all, func(k, v *yaml.Node) {
		p := join(path, k.Value)
		switch {
		case k.Value == "dist":
			d.meta.nodes[p] = position{line: v.Line, col: v.Column}
		case allowed != nil && !slices.Contains(allowed, k.Value):
			d.fail(k, p, "not used by dist %s, which takes %s", sz.Dist, strings.Join(allowed, " and "))
		default:
			d.value(v, k, reflect.ValueOf(fields[k.Value]).Elem(), p)
		}
	})
}
