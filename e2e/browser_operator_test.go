package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// TestBrowserOperator is the operator's run of the flow, in Chromium
// against the real binary: sign in with the admin key through the form;
// create two workspaces through the pages, add a webhook to each and test
// it; make one fail and disable the other, and find both on the overview
// with its counts and chart; create a workspace key (shown once) and an
// event type; and find that each workspace's pages show its own webhook
// and not the other's.
func TestBrowserOperator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and the real binary; skipped with -short")
	}
	t.Parallel()
	started := time.Now()
	ctx := context.Background()
	s := startFlowServer(t)
	s.createCatalogue(t, flowCatalogue)
	tb := newBrowser(t)

	// Sign in through the form: a wrong key is refused, the admin key lands
	// on the overview.
	wantStatus(t, "open the sign-in page", tb.open(s.URL+"/ui/", "#key"), http.StatusOK)
	tb.wantPath("/ui/login")
	tb.fill("#key", "hk_not_the_admin_key")
	wantStatus(t, "sign in with a wrong key", tb.clickAndWait(`form[action="/ui/login"] button[type="submit"]`), http.StatusUnauthorized)
	tb.wantText("That is not the admin key")
	tb.wantNone("nav.side")
	tb.fill("#key", adminKey)
	wantStatus(t, "sign in with the admin key", tb.clickAndWait(`form[action="/ui/login"] button[type="submit"]`), http.StatusOK)
	tb.wantPath("/ui/")
	tb.wantText("Operator", "Workspaces", "Event types")
	tb.wantText("Overview", "Every webhook is healthy")
	if strings.Contains(tb.location(), adminKey) {
		t.Error("the admin key is in the URL after signing in")
	}

	// Two workspaces, each created through the pages, each with a webhook
	// added and tested there.
	type tenant struct {
		name, hook string
		rc         *switchReceiver
		ws, whk    string
	}
	tenants := []*tenant{
		{name: "Acme Corp", hook: "Acme billing"},
		{name: "Globex", hook: "Globex orders"},
	}
	for _, tn := range tenants {
		tn.rc = newSwitchReceiver(t, reply{status: 200, body: "ok from " + tn.name})
		tb.open(s.URL+"/ui/workspaces", "h1")
		wantStatus(t, "open the new workspace form", tb.clickAndWait(`a[href="/ui/workspaces/new"]`), http.StatusOK)
		tb.fill("#name", tn.name)
		tb.fill("#max_webhooks", "10")
		wantStatus(t, "create "+tn.name, tb.clickAndWait(`form[action="/ui/workspaces"] button[type="submit"]`), http.StatusOK)
		tn.ws = tb.pathAfter("/ui/workspaces/")
		tb.wantPath("/ui/workspaces/" + tn.ws)
		tb.wantText("Workspace created", tn.name)
		if got := s.workspace(t, tn.ws); got.Name != tn.name || got.Settings.MaxWebhooks != 10 {
			t.Errorf("the workspace the form made: %q, max_webhooks %d; want %q, 10", got.Name, got.Settings.MaxWebhooks, tn.name)
		}

		wsBase := "/ui/workspaces/" + tn.ws
		wantStatus(t, "open "+tn.name+"'s webhooks", tb.clickAndWait(`.page-head a[href="`+wsBase+`/webhooks"]`), http.StatusOK)
		tb.wantText("No webhooks yet")
		wantStatus(t, "open the add form", tb.clickAndWait(`.page-head a[href="`+wsBase+`/webhooks/new"]`), http.StatusOK)
		tb.fill("#url", tn.rc.URL+"/hooks")
		tb.fill("#name", tn.hook)
		tb.tick(`input[name="events"][value="invoice.paid"]`)
		tb.tick(`input[name="events"][value="customer.created"]`)
		wantStatus(t, "add "+tn.hook, tb.clickAndWait(`form.webhook-form button[type="submit"].primary`), http.StatusOK)
		tn.whk = tb.pathAfter("/webhooks/")
		tb.wantText("Webhook added", tn.hook)

		wantStatus(t, "open the test page", tb.clickAndWait(`a[href="`+wsBase+`/webhooks/`+tn.whk+`/test"]`), http.StatusOK)
		wantStatus(t, "send the test", tb.clickAndWait(`form.test-send button[type="submit"]`), http.StatusOK)
		tb.waitVisible("#result")
		tb.wantText("HTTP 200", "ok from "+tn.name)
	}
	a, b := tenants[0], tenants[1]

	// Each workspace's pages show its own webhook, not the other's; the
	// other's ids answer 404 under it.
	for _, c := range []struct{ own, other *tenant }{{a, b}, {b, a}} {
		tb.open(s.URL+"/ui/workspaces/"+c.own.ws+"/webhooks", "table")
		tb.wantText(c.own.hook)
		tb.wantNoText(c.other.hook)
		if got := tb.open(s.URL+"/ui/workspaces/"+c.own.ws+"/webhooks/"+c.other.whk, "h1"); got != http.StatusNotFound {
			t.Errorf("%s's webhook under %s: HTTP %d; want 404", c.other.name, c.own.name, got)
		}
		tb.wantText("There is no such page")
		tb.wantNoText(c.other.hook)
		if got := tb.open(s.URL+"/ui/workspaces/"+c.own.ws+"/webhooks/"+c.other.whk+"/deliveries", "h1"); got != http.StatusNotFound {
			t.Errorf("%s's delivery log under %s: HTTP %d; want 404", c.other.name, c.own.name, got)
		}
	}

	// A's receiver fails; B's webhook is disabled through its page.
	a.rc.set(reply{status: 500, body: "acme is down"})
	s.publish(t, a.ws, "invoice.paid", `{"invoice_id":"in_5001"}`)
	waitFor(t, 20*time.Second, "Acme's webhook to be failing", func() bool {
		w, err := s.admin.Webhook(ctx, a.ws, a.whk)
		if err != nil {
			t.Fatal(err)
		}
		return w.FailingSince != nil
	})
	tb.open(s.URL+"/ui/workspaces/"+b.ws+"/webhooks/"+b.whk, "h1")
	wantStatus(t, "disable Globex's webhook", tb.clickAndWait(`form[action$="/disable"] button[type="submit"]`), http.StatusOK)
	tb.wantText("Webhook disabled", "This webhook is disabled")
	tb.wantSome(`form[action$="/enable"]`)
	if w, err := s.admin.Webhook(ctx, b.ws, b.whk); err != nil || w.Status != "disabled" {
		t.Errorf("after Disable the API says %v, %v; want disabled", w, err)
	}

	// The overview: the counts, the chart, and both webhooks in trouble.
	overview(t, tb, s, a.hook, b.hook, a.ws+"/webhooks/"+a.whk, b.ws+"/webhooks/"+b.whk)
	tb.open(s.URL+"/ui/workspaces", "table")
	tb.wantText(a.name, b.name, a.ws, b.ws)
	tb.screenshots("workspaces")

	// A workspace key: shown once, then only its name and id.
	tb.open(s.URL+"/ui/workspaces/"+a.ws, "#key-name")
	tb.fill("#key-name", "production")
	wantStatus(t, "create a key", tb.clickAndWait(`form.ws-key-form button[type="submit"]`), http.StatusCreated)
	tb.wantText("Key created", "will not be shown again", "production")
	key := tb.text("#new-key")
	if !strings.HasPrefix(key, "hk_") {
		t.Fatalf("the new key shows as %q; want hk_…", key)
	}
	var hooks struct {
		Data []hookd.Webhook `json:"data"`
	}
	wsClient := client.New(s.URL, key)
	if err := wsClient.Do(ctx, client.Request{Method: "GET", Path: "/v1/workspaces/" + a.ws + "/webhooks"}, &hooks); err != nil || len(hooks.Data) != 1 || hooks.Data[0].ID != a.whk {
		t.Errorf("the new key lists %+v, %v; want Acme's one webhook", hooks.Data, err)
	}
	if err := wsClient.Do(ctx, client.Request{Method: "GET", Path: "/v1/workspaces/" + b.ws + "/webhooks"}, nil); err == nil {
		t.Error("Acme's key lists Globex's webhooks")
	}
	tb.open(s.URL+"/ui/workspaces/"+a.ws, "#keys")
	tb.wantText("production")
	tb.wantNoText(key)
	tb.wantSome(`#keys a[href$="/delete"]`)
	tb.screenshots("workspace")

	// The dashboard does not take a workspace key.
	other := tb.newSession()
	other.open(s.URL+"/ui/login", "#key")
	other.fill("#key", key)
	wantStatus(t, "sign in with a workspace key", other.clickAndWait(`form[action="/ui/login"] button[type="submit"]`), http.StatusUnauthorized)
	other.wantText("That is a workspace key")

	// An event type, created through the catalogue's form.
	tb.open(s.URL+"/ui/event-types", "table.catalogue")
	wantStatus(t, "open the new event type form", tb.clickAndWait(`a[href="/ui/event-types/new"]`), http.StatusOK)
	tb.fill("#et-name", "order.shipped")
	tb.fill("#et-description", "An order left the warehouse.")
	tb.fill("#et-example", `{"order_id":"ord_42","carrier":"DHL","tracking":"JD0146000033"}`)
	wantStatus(t, "add the event type", tb.clickAndWait(`form[action="/ui/event-types"] button[type="submit"]`), http.StatusOK)
	tb.wantPath("/ui/event-types")
	tb.wantText("Added order.shipped", "An order left the warehouse.")
	var et hookd.EventType
	if err := s.admin.Do(ctx, client.Request{Method: "GET", Path: "/v1/event-types/order.shipped"}, &et); err != nil {
		t.Fatal(err)
	}
	var example map[string]string
	if err := json.Unmarshal(et.Example, &example); err != nil || et.Description != "An order left the warehouse." || example["carrier"] != "DHL" {
		t.Errorf("the event type the form made: %q %s (%v); want its description and example", et.Description, et.Example, err)
	}
	tb.wantSome(`a[href="/ui/event-types/order.shipped/edit"]`)
	tb.wantNoScript()
	t.Logf("the operator flow took %s", time.Since(started).Round(time.Millisecond))
}

