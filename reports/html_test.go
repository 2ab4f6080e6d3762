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
