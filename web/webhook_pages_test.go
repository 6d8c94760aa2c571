package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/signature"
)

// addCatalogue adds the event types the webhook page tests pick from.
func addCatalogue(s *site) {
	s.eventType("invoice.paid", "An invoice was paid in full.", `{"id":"inv_1","amount":4200,"note":"<b>bold</b>"}`)
	s.eventType("invoice.created", "A draft invoice was sent.", `{"id":"inv_1"}`)
	s.eventType("ticket.created", "A support ticket was opened.", `{"id":"t_1"}`)
}

// addThroughForm adds a webhook through the add form and returns its id.
func addThroughForm(t *testing.T, b *browser, ws string, form url.Values) string {
	t.Helper()
	b.mustGet("/ui/workspaces/" + ws + "/webhooks/new")
	p := b.post("/ui/workspaces/"+ws+"/webhooks", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("add webhook: status %d: %s", p.status, p.text())
	}
	prefix := "/ui/workspaces/" + ws + "/webhooks/"
	id, _, _ := strings.Cut(strings.TrimPrefix(p.location, prefix), "?")
	if !strings.HasPrefix(p.location, prefix) || !strings.HasPrefix(id, "whk_") {
		t.Fatalf("add webhook went to %q", p.location)
	}
	return id
}

func TestWebhookAddThroughTheForm(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	b := s.admin()

	form := b.mustGet("/ui/workspaces/" + ws + "/webhooks/new")
	for _, want := range []string{"invoice.paid", "An invoice was paid in full.", "A support ticket was opened.", `"note": "<b>bold</b>"`, `["5s","5m","30m","2h","5h","10h","10h"]`, "none"} {
		if !form.has(want) {
			t.Errorf("the add form does not show %q", want)
		}
	}
	if strings.Contains(form.body, "<b>bold</b>") {
		t.Error("an example's HTML is not escaped on the add form")
	}

	id := addThroughForm(t, b, ws, url.Values{
		"url": {"https://hooks.example.com/billing"}, "name": {"Billing"}, "description": {"Paid\r\ninvoices"},
		"events": {"invoice.paid", "invoice.created"}, "patterns": {"ticket.*"}, "channels": {"eu, us"},
		"method": {"PUT"}, "headers": {"Authorization: Bearer abc\r\nX-Team: blue"}, "timeout_seconds": {"15"},
		"retry_schedule": {"1s, 5s, 30s"}, "scheme": {"stripe"}, "header_prefix": {"X-Acme"},
		"rate_limit": {"2.5"},
	})
	got := s.webhook(ws, id)
	rate := 2.5
	want := hookd.Webhook{
		ID: id, WorkspaceID: ws, Name: "Billing", Description: "Paid\ninvoices", URL: "https://hooks.example.com/billing",
		Method: "PUT", Events: []string{"invoice.paid", "invoice.created", "ticket.*"}, Channels: []string{"eu", "us"},
		Headers: map[string]string{"Authorization": "Bearer abc", "X-Team": "blue"}, TimeoutSeconds: 15,
		RetrySchedule: hookd.RetrySchedule{time.Second, 5 * time.Second, 30 * time.Second},
		Signature:     hookd.SignatureSpec{Scheme: "stripe", HeaderPrefix: "X-Acme"}, TLSVerify: false, RateLimit: &rate,
		Status: "active", CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt,
	}
	if asJSONString(t, got) != asJSONString(t, want) {
		t.Errorf("created\n%s;\nwant\n%s", asJSONString(t, got), asJSONString(t, want))
	}

	// The webhook's page shows the flash and the signing secret at once.
	second := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/2"}, "events": {"invoice.paid"}, "tls_verify": {"on"}})
	p := b.follow(b.post("/ui/workspaces/"+ws+"/webhooks", url.Values{"url": {"https://hooks.example.com/4"}, "patterns": {"*"}}))
	if !p.has("Webhook added.") {
		t.Errorf("no flash after adding: %s", p.text())
	}
	fourth := between(t, p, `<span class="id">`, "</span>")
	secret := s.secret(ws, fourth)
	if !showsSecret(p, secret) {
		t.Errorf("the page after adding does not show the signing secret %s with a copy button", secret)
	}
	if w := s.webhook(ws, second); w.Events[0] != "invoice.paid" || !w.TLSVerify || len(w.RetrySchedule) != 7 || w.Signature.Scheme != "standard" || w.RateLimit != nil {
		t.Errorf("blank fields did not get the defaults: %+v", w)
	}

	// "none" makes a webhook without retries.
	third := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/3"}, "patterns": {"*"}, "retry_schedule": {"none"}})
	if w := s.webhook(ws, third); len(w.RetrySchedule) != 0 || w.RetrySchedule == nil {
		t.Errorf("retry_schedule none: got %v; want []", w.RetrySchedule)
	}
	if p := b.mustGet("/ui/workspaces/" + ws + "/webhooks/" + third); !p.has("None: one attempt only") {
		t.Errorf("the page of a webhook without retries does not say so: %s", p.text())
	}
}

