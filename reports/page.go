package reports

import (
	"bytes"
	"embed"
	"html/template"
	"io"
)

// The HTML pages (report, sweep, plan, cost and compare) share one style sheet and
// a few template blocks (page_common.html.tmpl). Each page is one
// self-contained file: inline CSS and SVG, no script, no external
// reference. They read on a 420 px wide phone as on a desktop: tables
// scroll sideways inside their own box, charts scale to the width, and
// long commands and paths wrap.

//go:embed page.css
var pageCSS string

//go:embed report.html.tmpl page_*.html.tmpl
var pageFiles embed.FS

var pageTemplates = template.Must(template.New("pages").Funcs(template.FuncMap{
	// pageCSS is our own style sheet.
	"pageCSS": func() template.CSS { return template.CSS(pageCSS) },
}).ParseFS(pageFiles, "report.html.tmpl", "page_*.html.tmpl"))

// figure is a chart as a page shows it: its title as the caption and its
// SVG inline.
type figure struct {
	Title string
	SVG   template.HTML
}

// figures turns charts into figures.
func figures(charts ...Chart) []figure {
	out := make([]figure, len(charts))
	for i, c := range charts {
		// The SVG is our own rendering, with its text escaped by vgsvg.
		out[i] = figure{c.Title, template.HTML(inlineSVG(c.SVG))}
	}
	return out
}

// writePage renders the page template name with data to w, all or
// nothing.
func writePage(w io.Writer, name string, data any) error {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	_, err := buf.WriteTo(w)
	return err
}

// table is an HTML table as the "table" block of page_common.html.tmpl
// draws it, inside a box that scrolls sideways when the table is wider
// than the page.
type table struct {
	// Class names the table, for styles and checks.
	Class string
	Head  []cell
	Rows  []row
}

// row is a table row; Class is its CSS class ("rec", "hotrow", "off").
type row struct {
	Class string
	Cells []cell
}

// cell is a table cell: its text, whether it holds a number (right-
// aligned) or code, and the columns it spans (0 or 1: one).
type cell struct {
	Text string
	N    bool
	Code bool
	Span int
}

// textCell, numCell and codeCell make cells.
func textCell(s string) cell { return cell{Text: s} }
func numCell(s string) cell  { return cell{Text: s, N: true} }
func codeCell(s string) cell { return cell{Text: s, Code: true} }

// header makes a header row: the first name left-aligned, the others
// right-aligned over numbers.
func header(first string, numbers ...string) []cell {
	return append([]cell{textCell(first)}, numCells(numbers...)...)
}

// numCells makes a numCell of each text.
func numCells(texts ...string) []cell {
	out := make([]cell, len(texts))
	for i, s := range texts {
		out[i] = numCell(s)
	}
	return out
}
