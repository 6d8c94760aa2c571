package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
)

// adminOnlyUnderWorkspace are the routes under /v1/workspaces/{ws} that
// need the admin key: a workspace key gets 403 on them in its own
// workspace (and 404 in another one).
var adminOnlyUnderWorkspace = []string{
	"GET /v1/workspaces/{ws}", "PATCH /v1/workspaces/{ws}", "DELETE /v1/workspaces/{ws}",
	"POST /v1/workspaces/{ws}/keys", "DELETE /v1/workspaces/{ws}/keys/{key_id}",
}

// isolationBodies are valid bodies for the routes that take one, so that a
// 404 is not a 422 in disguise. A route missing here gets {}.
var isolationBodies = map[string]string{
	"POST /v1/workspaces/{ws}/webhooks":                     `{"url":"https://pwned.example/h"}`,
	"PATCH /v1/workspaces/{ws}/webhooks/{whk}":              `{"name":"pwned","url":"https://pwned.example/h","status":"disabled"}`,
	"PATCH /v1/workspaces/{ws}":                             `{"name":"pwned"}`,
	"POST /v1/workspaces/{ws}/keys":                         `{"name":"pwned"}`,
	"POST /v1/workspaces/{ws}/webhooks/{whk}/recover":       `{"since":"2000-01-01T00:00:00Z"}`,
	"POST /v1/workspaces/{ws}/events":                       `{"type":"iso.ping","payload":{"pwned":true}}`,
	"POST /v1/workspaces/{ws}/events/batch":                 `{"events":[{"type":"iso.ping","payload":{"pwned":true}}]}`,
	"POST /v1/workspaces/{ws}/webhooks/{whk}/rotate-secret": `{"secret":"whsec_cHduZWQtcHduZWQtcHduZWQtcHduZWQtcHduZWQ="}`,
	"POST /v1/workspaces/{ws}/portal":                       `{"expires_in":"168h","read_only":false}`,
}

// tenant is one workspace with a key, a webhook, an event and a delivery.
type tenant struct {
	ws, keyID, key, whk, evt, dlv string
	rc                            *receiver
}

