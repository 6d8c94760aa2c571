package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hookd/hookd/client"
)

// hostile are strings that run script if a page puts them into its HTML
// as markup: in an element, and after breaking out of an attribute.
var hostile = []string{
	`<script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`"><svg onload=alert(1)>`,
}

// TestBrowserEscaping puts HTML and script into everything that reaches
// the pages from outside (a webhook's name and description, an event
// type's description, event payloads, a receiver's response headers and
// body, a test payload) and opens every page that shows them in Chromium:
// each shows them as text, and none runs script (no dialog, no CSP
// violation, no element of theirs in the page).
func TestBrowserEscaping(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	s := startFlowServer(t)
	all := strings.Join(hostile, " ")
	if _, err := s.admin.CreateEventType(ctx, "ticket.created", "A ticket was opened. "+all, json.RawMessage(`{"subject":"`+jsonText(hostile[0])+`"}`)); err != nil {
		t.Fatal(err)
	}
	ws := s.createWorkspace(t, "Hostile "+hostile[2])
	rc := newSwitchReceiver(t, reply{status: 500, body: "receiver: " + all,
		header: map[string]string{"X-Evil": hostile[1], "Content-Type": "text/html"}})
	name := "Hook " + hostile[0] + hostile[2]
	whk, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{
		Name: name, URL: rc.URL + "/hooks", Events: []string{"ticket.created"}, RetrySchedule: []string{"1h"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.admin.Do(ctx, client.Request{Method: "PATCH", Path: "/v1/workspaces/" + ws + "/webhooks/" + whk.ID,
		Body: map[string]string{"description": "Described as " + all}}, nil); err != nil {
		t.Fatal(err)
	}
	payload := `{"subject":"` + jsonText(hostile[0]) + `","body":"` + jsonText(hostile[1]) + `","from":"` + jsonText(hostile[2]) + `"}`
	evt := s.publish(t, ws, "ticket.created", payload)
	dlv := deliveryOf(t, evt, whk.ID)
	waitFor(t, 20*time.Second, "attempt 1 to be recorded (the next is in an hour)", func() bool {
		d, err := s.admin.Delivery(ctx, ws, whk.ID, dlv)
		if err != nil {
			t.Fatal(err)
		}
		return d.Attempts == 1
	})

	tb := newBrowser(t)
	tb.open(s.portalLink(t, ws, false, ""), "h1")
	wsBase := "/ui/workspaces/" + ws
	whkBase := wsBase + "/webhooks/" + whk.ID
	pages := []struct {
		name, path, ready string
		want              []string
	}{
		{"the webhook list", wsBase + "/webhooks", "table", []string{name}},
		{"the webhook's page", whkBase, "h1", []string{name, "Described as " + all}},
		{"the add form", wsBase + "/webhooks/new", "form.webhook-form", []string{"A ticket was opened. " + all}},
		{"the edit form", whkBase + "/edit", "form.webhook-form", []string{"A ticket was opened. " + all}},
		{"the delivery log", whkBase + "/deliveries", "table.log", []string{name}},
		{"the delivery's page", whkBase + "/deliveries/" + dlv, "#attempt-1", append([]string{name, "receiver: " + all}, hostile...)},
		{"the events", wsBase + "/events", "table.events", nil},
		{"the event's page", wsBase + "/events/" + evt.ID, "h1", append([]string{name}, hostile...)},
		{"the catalogue", "/ui/event-types", "table.catalogue", []string{"A ticket was opened. " + all}},
		{"the test page", whkBase + "/test", "#payload", []string{name}},
	}
	for _, p := range pages {
		if got := tb.open(s.URL+p.path, p.ready); got != http.StatusOK {
			t.Errorf("%s: HTTP %d; want 200", p.name, got)
		}
		tb.wantText(p.want...)
		wantInert(t, tb, p.name)
	}
	tb.open(s.URL+whkBase+"/edit", "#name")
	if got := tb.value("#name"); got != name {
		t.Errorf("the edit form's name field holds %q; want %q", got, name)
	}

	// Test, with a hostile payload typed in, and the receiver's hostile
	// answer on the page.
	tb.open(s.URL+whkBase+"/test", "#payload")
	tb.fill("#payload", payload)
	wantStatus(t, "send the test", tb.clickAndWait(`form.test-send button[type="submit"]`), http.StatusOK)
	tb.waitVisible("#result")
	tb.wantText("HTTP 500", "receiver: "+all, hostile[1]) // the body, and the X-Evil header
	if got := tb.value("#payload"); !strings.Contains(got, jsonText(hostile[2])) {
		t.Errorf("after the test the payload field holds %q; want what was typed", got)
	}
	wantInert(t, tb, "the test result")
}

// wantInert fails the test if the tab's page ran script, or holds an
// element or attribute that only hostile data could have put there: a
// script other than hookd's own, an image, an svg, an inline handler.
func wantInert(t *testing.T, tb *tab, page string) {
	t.Helper()
	tb.wantNoScript()
	const probe = `(() => {
		const bad = [];
		for (const s of document.scripts) if (!/\/ui\/static\/hookd\.[0-9a-f]{8}\.js$/.test(s.src)) bad.push("script " + (s.src || s.textContent.slice(0, 40)));
		for (const e of document.querySelectorAll("img, svg:not(.ov-svg), iframe, object, embed")) bad.push(e.tagName.toLowerCase());
		for (const e of document.querySelectorAll("*")) for (const a of e.attributes) if (/^on/i.test(a.name)) bad.push(e.tagName.toLowerCase() + " " + a.name);
		return bad;
	})()`
	if bad := tabRun(tb, "look for hostile elements", chromedp.Evaluate[[]string](probe)); len(bad) > 0 {
		t.Errorf("%s holds what hostile data put there: %q", page, bad)
	}
}

// jsonText is s as the inside of a JSON string, with < > & as they are.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	r := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	return r.Replace(string(b[1 : len(b)-1]))
}
