package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// TestBrowserPortal is a tenant's whole visit, in Chromium against the real
// binary: a portal link opens the workspace's webhook list; a webhook to a
// local receiver is added through the form with two event types from the
// catalogue; Test shows the receiver's answer; published events are found
// in the delivery log with its filters; a failed attempt shows the
// receiver's body; Retry sends a second attempt that succeeds; the signing
// secret is rotated. Then a read-only session sees every page without a
// control that changes anything, and the server refuses the changes it
// forces through anyway; and used, expired and forged links get a clear
// page and no session.
func TestBrowserPortal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium and the real binary; skipped with -short")
	}
	t.Parallel()
	started := time.Now()
	ctx := context.Background()
	s := startFlowServer(t)
	s.createCatalogue(t, flowCatalogue)
	ws := s.createWorkspace(t, "Acme Corp")
	rc := newSwitchReceiver(t, reply{status: 200, body: `{"received":true,"note":"thanks from acme's receiver"}`,
		header: map[string]string{"Content-Type": "application/json", "X-Receiver": "acme-billing"}})
	// The platform's backend made a webhook by API; its receiver is down.
	down := newSwitchReceiver(t, reply{status: 503, body: "down for maintenance"})
	crm, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{Name: "CRM sync", URL: down.URL + "/crm", Events: []string{"customer.created"}})
	if err != nil {
		t.Fatal(err)
	}
	link := s.portalLink(t, ws, false, "")
	tb := newBrowser(t)
	wsBase := "/ui/workspaces/" + ws

	// The link signs the browser in and lands on the webhook list.
	wantStatus(t, "open the portal link", tb.open(link, "h1"), http.StatusOK)
	tb.wantPath(wsBase + "/webhooks")
	tb.wantText("Webhooks", "Workspace portal", "CRM sync")

	// Add a webhook through the form, ticking two types of the catalogue.
	wantStatus(t, "open the add form", tb.clickAndWait(`a[href="`+wsBase+`/webhooks/new"]`), http.StatusOK)
	tb.wantText("Add a webhook", flowCatalogue[0].description, flowCatalogue[1].description, flowCatalogue[2].description)
	tb.fill("#url", rc.URL+"/hooks/billing")
	tb.fill("#name", "Billing service")
	tb.fill("#description", "Marks invoices paid in the billing database.")
	tb.tick(`input[name="events"][value="invoice.paid"]`)
	tb.tick(`input[name="events"][value="invoice.overdue"]`)
	tb.fill("#retry_schedule", "none") // one attempt: a failure stays failed until Retry
	tb.screenshots("webhook-new")
	wantStatus(t, "submit the add form", tb.clickAndWait(`form.webhook-form button[type="submit"].primary`), http.StatusOK)
	whk := tb.pathAfter("/webhooks/")
	whkBase := wsBase + "/webhooks/" + whk
	tb.wantPath(whkBase)
	tb.wantText("Webhook added", "Billing service", rc.URL+"/hooks/billing", "invoice.paid", "invoice.overdue")
	created, err := s.admin.Webhook(ctx, ws, whk)
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(slices.Values(created.Events)); !slices.Equal(got, []string{"invoice.overdue", "invoice.paid"}) {
		t.Errorf("the webhook the form made has events %q; want the two ticked", created.Events)
	}
	if len(created.RetrySchedule) != 0 {
		t.Errorf("the webhook the form made retries %q; want none", created.RetrySchedule)
	}
	firstSecret := tb.text("#signing-secret-value") // shown once added
	if !strings.HasPrefix(firstSecret, "whsec_") {
		t.Errorf("after adding: the signing secret shows %q; want whsec_…", firstSecret)
	}
	tb.open(s.URL+whkBase, "h1")
	tb.screenshots("webhook")

	// Test: pick a type (the select submits itself), see its example, send,
	// and see the receiver's answer on the page.
	tb.open(s.URL+whkBase, "h1")
	wantStatus(t, "open the test page", tb.clickAndWait(`a[href="`+whkBase+`/test"]`), http.StatusOK)
	wantStatus(t, "pick invoice.overdue", tb.chooseAndWait("#event_type", "invoice.overdue"), http.StatusOK)
	if got := tb.value("#payload"); !strings.Contains(got, `"in_1002"`) {
		t.Errorf("after picking invoice.overdue the payload is %q; want its example", got)
	}
	before := rc.count()
	wantStatus(t, "send the test", tb.clickAndWait(`form.test-send button[type="submit"]`), http.StatusOK)
	tb.waitVisible("#result")
	tb.wantText("Delivered", "HTTP 200", "thanks from acme's receiver", "acme-billing")
	if rc.count() != before+1 {
		t.Errorf("the receiver got %d requests from Test; want 1", rc.count()-before)
	} else if got := rc.all()[before]; !strings.Contains(string(got.body), "in_1002") {
		t.Errorf("the test request: %s %q; want invoice.overdue's example", got.header, got.body)
	}
	tb.screenshots("webhook-test")
	tb.wantNoScript()

	// Publish by API, find the deliveries in the log, filter it.
	paid := []string{
		deliveryOf(t, s.publish(t, ws, "invoice.paid", `{"invoice_id":"in_2001","amount":1500}`), whk),
		deliveryOf(t, s.publish(t, ws, "invoice.paid", `{"invoice_id":"in_2002","amount":2500}`), whk),
	}
	overdue := deliveryOf(t, s.publish(t, ws, "invoice.overdue", `{"invoice_id":"in_2003"}`), whk)
	if p := s.publish(t, ws, "customer.created", `{"customer_id":"cus_9"}`); len(p.Deliveries) != 1 || p.Deliveries[0].WebhookID != crm.ID {
		t.Errorf("customer.created, which only the CRM webhook takes, has deliveries %+v", p.Deliveries)
	}
	for _, d := range append(slices.Clone(paid), overdue) {
		s.waitStatus(t, ws, whk, d, "succeeded")
	}
	tb.open(s.URL+whkBase, "h1")
	wantStatus(t, "open the delivery log", tb.clickAndWait(`a[href="`+whkBase+`/deliveries"]`), http.StatusOK)
	ids := tb.texts("table.log td.id-cell a")
	for _, d := range append(slices.Clone(paid), overdue) {
		if !slices.Contains(ids, d) {
			t.Errorf("the delivery log %q lacks %s", ids, d)
		}
	}
	wantStatus(t, "filter by status", tb.chooseAndWait("#f-status", "succeeded"), http.StatusOK)
	tb.fill("#f-type", "invoice.paid")
	wantStatus(t, "filter by event type", tb.clickAndWait(`form.filters button[type="submit"]`), http.StatusOK)
	if q := tb.location(); !strings.Contains(q, "status=succeeded") || !strings.Contains(q, "event_type=invoice.paid") {
		t.Errorf("after filtering: location %s; want status=succeeded and event_type=invoice.paid", q)
	}
	if got := slices.Sorted(slices.Values(tb.texts("table.log td.id-cell a"))); !slices.Equal(got, slices.Sorted(slices.Values(paid))) {
		t.Errorf("succeeded invoice.paid deliveries on the page: %q; want %q", got, paid)
	}
	wantStatus(t, "filter failed ones", tb.chooseAndWait("#f-status", "failed"), http.StatusOK)
	tb.wantText("No deliveries match")

	// The list shows both webhooks, and that the CRM's is failing.
	waitFor(t, 20*time.Second, "the CRM webhook to be failing", func() bool {
		w, err := s.admin.Webhook(ctx, ws, crm.ID)
		if err != nil {
			t.Fatal(err)
		}
		return w.FailingSince != nil
	})
	tb.open(s.URL+wsBase+"/webhooks", "table")
	tb.wantText("Billing service", "CRM sync", "failing", "since 20")
	tb.screenshots("webhook-list")

	// The receiver fails: the failed attempt shows with its body, as text.
	const refusal = "receiver says no <b>bold</b>"
	rc.set(reply{status: 500, body: refusal})
	failed := deliveryOf(t, s.publish(t, ws, "invoice.paid", `{"invoice_id":"in_3001","amount":99}`), whk)
	s.waitStatus(t, ws, whk, failed, "failed")
	tb.open(s.URL+whkBase+"/deliveries/"+failed, "#attempt-1")
	tb.wantText("HTTP 500", refusal)
	if got := tb.text("#attempt-1 .response-body"); got != refusal {
		t.Errorf("attempt 1's response body shows %q; want %q", got, refusal)
	}
	tb.wantNone("#attempt-1 b") // the <b> is text, not markup
	tb.open(s.URL+whkBase+"/deliveries", "table.log")
	tb.wantText("failed", "500")
	tb.screenshots("deliveries")
	tb.open(s.URL+whkBase+"/deliveries/"+failed, "#attempt-1")

	// It succeeds again; Retry sends attempt 2, which succeeds.
	rc.set(reply{status: 202, body: `{"ok":true,"after":"retry"}`, header: map[string]string{"Content-Type": "application/json"}})
	wantStatus(t, "press Retry", tb.clickAndWait(`form[action$="/retry"] button[type="submit"]`), http.StatusOK)
	tb.wantPath(whkBase + "/deliveries/" + failed)
	tb.reloadUntil("showing attempt 2 succeeded", func() bool {
		return tb.count("#attempt-2") == 1 && strings.Contains(tb.text("h1"), "succeeded")
	})
	if got := tb.text("#attempt-2"); !strings.Contains(got, "HTTP 202") || !strings.Contains(got, `"after":"retry"`) || !strings.Contains(got, "manual") {
		t.Errorf("attempt 2 shows %q; want HTTP 202, the receiver's body and its manual trigger", got)
	}
	tb.wantText(refusal) // attempt 1 stays
	tb.screenshots("delivery")

	// Rotate the signing secret and see the new one.
	tb.open(s.URL+whkBase+"?reveal=1", "#signing-secret-value")
	if got := tb.text("#signing-secret-value"); got != firstSecret {
		t.Errorf("revealed secret %q; want the one shown at creation %q", got, firstSecret)
	}
	tb.choose("#grace_period", "1h")
	wantStatus(t, "rotate the secret", tb.clickAndWait(`form.rotate button[type="submit"]`), http.StatusOK)
	tb.wantText("Signing secret rotated", "1 hour")
	newSecret := tb.text("#signing-secret-value")
	if newSecret == firstSecret || !strings.HasPrefix(newSecret, "whsec_") {
		t.Errorf("after rotating the secret shows %q; want a new whsec_… (was %q)", newSecret, firstSecret)
	}
	if got := s.secret(t, ws, whk); got != newSecret {
		t.Errorf("the API's secret %q; the page's %q", got, newSecret)
	}

	// The workspace's events and the catalogue.
	tb.open(s.URL+wsBase+"/events", "table.events")
	tb.wantText("invoice.paid", "customer.created")
	tb.screenshots("events")
	evt := s.publish(t, ws, "invoice.paid", `{"invoice_id":"in_4001","amount":1200,"currency":"EUR","lines":[{"sku":"seat","qty":3}]}`)
	s.waitStatus(t, ws, whk, deliveryOf(t, evt, whk), "succeeded")
	tb.open(s.URL+wsBase+"/events/"+evt.ID, "h1")
	tb.wantText(evt.ID, "in_4001", "Billing service", "succeeded")
	tb.screenshots("event")
	tb.open(s.URL+"/ui/event-types", "table.catalogue")
	tb.wantText(flowCatalogue[0].description, flowCatalogue[2].name)
	tb.wantNone(`a[href="/ui/event-types/new"]`) // the catalogue is the operator's
	tb.screenshots("event-types")
	tb.wantNoScript()

	readOnlySession(t, s, tb, rc, ws, whk, failed, newSecret)
	refusedLinks(t, s, tb, ws, link)
	t.Logf("the portal flow took %s", time.Since(started).Round(time.Millisecond))
}