// showsSecret reports whether p shows secret with a copy button.
func showsSecret(p reply, secret string) bool {
	_, rest, ok := strings.Cut(p.body, `<code id="signing-secret-value">`)
	if !ok {
		return false
	}
	code, _, _ := strings.Cut(rest, "</code>")
	return htmlText(code) == secret && strings.Contains(p.body, `data-copy="signing-secret-value"`)
}

func TestWebhookAddRefusedKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	b := s.admin()
	action := "/ui/workspaces/" + ws + "/webhooks"

	b.mustGet(action + "/new")
	p := b.post(action, url.Values{
		"url": {"ftp://hooks.example.com"}, "name": {"Kept name"}, "events": {"invoice.paid"}, "patterns": {"nothing.*"},
		"channels": {"eu, bad channel!"}, "headers": {"Content-Type: text/plain\r\nX-Kept: yes"}, "timeout_seconds": {"500"},
		"retry_schedule": {"5s, 5x"}, "scheme": {"split"}, "signature_header": {"X-Hookd-Event-Id"}, "rate_limit": {"7"},
	})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d; want 422: %s", p.status, p.text())
	}
	for field, want := range map[string]string{
		"url-error":              "must be an http:// or https:// URL",
		"events-error":           `"nothing.*" matches no event type in the catalogue`,
		"channels-error":         "channel 2: must be 1 to 128 characters",
		"headers-error":          "Content-Type: is set by hookd and cannot be overridden",
		"timeout_seconds-error":  "must be from 1 to 120",
		"retry_schedule-error":   `"5x" is not a duration`,
		"signature-header-error": "is one of hookd's own headers (X-Hookd-Event-Id)",
	} {
		got := between(t, p, `id="`+field+`" role="alert">`, "</p>")
		if !strings.Contains(htmlText(got), want) {
			t.Errorf("%s: got %q; want it to say %q", field, htmlText(got), want)
		}
	}
	for _, kept := range []string{`value="ftp://hooks.example.com"`, `value="Kept name"`, `value="nothing.*"`, "X-Kept: yes",
		`value="500"`, `value="5s, 5x"`, `value="split" checked`, `value="invoice.paid" checked`, `value="7"`, `value="X-Hookd-Event-Id"`} {
		if !strings.Contains(p.body, kept) {
			t.Errorf("the form sent back lost %s", kept)
		}
	}
	if strings.Contains(p.body, `name="tls_verify" value="on" checked`) {
		t.Error("TLS verify came back ticked though it was not sent")
	}

	// What the form cannot read is refused before the API.
	b.mustGet(action + "/new")
	p = b.post(action, url.Values{"url": {"https://x.example"}, "patterns": {"*"}, "timeout_seconds": {"thirty"}, "headers": {"no colon"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "must be a whole number of seconds") || !strings.Contains(p.body, "line 1: write each header as Name: value") {
		t.Errorf("unreadable fields: status %d: %s", p.status, p.text())
	}
	var l list[hookd.Webhook]
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks", nil, &l)
	if len(l.Data) != 0 {
		t.Errorf("refused forms made %d webhooks", len(l.Data))
	}
}

func TestWebhookEditSendsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	b := s.admin()
	id := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/a"}, "name": {"Old name"},
		"events": {"invoice.paid", "ticket.created"}, "headers": {"X-Keep: 1"}, "rate_limit": {"3"}, "tls_verify": {"on"}})
	before := s.webhook(ws, id)
	// The catalogue loses a type the webhook names: the API would refuse
	// its events now, but an edit that leaves them alone still works.
	s.mustAPI(http.StatusNoContent, "DELETE", "/v1/event-types/ticket.created", nil, nil)

	base := "/ui/workspaces/" + ws + "/webhooks/" + id
	edit := b.mustGet(base + "/edit")
	values := formValues(t, edit, base+"/update")
	if got := values.Get("patterns"); got != "ticket.created" {
		t.Errorf("the type gone from the catalogue shows in patterns as %q; want ticket.created", got)
	}
	for k, want := range map[string]string{"url": before.URL, "name": "Old name", "headers": "X-Keep: 1", "rate_limit": "3",
		"timeout_seconds": "30", "retry_schedule": "5s, 5m, 30m, 2h, 5h, 10h, 10h", "scheme": "standard", "tls_verify": "on", "method": "POST"} {
		if got := values.Get(k); got != want {
			t.Errorf("edit form %s = %q; want %q", k, got, want)
		}
	}
	values.Set("name", "New name")
	p := b.post(base+"/update", values)
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: status %d: %s", p.status, p.text())
	}
	if p := b.follow(p); !p.has("Webhook saved.") || !p.has("New name") {
		t.Errorf("after saving: %s", p.text())
	}
	after := s.webhook(ws, id)
	if after.Name != "New name" {
		t.Errorf("name %q; want New name", after.Name)
	}
	same := after
	same.Name, same.UpdatedAt = before.Name, before.UpdatedAt
	if asJSONString(t, same) != asJSONString(t, before) {
		t.Errorf("an edit of the name changed more:\n%s\nwas\n%s", asJSONString(t, same), asJSONString(t, before))
	}

	// Unchanged: nothing is sent.
	p = b.post(base+"/update", formValues(t, b.mustGet(base+"/edit"), base+"/update"))
	if p.status != http.StatusSeeOther || !b.follow(p).has("Nothing changed.") {
		t.Errorf("an unchanged form: status %d", p.status)
	}
	if w := s.webhook(ws, id); !w.UpdatedAt.Equal(after.UpdatedAt) {
		t.Errorf("an unchanged form updated the webhook at %s", w.UpdatedAt)
	}

	// Touching the events sends them, and the API checks them again.
	values = formValues(t, b.mustGet(base+"/edit"), base+"/update")
	values.Add("events", "invoice.created")
	p = b.post(base+"/update", values)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(between(t, p, `id="events-error" role="alert">`, "</p>")), `unknown event type "ticket.created"`) {
		t.Errorf("events with a lost type: status %d: %s", p.status, p.text())
	}
	if !strings.Contains(p.body, `value="invoice.created" checked`) || !strings.Contains(p.body, `value="New name"`) {
		t.Error("the refused edit form lost what was typed")
	}

	// Several fields at once, blanks back to defaults, a header removed.
	values = formValues(t, b.mustGet(base+"/edit"), base+"/update")
	values.Set("patterns", "")
	values.Set("headers", "X-New: 2")
	values.Set("rate_limit", "")
	values.Set("timeout_seconds", "12")
	values.Set("retry_schedule", "")
	values.Del("tls_verify")
	values.Set("scheme", "github")
	values.Set("signature_header", "X-Hub-Signature-256")
	if p := b.post(base+"/update", values); p.status != http.StatusSeeOther {
		t.Fatalf("save: status %d: %s", p.status, p.text())
	}
	w := s.webhook(ws, id)
	if !sameStrings(w.Events, []string{"invoice.paid"}) || len(w.Headers) != 1 || w.Headers["X-New"] != "2" || w.RateLimit != nil ||
		w.TimeoutSeconds != 12 || len(w.RetrySchedule) != 7 || w.TLSVerify || w.Signature.Scheme != "github" || w.Signature.Header != "X-Hub-Signature-256" {
		t.Errorf("after the second edit: %+v", w)
	}
}

