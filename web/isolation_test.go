package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// tenant is a workspace with one of everything.
type tenant struct {
	ws, whk, dlv, evt, key string
}

func (s *site) newTenant(name, receiver string) tenant {
	s.t.Helper()
	var ws, key, w, ev struct {
		ID         string `json:"id"`
		Deliveries []struct {
			ID string `json:"id"`
		} `json:"deliveries"`
	}
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": name}, &ws)
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws.ID+"/keys", map[string]any{"name": name}, &key)
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws.ID+"/webhooks", map[string]any{"name": name + "-hook", "url": receiver, "events": []string{"*"}}, &w)
	s.mustAPI(http.StatusAccepted, "POST", "/v1/workspaces/"+ws.ID+"/events", map[string]any{"type": "ticket.created", "payload": map[string]any{"n": 1}}, &ev)
	if len(ev.Deliveries) != 1 {
		s.t.Fatalf("publish: %d deliveries", len(ev.Deliveries))
	}
	return tenant{ws: ws.ID, whk: w.ID, dlv: ev.Deliveries[0].ID, evt: ev.ID, key: key.ID}
}

// fill puts t's ids in the wildcards of a route's path.
func (t tenant) fill(path string) string {
	r := strings.NewReplacer("{ws}", t.ws, "{whk}", t.whk, "{dlv}", t.dlv, "{evt}", t.evt, "{key_id}", t.key,
		"{name}", "ticket.created", "{$}", "")
	return r.Replace(path)
}

// TestIsolationEveryRoute walks every route of the UI as a portal session
// of workspace A asking for workspace B's ids: each answers 404, and B is
// left as it was. Routes outside a workspace answer 404 when they are the
// operator's.
func TestIsolationEveryRoute(t *testing.T) {
	s := newSite(t)
	rcv := newReceiver(t).url
	s.eventType("ticket.created", "A ticket was opened.", `{"id":1}`)
	a := s.newTenant("tenant-a", rcv)
	b := s.newTenant("tenant-b", rcv)
	br := s.portal(a.ws, false)

	checked := 0
	for _, rt := range routeTable() {
		if rt.access == public {
			continue
		}
		method, path, _ := strings.Cut(rt.pattern, " ")
		if !strings.Contains(path, "{ws}") && rt.access != adminOnly {
			continue // not about another workspace's things: /ui/, the catalogue
		}
		target := b.fill(path)
		var p reply
		if method == http.MethodGet {
			p = br.get(target)
		} else {
			p = br.post(target, url.Values{"name": {"changed"}, "url": {rcv}, "since": {"2020-01-01T00:00"}})
		}
		if p.status != http.StatusNotFound {
			t.Errorf("%s %s as workspace %s: %d, want 404\n%.300s", method, target, a.ws, p.status, p.body)
		}
		if strings.Contains(p.body, "tenant-b") {
			t.Errorf("%s %s: the page names workspace B's things", method, target)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d routes checked", checked)
	}
	// B's webhook is still there, unchanged.
	if w := s.webhook(b.ws, b.whk); w.Name != "tenant-b-hook" || w.Status != "active" {
		t.Errorf("workspace B's webhook after the walk: %+v", w)
	}
	t.Logf("%d routes checked", checked)
}

// TestCSRFEveryPost posts to every state-changing route, signed in as the
// operator, without a CSRF token and with a wrong one: each is refused
// with a 403 and changes nothing.
func TestCSRFEveryPost(t *testing.T) {
	s := newSite(t)
	rcv := newReceiver(t).url
	s.eventType("ticket.created", "A ticket was opened.", `{"id":1}`)
	a := s.newTenant("tenant-a", rcv)
	br := s.admin()
	posts := 0
	for _, rt := range routeTable() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		if method != http.MethodPost {
			continue
		}
		target := a.fill(path)
		for _, token := range []string{"", "forged-token-0123456789abcdefghijklmnopq"} {
			form := url.Values{"name": {"changed"}}
			if token != "" {
				form.Set("csrf", token)
			}
			p := br.postRaw(target, form)
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "did not come from hookd") {
				t.Errorf("POST %s with csrf %q: %d, want 403\n%.300s", target, token, p.status, p.body)
			}
		}
		posts++
	}
	if posts < 2 {
		t.Fatalf("only %d POST routes", posts)
	}
	if w := s.webhook(a.ws, a.whk); w.Name != "tenant-a-hook" {
		t.Errorf("webhook renamed to %q by a POST without a token", w.Name)
	}
	// Still signed in: the refused posts did not sign the browser out.
	if p := br.get("/ui/workspaces/" + a.ws + "/webhooks"); p.status != http.StatusOK {
		t.Errorf("webhook list after the refused posts: %d", p.status)
	}
}