func newTenant(t *testing.T, s *server, name string) tenant {
	t.Helper()
	ctx := context.Background()
	ws, err := s.admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.admin.CreateKey(ctx, ws.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	w, err := s.admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL, Headers: map[string]string{"Authorization": "Bearer " + name}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.admin.Publish(ctx, ws.ID, client.EventInput{Type: "iso.ping", Payload: json.RawMessage(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	tn := tenant{ws: ws.ID, keyID: k.ID, key: k.Key, whk: w.ID, evt: p.ID, dlv: p.Deliveries[0].ID, rc: rc}
	s.waitDelivery(t, tn.ws, tn.whk, tn.dlv, "succeeded", 10*time.Second)
	return tn
}

// snapshot reads, with the admin key, everything a tenant owns.
func (s *server) snapshot(t *testing.T, tn tenant) string {
	t.Helper()
	var b strings.Builder
	whk := "/v1/workspaces/" + tn.ws + "/webhooks/" + tn.whk
	for _, p := range []string{
		"/v1/workspaces/" + tn.ws, "/v1/workspaces/" + tn.ws + "/webhooks", whk, whk + "/secret",
		whk + "/deliveries", whk + "/deliveries/" + tn.dlv, "/v1/workspaces/" + tn.ws + "/events",
		"/v1/workspaces/" + tn.ws + "/events/" + tn.evt,
	} {
		var raw json.RawMessage
		if err := s.admin.Do(context.Background(), client.Request{Method: "GET", Path: p}, &raw); err != nil {
			t.Fatalf("snapshot %s: %v", p, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", p, raw)
	}
	fmt.Fprintf(&b, "requests received: %d\n", tn.rc.count())
	return b.String()
}

// openAPIRoutes lists "METHOD /path" of every operation in the served
// OpenAPI document, which a test keeps equal to the router's table.
func openAPIRoutes(t *testing.T, base string) []string {
	t.Helper()
	resp, err := http.Get(base + "/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch m := strings.ToUpper(method); m {
			case "GET", "POST", "PUT", "PATCH", "DELETE":
				out = append(out, m+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

var idPattern = regexp.MustCompile(`(ws|whk|dlv|evt|key)_[0-9A-Za-z]+`)

// TestWorkspaceIsolation takes every route of the OpenAPI document that
// names a workspace and calls it with workspace A's key on workspace B's
// things: B's workspace in the path, or A's workspace with B's webhook,
// delivery, event or key. Every such request answers 404, the same 404 as
// for something that does not exist, and B's state (its webhook, secret,
// deliveries, events, and what its receiver got) does not change.
func TestWorkspaceIsolation(t *testing.T) {
	t.Parallel()
	s := startServer(t, serverOptions{})
	s.setup(t, "iso.ping")
	a, b := newTenant(t, s, "A"), newTenant(t, s, "B")
	before := s.snapshot(t, b)

	routes := openAPIRoutes(t, s.URL)
	scoped := 0
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if !strings.Contains(path, "{ws}") {
			continue
		}
		scoped++
		variants := []struct {
			name string
			ws   string
			want int
		}{{"in B's workspace", b.ws, http.StatusNotFound}}
		if strings.Count(path, "{") > 1 {
			want := http.StatusNotFound
			if slices.Contains(adminOnlyUnderWorkspace, rt) {
				want = http.StatusForbidden
			}
			variants = append(variants, struct {
				name string
				ws   string
				want int
			}{"B's ids under A's workspace", a.ws, want})
		}
		for _, v := range variants {
			fill := strings.NewReplacer("{ws}", v.ws, "{whk}", b.whk, "{dlv}", b.dlv, "{evt}", b.evt, "{key_id}", b.keyID)
			body, ok := isolationBodies[rt]
			if !ok && (method == "POST" || method == "PATCH") {
				body = "{}"
			}
			status, detail := s.raw(t, method, fill.Replace(path), a.key, body)
			if status != v.want {
				t.Errorf("%s %s: A's key got %d (%s); want %d", rt, v.name, status, detail, v.want)
				continue
			}
			if status != http.StatusNotFound {
				continue
			}
			// The answer is the one for things that do not exist.
			ghost := strings.NewReplacer("{ws}", v.ws, "{whk}", "whk_01NOTHERE", "{dlv}", "dlv_01NOTHERE", "{evt}", "evt_01NOTHERE", "{key_id}", "key_01NOTHERE")
			if v.ws == b.ws {
				ghost = strings.NewReplacer("{ws}", "ws_01NOTHERE", "{whk}", "whk_01NOTHERE", "{dlv}", "dlv_01NOTHERE", "{evt}", "evt_01NOTHERE", "{key_id}", "key_01NOTHERE")
			}
			gStatus, gDetail := s.raw(t, method, ghost.Replace(path), a.key, body)
			if gStatus != status || idPattern.ReplaceAllString(gDetail, "ID") != idPattern.ReplaceAllString(detail, "ID") {
				t.Errorf("%s %s: %d %q, but for nothing at all %d %q: the answers tell B's things apart", rt, v.name, status, detail, gStatus, gDetail)
			}
		}
	}
	if scoped < 15 {
		t.Fatalf("only %d workspace routes in the OpenAPI document", scoped)
	}
	if after := s.snapshot(t, b); after != before {
		t.Errorf("A's key changed B's state:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// B's key still works, and is as blind to A.
	if status, _ := s.raw(t, "GET", "/v1/workspaces/"+b.ws+"/webhooks", b.key, ""); status != 200 {
		t.Errorf("B's key: %d", status)
	}
	if status, _ := s.raw(t, "GET", "/v1/workspaces/"+a.ws+"/webhooks/"+a.whk+"/secret", b.key, ""); status != 404 {
		t.Errorf("B's key on A's secret: %d; want 404", status)
	}
}

// raw sends one request and returns its status and problem detail.
func (s *server) raw(t *testing.T, method, path, key, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct {
		Detail string `json:"detail"`
	}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &p)
	if p.Detail == "" {
		p.Detail = string(b)
	}
	return resp.StatusCode, p.Detail
}
