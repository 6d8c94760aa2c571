package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// serveFuzz sends one request straight to the handler and fails when the
// answer is a 5xx, or an error that is not a problem document.
func (e *env) serveFuzz(t *testing.T, method, path string, body []byte) {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminKey)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s with %q: %d %s", method, path, body, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var p problemDoc
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Detail == "" {
			t.Fatalf("%s %s with %q: %d answered %q: %s", method, path, body, rec.Code, ct, rec.Body)
		}
	}
}

func FuzzWebhookBody(f *testing.F) {
	e := newEnv(f)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", map[string]any{"id": 1})
	e.eventType("ticket.closed", nil)
	whk := e.webhook(ws, map[string]any{"url": "https://a.example/h"})["id"].(string)
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"url":"https://a.example/h"}`,
		`{"url":"https://a.example/h","events":["ticket.*"],"channels":["eu"],"headers":{"X-A":"b"},"timeout_seconds":10,` +
			`"retry_schedule":["1s","5s"],"signature":{"scheme":"stripe","header_prefix":"X-Acme"},"tls_verify":false,"rate_limit":2.5,` +
			`"status":"active","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","method":"PUT","name":"n","description":"d"}`,
		`{"url":"http://a.example/h"}`, `{"events":[1]}`, `{"signature":{"x":1}}`, `{"headers":{"A":null}}`,
		`{"retry_schedule":["-5s"]}`, `{"timeout_seconds":1e400}`, `{"rate_limit":1e308}`, `{"url":"https://a.example/h"} x`,
		`{"url":"https://[::1]:99999/"}`, `{"headers":{"X-Hookd-A":"x"},"signature":{"header_prefix":""}}`,
		`{"channels":null,"rate_limit":null,"events":null}`, `{"status":"disabled"}`,
		`{"signature":{"scheme":"split","header":"X-S","timestamp_header":"X-T"}}`, `{"signature":{"scheme":"github","timestamp_header":"x"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/webhooks", body)
		e.serveFuzz(t, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+whk, body)
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/rotate-secret", body)
		e.serveFuzz(t, "PATCH", "/v1/workspaces/"+ws, body)
	})
}

func FuzzEventBody(f *testing.F) {
	e := newEnv(f)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", map[string]any{"id": 1})
	whk := e.webhook(ws, map[string]any{"url": "https://a.example/h"})["id"].(string)
	for _, seed := range []string{
		``, `{}`, `null`, `{"type":"ticket.created","payload":{"id":1}}`,
		`{"type":"ticket.created","payload":1,"channels":["eu"],"idempotency_key":"k"}`,
		`{"type":"ticket.created","payload":null}`, `{"type":"nope","payload":1}`, `{"type":1}`,
		`{"events":[{"type":"ticket.created","payload":1},{"type":"ticket.created","payload":[1,2]}]}`,
		`{"events":[1,"x",null,{}]}`, `{"events":null}`, `{"payload":"` + strings.Repeat("x", testMaxPayload) + `"}`,
		`{"type":"ticket.created","payload":{"a":` + strings.Repeat("[", 500) + strings.Repeat("]", 500) + `}}`,
		`{"event_type":"ticket.created"}`, `{"since":"2025-01-01T00:00:00Z","until":"2024-01-01T00:00:00Z"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/events", body)
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/events/batch", body)
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/test", body)
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/recover", body)
		e.serveFuzz(t, "POST", "/v1/event-types", body)
	})
}
