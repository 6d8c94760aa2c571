package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestOperatorSignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.browser()
	ws := s.workspace("Acme")
	var k struct {
		Key string `json:"key"`
	}
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "ci"}, &k)

	tests := []struct {
		name, key string
		want      string
	}{
		{"a wrong key", "not-the-key", "That is not the admin key."},
		{"a workspace key", k.Key, "That is a workspace key."},
		{"no key", "", "Enter the admin key."},
	}
	for _, tt := range tests {
		p := b.post("/ui/login", url.Values{"key": {tt.key}})
		if p.status != http.StatusUnauthorized {
			t.Errorf("%s: status %d; want 401", tt.name, p.status)
		}
		wantContains(t, tt.name, p.body, tt.want)
		if g := b.get("/ui/workspaces"); g.status != http.StatusSeeOther || !strings.HasPrefix(g.location, "/ui/login") {
			t.Errorf("%s: /ui/workspaces answered %d %q; want a redirect to the sign-in page", tt.name, g.status, g.location)
		}
	}

	p := b.post("/ui/login", url.Values{"key": {testAdminKey}, "next": {"/ui/workspaces"}})
	if p.status != http.StatusSeeOther || p.location != "/ui/workspaces" {
		t.Fatalf("sign in with the admin key: %d %q; want 303 to /ui/workspaces", p.status, p.location)
	}
	list := b.get("/ui/workspaces")
	if list.status != http.StatusOK {
		t.Fatalf("workspace list after sign-in: %d\n%s", list.status, list.body)
	}
	wantContains(t, "workspace list", list.body, "Acme", ws, `href="/ui/workspaces/`+ws+`"`, `href="/ui/workspaces/new"`)
	wantNoInlineStyle(t, "workspace list", list.body)
}

