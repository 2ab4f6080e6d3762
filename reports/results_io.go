package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write writes r to w as indented JSON followed by a newline.
func (r *Results) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Threshold expressions hold < and >; keep them readable.
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteFile writes r to path as JSON. It writes a temporary file in the
// same directory and renames it over path, so a crash never leaves a
// truncated results file behind.
func WriteFile(path string, r *Results) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := r.Write(f); err != nil {
		return fmt.Errorf("write results %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fmt.Errorf("write results %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write results %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write results %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// ReadFile reads the results file at path; see Read.
func ReadFile(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	return Read(path, f)
}

// Read reads a results file from rd; name is the file name used in errors.
// Reading is strict: the schema must be Schema or SchemaV1, unknown fields
// are errors, and syntax and type errors name the file, line, column and
// field. A version 1 file is read as it is: Schema stays SchemaV1 and its
// distributions have no Hist.
func Read(name string, rd io.Reader) (*Results, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("read results %s: %w", name, err)
	}

	// Check the schema before the strict decode, so a file of another
	// version is reported as such rather than as an unknown field.
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, decodeError(name, data, err)
	}
	switch {
	case head.Schema == nil:
		return nil, fmt.Errorf("%s: field schema is missing: not a spillway results file (want %q)", name, Schema)
	case *head.Schema != Schema && *head.Schema != SchemaV1:
		return nil, fmt.Errorf("%s: field schema is %q, want %q (or %q): written by another version of spillway?", name, *head.Schema, Schema, SchemaV1)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	r := new(Results)
	// json.Unmarshal above has checked the syntax of all of data, trailing
	// data included; this pass checks fields and types.
	if err := dec.Decode(r); err != nil {
		return nil, decodeError(name, data, err)
	}
	return r, nil
}

// decodeError describes a JSON decoding error of the file name holding
// data, with its position where it can be found.
func decodeError(name string, data []byte, err error) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		line, col := position(data, int(syn.Offset))
		msg := syn.Error()
		if syn.Offset >= int64(len(data)) {
			msg = "unexpected end of file: truncated?"
		}
		return &readError{name, line, col, "", msg, err}
	case errors.As(err, &typ):
		line, col := position(data, int(typ.Offset))
		msg := fmt.Sprintf("cannot use JSON %s as %s", typ.Value, typ.Type)
		return &readError{name, line, col, typ.Field, msg, err}
	}
	// encoding/json reports unknown fields without a position: find the
	// first key of that name.
	var field string
	if _, e := fmt.Sscanf(err.Error(), "json: unknown field %q", &field); e == nil {
		line, col := keyPosition(data, field)
		return &readError{name, line, col, field, "unknown field (not in " + Schema + ")", err}
	}
	return &readError{name, 0, 0, "", err.Error(), err}
}

// readError is a results file that could not be decoded.
type readError struct {
	name      string
	line, col int    // 1-based; 0 when not known
	field     string // dotted JSON path; "" when not known
	msg       string
	err       error
}

func (e *readError) Error() string {
	s := e.name
	if e.line > 0 {
		s += fmt.Sprintf(":%d:%d", e.line, e.col)
	}
	if e.field != "" {
		s += fmt.Sprintf(": field %s", e.field)
	}
	return s + ": " + e.msg
}

func (e *readError) Unwrap() error { return e.err }

// position returns the 1-based line and column (in bytes) of the byte
// just before offset, which is where encoding/json's offsets point: the
// offending byte of a syntax error, the end of a mistyped value.
func position(data []byte, offset int) (line, col int) {
	offset = min(max(offset, 0), len(data))
	prefix := data[:offset]
	line = 1 + bytes.Count(prefix, []byte("\n"))
	col = len(prefix) - (bytes.LastIndexByte(prefix, '\n') + 1)
	return line, max(col, 1)
}

// keyPosition returns the position of the first object key "key" in
// data, or 0, 0 if there is none.
func keyPosition(data []byte, key string) (line, col int) {
	quoted, _ := json.Marshal(key)
	for from := 0; ; {
		i := bytes.Index(data[from:], quoted)
		if i < 0 {
			return 0, 0
		}
		at := from + i
		from = at + len(quoted)
		if rest := bytes.TrimLeft(data[from:], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
			return position(data, at+1)
		}
	}
}
