// Package pagecheck loads generated HTML pages in a real headless Chromium
// and fails the test on what a reader would see go wrong: a console error,
// an uncaught exception, a network request (a self-contained page loads
// nothing), a broken image, an element or a text that is missing, and a
// page that is wider than its viewport.
//
// It uses Debian's chromium package: $SPILLWAY_CHROMIUM, else
// /usr/bin/chromium, else chromium on PATH. Without it Open skips the test,
// or fails it when SPILLWAY_BROWSER=required (as .ci/run sets), so that CI
// can never skip the checks.
//
//	b := pagecheck.Open(t)
//	page := b.Check(t, "out/report.html", pagecheck.Options{
//		WidthPx:            420,
//		Selectors:          []string{"svg", "table.shards"},
//		Texts:              []string{"shardId-000000000000"},
//		NoHorizontalScroll: true,
//	})
//	if !strings.Contains(page.Text, "HOT") { ... }
package pagecheck

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const (
	// DefaultWidthPx is the viewport width, in CSS px, of a Check whose
	// Options.WidthPx is 0: a laptop screen.
	DefaultWidthPx = 1280
	// HeightPx is the viewport height, in CSS px, of every Check.
	HeightPx = 800
	// DefaultTimeout bounds a Check whose Options.Timeout is 0: opening
	// the tab, loading the page, the checks and the screenshot.
	DefaultTimeout = 30 * time.Second

	// startTimeout bounds the start of Chromium in Open.
	startTimeout = 30 * time.Second
	// closeTimeout bounds the graceful close of Chromium at the end of
	// the test; the allocator kills what is left after it.
	closeTimeout = 10 * time.Second
	// maxWide is how many elements past the right edge a failure names.
	maxWide = 5
	// installHint ends the message of a test that finds no Chromium.
	installHint = "install Debian's chromium package or set SPILLWAY_CHROMIUM"
)

// flags are Chromium's command-line switches besides the executable, the
// temporary --user-data-dir and the --remote-debugging-pipe that chromedp
// adds. The network is closed here, so everything that would reach out on
// its own is off, and every host name resolves to nothing: a page that
// refers to another host fails at once instead of waiting on DNS.
var flags = []chromedp.ExecAllocatorOption{
	chromedp.Headless, // also --hide-scrollbars and --mute-audio
	chromedp.NoSandbox,
	chromedp.DisableGPU, // also --enable-unsafe-swiftshader (software WebGL)
	chromedp.NoFirstRun,
	chromedp.NoDefaultBrowserCheck,
	chromedp.Flag("disable-quic", true),
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-extensions", true),
	chromedp.Flag("disable-default-apps", true),
	chromedp.Flag("disable-breakpad", true),
	// Debian's launcher adds this only when its size test of /dev/shm
	// works; a container's 64 MB /dev/shm crashes Chromium without it.
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
}

// Browser is one headless Chromium, started by Open and closed when the
// test that opened it ends. Check opens a new tab for each page, so one
// Browser serves many checks, also from parallel subtests.
type Browser struct {
	ctx   context.Context // the browser's chromedp context
	notes *notes          // chromedp's own messages, for the test log
}