func sameStrings(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

func TestWebhookDisableAndEnable(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Acme")
	b := s.admin()
	id := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/a"}, "patterns": {"*"}})
	base := "/ui/workspaces/" + ws + "/webhooks/" + id

	show := b.mustGet(base)
	formValues(t, show, base+"/disable") // the button is there
	p := b.follow(b.post(base+"/disable", nil))
	if w := s.webhook(ws, id); w.Status != "disabled" || w.DisabledReason == "" {
		t.Errorf("after Disable: status %q, reason %q", w.Status, w.DisabledReason)
	}
	if !p.has("Webhook disabled") || !p.has("This webhook is disabled") || !p.has("Reason: disabled through the API.") {
		t.Errorf("the page after Disable: %s", p.text())
	}
	formValues(t, p, base+"/enable")
	p = b.follow(b.post(base+"/enable", nil))
	if w := s.webhook(ws, id); w.Status != "active" || w.DisabledReason != "" {
		t.Errorf("after Enable: status %q, reason %q", w.Status, w.DisabledReason)
	}
	if !p.has("Webhook enabled") || p.has("This webhook is disabled") {
		t.Errorf("the page after Enable: %s", p.text())
	}
}

func TestWebhookRotateSecret(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	rc := newReceiver(t)
	rc.answer(http.StatusOK, "text/plain", "ok")
	b := s.admin()
	id := addThroughForm(t, b, ws, url.Values{"url": {rc.url}, "events": {"invoice.paid"}, "tls_verify": {"on"}})
	base := "/ui/workspaces/" + ws + "/webhooks/" + id
	old := s.secret(ws, id)

	hidden := b.mustGet(base)
	if hidden.has(old) {
		t.Error("the signing secret shows before Reveal")
	}
	if !strings.Contains(hidden.body, `href="`+base+`?reveal=1#signing-secret"`) {
		t.Error("no Reveal link")
	}
	if p := b.mustGet(base + "?reveal=1"); !showsSecret(p, old) {
		t.Error("Reveal does not show the signing secret")
	}

	// A grace period the API refuses comes back next to the choice.
	p := b.post(base+"/rotate-secret", url.Values{"grace_period": {"200h"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(between(t, p, `id="grace_period-error" role="alert">`, "</p>")), "must be a duration") {
		t.Errorf("grace 200h: status %d: %s", p.status, p.text())
	}
	if s.secret(ws, id) != old {
		t.Fatal("a refused rotation changed the secret")
	}

	p = b.post(base+"/rotate-secret", url.Values{"grace_period": {"1h"}})
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "?reveal=1#signing-secret") {
		t.Fatalf("rotate: status %d to %q", p.status, p.location)
	}
	p = b.follow(p)
	fresh := s.secret(ws, id)
	if fresh == old {
		t.Fatal("the secret did not change")
	}
	if !showsSecret(p, fresh) || !p.has("keeps signing for 1 hour") {
		t.Errorf("the page after rotating does not show the new secret: %s", p.text())
	}

	// During the grace period each request is signed with both secrets.
	s.mustAPI(http.StatusOK, "POST", "/v1/workspaces/"+ws+"/webhooks/"+id+"/test", map[string]any{"event_type": "invoice.paid"}, nil)
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("the receiver got %d requests; want 1", len(got))
	}
	for name, secret := range map[string]string{"old": old, "new": fresh} {
		if err := signature.VerifyStandard(got[0].header, got[0].body, secret, time.Now(), 0); err != nil {
			t.Errorf("the %s secret does not verify during the grace period: %v", name, err)
		}
	}
}

func TestWebhookDeleteAfterConfirming(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Acme")
	b := s.admin()
	id := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/a"}, "name": {"Doomed"}, "patterns": {"*"}})
	base := "/ui/workspaces/" + ws + "/webhooks/" + id

	if p := b.mustGet(base); !strings.Contains(p.body, `href="`+base+`/delete"`) {
		t.Error("the webhook's page has no link to delete it")
	}
	confirm := b.mustGet(base + "/delete")
	if !confirm.has("Delete this webhook?") || !confirm.has("Doomed") || !confirm.has("cannot be undone") {
		t.Errorf("the confirmation: %s", confirm.text())
	}
	if status, _ := s.api("GET", "/v1/workspaces/"+ws+"/webhooks/"+id, nil, nil); status != http.StatusOK {
		t.Fatal("opening the confirmation deleted the webhook")
	}
	p := b.post(base+"/delete", nil)
	if p.status != http.StatusSeeOther || p.location != "/ui/workspaces/"+ws+"/webhooks" {
		t.Fatalf("delete: status %d to %q", p.status, p.location)
	}
	if list := b.follow(p); !list.has("Webhook "+id+" deleted.") || list.has("Doomed") {
		t.Errorf("the list after deleting: %s", list.text())
	}
	if got, _ := s.api("GET", "/v1/workspaces/"+ws+"/webhooks/"+id, nil, nil); got != http.StatusNotFound {
		t.Errorf("the deleted webhook answers %d; want 404", got)
	}
	if p := b.get(base); p.status != http.StatusNotFound {
		t.Errorf("the deleted webhook's page answers %d; want 404", p.status)
	}
}

func TestWebhookTestPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	rc := newReceiver(t)
	rc.answer(http.StatusCreated, "text/html", `<script>alert("receiver")</script>`)
	rc.setHeader("X-Receiver", "<i>yes</i>")
	b := s.admin()
	id := addThroughForm(t, b, ws, url.Values{"url": {rc.url}, "events": {"ticket.created", "invoice.created"}, "tls_verify": {"on"}})
	base := "/ui/workspaces/" + ws + "/webhooks/" + id

	p := b.mustGet(base + "/test")
	matching := between(t, p, `<optgroup label="Types this webhook receives">`, "</optgroup>")
	if !strings.Contains(matching, "invoice.created") || !strings.Contains(matching, "ticket.created") || strings.Contains(matching, "invoice.paid") {
		t.Errorf("the webhook's types first: %s", matching)
	}
	if !strings.Contains(p.body, `data-autosubmit`) || !strings.Contains(p.body, `<option value="invoice.created" selected>`) {
		t.Error("no event type select that reloads, with the first matching type chosen")
	}
	if got := formValues(t, p, base+"/test#result").Get("payload"); got != "{\n  \"id\": \"inv_1\"\n}" {
		t.Errorf("payload %q; want invoice.created's example", got)
	}
	p = b.mustGet(base + "/test?event_type=invoice.paid")
	if got := formValues(t, p, base+"/test#result").Get("payload"); !strings.Contains(got, `"note": "<b>bold</b>"`) {
		t.Errorf("?event_type=invoice.paid: payload %q", got)
	}
	if strings.Contains(p.body, "<b>bold</b>") {
		t.Error("the example's HTML is not escaped in the textarea")
	}

	sent := url.Values{"event_type": {"invoice.paid"}, "payload": {"{\r\n  \"id\": \"custom\"\r\n}"}}
	p = b.post(base+"/test", sent)
	if p.status != http.StatusOK {
		t.Fatalf("send: status %d: %s", p.status, p.text())
	}
	got := rc.requests()
	if len(got) != 1 || string(got[0].body) != `{"id":"custom"}` || got[0].header.Get("X-Hookd-Event-Type") != "invoice.paid" {
		t.Fatalf("the receiver got %d requests: %+v", len(got), got)
	}
	for _, want := range []string{"HTTP 201", "Attempt 1", `<script>alert("receiver")</script>`, "<i>yes</i>", "Logged as delivery"} {
		if !p.has(want) {
			t.Errorf("the result does not show %q: %s", want, p.text())
		}
	}
	for _, raw := range []string{`<script>alert("receiver")`, "<i>yes</i>"} {
		if strings.Contains(p.body, raw) {
			t.Errorf("the receiver's %q is not escaped", raw)
		}
	}
	if !strings.Contains(p.body, "{\n  &#34;id&#34;: &#34;custom&#34;\n}") {
		t.Error("the payload sent is not kept in the textarea")
	}

	// A receiver that does not answer: the error shows.
	rc.close()
	p = b.post(base+"/test", url.Values{"event_type": {"invoice.paid"}})
	if p.status != http.StatusOK || !p.has("No answer") || !strings.Contains(p.body, `class="error"`) {
		t.Errorf("a closed receiver: status %d: %s", p.status, p.text())
	}

	// Not JSON: 422 next to the textarea.
	p = b.post(base+"/test", url.Values{"event_type": {"invoice.paid"}, "payload": {"{\"id\": nope}"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(between(t, p, `id="payload-error" role="alert">`, "</p>")), "is not valid JSON: invalid character 'o'") {
		t.Errorf("invalid JSON: status %d: %s", p.status, p.text())
	}
	if !strings.Contains(p.body, "{&#34;id&#34;: nope}") {
		t.Error("the invalid payload is not kept")
	}
	// A type the API does not know: 422 next to the choice.
	p = b.post(base+"/test", url.Values{"event_type": {"no.such"}, "payload": {"{}"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(htmlText(between(t, p, `id="event_type-error" role="alert">`, "</p>")), `unknown event type "no.such"`) {
		t.Errorf("unknown type: status %d: %s", p.status, p.text())
	}
}

func TestWebhookPagesEscapeNames(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Acme")
	b := s.admin()
	const evil = `<script>alert(1)</script>`
	id := addThroughForm(t, b, ws, url.Values{"url": {"https://hooks.example.com/a?x=\"><script>alert(2)</script>"}, "name": {evil}, "description": {evil}, "patterns": {"*"}})
	base := "/ui/workspaces/" + ws + "/webhooks/" + id
	for _, path := range []string{base, base + "/edit", base + "/delete", base + "/test", "/ui/workspaces/" + ws + "/webhooks"} {
		p := b.mustGet(path)
		if strings.Contains(p.body, "<script>alert(") {
			t.Errorf("%s: a name or URL with script is not escaped", path)
		}
		if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the name does not show as text", path)
		}
	}
}

func TestWebhookPagesReadOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	ws := s.workspace("Acme")
	rc := newReceiver(t)
	rc.answer(http.StatusOK, "text/plain", "ok")
	id := addThroughForm(t, s.admin(), ws, url.Values{"url": {rc.url}, "name": {"Watched"}, "events": {"invoice.paid"}, "tls_verify": {"on"}})
	before := s.webhook(ws, id)
	secret := s.secret(ws, id)
	b := s.portal(ws, true)
	base := "/ui/workspaces/" + ws + "/webhooks/" + id

	show := b.mustGet(base + "?reveal=1")
	if !show.has("Watched") || !showsSecret(show, secret) {
		t.Errorf("a read-only session does not see the webhook and its secret: %s", show.text())
	}
	for _, control := range []string{base + "/edit", base + "/disable", base + "/enable", base + "/rotate-secret", base + "/delete"} {
		if strings.Contains(show.body, `"`+control+`"`) {
			t.Errorf("the read-only page links or posts to %s", control)
		}
	}
	for _, path := range []string{"/ui/workspaces/" + ws + "/webhooks/new", base + "/edit", base + "/delete", base + "/test"} {
		p := b.mustGet(path)
		if !p.has("read-only") || strings.Contains(p.body, `type="submit" class="primary"`) || strings.Contains(p.body, `class="danger solid"`) {
			t.Errorf("%s: read-only, yet it has a button to change something: %s", path, p.text())
		}
	}

	edit := formValues(t, b.mustGet(base+"/edit"), base+"/update")
	edit.Set("name", "Changed")
	for path, form := range map[string]url.Values{
		"/ui/workspaces/" + ws + "/webhooks": {"url": {"https://hooks.example.com/new"}, "patterns": {"*"}},
		base + "/update":                     edit,
		base + "/rotate-secret":              {"grace_period": {"1h"}},
		base + "/disable":                    nil,
		base + "/enable":                     nil,
		base + "/delete":                     nil,
		base + "/test":                       {"event_type": {"invoice.paid"}, "payload": {"{}"}},
	} {
		p := b.post(path, form)
		if p.status != http.StatusForbidden || !p.has("read-only") {
			t.Errorf("POST %s: status %d; want 403 from the API: %s", path, p.status, p.text())
		}
	}
	after := s.webhook(ws, id)
	if asJSONString(t, after) != asJSONString(t, before) || s.secret(ws, id) != secret || len(rc.requests()) != 0 {
		t.Errorf("a read-only session changed something:\n%s\nwas\n%s", asJSONString(t, after), asJSONString(t, before))
	}
	var l list[hookd.Webhook]
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks", nil, &l)
	if len(l.Data) != 1 {
		t.Errorf("%d webhooks; want 1", len(l.Data))
	}
}

func TestWebhookPagesOfAnotherWorkspace(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	addCatalogue(s)
	wsA, wsB := s.workspace("A"), s.workspace("B")
	id := addThroughForm(t, s.admin(), wsB, url.Values{"url": {"https://hooks.example.com/b"}, "patterns": {"*"}})
	b := s.portal(wsA, false)
	b.mustGet("/ui/workspaces/" + wsA + "/webhooks")
	for _, ws := range []string{wsB, wsA} { // B's id, in B's pages and under A's
		base := "/ui/workspaces/" + ws + "/webhooks/" + id
		for _, path := range []string{base, base + "?reveal=1", base + "/edit", base + "/delete", base + "/test"} {
			if p := b.get(path); p.status != http.StatusNotFound {
				t.Errorf("GET %s: status %d; want 404", path, p.status)
			}
		}
		for _, path := range []string{base + "/update", base + "/rotate-secret", base + "/disable", base + "/enable", base + "/delete", base + "/test"} {
			if p := b.post(path, url.Values{"name": {"x"}, "payload": {"{}"}}); p.status != http.StatusNotFound {
				t.Errorf("POST %s: status %d; want 404", path, p.status)
			}
		}
	}
	if p := b.get("/ui/workspaces/" + wsB + "/webhooks/new"); p.status != http.StatusNotFound {
		t.Errorf("B's add form: status %d; want 404", p.status)
	}
	if p := b.post("/ui/workspaces/"+wsB+"/webhooks", url.Values{"url": {"https://x.example"}, "patterns": {"*"}}); p.status != http.StatusNotFound {
		t.Errorf("adding to B: status %d; want 404", p.status)
	}
	if w := s.webhook(wsB, id); w.Status != "active" || w.Name != "" {
		t.Errorf("B's webhook changed: %+v", w)
	}
}

func TestUnescapeHTMLChars(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":"\u003cb\u003e \u0026"}`, `{"a":"<b> &"}`},
		{`{"a":"\\u003c"}`, `{"a":"\\u003c"}`}, // an escaped backslash, then text
		{`{"a":"\u00e9\n"}`, `{"a":"\u00e9\n"}`},
		{`"\u003C"`, `"<"`},
		{`"end\`, `"end\`},
	} {
		if got := unescapeHTMLChars(tc.in); got != tc.want {
			t.Errorf("unescapeHTMLChars(%s) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestWebhookFormShowsTheWholeCatalogue(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	const n = hookd.MaxPageLimit + 3 // more than one page of the API
	for i := range n {
		s.eventType(fmt.Sprintf("type.n%03d", i), "", `{}`)
	}
	ws := s.workspace("Acme")
	p := s.admin().mustGet("/ui/workspaces/" + ws + "/webhooks/new")
	if got := strings.Count(p.body, `name="events" value="type.n`); got != n {
		t.Errorf("the form offers %d types; want %d", got, n)
	}
}