func TestWorkspaceCreateEditDelete(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()

	empty := b.get("/ui/workspaces")
	wantContains(t, "empty list", empty.body, "No workspaces yet")

	form := b.get("/ui/workspaces/new")
	if form.status != http.StatusOK {
		t.Fatalf("new workspace form: %d", form.status)
	}
	wantContains(t, "new workspace form", form.body, `action="/ui/workspaces"`, `name="max_webhooks"`, `name="retry_schedule"`, `name="scheme"`)
	wantNoInlineStyle(t, "new workspace form", form.body)

	// Refused: each message next to its field, the typed values kept.
	p := b.post("/ui/workspaces", url.Values{"name": {""}, "max_webhooks": {"7"}, "retry_schedule": {"5s, soon"}, "header_prefix": {"X-Acme"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("create without a name: %d; want 422\n%s", p.status, p.body)
	}
	wantContains(t, "refused create", p.body, "is required", `&#34;soon&#34; is not a duration`, `value="7"`, `value="5s, soon"`, `value="X-Acme"`)
	p = b.post("/ui/workspaces", url.Values{"name": {"Acme"}, "max_webhooks": {"ten"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("create with max_webhooks ten: %d; want 422", p.status)
	}
	wantContains(t, "max_webhooks ten", p.body, "must be a whole number; 0 for no cap", `value="ten"`)
	var l list[hookd.Workspace]
	if s.mustAPI(http.StatusOK, "GET", "/v1/workspaces", nil, &l); len(l.Data) != 0 {
		t.Fatalf("refused forms made workspaces: %v", l.Data)
	}

	// Created with its settings.
	p = b.post("/ui/workspaces", url.Values{"name": {"Acme <b>Inc</b>"}, "max_webhooks": {"25"}, "timeout_seconds": {"12"},
		"retry_schedule": {"5s, 1m"}, "scheme": {"stripe"}, "header_prefix": {"X-Acme"}, "rate_limit": {"2.5"}})
	show := b.follow(p)
	if show.status != http.StatusOK {
		t.Fatalf("workspace page after create: %d\n%s", show.status, show.body)
	}
	id := strings.TrimPrefix(p.location, "/ui/workspaces/")
	var ws hookd.Workspace
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+id, nil, &ws)
	d := ws.Settings.WebhookDefaults
	if ws.Name != "Acme <b>Inc</b>" || ws.Settings.MaxWebhooks != 25 || d == nil || *d.TimeoutSeconds != 12 ||
		fmt.Sprint(d.RetrySchedule) != "[5s 1m0s]" || d.Signature.Scheme != "stripe" || d.Signature.HeaderPrefix != "X-Acme" || *d.RateLimit != 2.5 {
		t.Fatalf("created workspace %+v %+v", ws, d)
	}
	wantContains(t, "workspace page", show.body, "Workspace created.", "Acme &lt;b&gt;Inc&lt;/b&gt;", id, "25", "12 s per attempt", "5s, 1m",
		"stripe", "X-Acme", "2.5 requests per second",
		`href="/ui/workspaces/`+id+`/webhooks"`, `href="/ui/workspaces/`+id+`/events"`, `href="/ui/workspaces/`+id+`/edit"`, `href="/ui/workspaces/`+id+`/delete"`)
	if strings.Contains(show.body, "<b>Inc</b>") {
		t.Errorf("the workspace's name is not escaped")
	}
	wantNoInlineStyle(t, "workspace page", show.body)

	// A header set through the API, which the form does not show, stays.
	s.mustAPI(http.StatusOK, "PATCH", "/v1/workspaces/"+id, map[string]any{"settings": map[string]any{"webhook_defaults": map[string]any{"signature": map[string]any{"header": "X-Acme-Sig"}}}}, nil)

	edit := b.get("/ui/workspaces/" + id + "/edit")
	wantContains(t, "edit form", edit.body, `action="/ui/workspaces/`+id+`"`, `value="25"`, `value="12"`, `value="5s, 1m"`, `<option value="stripe" selected>`, `value="X-Acme"`, `value="2.5"`)
	wantNoInlineStyle(t, "edit form", edit.body)

	values := url.Values{"name": {"Acme"}, "max_webhooks": {"25"}, "timeout_seconds": {"12"},
		"retry_schedule": {"5s, 60s"}, "scheme": {"stripe"}, "header_prefix": {"X-Acme"}, "rate_limit": {"2.5"}}
	saved := b.follow(b.post("/ui/workspaces/"+id, values))
	wantContains(t, "after a rename", saved.body, "Settings saved.", "<h1>Acme</h1>")

	values.Set("rate_limit", "")
	values.Set("retry_schedule", "none")
	values.Set("timeout_seconds", "200")
	refused := b.post("/ui/workspaces/"+id, values)
	if refused.status != http.StatusUnprocessableEntity {
		t.Fatalf("timeout 200: %d; want 422", refused.status)
	}
	wantContains(t, "refused edit", refused.body, "must be from 1 to 120", `value="200"`, `value="none"`)

	values.Set("timeout_seconds", "")
	b.follow(b.post("/ui/workspaces/"+id, values))
	ws = hookd.Workspace{}
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+id, nil, &ws)
	d = ws.Settings.WebhookDefaults
	if d.TimeoutSeconds != nil || d.RateLimit != nil || d.RetrySchedule == nil || len(d.RetrySchedule) != 0 ||
		d.Signature.Header != "X-Acme-Sig" || d.Signature.Scheme != "stripe" || ws.Settings.MaxWebhooks != 25 {
		t.Fatalf("after emptying defaults: %+v %+v", ws.Settings, d)
	}
	page := b.get("/ui/workspaces/" + id)
	wantContains(t, "defaults emptied", page.body, "hookd&#39;s default, 30 s per attempt", "None: one attempt only", "X-Acme-Sig")

	unchanged := b.follow(b.post("/ui/workspaces/"+id, url.Values{"name": {"Acme"}, "max_webhooks": {"25"}, "retry_schedule": {"none"}, "scheme": {"stripe"}, "header_prefix": {"X-Acme"}}))
	wantContains(t, "nothing changed", unchanged.body, "Nothing changed.")

	// Delete: a confirmation that says what goes, then the list.
	s.mustAPI(http.StatusCreated, "POST", "/v1/event-types", map[string]any{"name": "ticket.created"}, nil)
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+id+"/webhooks", map[string]any{"url": "http://127.0.0.1:1/h"}, nil)
	confirm := b.get("/ui/workspaces/" + id + "/delete")
	wantContains(t, "delete confirmation", confirm.body, "deletes every webhook, event and delivery of the workspace", `action="/ui/workspaces/`+id+`/delete"`)
	wantNoInlineStyle(t, "delete confirmation", confirm.body)
	if status, _ := s.api("GET", "/v1/workspaces/"+id, nil, nil); status != http.StatusOK {
		t.Fatalf("the confirmation page deleted the workspace: %d", status)
	}
	gone := b.post("/ui/workspaces/"+id+"/delete", nil)
	if gone.location != "/ui/workspaces" {
		t.Fatalf("delete: %d %q; want a redirect to the list", gone.status, gone.location)
	}
	wantContains(t, "list after delete", b.get(gone.location).body, "Workspace "+id+" deleted", "No workspaces yet")
	if status, _ := s.api("GET", "/v1/workspaces/"+id, nil, nil); status != http.StatusNotFound {
		t.Fatalf("after delete, GET workspace: %d; want 404", status)
	}
	if p := b.get("/ui/workspaces/" + id); p.status != http.StatusNotFound {
		t.Errorf("page of a deleted workspace: %d; want 404", p.status)
	}
}

func TestWorkspaceListPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()
	for i := range 51 {
		s.workspace(fmt.Sprintf("Tenant %02d", i))
	}
	first := b.get("/ui/workspaces")
	next := regexp.MustCompile(`href="(/ui/workspaces\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatalf("no link to the next page:\n%s", first.body)
	}
	if strings.Count(first.body, "<tr>")-1 != 50 || !strings.Contains(first.body, "Tenant 50") || strings.Contains(first.body, "Tenant 00") {
		t.Errorf("first page: want the 50 newest workspaces")
	}
	second := b.get(html.UnescapeString(next[1]))
	if !strings.Contains(second.body, "Tenant 00") || strings.Contains(second.body, "Tenant 01") || strings.Contains(second.body, `rel="next"`) {
		t.Errorf("second page: want the oldest workspace only, and no next page:\n%s", second.body)
	}
	wantContains(t, "second page", second.body, `href="/ui/workspaces?">Newest</a>`)
}

func TestWorkspaceKeys(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()
	ws := s.workspace("Acme")

	page := b.get("/ui/workspaces/" + ws)
	wantContains(t, "workspace without keys", page.body, "No keys yet", `action="/ui/workspaces/`+ws+`/keys"`)

	created := b.post("/ui/workspaces/"+ws+"/keys", url.Values{"name": {"billing <sync>"}})
	if created.status != http.StatusCreated || created.location != "" {
		t.Fatalf("create key: %d %q; want 201 and the page itself\n%s", created.status, created.location, created.body)
	}
	secret := regexp.MustCompile(`<code id="new-key">(hk_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(created.body)
	if secret == nil {
		t.Fatalf("no hk_ secret on the page:\n%s", created.body)
	}
	key := secret[1]
	wantContains(t, "key created", created.body, `data-copy="new-key"`, "it will not be shown again", "billing &lt;sync&gt;")
	wantNoInlineStyle(t, "key created", created.body)
	if strings.Count(created.body, key) != 1 {
		t.Errorf("the secret shows %d times; want once", strings.Count(created.body, key))
	}
	if cc := created.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("key page Cache-Control %q; want no-store", cc)
	}
	for _, c := range created.header.Values("Set-Cookie") {
		if strings.Contains(c, key) {
			t.Errorf("the secret is in a cookie: %s", c)
		}
	}

	// The key works, and its page no longer shows the secret.
	if status, body := s.apiAs(key, "GET", "/v1/workspaces/"+ws+"/webhooks", nil, nil); status != http.StatusOK {
		t.Fatalf("the new key against the API: %d %s", status, body)
	}
	var keys list[hookd.APIKey]
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/keys", nil, &keys)
	if len(keys.Data) != 1 {
		t.Fatalf("keys %v; want one", keys.Data)
	}
	keyID := keys.Data[0].ID
	page = b.get("/ui/workspaces/" + ws)
	wantContains(t, "workspace with a key", page.body, "billing &lt;sync&gt;", keyID, `href="/ui/workspaces/`+ws+`/keys/`+keyID+`/delete"`)
	if strings.Contains(page.body, key) {
		t.Errorf("the workspace page shows the key's secret")
	}

	long := b.post("/ui/workspaces/"+ws+"/keys", url.Values{"name": {strings.Repeat("n", 201)}})
	if long.status != http.StatusUnprocessableEntity {
		t.Fatalf("a 201-character name: %d; want 422", long.status)
	}
	wantContains(t, "refused key", long.body, "must be at most 200 characters", `value="`+strings.Repeat("n", 201)+`"`)

	// Revoke: a confirmation, then the key answers 401.
	confirm := b.get("/ui/workspaces/" + ws + "/keys/" + keyID + "/delete")
	wantContains(t, "revoke confirmation", confirm.body, keyID, "401", `action="/ui/workspaces/`+ws+`/keys/`+keyID+`/delete"`)
	wantNoInlineStyle(t, "revoke confirmation", confirm.body)
	revoked := b.post("/ui/workspaces/"+ws+"/keys/"+keyID+"/delete", nil)
	after := b.follow(revoked)
	wantContains(t, "after revoke", after.body, "Key "+keyID+" revoked", "No keys yet")
	if status, _ := s.apiAs(key, "GET", "/v1/workspaces/"+ws+"/webhooks", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("a revoked key against the API: %d; want 401", status)
	}
	if again := b.post("/ui/workspaces/"+ws+"/keys/"+keyID+"/delete", nil); again.status != http.StatusNotFound {
		t.Errorf("revoking twice: %d; want 404", again.status)
	}
	other := s.workspace("Other")
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+other+"/keys", nil, nil)
	keys = list[hookd.APIKey]{}
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+other+"/keys", nil, &keys)
	if cross := b.post("/ui/workspaces/"+ws+"/keys/"+keys.Data[0].ID+"/delete", nil); cross.status != http.StatusNotFound {
		t.Errorf("revoking another workspace's key under this one: %d; want 404", cross.status)
	}
}

