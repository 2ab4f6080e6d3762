package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a scenario, placed at a line and column of the
// file it came from.
type Error struct {
	// File is the scenario's file name; "" for a scenario built in code.
	File string
	// Line and Col are 1-based; zero when the position is unknown.
	Line, Col int
	// Field is the path of the offending field with YAML names and list
	// indexes ("load.stages[1].target"); "" for a problem with the file as
	// a whole, such as a YAML syntax error.
	Field string
	// Msg says what is wrong.
	Msg string
}

// Error formats e as "file:line:col: field: message", leaving out the parts
// that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d:%d", e.Line, e.Col)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in one scenario, sorted by line then
// column. LoadFile and Parse return it (as an error) when a file is invalid.
type Errors []*Error

// Error joins the errors one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors, so errors.As can find an *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Line != es[j].Line {
			return es[i].Line < es[j].Line
		}
		return es[i].Col < es[j].Col
	})
}
