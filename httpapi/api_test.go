package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

func TestNewRequiresFields(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  httpapi.Config
		want string
	}{
		{httpapi.Config{Engine: &fakeEngine{}, AdminKey: "k"}, "Store"},
	} {
		if _, err := httpapi.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: got %v; want an error naming %s", err, tc.want)
		}
	}
	e := newEnv(t)
	for _, tc := range []struct {
		cfg  httpapi.Config
		want string
	}{
		{httpapi.Config{Store: e.store, AdminKey: "k"}, "Engine"},
		{httpapi.Config{Store: e.store, Engine: e.engine}, "AdminKey"},
		{httpapi.Config{Store: e.store, Engine: e.engine, AdminKey: "k", MaxPayloadBytes: -1}, "MaxPayloadBytes"},
	} {
		if _, err := httpapi.New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: got %v; want an error naming %s", err, tc.want)
		}
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if got := e.must(200, "GET", "/healthz", "", nil).object(t)["status"]; got != "ok" {
		t.Errorf("healthz status %v; want ok", got)
	}
	e.must(200, "GET", "/readyz", "", nil)
	m := string(e.must(200, "GET", "/metrics", "", nil).body)
	if !strings.Contains(m, `hookd_http_requests_total{code="200"}`) || !strings.Contains(m, `hookd_build_info{version="test"} 1`) {
		t.Errorf("metrics lack the request counter or build info:\n%s", m)
	}
	doc := e.must(200, "GET", "/v1/openapi.json", "", nil).object(t)
	if doc["openapi"] != "3.1.0" || doc["info"].(map[string]any)["version"] != "test" {
		t.Errorf("openapi.json: openapi %v, info.version %v", doc["openapi"], doc["info"].(map[string]any)["version"])
	}
	e.store.Close()
	r := e.do("GET", "/readyz", "", nil)
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the store closed: %d %s; want 503", r.status, r.body)
	}
	r.problem(t)
}

func TestWorkspacesAndKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ws hookd.Workspace
	e.must(201, "POST", "/v1/workspaces", adminKey, map[string]any{
		"name": "Acme",
		"settings": map[string]any{"max_webhooks": 5, "webhook_defaults": map[string]any{
			"timeout_seconds": 10, "retry_schedule": []string{"1s", "5s", "30s"},
			"signature": map[string]any{"scheme": "stripe", "header_prefix": "X-Acme"}}},
	}).decode(t, &ws)
	if !strings.HasPrefix(ws.ID, "ws_") || ws.CreatedAt.Location() != time.UTC {
		t.Errorf("workspace %+v: want a ws_ id and UTC times", ws)
	}
	if d := ws.Settings.WebhookDefaults; d == nil || *d.TimeoutSeconds != 10 || len(d.RetrySchedule) != 3 || d.Signature.Scheme != "stripe" {
		t.Errorf("settings %+v", ws.Settings)
	}
	got := e.must(200, "GET", "/v1/workspaces/"+ws.ID, adminKey, nil)
	var again hookd.Workspace
	got.decode(t, &again)
	if again.Name != "Acme" || !again.CreatedAt.Equal(ws.CreatedAt) {
		t.Errorf("GET workspace %+v; created %+v", again, ws)
	}

	// PATCH merges: the name changes, the settings stay but for what is
	// named; null removes.
	again = hookd.Workspace{}
	e.must(200, "PATCH", "/v1/workspaces/"+ws.ID, adminKey, `{"name":"Acme Inc","settings":{"webhook_defaults":{"timeout_seconds":null}}}`).decode(t, &again)
	if again.Name != "Acme Inc" || again.Settings.MaxWebhooks != 5 || again.Settings.WebhookDefaults.TimeoutSeconds != nil ||
		again.Settings.WebhookDefaults.Signature.Scheme != "stripe" {
		t.Errorf("after PATCH: %+v %+v", again, again.Settings.WebhookDefaults)
	}

	// A new webhook takes the workspace's defaults.
	e.eventType("ticket.created", map[string]any{"id": 1})
	w := e.webhook(ws.ID, map[string]any{"url": "https://a.example/h"})
	if w["timeout_seconds"].(float64) != 30 || w["signature"].(map[string]any)["scheme"] != "stripe" ||
		fmt.Sprint(w["retry_schedule"]) != "[1s 5s 30s]" {
		t.Errorf("webhook did not take the workspace defaults: %v", w)
	}

	// Keys: shown once, usable, revocable.
	r := e.must(201, "POST", "/v1/workspaces/"+ws.ID+"/keys", adminKey, map[string]any{"name": "ci"}).object(t)
	key := r["key"].(string)
	if !strings.HasPrefix(key, "hk_") || !strings.HasPrefix(r["id"].(string), "key_") || r["workspace_id"] != ws.ID || r["name"] != "ci" {
		t.Fatalf("key answer %v", r)
	}
	e.must(201, "POST", "/v1/workspaces/"+ws.ID+"/keys", adminKey, nil) // the body is optional
	var keys struct {
		Data []map[string]any `json:"data"`
	}
	e.must(200, "GET", "/v1/workspaces/"+ws.ID+"/keys", adminKey, nil).decode(t, &keys)
	if len(keys.Data) != 2 || keys.Data[1]["id"] != r["id"] || keys.Data[1]["name"] != "ci" || keys.Data[1]["key"] != nil {
		t.Fatalf("key list %v; want the two keys, newest first, without secrets", keys.Data)
	}
	for _, k := range keys.Data {
		for f := range k {
			if f != "id" && f != "name" && f != "workspace_id" && f != "created_at" {
				t.Errorf("key list shows field %q", f)
			}
		}
	}
	page := e.must(200, "GET", "/v1/workspaces/"+ws.ID+"/keys?limit=1", adminKey, nil).object(t)
	if page["next_cursor"] == nil {
		t.Errorf("key list with limit=1: no next_cursor")
	}
	e.must(404, "GET", "/v1/workspaces/ws_nope/keys", adminKey, nil)
	e.must(200, "GET", "/v1/workspaces/"+ws.ID+"/webhooks", key, nil)
	e.must(200, "GET", "/v1/event-types", key, nil)
	e.must(204, "DELETE", "/v1/workspaces/"+ws.ID+"/keys/"+r["id"].(string), adminKey, nil)
	e.must(401, "GET", "/v1/workspaces/"+ws.ID+"/webhooks", key, nil)

	// Delete removes the workspace and what it owns.
	k2 := e.key(ws.ID)
	e.must(204, "DELETE", "/v1/workspaces/"+ws.ID, adminKey, nil)
	e.must(404, "GET", "/v1/workspaces/"+ws.ID, adminKey, nil)
	e.must(401, "GET", "/v1/workspaces/"+ws.ID+"/webhooks", k2, nil)
}

