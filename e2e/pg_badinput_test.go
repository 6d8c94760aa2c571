package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// call sends one request to the server with the Bearer key and returns
// what came back.
func call(t *testing.T, base, method, path, key, body string, headers ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// storeFixture is a server with what bad requests could damage in its
// store: two workspaces with a key each (A capped at one webhook, which it
// has), two event types, an event with its delivery, and a finished
// idempotent publish.
type storeFixture struct {
	s          *server
	wsA, wsB   string
	keyA, keyB string
	whkA       string
	evtA, dlvA string
}

func newStoreFixture(t *testing.T, engine storeEngine) *storeFixture {
	t.Helper()
	ctx := context.Background()
	s := startServer(t, serverOptions{engine: engine})
	f := &storeFixture{s: s}
	for i, p := range []*string{&f.wsA, &f.wsB} {
		in := client.WorkspaceInput{Name: fmt.Sprintf("ws%d", i)}
		if i == 0 {
			in.Settings = &hookd.WorkspaceSettings{MaxWebhooks: 1}
		}
		ws, err := s.admin.CreateWorkspace(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		*p = ws.ID
		k, err := s.admin.CreateKey(ctx, ws.ID, "k")
		if err != nil {
			t.Fatal(err)
		}
		*[]*string{&f.keyA, &f.keyB}[i] = k.Key
	}
	for _, name := range []string{"ticket.created", "ticket.closed"} {
		if _, err := s.admin.CreateEventType(ctx, name, "", json.RawMessage(`{"id":"t_1"}`)); err != nil {
			t.Fatal(err)
		}
	}
	rc := newReceiver(t, nil)
	w, err := s.admin.CreateWebhook(ctx, f.wsA, client.WebhookInput{URL: rc.URL})
	if err != nil {
		t.Fatal(err)
	}
	f.whkA = w.ID
	var p client.Published
	if err := s.admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + f.wsA + "/events",
		Body:   client.EventInput{Type: "ticket.created", Payload: json.RawMessage(`{"n":1}`)},
		Header: map[string]string{"Idempotency-Key": "first"}}, &p); err != nil {
		t.Fatal(err)
	}
	f.evtA, f.dlvA = p.ID, p.Deliveries[0].ID
	s.waitDelivery(t, f.wsA, f.whkA, f.dlvA, hookd.DeliverySucceeded, 10*time.Second)
	return f
}

// snapshot describes what the fixture's store holds, as the API shows it.
func (f *storeFixture) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/v1/workspaces", "/v1/event-types",
		"/v1/workspaces/" + f.wsA + "/webhooks", "/v1/workspaces/" + f.wsB + "/webhooks",
		"/v1/workspaces/" + f.wsA + "/events", "/v1/workspaces/" + f.wsB + "/events",
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA + "/deliveries",
		"/v1/workspaces/" + f.wsA,
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA,
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA + "/deliveries/" + f.dlvA,
		"/v1/event-types/ticket.created",
	} {
		a := call(t, f.s.URL, "GET", p, adminKey, "")
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", p, a.status, a.body)
		}
		fmt.Fprintf(&b, "%s: %s\n", p, a.body)
	}
	return b.String()
}

