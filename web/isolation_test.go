package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/web"
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
	s.apiCall("POST", "/v1/workspaces", map[string]any{"name": name}, &ws)
	s.apiCall("POST", "/v1/workspaces/"+ws.ID+"/keys", map[string]any{"name": name}, &key)
	s.apiCall("POST", "/v1/workspaces/"+ws.ID+"/webhooks", map[string]any{"name": name + "-hook", "url": receiver, "events": []string{"*"}}, &w)
	s.apiCall("POST", "/v1/workspaces/"+ws.ID+"/events", map[string]any{"type": "ticket.created", "payload": map[string]any{"n": 1}}, &ev)
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
	rcv := httptestReceiver(t)
	s.apiCall("POST", "/v1/event-types", map[string]any{"name": "ticket.created", "description": "A ticket was opened.", "example": map[string]any{"id": 1}}, nil)
	a := s.newTenant("tenant-a", rcv)
	b := s.newTenant("tenant-b", rcv)
	br := s.browser()
	br.portal(a.ws, false)

	patterns, public := web.Routes()
	checked := 0
	for i, p := range patterns {
		if public[i] {
			continue
		}
		method, path, _ := strings.Cut(p, " ")
		if !strings.Contains(path, "{ws}") && !adminOnlyOutsideWorkspace(path) {
			continue // not about another workspace's things: /ui/, the catalogue
		}
		target := b.fill(path)
		var resp *http.Response
		var body string
		if method == http.MethodGet {
			resp, body = br.get(target)
		} else {
			resp, body = br.post(target, url.Values{"name": {"changed"}, "url": {rcv}, "since": {"2020-01-01T00:00"}})
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s as workspace %s: %d, want 404\n%.300s", method, target, a.ws, resp.StatusCode, body)
		}
		if strings.Contains(body, "tenant-b") {
			t.Errorf("%s %s: the page names workspace B's things", method, target)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d routes checked", checked)
	}
	// B's webhook is still there, unchanged.
	var w struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	s.apiCall("GET", "/v1/workspaces/"+b.ws+"/webhooks/"+b.whk, nil, &w)
	if w.Name != "tenant-b-hook" || w.Status != "active" {
		t.Errorf("workspace B's webhook after the walk: %+v", w)
	}
	t.Logf("%d routes checked", checked)
}

// adminOnlyOutsideWorkspace reports whether path is an operator's page
// that names no workspace: the catalogue's editing pages.
func adminOnlyOutsideWorkspace(path string) bool {
	return strings.HasPrefix(path, "/ui/event-types/") || path == "/ui/workspaces" || strings.HasPrefix(path, "/ui/workspaces/new")
}

// TestCSRFEveryPost posts to every state-changing route, signed in as the
// operator, without a CSRF token and with a wrong one: each is refused
// with a 403 and changes nothing.
func TestCSRFEveryPost(t *testing.T) {
	s := newSite(t)
	rcv := httptestReceiver(t)
	s.apiCall("POST", "/v1/event-types", map[string]any{"name": "ticket.created", "description": "A ticket was opened.", "example": map[string]any{"id": 1}}, nil)
	a := s.newTenant("tenant-a", rcv)
	br := s.browser()
	br.signInAdmin()
	patterns, _ := web.Routes()
	posts := 0
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		if method != http.MethodPost {
			continue
		}
		target := a.fill(path)
		for _, token := range []string{"", "forged-token-0123456789abcdefghijklmnopq"} {
			form := url.Values{"name": {"changed"}}
			if token != "" {
				form.Set("csrf", token)
			}
			resp, body := br.postRaw(target, form)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "did not come from hookd") {
				t.Errorf("POST %s with csrf %q: %d, want 403\n%.300s", target, token, resp.StatusCode, body)
			}
		}
		posts++
	}
	if posts < 2 {
		t.Fatalf("only %d POST routes", posts)
	}
	var w struct {
		Name string `json:"name"`
	}
	s.apiCall("GET", "/v1/workspaces/"+a.ws+"/webhooks/"+a.whk, nil, &w)
	if w.Name != "tenant-a-hook" {
		t.Errorf("webhook renamed to %q by a POST without a token", w.Name)
	}
	// Still signed in: the refused posts did not sign the browser out.
	if resp, _ := br.get("/ui/workspaces/" + a.ws + "/webhooks"); resp.StatusCode != http.StatusOK {
		t.Errorf("webhook list after the refused posts: %d", resp.StatusCode)
	}
}