// TestWorkspaceDefaultSchedule checks that a workspace without a default
// retry schedule answers without one, not with [] (no retries), and that
// a webhook made there gets hookd's schedule.
func TestWorkspaceDefaultSchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.must(201, "POST", "/v1/workspaces", adminKey, map[string]any{
		"name": "Acme", "settings": map[string]any{"webhook_defaults": map[string]any{"timeout_seconds": 10}},
	}).object(t)
	id := ws["id"].(string)
	for _, r := range []map[string]any{ws, e.must(200, "GET", "/v1/workspaces/"+id, adminKey, nil).object(t)} {
		d := r["settings"].(map[string]any)["webhook_defaults"].(map[string]any)
		if s, ok := d["retry_schedule"]; ok {
			t.Errorf("webhook_defaults %v: retry_schedule %v; want it left out (the server's default)", d, s)
		}
	}
	e.eventType("ticket.created", nil)
	w := e.webhook(id, map[string]any{"url": "https://a.example/h"})
	if got := fmt.Sprint(w["retry_schedule"]); got != "[5s 5m 30m 2h 5h 10h 10h]" {
		t.Errorf("webhook's retry_schedule %s; want hookd's default", got)
	}

	none := e.must(200, "PATCH", "/v1/workspaces/"+id, adminKey, `{"settings":{"webhook_defaults":{"retry_schedule":[]}}}`).object(t)
	if s := none["settings"].(map[string]any)["webhook_defaults"].(map[string]any)["retry_schedule"]; fmt.Sprint(s) != "[]" {
		t.Errorf("after setting no retries: retry_schedule %v; want []", s)
	}
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	et := e.must(201, "POST", "/v1/event-types", adminKey, `{"name":"ticket.created","description":"A ticket","example":{ "id" : "t_1" }}`).object(t)
	if string(mustJSON(t, et["example"])) != `{"id":"t_1"}` {
		t.Errorf("example %v", et["example"])
	}
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.must(200, "GET", "/v1/event-types/ticket.created", key, nil)
	up := e.must(200, "PATCH", "/v1/event-types/ticket.created", adminKey, `{"description":"Opened"}`).object(t)
	if up["description"] != "Opened" || up["example"] == nil {
		t.Errorf("PATCH description: %v", up)
	}
	up = e.must(200, "PATCH", "/v1/event-types/ticket.created", adminKey, `{"example":null}`).object(t)
	if up["example"] != nil || up["description"] != "Opened" {
		t.Errorf("PATCH example null: %v", up)
	}
	e.must(204, "DELETE", "/v1/event-types/ticket.created", adminKey, nil)
	e.must(404, "GET", "/v1/event-types/ticket.created", key, nil)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.AllowHTTP, c.AllowInsecureTLS = true, true })
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.eventType("ticket.created", map[string]any{"id": 1})
	e.eventType("ticket.closed", nil)

	r := e.must(201, "POST", "/v1/workspaces/"+ws+"/webhooks", key, map[string]any{
		"url": "http://a.example/h", "events": []string{"ticket.*"}, "headers": map[string]string{"Authorization": "Bearer x", "X-Team": "a"},
		"channels": []string{"eu"}, "rate_limit": 5, "tls_verify": false, "method": "put",
	}).object(t)
	id := r["id"].(string)
	secret, _ := r["signing_secret"].(string)
	if !strings.HasPrefix(id, "whk_") || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("create answer %v", r)
	}
	if r["method"] != "PUT" || r["tls_verify"] != false || r["status"] != "active" || r["workspace_id"] != ws {
		t.Errorf("create answer %v", r)
	}
	path := "/v1/workspaces/" + ws + "/webhooks/" + id
	got := e.must(200, "GET", path, key, nil)
	if strings.Contains(string(got.body), "whsec_") || strings.Contains(string(got.body), "signing_secret") {
		t.Errorf("GET shows a secret: %s", got.body)
	}
	if list := e.must(200, "GET", "/v1/workspaces/"+ws+"/webhooks", key, nil); strings.Contains(string(list.body), "whsec_") {
		t.Errorf("list shows a secret: %s", list.body)
	}
	if s := e.must(200, "GET", path+"/secret", key, nil).object(t)["signing_secret"]; s != secret {
		t.Errorf("secret %v; want %s", s, secret)
	}

	// PATCH merges: fields left out stay; headers merge key by key; null
	// resets to the default.
	p := e.must(200, "PATCH", path, key, `{"name":"renamed","headers":{"X-Team":null,"X-New":"n"},"channels":null,"rate_limit":null,"tls_verify":null}`).object(t)
	if p["name"] != "renamed" || p["url"] != "http://a.example/h" || p["channels"] != nil || p["rate_limit"] != nil || p["tls_verify"] != true {
		t.Errorf("PATCH answer %v", p)
	}
	if h := p["headers"].(map[string]any); len(h) != 2 || h["Authorization"] != "Bearer x" || h["X-New"] != "n" {
		t.Errorf("PATCH headers %v", h)
	}
	if s := e.must(200, "GET", path+"/secret", key, nil).object(t)["signing_secret"]; s != secret {
		t.Errorf("PATCH changed the secret")
	}

	// Disabled (as the engine does on 410), then re-enabled by PATCH.
	ctx := context.Background()
	w, err := e.store.Webhook(ctx, ws, id)
	if err != nil {
		t.Fatal(err)
	}
	failing := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	w.Status, w.DisabledReason, w.FailingSince = hookd.WebhookDisabled, "endpoint answered 410 Gone", &failing
	if err := e.store.UpdateWebhook(ctx, w, time.Now()); err != nil {
		t.Fatal(err)
	}
	d := e.must(200, "GET", path, key, nil).object(t)
	if d["status"] != "disabled" || d["disabled_reason"] != "endpoint answered 410 Gone" {
		t.Fatalf("disabled webhook %v", d)
	}
	a := e.must(200, "PATCH", path, key, `{"status":"active"}`).object(t)
	if a["status"] != "active" || a["disabled_reason"] != "" {
		t.Errorf("re-enabled webhook %v", a)
	}
	if w, _ := e.store.Webhook(ctx, ws, id); w.FailingSince != nil || w.Status != hookd.WebhookActive {
		t.Errorf("re-enabled webhook still failing since %v, status %s", w.FailingSince, w.Status)
	}
	dis := e.must(200, "PATCH", path, key, `{"status":"disabled"}`).object(t)
	if dis["status"] != "disabled" || dis["disabled_reason"] == "" {
		t.Errorf("disabled by PATCH: %v", dis)
	}

	// An update does not fail because the catalogue lost a type the
	// webhook names, unless it changes the events.
	other := e.webhook(ws, map[string]any{"url": "https://b.example/h", "events": []string{"ticket.closed"}})["id"].(string)
	e.must(204, "DELETE", "/v1/event-types/ticket.closed", adminKey, nil)
	e.must(200, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+other, key, `{"name":"still fine"}`)
	e.must(422, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+other, key, `{"events":["ticket.closed"]}`)

	e.must(204, "DELETE", path, key, nil)
	e.must(404, "GET", path, key, nil)
}

func TestGivenSecretAndRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	given := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	r := e.webhook(ws, map[string]any{"url": "https://a.example/h", "secret": given})
	if r["signing_secret"] != given {
		t.Fatalf("signing_secret %v; want the given one", r["signing_secret"])
	}
	id := r["id"].(string)
	path := "/v1/workspaces/" + ws + "/webhooks/" + id

	// Rotate with the default grace: the old secret keeps signing 24 h.
	rot := e.must(200, "POST", path+"/rotate-secret", adminKey, nil).object(t)["signing_secret"].(string)
	if rot == given || !strings.HasPrefix(rot, "whsec_") {
		t.Fatalf("rotated secret %q", rot)
	}
	if s := e.must(200, "GET", path+"/secret", adminKey, nil).object(t)["signing_secret"]; s != rot {
		t.Errorf("secret after rotation %v; want %s", s, rot)
	}
	ctx := context.Background()
	w, err := e.store.Webhook(ctx, ws, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Secrets) != 2 || w.Secrets[0].Value != rot || w.Secrets[0].ExpiresAt != nil ||
		w.Secrets[1].Value != given || w.Secrets[1].ExpiresAt == nil {
		t.Fatalf("secrets after rotation %+v", w.Secrets)
	}
	if grace := w.Secrets[1].ExpiresAt.Sub(w.UpdatedAt); grace != 24*time.Hour {
		t.Errorf("grace %v; want 24h", grace)
	}
	now := e.clock.Now()
	if got := w.ValidSecrets(now); len(got) != 2 {
		t.Errorf("valid secrets now %d; want 2", len(got))
	}

	// Rotate to a given secret with a grace of 1h: three secrets sign.
	third := "whsec_" + strings.Repeat("A", 43) + "="
	e.must(200, "POST", path+"/rotate-secret", adminKey, map[string]any{"secret": third, "grace_period": "1h"})
	w, _ = e.store.Webhook(ctx, ws, id)
	if len(w.Secrets) != 3 || w.Secrets[0].Value != third || w.Secrets[1].Value != rot || w.Secrets[2].Value != given {
		t.Fatalf("secrets after second rotation %+v", w.Secrets)
	}
	if grace := w.Secrets[1].ExpiresAt.Sub(w.UpdatedAt); grace != time.Hour {
		t.Errorf("grace %v; want 1h", grace)
	}

	// Two days later, with no grace: every older secret is gone.
	e.clock.advance(48 * time.Hour)
	e.must(200, "POST", path+"/rotate-secret", adminKey, `{"grace_period":"0s"}`)
	w, _ = e.store.Webhook(ctx, ws, id)
	if len(w.Secrets) != 1 || w.Secrets[0].ExpiresAt != nil {
		t.Fatalf("secrets after rotation without grace %+v", w.Secrets)
	}
}

func TestMaxWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", map[string]any{"max_webhooks": 2})
	e.eventType("ticket.created", nil)
	e.webhook(ws, map[string]any{"url": "https://a.example/1"})
	e.webhook(ws, map[string]any{"url": "https://a.example/2"})
	r := e.do("POST", "/v1/workspaces/"+ws+"/webhooks", adminKey, map[string]any{"url": "https://a.example/3"})
	if r.status != 422 {
		t.Fatalf("third webhook: %d %s; want 422", r.status, r.body)
	}
	if p := r.problem(t); p.Type != "https://hookd.dev/problems/limit" {
		t.Errorf("problem type %q; want .../limit", p.Type)
	}
	if n := e.count("/v1/workspaces/" + ws + "/webhooks"); n != 2 {
		t.Errorf("%d webhooks; want 2", n)
	}
	// Raising the cap lets it through.
	e.must(200, "PATCH", "/v1/workspaces/"+ws, adminKey, `{"settings":{"max_webhooks":3}}`)
	e.webhook(ws, map[string]any{"url": "https://a.example/3"})
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.eventType("ticket.created", nil)
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	body := `{"url":"https://a.example/h"}`

	first := e.must(201, "POST", hooks, key, body, "Idempotency-Key", "k1")
	again := e.must(201, "POST", hooks, key, body, "Idempotency-Key", "k1")
	if string(first.body) != string(again.body) {
		t.Errorf("repeat answered\n%s\nfirst\n%s", again.body, first.body)
	}
	if again.header.Get("Idempotent-Replayed") != "true" || first.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed: first %q, repeat %q", first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
	}
	if n := e.count(hooks); n != 1 {
		t.Errorf("%d webhooks after a repeat; want 1", n)
	}

	// The same key with another body is a conflict, and creates nothing.
	r := e.do("POST", hooks, key, `{"url":"https://b.example/h"}`, "Idempotency-Key", "k1")
	if r.status != 409 || !strings.Contains(r.problem(t).Detail, "different request") {
		t.Errorf("other body, same key: %d %s; want 409", r.status, r.body)
	}
	// The same key from another caller is another key.
	e.must(201, "POST", hooks, adminKey, body, "Idempotency-Key", "k1")
	// Errors are saved too (4xx), and replayed.
	bad1 := e.must(422, "POST", hooks, key, `{"url":"ftp://x"}`, "Idempotency-Key", "k2")
	bad2 := e.must(422, "POST", hooks, key, `{"url":"ftp://x"}`, "Idempotency-Key", "k2")
	if string(bad1.body) != string(bad2.body) || bad2.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("replayed error %s (%s)", bad2.body, bad2.header.Get("Content-Type"))
	}
	if n := e.count(hooks); n != 2 {
		t.Errorf("%d webhooks; want 2", n)
	}
	// A key expires after 24 hours.
	e.clock.advance(25 * time.Hour)
	e.must(201, "POST", hooks, key, body, "Idempotency-Key", "k1")
	if n := e.count(hooks); n != 3 {
		t.Errorf("%d webhooks after the key expired; want 3", n)
	}

	// Publishing: one event, however many repeats.
	events := "/v1/workspaces/" + ws + "/events"
	ev := `{"type":"ticket.created","payload":{"id":1}}`
	a := e.must(202, "POST", events, key, ev, "Idempotency-Key", "e1")
	b := e.must(202, "POST", events, key, ev, "Idempotency-Key", "e1")
	if string(a.body) != string(b.body) {
		t.Errorf("publish repeat answered %s; first %s", b.body, a.body)
	}
	batch := `{"events":[` + ev + `,` + ev + `]}`
	e.must(202, "POST", events+"/batch", key, batch, "Idempotency-Key", "b1")
	e.must(202, "POST", events+"/batch", key, batch, "Idempotency-Key", "b1")
	if n := e.count(events); n != 3 {
		t.Errorf("%d events; want 3", n)
	}

	// The body's idempotency_key does the same for events.
	ik := `{"type":"ticket.created","payload":1,"idempotency_key":"order-7"}`
	x := e.must(202, "POST", events, key, ik).object(t)
	y := e.must(202, "POST", events, key, ik).object(t)
	if x["id"] != y["id"] {
		t.Errorf("idempotency_key gave two events: %v and %v", x["id"], y["id"])
	}
}

func TestPublishAndDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.eventType("ticket.created", map[string]any{"id": "t_1"})
	e.eventType("invoice.paid", nil)
	w1 := e.webhook(ws, map[string]any{"url": "https://a.example/1", "events": []string{"ticket.*"}})["id"].(string)
	w2 := e.webhook(ws, map[string]any{"url": "https://a.example/2", "channels": []string{"eu"}})["id"].(string)
	events := "/v1/workspaces/" + ws + "/events"

	before := e.engine.notifies.Load()
	var pub struct {
		ID         string    `json:"id"`
		Type       string    `json:"type"`
		CreatedAt  time.Time `json:"created_at"`
		Deliveries []struct {
			ID        string `json:"id"`
			WebhookID string `json:"webhook_id"`
		} `json:"deliveries"`
	}
	e.must(202, "POST", events, key, `{"type":"ticket.created","payload":{ "id" : "t_9" },"channels":["eu"]}`).decode(t, &pub)
	if !strings.HasPrefix(pub.ID, "evt_") || pub.Type != "ticket.created" || len(pub.Deliveries) != 2 {
		t.Fatalf("publish answer %+v", pub)
	}
	if e.engine.notifies.Load() == before {
		t.Errorf("publish did not notify the engine")
	}
	e.must(202, "POST", events, key, `{"type":"invoice.paid","payload":1}`) // reaches w2? no: no channel

	var ev hookd.Event
	e.must(200, "GET", events+"/"+pub.ID, key, nil).decode(t, &ev)
	if string(ev.Payload) != `{"id":"t_9"}` || len(ev.Deliveries) != 2 || ev.WorkspaceID != ws {
		t.Errorf("event %+v", ev)
	}

	// Deliveries of a webhook, with filters.
	dpath := "/v1/workspaces/" + ws + "/webhooks/" + w1 + "/deliveries"
	var dl struct {
		Data []hookd.Delivery `json:"data"`
	}
	e.must(200, "GET", dpath+"?status=pending&event_type=ticket.created", key, nil).decode(t, &dl)
	if len(dl.Data) != 1 || dl.Data[0].EventID != pub.ID || dl.Data[0].WebhookID != w1 {
		t.Fatalf("deliveries %+v", dl.Data)
	}
	e.must(200, "GET", dpath+"?status=failed", key, nil).decode(t, &dl)
	if len(dl.Data) != 0 {
		t.Errorf("failed deliveries %+v; want none", dl.Data)
	}
	since := queryTime(pub.CreatedAt.Add(time.Hour))
	e.must(200, "GET", dpath+"?since="+since, key, nil).decode(t, &dl)
	if len(dl.Data) != 0 {
		t.Errorf("deliveries since %s: %+v; want none", since, dl.Data)
	}
	one := e.must(200, "GET", dpath+"/"+firstDelivery(t, e, dpath), key, nil).object(t)
	if log, ok := one["attempt_log"].([]any); !ok || len(log) != 0 {
		t.Errorf("attempt_log %v; want []", one["attempt_log"])
	}
	// The delivery of w2 is not reachable under w1.
	var w2d struct{ Data []hookd.Delivery }
	e.must(200, "GET", "/v1/workspaces/"+ws+"/webhooks/"+w2+"/deliveries", key, nil).decode(t, &w2d)
	if len(w2d.Data) != 1 {
		t.Fatalf("w2 deliveries %+v", w2d.Data)
	}
	e.must(404, "GET", dpath+"/"+w2d.Data[0].ID, key, nil)

	// Retry and recover.
	before = e.engine.notifies.Load()
	r := e.must(202, "POST", "/v1/workspaces/"+ws+"/webhooks/"+w2+"/deliveries/"+w2d.Data[0].ID+"/retry", key, nil).object(t)
	if r["id"] != w2d.Data[0].ID || r["status"] != "pending" || e.engine.notifies.Load() == before {
		t.Errorf("retry answer %v, notifies %d→%d", r, before, e.engine.notifies.Load())
	}
	rec := e.must(202, "POST", "/v1/workspaces/"+ws+"/webhooks/"+w1+"/recover", key, `{"since":"2020-01-01T00:00:00Z"}`).object(t)
	if rec["requeued"] != float64(0) {
		t.Errorf("recover answer %v; want requeued 0", rec)
	}

	// Event list filters.
	var el struct{ Data []hookd.Event }
	e.must(200, "GET", events+"?type=invoice.paid", key, nil).decode(t, &el)
	if len(el.Data) != 1 || el.Data[0].Type != "invoice.paid" {
		t.Errorf("events of type invoice.paid: %+v", el.Data)
	}
	e.must(200, "GET", events+"?until="+queryTime(pub.CreatedAt), key, nil).decode(t, &el)
	if len(el.Data) != 0 {
		t.Errorf("events until the first: %+v; want none", el.Data)
	}

	// A batch is stored whole, in order.
	var bd struct {
		Data []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"data"`
	}
	e.must(202, "POST", events+"/batch", key, `{"events":[{"type":"ticket.created","payload":1},{"type":"invoice.paid","payload":2}]}`).decode(t, &bd)
	if len(bd.Data) != 2 || bd.Data[0].Type != "ticket.created" || bd.Data[1].Type != "invoice.paid" {
		t.Errorf("batch answer %+v", bd)
	}
	if n := e.count(events); n != 4 {
		t.Errorf("%d events; want 4", n)
	}
}

// firstDelivery returns the id of the first delivery listed at path.
func firstDelivery(t *testing.T, e *env, path string) string {
	var dl struct{ Data []hookd.Delivery }
	e.must(200, "GET", path, adminKey, nil).decode(t, &dl)
	if len(dl.Data) == 0 {
		t.Fatalf("no deliveries at %s", path)
	}
	return dl.Data[0].ID
}

// queryTime writes t for a query string.
func queryTime(t time.Time) string {
	return strings.ReplaceAll(t.UTC().Format(time.RFC3339Nano), "+", "%2B")
}

func TestSendTest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.eventType("invoice.paid", map[string]any{"amount": 10})
	e.eventType("ticket.created", map[string]any{"id": "t_1"})
	e.eventType("ticket.closed", nil)
	id := e.webhook(ws, map[string]any{"url": "https://a.example/h", "events": []string{"ticket.*", "ticket.created"}})["id"].(string)
	path := "/v1/workspaces/" + ws + "/webhooks/" + id + "/test"

	var res struct {
		hookd.Attempt
		DeliveryID string `json:"delivery_id"`
		EventID    string `json:"event_id"`
		EventType  string `json:"event_type"`
	}
	e.must(200, "POST", path, key, nil).decode(t, &res)
	if res.Number != 1 || res.Trigger != "test" || !strings.HasPrefix(res.DeliveryID, "dlv_") ||
		!strings.HasPrefix(res.EventID, "evt_") || res.EventType != "ticket.created" || res.Response.Status != 200 {
		t.Fatalf("test answer %+v", res)
	}
	e.engine.mu.Lock()
	c := e.engine.sent[len(e.engine.sent)-1]
	e.engine.mu.Unlock()
	if string(c.Payload) != `{"id":"t_1"}` || c.Webhook.ID != id || c.Delivery.ID != res.DeliveryID {
		t.Errorf("claim sent: payload %s webhook %s delivery %s", c.Payload, c.Webhook.ID, c.Delivery.ID)
	}

	// A given payload and type; a disabled webhook can still be tested.
	e.must(200, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+id, key, `{"status":"disabled"}`)
	e.must(200, "POST", path, key, `{"event_type":"ticket.closed","payload":{"x":1}}`).decode(t, &res)
	e.engine.mu.Lock()
	c = e.engine.sent[len(e.engine.sent)-1]
	e.engine.mu.Unlock()
	if res.EventType != "ticket.closed" || string(c.Payload) != `{"x":1}` {
		t.Errorf("test with a given payload: %+v, payload %s", res, c.Payload)
	}

	// The default type is the first catalogue name a pattern matches.
	w2 := e.webhook(ws, map[string]any{"url": "https://b.example/h", "events": []string{"invoice.*"}})["id"].(string)
	e.must(200, "POST", "/v1/workspaces/"+ws+"/webhooks/"+w2+"/test", key, `{}`).decode(t, &res)
	if res.EventType != "invoice.paid" {
		t.Errorf("default type %q; want invoice.paid", res.EventType)
	}

	// An engine failure is a 500 without its cause.
	e.engine.mu.Lock()
	e.engine.sendErr = errSend
	e.engine.mu.Unlock()
	r := e.do("POST", path, key, nil)
	if r.status != 500 || strings.Contains(string(r.body), "fake engine") {
		t.Errorf("engine failure: %d %s; want 500 without the cause", r.status, r.body)
	}
	r.problem(t)
}

// TestPagination walks every list page by page, on each storage engine.
func TestPagination(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testPagination)
}

func testPagination(t *testing.T, engine storeEngine) {
	e := newEnvOn(t, engine)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	var want []string
	for i := range 7 {
		want = append(want, e.webhook(ws, map[string]any{"url": fmt.Sprintf("https://a.example/%d", i)})["id"].(string))
	}
	for i := range 11 {
		e.must(202, "POST", "/v1/workspaces/"+ws+"/events", adminKey, map[string]any{"type": "ticket.created", "payload": i})
	}
	for i := range 4 {
		e.eventType(fmt.Sprintf("other.t%d", i), nil)
	}

	walk := func(path string, limit int) []string {
		var ids []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatalf("%s: too many pages", path)
			}
			p := fmt.Sprintf("%s?limit=%d", path, limit)
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			var l struct {
				Data []struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"data"`
				NextCursor *string `json:"next_cursor"`
			}
			r := e.must(200, "GET", p, adminKey, nil)
			if !strings.Contains(string(r.body), `"next_cursor":`) {
				t.Fatalf("list without next_cursor: %s", r.body)
			}
			r.decode(t, &l)
			if len(l.Data) > limit {
				t.Fatalf("%s: page of %d; limit %d", p, len(l.Data), limit)
			}
			for _, d := range l.Data {
				ids = append(ids, d.ID+d.Name)
			}
			if l.NextCursor == nil {
				return ids
			}
			cursor = *l.NextCursor
		}
	}
	got := walk("/v1/workspaces/"+ws+"/webhooks", 3)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("webhooks walked %v; want %v", got, want)
	}
	if ev := walk("/v1/workspaces/"+ws+"/events", 4); len(ev) != 11 || len(slices.Compact(slices.Sorted(slices.Values(ev)))) != 11 {
		t.Errorf("events walked %d (%v); want 11 distinct", len(ev), ev)
	}
	if et := walk("/v1/event-types", 2); len(et) != 5 {
		t.Errorf("event types walked %v; want 5", et)
	}
	if n := len(walk("/v1/workspaces", 1)); n != 1 {
		t.Errorf("workspaces walked %d; want 1", n)
	}
	// The default page is 50.
	var l struct{ Data []json.RawMessage }
	e.must(200, "GET", "/v1/workspaces/"+ws+"/events", adminKey, nil).decode(t, &l)
	if len(l.Data) != 11 {
		t.Errorf("default page: %d events; want 11", len(l.Data))
	}
}

