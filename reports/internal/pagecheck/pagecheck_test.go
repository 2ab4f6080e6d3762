package pagecheck

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTB records the failures and skips of the code under test instead of
// failing the real test; everything else goes to the real one.
type fakeTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
	fatals []string
	skips  []string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Skip(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.skips = append(f.skips, fmt.Sprint(args...))
}

// writePage writes an HTML page with the given body into a temporary
// folder and returns its path.
func writePage(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<title>` + name + `</title></head><body>` + body + `</body></html>`
	if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCheck runs every check on one browser, as a package's tests would:
// a clean page passes, each kind of problem is found, and a hung page
// fails at its timeout without harming the checks after it.
func TestCheck(t *testing.T) {
	b := Open(t)
	t.Run("clean", func(t *testing.T) { testClean(t, b) })
	t.Run("detects", func(t *testing.T) { testDetects(t, b) })
	t.Run("names-five", func(t *testing.T) { testNamesFive(t, b) })
	t.Run("hung", func(t *testing.T) { testHung(t, b) })
	t.Run("missing-file", func(t *testing.T) {
		fake := &fakeTB{TB: t}
		b.Check(fake, filepath.Join(t.TempDir(), "nothing.html"), Options{})
		if len(fake.fatals) != 1 || !strings.Contains(fake.fatals[0], "nothing.html: no such file") {
			t.Errorf("fatal failures %q, want one about the missing file", fake.fatals)
		}
	})
}

// cleanBody is a small page in the style of spillway's reports: inline
// CSS, SVG, script and image, and a table in a box that scrolls sideways.
const cleanBody = `<style>body{font:14px sans-serif;margin:8px} .scroll{overflow-x:auto}</style>
<h1 id="title">Run <span class="name">quickstart</span></h1>
<svg width="300" height="100" viewBox="0 0 300 100"><path d="M0 100 L300 0" stroke="black"/></svg>
<div class="scroll"><table class="shards" style="width:900px"><tr><td>shardId-000000000000</td><td>HOT</td></tr></table></div>
<p id="js"></p>
<script>document.getElementById("js").textContent = "drawn by script"; console.log("fine"); console.warn("only a warning");</script>
<img alt="dot" src="` + gif + `">`

// gif is a 1×1 transparent GIF.
const gif = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

func testClean(t *testing.T, b *Browser) {
	// A folder name that the file:// URL must escape.
	dir := filepath.Join(t.TempDir(), "out dir ü#1")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "clean.html")
	if err := os.Rename(writePage(t, "clean.html", cleanBody), path); err != nil {
		t.Fatal(err)
	}
	shot := os.Getenv("PAGECHECK_SCREENSHOT") // to look at it
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "clean.png")
	}
	for _, width := range []int{420, 0} {
		page := b.Check(t, path, Options{
			WidthPx:            width,
			Selectors:          []string{"svg path", "table.shards", "#title .name"},
			Texts:              []string{"shardId-000000000000", "drawn by script"},
			NoHorizontalScroll: true,
			Screenshot:         shot,
		})
		if page.Title != "clean.html" {
			t.Errorf("title %q, want clean.html", page.Title)
		}
		if !strings.Contains(page.Text, "Run quickstart") {
			t.Errorf("text %q lacks %q", page.Text, "Run quickstart")
		}
		want := width
		if want == 0 {
			want = DefaultWidthPx
		}
		if page.ViewportWidthPx != want || page.ScrollWidthPx > want {
			t.Errorf("viewport %d px with content %d px wide, want %d px and no wider", page.ViewportWidthPx, page.ScrollWidthPx, want)
		}
		if !strings.HasPrefix(page.URL, "file:///") {
			t.Errorf("URL %q is not a file URL", page.URL)
		}
	}
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG: % x", png[:min(8, len(png))])
	}
}

// testDetects shows that each kind of problem fails the check, with a
// message that names the page and the problem. The pages are checked in
// parallel, in tabs of the one browser.
func testDetects(t *testing.T, b *Browser) {
	for _, tc := range []struct {
		name string
		body string
		opts Options
		want []string // one for each failure, in order; … stands for any text
	}{{
		name: "console-error",
		body: `<script>console.error("boom", 42, {a: 1})</script>`,
		want: []string{"console-error.html (1280 px): console.error: boom 42 Object at console-error.html:1:"},
	}, {
		name: "console-assert",
		body: `<script>console.assert(1 === 2, "arithmetic")</script>`,
		want: []string{"console.assert: arithmetic"},
	}, {
		name: "exception",
		body: `<script>function draw() { throw new Error("kaput") }
draw()</script>`,
		want: []string{"uncaught exception: Uncaught Error: kaput at exception.html:"},
	}, {
		name: "rejection",
		body: `<script>Promise.reject(new TypeError("nope"))</script>`,
		want: []string{"uncaught exception: Uncaught (in promise) TypeError: nope"},
	}, {
		name: "network",
		body: `<img alt="x" src="http://127.0.0.1:1/x.png">`,
		want: []string{
			// Chromium refuses port 1 itself (a port it never connects to).
			"network.html (1280 px): requests http://127.0.0.1:1/x.png (net::ERR_UNSAFE_PORT); a self-contained page loads nothing",
			"image http://127.0.0.1:1/x.png is broken",
		},
	}, {
		name: "other-host",
		body: `<link rel="stylesheet" href="https://cdn.example.com/style.css"><script src="https://cdn.example.com/chart.js"></script>`,
		want: []string{
			"requests https://cdn.example.com/style.css (net::ERR_NAME_NOT_RESOLVED)",
			"requests https://cdn.example.com/chart.js (net::ERR_NAME_NOT_RESOLVED)",
		},
	}, {
		name: "local-file",
		body: `<img alt="x" src="beside.png">`,
		want: []string{"requests beside.png (net::ERR_FILE_NOT_FOUND)", "image beside.png is broken"},
	}, {
		name: "fetch",
		body: `<script>fetch("http://127.0.0.1:1/data.json").catch(() => {})</script>`,
		opts: Options{Texts: []string{"here"}},
		want: []string{"requests http://127.0.0.1:1/data.json", `text "here" is not in the page`},
	}, {
		name: "broken-image",
		body: `<img alt="x" src="data:image/png;base64,AAAA">`,
		want: []string{"image data:image/png;base64,AAAA is broken (it loaded nothing or does not decode)"},
	}, {
		name: "missing-selector",
		body: `<p class="present">here</p>`,
		opts: Options{Selectors: []string{"p.present", "#absent", "svg"}},
		want: []string{`selector "#absent" matches nothing`, `selector "svg" matches nothing`},
	}, {
		name: "invalid-selector",
		body: `<p>here</p>`,
		opts: Options{Selectors: []string{"p[["}},
		want: []string{`invalid selector "p[[": `},
	}, {
		name: "missing-text",
		body: `<p>the run <span style="text-transform:uppercase">passed</span></p>`,
		opts: Options{Texts: []string{"the run PASSED", "failed"}},
		want: []string{`text "failed" is not in the page`},
	}, {
		// The table's box and the pre's text stick out; the paragraph in
		// the box that clips does not count.
		name: "too-wide",
		body: `<p>fits</p><table id="shards" class="wide data" style="width:900px"><tr><td>x</td></tr></table>` +
			`<pre>` + strings.Repeat("x", 200) + `</pre><div style="overflow:hidden;width:100px"><p style="width:2000px">clipped</p></div>`,
		opts: Options{WidthPx: 420, NoHorizontalScroll: true},
		want: []string{"too-wide.html (420 px): the page is … px wide and scrolls sideways in a 420 px viewport; past the right edge: " +
			"table#shards.wide.data (900 px wide, right edge at 908 px), pre (… px wide, right edge at … px)"},
	}, {
		name: "wide-in-a-scroll-box",
		body: `<div style="overflow-x:auto"><table style="width:900px"><tr><td>x</td></tr></table></div>`,
		opts: Options{WidthPx: 420, NoHorizontalScroll: true},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writePage(t, tc.name+".html", tc.body)
			fake := &fakeTB{TB: t}
			b.Check(fake, path, tc.opts)
			if len(fake.fatals) > 0 {
				t.Fatalf("check stopped: %q", fake.fatals)
			}
			if len(fake.errors) != len(tc.want) {
				t.Errorf("%d failures, want %d:\n%s", len(fake.errors), len(tc.want), strings.Join(fake.errors, "\n"))
			}
			for i, want := range tc.want {
				if i < len(fake.errors) && !containsInOrder(fake.errors[i], strings.Split(want, "…")) {
					t.Errorf("failure %d:\n  %s\nwant it to contain\n  %s", i, fake.errors[i], want)
				}
			}
		})
	}
}

// containsInOrder reports whether s holds each of parts, in order.
func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// testNamesFive shows the limit on the elements a failure names.
func testNamesFive(t *testing.T, b *Browser) {
	path := writePage(t, "many.html", strings.Repeat(`<div style="width:500px">wide</div>`, 7))
	fake := &fakeTB{TB: t}
	b.Check(fake, path, Options{WidthPx: 420, NoHorizontalScroll: true})
	if len(fake.errors) != 1 {
		t.Fatalf("failures %q, want 1", fake.errors)
	}
	if got := strings.Count(fake.errors[0], "div ("); got != maxWide {
		t.Errorf("%d elements named, want %d: %s", got, maxWide, fake.errors[0])
	}
	if !strings.HasSuffix(fake.errors[0], " and 2 more") {
		t.Errorf("failure does not end with %q: %s", " and 2 more", fake.errors[0])
	}
}

// testHung shows that a page that never finishes loading fails the check
// at its timeout, with what it logged before, and that the browser still
// serves the next check.
func testHung(t *testing.T, b *Browser) {
	hung := writePage(t, "hung.html", `<script>console.error("about to spin"); for (;;) {}</script>`)
	fake := &fakeTB{TB: t}
	began := time.Now()
	b.Check(fake, hung, Options{Timeout: 3 * time.Second})
	t.Logf("the hung page failed after %v", time.Since(began).Round(time.Millisecond))
	if len(fake.fatals) != 1 || !strings.Contains(fake.fatals[0], "hung.html (1280 px): not checked within 3s") {
		t.Errorf("fatal failures %q, want one that says the page was not checked within 3s", fake.fatals)
	}
	// A machine busy enough to take 3 s to start the script sees no
	// console error: that is no failure of the code under test.
	switch {
	case len(fake.errors) == 0:
		t.Log("the page's console error did not arrive within the timeout")
	case len(fake.errors) > 1 || !strings.Contains(fake.errors[0], "console.error: about to spin"):
		t.Errorf("failures %q, want at most the console error logged before the hang", fake.errors)
	}

	after := writePage(t, "after.html", `<p>still here</p>`)
	if page := b.Check(t, after, Options{Texts: []string{"still here"}}); page.Title != "after.html" {
		t.Errorf("title %q after the hung page, want after.html", page.Title)
	}
}

func TestOpenWithoutChromium(t *testing.T) {
	t.Setenv("SPILLWAY_CHROMIUM", "/nonexistent/chromium")
	want := "pagecheck: no Chromium at /nonexistent/chromium (SPILLWAY_CHROMIUM); install Debian's chromium package or set SPILLWAY_CHROMIUM"

	t.Setenv("SPILLWAY_BROWSER", "")
	fake := &fakeTB{TB: t}
	if b := Open(fake); b != nil {
		t.Error("Open returned a browser")
	}
	if len(fake.skips) != 1 || fake.skips[0] != want || len(fake.fatals) != 0 {
		t.Errorf("skips %q and fatal failures %q, want the skip %q", fake.skips, fake.fatals, want)
	}

	t.Setenv("SPILLWAY_BROWSER", "required")
	fake = &fakeTB{TB: t}
	if b := Open(fake); b != nil {
		t.Error("Open returned a browser")
	}
	if len(fake.fatals) != 1 || !strings.HasPrefix(fake.fatals[0], want) || len(fake.skips) != 0 {
		t.Errorf("skips %q and fatal failures %q, want a failure %q", fake.skips, fake.fatals, want)
	}
}
