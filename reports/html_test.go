package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestWriteHTML(t *testing.T) {
	r := fixture()
	r.Scenario.Name = `<script>alert("x")</script>`
	r.PerShard[1].ShardID = `shard<img src=x onerror=alert(1)>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()

	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("page has %d <svg elements, want 3", n)
	}
	if strings.Contains(page, "<?xml") {
		t.Error("page contains an XML declaration from the SVG")
	}
	// Self-contained: no URL but the SVG namespace.
	urls := regexp.MustCompile(`https?://[^"'\s<>)]*`).FindAllString(page, -1)
	for _, u := range urls {
		if u != "http://www.w3.org/2000/svg" {
			t.Errorf("page references %s", u)
		}
	}
	for _, bad := range []string{"<script", "<img", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;", // the scenario name, escaped
		"shardId-000000000002", "HOT", "FAIL", "PASS",
		"throttle_ratio &lt; 0.05", "912.7 ms", "THE CLIENT WAS THE BOTTLENECK",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestWriteHTMLEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, &Results{Schema: Schema}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "<svg"); n != 3 {
		t.Errorf("page has %d <svg elements, want 3", n)
	}
}

func TestWriteHTMLReadBack(t *testing.T) {
	r := readFixture()
	r.Events[2].Error = `<b>refused</b>`
	var buf bytes.Buffer
	if err := WriteHTML(&buf, r); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, "<svg"); n != 4 {
		t.Errorf("page has %d <svg elements, want 4", n)
	}
	for _, want := range []string{
		"<h2>End to end</h2>", "iterator age max 1,850 ms", "<code>polling-0</code></td><td>polling</td>", "2,950.1",
		"<h2>Events</h2>", "<code>split shardId-000000000001</code>", "REFUSED</span> &lt;b&gt;refused&lt;/b&gt;", "skipped</span> the run ended first",
		"<th>state</th><th>parents</th>", `<td title="shardId-000000000002, shardId-000000000003">…0002, …0003</td>`,
		"Reading: throttled GetRecords calls and iterator age per second",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<b>") {
		t.Error("page contains an unescaped event error")
	}

	buf.Reset()
	if err := WriteHTML(&buf, fixture()); err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"End to end", "Events", "<th>state</th>", "Reading:"} {
		if strings.Contains(buf.String(), absent) {
			t.Errorf("page of a run without read-back or resharding contains %q", absent)
		}
	}
}