func TestTimesAreUTC(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("UTC+5", 5*3600)
	e := newEnv(t, func(c *httpapi.Config) {
		c.Now = func() time.Time { return time.Date(2025, 6, 1, 17, 0, 0, 123456789, loc) }
	})
	r := e.must(201, "POST", "/v1/workspaces", adminKey, `{"name":"A"}`).object(t)
	if r["created_at"] != "2025-06-01T12:00:00.123456Z" {
		t.Errorf("created_at %v; want 2025-06-01T12:00:00.123456Z", r["created_at"])
	}
}

// TestPatchKeepsEmptySchedule checks that a PATCH of another field keeps an
// empty retry schedule (no retries), which is not the default.
func TestPatchKeepsEmptySchedule(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	w := e.webhook(ws, map[string]any{"url": "https://a.example/h", "retry_schedule": []string{}})
	if s := w["retry_schedule"].([]any); len(s) != 0 {
		t.Errorf("new webhook retry_schedule %v; want []", s)
	}
	p := e.must(200, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+w["id"].(string), adminKey, `{"name":"n"}`).object(t)
	if s := p["retry_schedule"].([]any); len(s) != 0 {
		t.Errorf("webhook retry_schedule after PATCH %v; want []", s)
	}
	p = e.must(200, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+w["id"].(string), adminKey, `{"retry_schedule":null}`).object(t)
	if s := p["retry_schedule"].([]any); len(s) != 7 {
		t.Errorf("webhook retry_schedule after PATCH to null %v; want the default", s)
	}
}

func TestServerHeaderPrefix(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.HeaderPrefix = "X-Humiris" })
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	r := e.do("POST", hooks, adminKey, `{"url":"https://a.example/h","headers":{"X-Humiris-Event-Id":"x"}}`)
	if r.status != 422 || !slices.Contains(r.problem(t).fields(), "headers.X-Humiris-Event-Id") {
		t.Errorf("header under the server's prefix: %d %s; want 422 naming it", r.status, r.body)
	}
	// A webhook with a prefix of its own may send the server's.
	e.must(201, "POST", hooks, adminKey, `{"url":"https://a.example/h","headers":{"X-Humiris-Team":"x"},"signature":{"scheme":"stripe","header_prefix":"X-Acme"}}`)
	r = e.do("POST", hooks, adminKey, `{"url":"https://a.example/h","headers":{"X-Acme-Team":"x"},"signature":{"header_prefix":"X-Acme"}}`)
	if r.status != 422 {
		t.Errorf("header under the webhook's prefix: %d %s; want 422", r.status, r.body)
	}
}