// readOnlySession opens a read-only portal link in a session of its own
// and walks the pages of the flow: each shows what it shows, without a
// control that changes anything, and each change forced through with the
// page's own CSRF token is refused by the server and changes nothing.
func readOnlySession(t *testing.T, s *flowServer, tb *tab, rc *switchReceiver, ws, whk, dlv, secret string) {
	t.Helper()
	ctx := context.Background()
	ro := tb.newSession()
	wsBase := "/ui/workspaces/" + ws
	whkBase := wsBase + "/webhooks/" + whk
	wantStatus(t, "open the read-only link", ro.open(s.portalLink(t, ws, true, ""), "h1"), http.StatusOK)
	ro.wantPath(wsBase + "/webhooks")
	ro.wantText("read-only", "Billing service")
	ro.wantNone(`a[href$="/webhooks/new"]`)

	ro.open(s.URL+whkBase, "h1")
	ro.wantText("Billing service", "invoice.paid")
	ro.wantNone(`a[href$="/edit"]`, "form.rotate", `form[action$="/disable"]`, `a[href$="/delete"]`, `form[action$="/delete"]`)
	ro.wantSome(`a[href$="/test"]`, `a[href$="/deliveries"]`) // looking is allowed

	ro.open(s.URL+whkBase+"?reveal=1", "#signing-secret-value")
	if got := ro.text("#signing-secret-value"); got != secret {
		t.Errorf("read-only: the revealed secret %q; want %q", got, secret)
	}

	ro.open(s.URL+whkBase+"/test", "h1")
	ro.wantText("read-only")
	ro.wantNone(`form.test-send button[type="submit"]`)
	if ro.attr("#payload", "readonly") == "" && ro.count("#payload[readonly]") == 0 {
		t.Error("read-only: the test payload can be edited")
	}

	ro.open(s.URL+whkBase+"/deliveries", "table.log")
	ro.wantSome("table.log td.id-cell a")
	ro.wantNone("#recover", `form[action$="/recover"]`)

	ro.open(s.URL+whkBase+"/deliveries/"+dlv, "#attempt-2")
	ro.wantText("receiver says no <b>bold</b>")
	ro.wantNone(`form[action$="/retry"]`)

	ro.open(s.URL+wsBase+"/webhooks/new", "h1")
	ro.wantText("read-only")
	ro.wantNone(`form.webhook-form button[type="submit"]`)
	ro.wantSome(`form.webhook-form fieldset[disabled]`)

	ro.open(s.URL+whkBase+"/edit", "h1")
	ro.wantNone(`form.webhook-form button[type="submit"]`)
	ro.wantNoScript()

	// Each change, forced through with the page's CSRF token: 403, saying
	// the session is read-only.
	before, err := s.admin.Webhook(ctx, ws, whk)
	if err != nil {
		t.Fatal(err)
	}
	dBefore, err := s.admin.Delivery(ctx, ws, whk, dlv)
	if err != nil {
		t.Fatal(err)
	}
	requests := rc.count()
	ro.open(s.URL+whkBase, "h1")
	since := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	for _, c := range []struct {
		path string
		form url.Values
	}{
		{wsBase + "/webhooks", url.Values{"url": {"http://127.0.0.1:9/x"}, "events": {"invoice.paid"}}},
		{whkBase + "/update", url.Values{"url": {"http://127.0.0.1:9/x"}, "name": {"taken over"}, "events": {"invoice.paid"}}},
		{whkBase + "/rotate-secret", url.Values{"grace_period": {"0s"}}},
		{whkBase + "/disable", nil},
		{whkBase + "/enable", nil},
		{whkBase + "/delete", nil},
		{whkBase + "/test", url.Values{"event_type": {"invoice.paid"}}},
		{whkBase + "/deliveries/" + dlv + "/retry", nil},
		{whkBase + "/recover", url.Values{"since": {since}}},
	} {
		res := ro.forcePost(c.path, c.form)
		if res.Status != http.StatusForbidden || !strings.Contains(res.Text, "read-only") {
			t.Errorf("read-only: POST %s: HTTP %d %s; want 403 saying the session is read-only", c.path, res.Status, tail(res.Text, 300))
		}
	}
	after, err := s.admin.Webhook(ctx, ws, whk)
	if err != nil {
		t.Fatal(err)
	}
	if after.Name != before.Name || after.URL != before.URL || after.Status != before.Status || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("read-only POSTs changed the webhook: %+v; was %+v", after.Webhook, before.Webhook)
	}
	if s.secret(t, ws, whk) != secret {
		t.Error("read-only POSTs rotated the signing secret")
	}
	dAfter, err := s.admin.Delivery(ctx, ws, whk, dlv)
	if err != nil {
		t.Fatal(err)
	}
	if dAfter.Attempts != dBefore.Attempts || dAfter.Status != dBefore.Status {
		t.Errorf("read-only POSTs changed delivery %s: %d attempts, %s; was %d, %s", dlv, dAfter.Attempts, dAfter.Status, dBefore.Attempts, dBefore.Status)
	}
	if got := rc.count(); got != requests {
		t.Errorf("read-only POSTs sent the receiver %d requests", got-requests)
	}
	var hooks struct {
		Data []hookd.Webhook `json:"data"`
	}
	if err := s.admin.Do(ctx, client.Request{Method: "GET", Path: "/v1/workspaces/" + ws + "/webhooks"}, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks.Data) != 2 {
		t.Errorf("after read-only POSTs the workspace has %d webhooks; want 2", len(hooks.Data))
	}

	// A POST without the token is refused before anything else.
	if res := ro.forcePostWithout(whkBase + "/disable"); res.Status != http.StatusForbidden || !strings.Contains(res.Text, "did not come from hookd") {
		t.Errorf("POST without a CSRF token: HTTP %d %s; want 403 from the CSRF check", res.Status, tail(res.Text, 300))
	}
}

