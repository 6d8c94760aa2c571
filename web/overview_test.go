package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestChart(t *testing.T) {
	t0 := time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)
	minutes := func(counts ...[2]int) []hookd.MinuteCount {
		out := make([]hookd.MinuteCount, len(counts))
		for i, c := range counts {
			out[i] = hookd.MinuteCount{Start: t0.Add(time.Duration(i) * time.Minute), Succeeded: c[0], Failed: c[1]}
		}
		return out
	}
	tests := []struct {
		name    string
		minutes []hookd.MinuteCount
		max     int
		// heights are each bar's succeeded and failed heights.
		heights [][2]int
	}{
		{"idle", minutes([2]int{0, 0}, [2]int{0, 0}), 0, [][2]int{{0, 0}, {0, 0}}},
		{"the busiest minute fills the height", minutes([2]int{60, 0}, [2]int{30, 30}, [2]int{0, 15}), 60,
			[][2]int{{120, 0}, {60, 60}, {0, 30}}},
		{"one attempt among many still shows", minutes([2]int{1000, 0}, [2]int{1, 0}, [2]int{0, 1}), 1000,
			[][2]int{{120, 0}, {1, 0}, {0, 1}}},
		{"a failure beside many successes shows", minutes([2]int{1000, 1}), 1001, [][2]int{{119, 1}}},
	}
	for _, tt := range tests {
		c := newChart(tt.minutes)
		if c.Max != tt.max || len(c.Bars) != len(tt.minutes) || c.Width != len(tt.minutes)*chartBarWidth {
			t.Fatalf("%s: max %d, %d bars, width %d; want %d, %d, %d", tt.name, c.Max, len(c.Bars), c.Width, tt.max, len(tt.minutes), len(tt.minutes)*chartBarWidth)
		}
		for i, b := range c.Bars {
			if got := [2]int{b.OkH, b.BadH}; got != tt.heights[i] {
				t.Errorf("%s: bar %d heights %v; want %v", tt.name, i, got, tt.heights[i])
			}
			if b.OkY+b.OkH != chartHeight || b.BadY+b.BadH != b.OkY || b.BadY < 0 {
				t.Errorf("%s: bar %d is not stacked on the baseline: %+v", tt.name, i, b)
			}
			if b.X != i*chartBarWidth+chartBarGap/2 {
				t.Errorf("%s: bar %d at x %d", tt.name, i, b.X)
			}
		}
	}
	c := newChart(minutes([2]int{3, 1}, [2]int{2, 0}))
	if c.From != "05:06" || c.To != "05:07 UTC" || c.Succeeded != 5 || c.Failed != 1 || c.Bars[0].Label != "05:06 UTC: 3 succeeded, 1 failed" {
		t.Errorf("labels %q %q, totals %d %d, bar %q", c.From, c.To, c.Succeeded, c.Failed, c.Bars[0].Label)
	}
}

// TestOverviewTemplate renders the overview of a busy hour, without the
// API, and checks what the page shows.
func TestOverviewTemplate(t *testing.T) {
	s := newSite(t)
	now := time.Date(2026, 3, 4, 6, 0, 30, 0, time.UTC)
	since := now.Add(-3 * time.Hour)
	o := &hookd.Overview{Pending: 1234, Due: 56, Workspaces: 7, Webhooks: 89}
	for i := range hookd.OverviewMinutes {
		o.Minutes = append(o.Minutes, hookd.MinuteCount{Start: now.Truncate(time.Minute).Add(time.Duration(i-59) * time.Minute), Succeeded: i * 2, Failed: i % 7})
	}
	o.Troubled = []hookd.TroubledWebhook{
		{Webhook: hookd.Webhook{ID: "whk_1", WorkspaceID: "ws_a", Name: "<script>alert(1)</script>", URL: "https://a.example/h", Status: "active"}, FailingSince: &since},
		{Webhook: hookd.Webhook{ID: "whk_2", WorkspaceID: "ws_b", URL: "https://b.example/h", Status: "disabled", DisabledReason: "failing for 5 days"}},
	}
	rec := httptest.NewRecorder()
	r := &request{Request: httptest.NewRequest("GET", "/ui/", nil), sess: &session{Admin: true}, now: now}
	s.ui.render(rec, r, http.StatusOK, page{name: "overview", title: "Overview", nav: "overview", data: newOverviewView(o, now)})
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d\n%s", rec.Code, body)
	}
	wantNoInlineStyle(t, "overview", body)
	wantContains(t, "overview", body, ">1234<", ">56<", ">89<", ">7<", "1 failing · 1 disabled",
		`viewBox="0 0 600 120"`, "05:01", "06:00 UTC", ">121<",
		`href="/ui/workspaces/ws_a/webhooks/whk_1"`, `href="/ui/workspaces/ws_b/webhooks/whk_2"`, `href="/ui/workspaces/ws_a"`,
		"&lt;script&gt;alert(1)&lt;/script&gt;", "failing for 5 days", "3h ago", "https://b.example/h",
		"06:00 UTC: 118 succeeded, 3 failed")
	if strings.Contains(body, "<script>alert") {
		t.Errorf("a webhook's name is not escaped")
	}
	if n := strings.Count(body, `class="ov-ok"`); n != 59 {
		t.Errorf("%d succeeded bars; want 59 (the first minute had none)", n)
	}
	// The tallest bar (59th minute: 118 + 3) fills the height.
	if !regexp.MustCompile(`<rect class="ov-ok" x="591" y="\d+" width="8" height="\d+"></rect><rect class="ov-bad" x="591" y="0" width="8" height="\d+">`).MatchString(body) {
		t.Errorf("the last minute's bar does not reach the top:\n%s", body)
	}

	// An idle hour and no troubled webhooks.
	idle := &hookd.Overview{}
	for i := range hookd.OverviewMinutes {
		idle.Minutes = append(idle.Minutes, hookd.MinuteCount{Start: now.Add(time.Duration(i-59) * time.Minute)})
	}
	var buf bytes.Buffer
	rec = httptest.NewRecorder()
	s.ui.render(rec, r, http.StatusOK, page{name: "overview", title: "Overview", nav: "overview", data: newOverviewView(idle, now)})
	buf.Write(rec.Body.Bytes())
	wantContains(t, "idle overview", buf.String(), "No attempts in the last hour.", "Every webhook is healthy")
	if strings.Contains(buf.String(), `class="ov-ok"`) || strings.Contains(buf.String(), `class="ov-bad"`) {
		t.Errorf("an idle hour draws bars")
	}

	// A full list says there may be more.
	full := &hookd.Overview{}
	for i := range hookd.OverviewTroubled {
		full.Troubled = append(full.Troubled, hookd.TroubledWebhook{Webhook: hookd.Webhook{ID: fmt.Sprintf("whk_%d", i), WorkspaceID: "ws_a", URL: "https://a.example", Status: "disabled"}})
	}
	rec = httptest.NewRecorder()
	s.ui.render(rec, r, http.StatusOK, page{name: "overview", title: "Overview", nav: "overview", data: newOverviewView(full, now)})
	wantContains(t, "full overview", rec.Body.String(), ">100+<", "there may be more")
}