// overview checks the overview page: its stat cards, its chart with
// succeeded and failed attempts, and the failing and the disabled webhook
// (their names, and their paths under /ui/workspaces/) in its table.
func overview(t *testing.T, tb *tab, s *flowServer, failing, disabled, failingPath, disabledPath string) {
	t.Helper()
	tb.open(s.URL+"/ui/", "h1")
	tb.wantText("Overview", "1 failing · 1 disabled", "Attempts per minute", "Webhooks in trouble", failing, disabled)
	tb.wantNoText("Every webhook is healthy")
	stats := tb.texts(".stats .stat")
	if len(stats) != 5 || !strings.Contains(stats[2], "2") || !strings.Contains(stats[3], "2") {
		t.Errorf("stat cards %q; want five, with 2 webhooks and 2 workspaces", stats)
	}
	tb.wantSome("svg.ov-svg rect.ov-ok", "svg.ov-svg rect.ov-bad")
	for _, p := range []string{failingPath, disabledPath} {
		if got := tb.count(`table a[href="/ui/workspaces/` + p + `"]`); got != 1 {
			t.Errorf("the overview links webhook %s %d times; want 1", p, got)
		}
	}
	tb.screenshots("overview")
	tb.wantNoScript()
}

// workspace returns a workspace by API.
func (s *flowServer) workspace(t *testing.T, ws string) *hookd.Workspace {
	t.Helper()
	var w hookd.Workspace
	if err := s.admin.Do(context.Background(), client.Request{Method: "GET", Path: "/v1/workspaces/" + url.PathEscape(ws)}, &w); err != nil {
		t.Fatal(err)
	}
	return &w
}