// Options says what a Check asserts besides the checks it always makes
// (no console error, no uncaught exception, no network request).
type Options struct {
	// WidthPx is the viewport width in CSS px; 0 means DefaultWidthPx.
	// The height is HeightPx.
	WidthPx int
	// Selectors are CSS selectors that must each match an element.
	Selectors []string
	// Texts must each appear in document.body.innerText (whitespace
	// collapsed and CSS text-transform applied, as a reader sees it).
	Texts []string
	// NoHorizontalScroll fails the check when the page is wider than the
	// viewport (document.documentElement.scrollWidth > clientWidth), naming
	// the outermost elements that stick out past the right edge.
	NoHorizontalScroll bool
	// Screenshot, when not empty, is a path to write a PNG of the whole
	// page to, for a human to look at.
	Screenshot string
	// Timeout bounds the whole check; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Page is what a Check found, for further assertions.
type Page struct {
	// URL is the file:// URL that was loaded.
	URL string
	// Title is document.title.
	Title string
	// Text is document.body.innerText after the load event.
	Text string
	// ScrollWidthPx is document.documentElement.scrollWidth in CSS px: the
	// width of the page's content.
	ScrollWidthPx int
	// ViewportWidthPx is document.documentElement.clientWidth in CSS px:
	// the width the page has to fit in.
	ViewportWidthPx int
}

// Open starts Chromium for the test and closes it, with every process it
// started, when the test ends. Without Chromium it skips the test, or
// fails it when SPILLWAY_BROWSER=required; it returns nil then (which only
// a fake testing.TB, whose Skip returns, sees).
func Open(t testing.TB) *Browser {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		if os.Getenv("SPILLWAY_BROWSER") == "required" {
			t.Fatalf("%v (SPILLWAY_BROWSER=required)", err)
		} else {
			t.Skip(err.Error())
		}
		return nil
	}

	output := &limitBuffer{max: 16 << 10}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.CombinedOutput(output),
	}, flags...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp logs what it cannot handle (mostly the aftermath of a
	// timeout) with the log package; keep it for the test's log instead.
	n := &notes{}
	ctx, cancelBrowser := chromedp.NewContext(allocCtx,
		chromedp.WithErrorf(n.add), chromedp.WithLogf(n.add))

	// The first action starts the browser and ties its life to ctx, so
	// it gets no deadline of its own; a timer ends a start that hangs.
	began := time.Now()
	hung := time.AfterFunc(startTimeout, cancelAlloc)
	err = chromedp.Do(ctx)
	hung.Stop()
	if err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("pagecheck: starting %s: %v\nChromium's output:\n%s", path, err, output)
		return nil
	}
	t.Logf("pagecheck: %s started in %v", path, time.Since(began).Round(time.Millisecond))

	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(ctx, closeTimeout)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("pagecheck: closing Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc() // waits for the process and kills its leftovers
		n.flush(t)
	})
	return &Browser{ctx: ctx, notes: n}
}

// findChromium returns the Chromium to run, or an error that says where
// none was found.
func findChromium() (string, error) {
	if p := os.Getenv("SPILLWAY_CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found, nil
		}
		return "", fmt.Errorf("pagecheck: no Chromium at %s (SPILLWAY_CHROMIUM); %s", p, installHint)
	}
	if found, err := exec.LookPath("/usr/bin/chromium"); err == nil {
		return found, nil
	}
	if found, err := exec.LookPath("chromium"); err == nil {
		return found, nil
	}
	return "", fmt.Errorf("pagecheck: no Chromium at /usr/bin/chromium or on PATH; %s", installHint)
}