// TestStoreBadInput sends, on each storage engine, the bad requests whose
// answer the store decides (a missing or foreign workspace, webhook,
// delivery or event, a name taken, a limit reached, a batch with one bad
// event, an idempotency key reused, a hostile cursor): each gets the same
// 4xx problem document on both engines, never a 5xx, and changes nothing.
func TestStoreBadInput(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine storeEngine) {
		t.Parallel()
		f := newStoreFixture(t, engine)
		hooks := "/v1/workspaces/{A}/webhooks"
		hookA := hooks + "/{whkA}"
		events := "/v1/workspaces/{A}/events"
		manyEvents := make([]string, hookd.MaxBatchEvents+1)
		for i := range manyEvents {
			manyEvents[i] = `{"type":"ticket.created","payload":1}`
		}
		cases := []struct {
			name, method, path, key, body string
			headers                       []string
			status                        int
			field                         string
		}{
			{"publish to a missing workspace", "POST", "/v1/workspaces/ws_nope/events", "admin", `{"type":"ticket.created","payload":1}`, nil, 404, ""},
			{"publish to another workspace", "POST", "/v1/workspaces/{B}/events", "A", `{"type":"ticket.created","payload":1}`, nil, 404, ""},
			{"publish an unknown type", "POST", events, "admin", `{"type":"nope.created","payload":1}`, nil, 422, "type"},
			{"batch with one bad event", "POST", events + "/batch", "admin", `{"events":[{"type":"ticket.created","payload":1},{"type":"nope","payload":2}]}`, nil, 422, "events[1].type"},
			{"batch over the limit", "POST", events + "/batch", "admin", `{"events":[` + strings.Join(manyEvents, ",") + `]}`, nil, 422, "events"},
			{"idempotency key with another body", "POST", events, "admin", `{"type":"ticket.created","payload":2}`, []string{"Idempotency-Key", "first"}, 409, ""},
			{"duplicate event type", "POST", "/v1/event-types", "admin", `{"name":"ticket.created"}`, nil, 409, ""},
			{"max_webhooks reached", "POST", hooks, "admin", `{"url":"http://127.0.0.1:1/h"}`, nil, 422, ""},
			{"missing webhook", "GET", hooks + "/whk_nope", "admin", "", nil, 404, ""},
			{"another workspace's webhook", "GET", "/v1/workspaces/{B}/webhooks/{whkA}", "admin", "", nil, 404, ""},
			{"webhook through a foreign key", "GET", hookA, "B", "", nil, 404, ""},
			{"missing delivery", "GET", hookA + "/deliveries/dlv_nope", "admin", "", nil, 404, ""},
			{"retry a missing delivery", "POST", hookA + "/deliveries/dlv_nope/retry", "admin", "", nil, 404, ""},
			{"retry through another webhook", "POST", "/v1/workspaces/{B}/webhooks/whk_nope/deliveries/{dlvA}/retry", "admin", "", nil, 404, ""},
			{"recover a missing webhook", "POST", hooks + "/whk_nope/recover", "admin", `{"since":"2025-01-01T00:00:00Z"}`, nil, 404, ""},
			{"missing event", "GET", events + "/evt_nope", "admin", "", nil, 404, ""},
			{"another workspace's event", "GET", "/v1/workspaces/{B}/events/{evtA}", "admin", "", nil, 404, ""},
			{"delete a missing webhook", "DELETE", hooks + "/whk_nope", "admin", "", nil, 404, ""},
			{"delete a missing key", "DELETE", "/v1/workspaces/{A}/keys/key_nope", "admin", "", nil, 404, ""},
			{"update a missing event type", "PATCH", "/v1/event-types/nope.nope", "admin", `{"description":"x"}`, nil, 404, ""},
			{"unknown workspace key", "GET", hooks, "hk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "", nil, 401, ""},
			{"limit over the cap", "GET", events + "?limit=251", "admin", "", nil, 422, "limit"},
			{"since not a time", "GET", hookA + "/deliveries?since=yesterday", "admin", "", nil, 422, "since"},
		}
		ids := strings.NewReplacer("{A}", f.wsA, "{B}", f.wsB, "{whkA}", f.whkA, "{evtA}", f.evtA, "{dlvA}", f.dlvA)
		keys := map[string]string{"admin": adminKey, "A": f.keyA, "B": f.keyB}
		before := f.snapshot(t)
		for _, c := range cases {
			key, ok := keys[c.key]
			if !ok {
				key = c.key
			}
			a := call(t, f.s.URL, c.method, ids.Replace(c.path), key, ids.Replace(c.body), c.headers...)
			if a.status != c.status {
				t.Errorf("%s: got %d %s; want %d", c.name, a.status, a.body, c.status)
				continue
			}
			var p client.Problem
			if a.contentType != "application/problem+json" || json.Unmarshal([]byte(a.body), &p) != nil || p.Status != c.status || p.Detail == "" {
				t.Errorf("%s: got %s %s; want a problem document", c.name, a.contentType, a.body)
			}
			if c.field != "" && !slices.ContainsFunc(p.Errors, func(e hookd.FieldError) bool { return e.Field == c.field }) {
				t.Errorf("%s: fields %v; want %q", c.name, p.Errors, c.field)
			}
		}
		// A cursor is compared, never run.
		if a := call(t, f.s.URL, "GET", ids.Replace(events)+"?cursor=0%27%3B%20DROP%20TABLE%20events%3B%20--", adminKey, ""); a.status != http.StatusOK {
			t.Errorf("hostile cursor: got %d %s; want 200", a.status, a.body)
		}
		if after := f.snapshot(t); after != before {
			t.Errorf("bad requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

// TestPostgresNUL: PostgreSQL's text cannot hold a NUL character, which
// JSON can carry ("\u0000"): such input gets a 4xx problem document that
// names the trouble, never a 5xx, and changes nothing.
func TestPostgresNUL(t *testing.T) {
	t.Parallel()
	f := newStoreFixture(t, enginePostgres)
	before := f.snapshot(t)
	for _, c := range []struct{ name, method, path, body string }{
		{"workspace name", "POST", "/v1/workspaces", `{"name":"a\u0000b"}`},
		{"webhook description", "PATCH", "/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA, `{"description":"a\u0000b"}`},
		{"event type description", "PATCH", "/v1/event-types/ticket.created", `{"description":"a\u0000b"}`},
		{"event idempotency key", "POST", "/v1/workspaces/" + f.wsA + "/events", `{"type":"ticket.created","payload":1,"idempotency_key":"a\u0000b"}`},
	} {
		a := call(t, f.s.URL, c.method, c.path, adminKey, c.body)
		if a.status < 400 || a.status >= 500 || a.contentType != "application/problem+json" {
			t.Errorf("%s with a NUL: got %d %s %s; want a 4xx problem document", c.name, a.status, a.contentType, a.body)
		}
	}
	if after := f.snapshot(t); after != before {
		t.Errorf("refused requests changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// In a payload, a NUL is only bytes: it is stored and sent as given.
	if a := call(t, f.s.URL, "POST", "/v1/workspaces/"+f.wsB+"/events", adminKey, `{"type":"ticket.created","payload":{"s":"a\u0000b"}}`); a.status != http.StatusAccepted {
		t.Errorf("payload with a NUL: got %d %s; want 202", a.status, a.body)
	}
}