func TestPortalLinkForm(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()
	ws := s.workspace("Acme")
	page := b.get("/ui/workspaces/" + ws)
	wantContains(t, "portal form", page.body, `action="/ui/workspaces/`+ws+`/portal"`, `<option value="1h" selected>1 hour</option>`,
		`<option value="24h">24 hours</option>`, `<option value="168h">7 days</option>`, `name="read_only"`)

	created := b.post("/ui/workspaces/"+ws+"/portal", url.Values{"expires_in": {"24h"}, "read_only": {"on"}})
	if created.status != http.StatusCreated {
		t.Fatalf("portal link: %d; want 201\n%s", created.status, created.body)
	}
	m := regexp.MustCompile(`<code id="portal-url">([^<]+)</code>`).FindStringSubmatch(created.body)
	if m == nil {
		t.Fatalf("no portal link on the page:\n%s", created.body)
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil || !strings.HasPrefix(link.Path, "/ui/portal/") {
		t.Fatalf("portal link %q: want an absolute URL to /ui/portal/…", m[1])
	}
	wantContains(t, "portal link", created.body, `data-copy="portal-url"`, "read-only", "in 24h")
	wantNoInlineStyle(t, "portal link", created.body)

	// The link signs another browser into a read-only portal session.
	tenant := s.browser()
	in := tenant.get(link.Path)
	if in.status != http.StatusSeeOther || in.location != "/ui/workspaces/"+ws+"/webhooks" {
		t.Fatalf("opening the link: %d %q; want 303 to the webhook list", in.status, in.location)
	}
	wantContains(t, "portal session", tenant.get(in.location).body, "read-only")
	if again := s.browser().get(link.Path); again.status == http.StatusSeeOther {
		t.Errorf("the link signed in a second browser")
	}

	bad := b.post("/ui/workspaces/"+ws+"/portal", url.Values{"expires_in": {"30d"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("expires_in 30d: %d; want 422", bad.status)
	}
	wantContains(t, "refused portal link", bad.body, "must be a duration")
}

// TestPortalSessionAdminOnly checks that a portal session, even of the
// workspace named in the path, gets 404 on every operator page and action,
// and that the actions change nothing.
func TestPortalSessionAdminOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Acme")
	var k struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", map[string]any{"name": "ci"}, &k)

	tenant := s.portal(ws, false)
	if home := tenant.get("/ui/workspaces/" + ws + "/webhooks"); home.status != http.StatusOK {
		t.Fatalf("the portal session's own webhook list: %d; want 200", home.status)
	}

	n := 0
	for _, rt := range routeTable() {
		if rt.access != adminOnly {
			continue
		}
		n++
		method, path, _ := strings.Cut(rt.pattern, " ")
		path = strings.NewReplacer("{ws}", ws, "{key_id}", k.ID, "{$}", "").Replace(path)
		if strings.Contains(path, "{") {
			path = regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(path, "x")
		}
		var p reply
		if method == "POST" {
			p = tenant.post(path, url.Values{"name": {"Hijacked"}, "expires_in": {"1h"}})
		} else {
			p = tenant.get(path)
		}
		if p.status != http.StatusNotFound {
			t.Errorf("%s %s as a portal session: %d; want 404", method, path, p.status)
		}
	}
	if n < 12 {
		t.Errorf("checked %d operator routes; want at least the 12 of the workspace pages", n)
	}
	var after hookd.Workspace
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws, nil, &after)
	if after.Name != "Acme" {
		t.Errorf("the workspace's name is %q; want Acme", after.Name)
	}
	if status, _ := s.apiAs(k.Key, "GET", "/v1/workspaces/"+ws+"/webhooks", nil, nil); status != http.StatusOK {
		t.Errorf("the workspace's key after the portal session's tries: %d; want 200", status)
	}
	var keys list[hookd.APIKey]
	if s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/keys", nil, &keys); len(keys.Data) != 1 {
		t.Errorf("keys after the portal session's tries: %d; want 1", len(keys.Data))
	}
}

func TestOverviewPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()
	ws := s.workspace("Acme")
	rc := newReceiver(t)
	rc.answer(http.StatusServiceUnavailable, "text/plain; charset=utf-8", "down for maintenance\n")
	s.mustAPI(http.StatusCreated, "POST", "/v1/event-types", map[string]any{"name": "ticket.created"}, nil)
	var failing, disabled hookd.Webhook
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/webhooks", map[string]any{"url": rc.url, "name": "Billing <sync>", "retry_schedule": []string{"1h"}}, &failing)
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/webhooks", map[string]any{"url": "http://127.0.0.1:1/never", "name": "Old CRM"}, &disabled)
	s.mustAPI(http.StatusOK, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+disabled.ID, map[string]any{"status": "disabled"}, nil)
	s.mustAPI(http.StatusAccepted, "POST", "/v1/workspaces/"+ws+"/events", map[string]any{"type": "ticket.created", "payload": map[string]any{"id": 1}}, nil)
	select {
	case <-rc.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver got no attempt in 10s")
	}
	// The attempt is recorded just after the receiver answers.
	s.waitFor("the overview to list the 2 troubled webhooks", func() bool {
		var o hookd.Overview
		s.mustAPI(http.StatusOK, "GET", "/v1/overview", nil, &o)
		return len(o.Troubled) == 2
	})

	p := b.get("/ui/")
	if p.status != http.StatusOK {
		t.Fatalf("overview: %d\n%s", p.status, p.body)
	}
	wantNoInlineStyle(t, "overview", p.body)
	wantContains(t, "overview", p.body, "<svg", `class="ov-bad"`, "1 failing · 1 disabled",
		`href="/ui/workspaces/`+ws+`/webhooks/`+failing.ID+`"`, `href="/ui/workspaces/`+ws+`/webhooks/`+disabled.ID+`"`,
		`href="/ui/workspaces/`+ws+`"`, "Billing &lt;sync&gt;", "Old CRM", "0 succeeded, 1 failed")
}