// Check loads the local HTML file at path in a new tab at the width of
// opts, waits for the load event and fails the test with t.Errorf, naming
// the page, for each problem it finds:
//   - a console.error or console.assert call, or an error in the browser's
//     own log (a blocked script, a CSP violation);
//   - an uncaught exception or unhandled promise rejection;
//   - a request for anything but the page itself and data: or blob: URLs,
//     a request that failed, and an image that does not decode;
//   - each of opts.Selectors that matches nothing, and each of opts.Texts
//     that is not in the page's text;
//   - with opts.NoHorizontalScroll, a page wider than its viewport.
//
// It fails the test with t.Fatalf when the page cannot be checked (no such
// file, no load within the timeout). It returns what it found.
func (b *Browser) Check(t testing.TB, path string, opts Options) Page {
	t.Helper()
	width := opts.WidthPx
	if width == 0 {
		width = DefaultWidthPx
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		t.Fatalf("pagecheck: %v", err)
		return Page{}
	}
	pageURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	page := Page{URL: pageURL}
	where := fmt.Sprintf("%s (%d px)", path, width)

	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	defer b.notes.flush(t)
	var ev events
	// A browser context of its own: no storage or cache shared with other
	// checks. The listener sees every event of the tab, in order, before
	// the reply to any later command.
	tab, closeTab := chromedp.NewContext(ctx,
		chromedp.WithNewBrowserContext(),
		chromedp.WithListener(ev.record))
	defer closeTab()

	began := time.Now()
	err = chromedp.Do(tab,
		chromedp.EmulateViewport(int64(width), HeightPx),
		chromedp.Navigate(pageURL))
	var st state
	if err == nil {
		st, err = chromedp.Run(tab, chromedp.Evaluate[state](inspectCall(opts)))
	}
	if err != nil {
		// What the page did before it hung or failed can tell why.
		ev.report(t, where, pageURL)
		if ctx.Err() != nil {
			err = fmt.Errorf("not checked within %v: %w", timeout, err)
		}
		t.Fatalf("pagecheck: %s: %v", where, err)
		return page
	}
	page.Title, page.Text = st.Title, st.Text
	page.ScrollWidthPx, page.ViewportWidthPx = st.ScrollWidth, st.ClientWidth

	ev.report(t, where, pageURL)
	for _, s := range st.Invalid {
		t.Errorf("%s: invalid selector %s", where, s)
	}
	for _, src := range st.Broken {
		t.Errorf("%s: image %s is broken (it loaded nothing or does not decode)", where, shortURL(src))
	}
	for _, s := range st.Missing {
		t.Errorf("%s: selector %q matches nothing", where, s)
	}
	for _, s := range opts.Texts {
		if !strings.Contains(st.Text, s) {
			t.Errorf("%s: text %q is not in the page", where, s)
		}
	}
	if opts.NoHorizontalScroll && st.ScrollWidth > st.ClientWidth {
		t.Errorf("%s: the page is %d px wide and scrolls sideways in a %d px viewport; past the right edge: %s",
			where, st.ScrollWidth, st.ClientWidth, describeWide(st.Wide, st.WideCount))
	}

	if opts.Screenshot != "" {
		png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(opts.Screenshot, png, 0o644)
		}
		if err != nil {
			t.Errorf("%s: screenshot: %v", where, err)
		}
	}
	t.Logf("pagecheck: %s checked in %v", where, time.Since(began).Round(time.Millisecond))
	return page
}

// notes collects chromedp's log messages, which come from its goroutines,
// until a test goroutine writes them to the test's log.
type notes struct {
	mu    sync.Mutex
	lines []string
}

func (n *notes) add(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, fmt.Sprintf(format, args...))
}

func (n *notes) flush(t testing.TB) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.lines {
		t.Logf("pagecheck: chromedp: %s", l)
	}
	n.lines = nil
}

// inspect is the script that measures the loaded page; inspectCall calls it
// with the options.
//
//go:embed inspect.js
var inspect string

func inspectCall(opts Options) string {
	sel, _ := json.Marshal(append([]string{}, opts.Selectors...))
	return fmt.Sprintf("(%s)(%s, %d, %t)", strings.TrimSpace(inspect), sel, maxWide, opts.NoHorizontalScroll)
}

// state is what inspect.js returns.
type state struct {
	Title       string   `json:"title"`
	Text        string   `json:"text"`
	ScrollWidth int      `json:"scrollWidth"`
	ClientWidth int      `json:"clientWidth"`
	Missing     []string `json:"missing"`
	Invalid     []string `json:"invalid"`
	Broken      []string `json:"broken"`
	Wide        []wide   `json:"wide"`
	WideCount   int      `json:"wideCount"`
}

// wide is an element that sticks out past the viewport's right edge.
type wide struct {
	Name    string  `json:"name"`    // tag#id.class
	RightPx float64 `json:"rightPx"` // its right edge, from the page's left
	WidthPx float64 `json:"widthPx"`
}

func describeWide(ws []wide, count int) string {
	if len(ws) == 0 {
		return "no element (a pseudo-element or a transform?)"
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s (%.0f px wide, right edge at %.0f px)", w.Name, w.WidthPx, w.RightPx)
	}
	s := strings.Join(parts, ", ")
	if count > len(ws) {
		s += fmt.Sprintf(" and %d more", count-len(ws))
	}
	return s
}

