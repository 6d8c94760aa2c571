package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/httpapi"
)

// FuzzWorkspaceBody: workspace creation and patch and key creation take
// any body without a 5xx, and answer errors as problem documents.
func FuzzWorkspaceBody(f *testing.F) {
	e := newEnv(f)
	ws := e.workspace("A", nil)
	for _, seed := range []string{
		``, `{}`, `null`, `[]`, `{"name":"x"}`, `{"name":"x","settings":{"max_webhooks":5,"webhook_defaults":{"timeout_seconds":10,` +
			`"retry_schedule":["1s"],"signature":{"scheme":"stripe","header_prefix":"X-A"},"rate_limit":1}}}`,
		`{"settings":null}`, `{"settings":{"max_webhooks":1e99}}`, `{"settings":{"webhook_defaults":{"retry_schedule":null}}}`,
		`{"name":"` + strings.Repeat("n", 300) + `"}`, `{"name":{"a":1}}`, `{"settings":{"webhook_defaults":{"signature":{"scheme":7}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.serveFuzz(t, "POST", "/v1/workspaces", body)
		e.serveFuzz(t, "PATCH", "/v1/workspaces/"+ws, body)
		e.serveFuzz(t, "POST", "/v1/workspaces/"+ws+"/keys", body)
	})
}

// FuzzEventTypeBody: catalogue creation and patch take any body without a
// 5xx.
func FuzzEventTypeBody(f *testing.F) {
	e := newEnv(f)
	e.eventType("ticket.created", map[string]any{"id": 1})
	for _, seed := range []string{
		``, `{}`, `null`, `{"name":"a.b","description":"d","example":{"x":[1,2]}}`, `{"name":"a b"}`, `{"example":null}`,
		`{"name":"ticket.created"}`, `{"description":1}`, `{"example":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e.serveFuzz(t, "POST", "/v1/event-types", body)
		e.serveFuzz(t, "PATCH", "/v1/event-types/ticket.created", body)
	})
}

// FuzzWebhookDestination creates webhooks on a server with the default
// egress policy (public addresses only) from fuzzed URLs and headers:
// never a 5xx, and a webhook it accepts names no refused address in any
// notation and carries no header hookd forbids.
func FuzzWebhookDestination(f *testing.F) {
	policy := &egress.Policy{}
	e := newEnv(f, func(c *httpapi.Config) { c.AllowHTTP, c.Egress = true, policy })
	ws := e.workspace("A", nil)
	for _, s := range []string{"http://127.0.0.1/", "http://2130706433/", "http://[::ffff:7f00:1]/", "http://0x7f.1/", "http://127.1/",
		"https://93.184.215.14/h", "http://localhost./", "http://169.254.169.254/latest", "http://[fe80::1%25lo]/", "https://hooks.example.com/x"} {
		f.Add(s, "X-A", "v")
	}
	f.Add("https://a.example/", "Host", "evil.example")
	f.Add("https://a.example/", "X-A", "a\r\nX-B: c")
	f.Fuzz(func(t *testing.T, rawURL, name, value string) {
		body, _ := json.Marshal(map[string]any{"url": rawURL, "headers": map[string]string{name: value}})
		req := httptest.NewRequest("POST", "/v1/workspaces/"+ws+"/webhooks", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminKey)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		case rec.Code != 201:
			return
		}
		u, err := url.Parse(rawURL)
		if err != nil {
			t.Fatalf("accepted %q, which does not parse: %v", rawURL, err)
		}
		h, err := egress.ParseHost(u.Hostname())
		if err != nil || (h.Addr.IsValid() && (egress.Reason(h.Addr) != "" || !h.Canonical)) || h.Name == "localhost" {
			t.Fatalf("accepted %q (host %+v, %v)", rawURL, h, err)
		}
		if strings.ContainsAny(value, "\r\n\x00") || strings.EqualFold(name, "host") {
			t.Fatalf("accepted header %q: %q", name, value)
		}
	})
}

// FuzzListQuery: every list takes any query string without a 5xx.
func FuzzListQuery(f *testing.F) {
	e := newEnv(f)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	whk := e.webhook(ws, map[string]any{"url": "https://a.example/h"})["id"].(string)
	for _, s := range []string{"", "limit=1", "limit=-1", "limit=99999999999999999999", "cursor=%00", "since=2025-01-01T00:00:00Z&until=x",
		"status=failed&event_type=a.b", "type=ticket.created", "limit=1&limit=2", "%zz"} {
		f.Add(s)
	}
	paths := []string{"/v1/workspaces", "/v1/event-types", "/v1/workspaces/" + ws + "/webhooks", "/v1/workspaces/" + ws + "/events",
		"/v1/workspaces/" + ws + "/webhooks/" + whk + "/deliveries"}
	f.Fuzz(func(t *testing.T, q string) {
		if strings.ContainsAny(q, " #\x00\r\n\t") || !validQuery(q) {
			return // not a request line httptest can build
		}
		for _, p := range paths {
			e.serveFuzz(t, "GET", p+"?"+q, nil)
		}
	})
}

func validQuery(q string) bool {
	for _, c := range []byte(q) {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}