// refusedLinks opens a used, an expired, a forged and a garbled portal
// link, each in a fresh session: each gets a page that says what is wrong,
// and no session (the portal's pages then ask to sign in).
func refusedLinks(t *testing.T, s *flowServer, tb *tab, ws, used string) {
	t.Helper()
	expired := s.portalLink(t, ws, false, "1ms")
	time.Sleep(5 * time.Millisecond) // past its life: the server's clock is the wall clock
	forged := s.URL + "/ui/portal/" + base64.RawURLEncoding.EncodeToString(hookd.RandomToken(32))
	for _, c := range []struct {
		name, link string
		status     int
		says       string
	}{
		{"a used link", used, http.StatusGone, "already used"},
		{"an expired link", expired, http.StatusGone, "expired"},
		{"a forged link", forged, http.StatusNotFound, "does not exist"},
		{"a garbled link", s.URL + "/ui/portal/not-a-token", http.StatusNotFound, "not a portal link"},
	} {
		nt := tb.newSession()
		if got := nt.open(c.link, "h1"); got != c.status {
			t.Errorf("%s: HTTP %d; want %d", c.name, got, c.status)
		}
		nt.wantText(c.says, "ask for a new one")
		nt.wantNone("nav.side", "form.signout")
		nt.open(s.URL+"/ui/workspaces/"+ws+"/webhooks", "h1")
		if u, _ := url.Parse(nt.location()); u == nil || u.Path != "/ui/login" {
			t.Errorf("%s: then the webhook list is at %s; want the sign-in page (no session)", c.name, nt.location())
		}
		nt.wantNoText("Billing service")
	}
}