// events collects what the tab reports while it loads the page.
type events struct {
	mu       sync.Mutex
	problems []string // console errors and exceptions, in order
	requests []request
}

type request struct {
	id     network.RequestID
	url    string
	failed string // the error text of a failed request
}

// record is the tab's listener: it runs in chromedp's read loop, so it
// only appends.
func (e *events) record(ev any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			e.problems = append(e.problems, fmt.Sprintf("console.%s: %s%s", ev.Type, argsText(ev.Args), stackPlace(ev.StackTrace)))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + objectText(d.Exception)
		}
		place := ""
		if d.URL != "" {
			place = fmt.Sprintf(" at %s:%d:%d", shortURL(d.URL), d.LineNumber+1, d.ColumnNumber+1)
		} else {
			place = stackPlace(d.StackTrace)
		}
		e.problems = append(e.problems, "uncaught exception: "+text+place)
	case *log.EventEntryAdded:
		// A failed request is also a network-source entry here; the
		// request check reports it with its URL.
		if en := ev.Entry; en.Level == log.EntryLevelError && en.Source != log.EntrySourceNetwork {
			e.problems = append(e.problems, fmt.Sprintf("browser log (%s): %s", en.Source, en.Text))
		}
	case *network.EventRequestWillBeSent:
		for _, r := range e.requests {
			if r.id == ev.RequestID && r.url == ev.Request.URL {
				return
			}
		}
		e.requests = append(e.requests, request{id: ev.RequestID, url: ev.Request.URL})
	case *network.EventLoadingFailed:
		for i := range e.requests {
			if e.requests[i].id == ev.RequestID {
				e.requests[i].failed = ev.ErrorText
				if ev.BlockedReason != "" {
					e.requests[i].failed += " (blocked: " + string(ev.BlockedReason) + ")"
				}
			}
		}
	}
}

// report fails the test for each problem seen so far.
func (e *events) report(t testing.TB, where, pageURL string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.problems {
		t.Errorf("%s: %s", where, p)
	}
	for _, r := range e.requests {
		failed := ""
		if r.failed != "" {
			failed = " (" + r.failed + ")"
		}
		switch {
		case !selfContained(r.url, pageURL):
			t.Errorf("%s: requests %s%s; a self-contained page loads nothing", where, shortURL(r.url), failed)
		case r.failed != "":
			t.Errorf("%s: request for %s failed%s", where, shortURL(r.url), failed)
		}
	}
}

// selfContained reports whether a request for u is one a self-contained
// page may make: the page itself, or data it holds (data: and blob: URLs).
func selfContained(u, pageURL string) bool {
	if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") {
		return true
	}
	u, _, _ = strings.Cut(u, "#")
	return u == pageURL
}

// argsText renders the arguments of a console call: strings as they are,
// other values by their description (an Error's first line) or JSON value.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = objectText(a)
	}
	return strings.Join(parts, " ")
}

func objectText(o *runtime.RemoteObject) string {
	if o.Type == runtime.RemoteObjectTypeString {
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
	}
	if o.Description != "" {
		first, _, _ := strings.Cut(o.Description, "\n")
		return first
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return string(o.Type)
}

// stackPlace names the top frame of a stack, or nothing.
func stackPlace(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	f := st.CallFrames[0]
	return fmt.Sprintf(" at %s:%d:%d", shortURL(f.URL), f.LineNumber+1, f.ColumnNumber+1)
}

// shortURL keeps a URL readable in a failure: a file URL as its base name,
// anything else cut at 120 bytes (data: URLs can be megabytes).
func shortURL(u string) string {
	if strings.HasPrefix(u, "file://") {
		return filepath.Base(u)
	}
	if len(u) > 120 {
		return u[:120] + "…"
	}
	return u
}

// limitBuffer keeps the first max bytes written to it, safe for the
// goroutine that copies Chromium's output and the test that reads it.
type limitBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *limitBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if room := w.max - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (w *limitBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(w.b)
}
