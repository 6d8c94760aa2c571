package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

// TestSignatureHeaderValidation: bad signature.header and
// signature.timestamp_header values, on create, on PATCH and in a
// workspace's webhook defaults, get a 422 naming the field.
func TestSignatureHeaderValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.HeaderPrefix = "X-Humiris" })
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	split := e.webhook(ws, map[string]any{"url": "https://a.example/h",
		"signature": map[string]any{"scheme": "split", "header": "X-Sig", "timestamp_header": "X-Sig-Time"}})
	splitPath := hooks + "/" + split["id"].(string)
	long := "X-" + strings.Repeat("a", 127)

	tests := []struct {
		name, method, path, body string
		field, detail            string
	}{
		{"not a token", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"X Hub"}}`, "signature.header", "header name"},
		{"too long", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"` + long + `"}}`, "signature.header", "at most 128"},
		{"content-type", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"Content-Type"}}`, "signature.header", "sets itself"},
		{"host", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"host"}}`, "signature.header", "sets itself"},
		{"webhook-id", "POST", hooks, `{"url":"https://a.example/h","signature":{"header":"webhook-id"}}`, "signature.header", "sets itself"},
		{"webhook-timestamp", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"stripe","header":"Webhook-Timestamp"}}`, "signature.header", "sets itself"},
		{"default own header", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"X-Hookd-Event-Id"}}`, "signature.header", "hookd's own headers"},
		{"server's own header", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header":"x-humiris-delivery-id"}}`, "signature.header", "hookd's own headers"},
		{"webhook's own header", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","header_prefix":"X-Acme","header":"X-Acme-Attempt"}}`, "signature.header", "hookd's own headers"},
		{"timestamp without split", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"github","timestamp_header":"X-Time"}}`, "signature.timestamp_header", "only for the split scheme"},
		{"timestamp with standard", "POST", hooks, `{"url":"https://a.example/h","signature":{"timestamp_header":"X-Time"}}`, "signature.timestamp_header", "standard scheme"},
		{"timestamp same as header", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"split","header":"X-Sig","timestamp_header":"x-sig"}}`, "signature.timestamp_header", "must differ"},
		{"timestamp same as default header", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"split","timestamp_header":"X-Humiris-Signature"}}`, "signature.timestamp_header", "must differ"},
		{"header same as default timestamp", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"split","header_prefix":"X-Acme","header":"X-Acme-Timestamp"}}`, "signature.header", "timestamp header"},
		{"bad timestamp name", "POST", hooks, `{"url":"https://a.example/h","signature":{"scheme":"split","timestamp_header":"user-agent"}}`, "signature.timestamp_header", "sets itself"},
		{"webhook header overrides it", "POST", hooks, `{"url":"https://a.example/h","headers":{"x-hub-signature-256":"forged"},"signature":{"scheme":"github","header":"X-Hub-Signature-256"}}`, "headers.x-hub-signature-256", "set by hookd"},
		{"webhook header overrides timestamp", "POST", hooks, `{"url":"https://a.example/h","headers":{"X-Sig-Time":"1"},"signature":{"scheme":"split","timestamp_header":"X-Sig-Time"}}`, "headers.X-Sig-Time", "set by hookd"},
		{"PATCH scheme away from split", "PATCH", splitPath, `{"signature":{"scheme":"stripe"}}`, "signature.timestamp_header", "only for the split scheme"},
		{"PATCH bad header", "PATCH", splitPath, `{"signature":{"header":"X-Humiris-Event-Type"}}`, "signature.header", "hookd's own headers"},
		{"defaults: bad header", "POST", "/v1/workspaces", `{"name":"B","settings":{"webhook_defaults":{"signature":{"scheme":"github","header":"a:b"}}}}`, "settings.webhook_defaults.signature.header", "header name"},
		{"defaults: timestamp without split", "POST", "/v1/workspaces", `{"name":"B","settings":{"webhook_defaults":{"signature":{"scheme":"github","timestamp_header":"X-T"}}}}`, "settings.webhook_defaults.signature.timestamp_header", "only for the split scheme"},
		{"defaults: PATCH", "PATCH", "/v1/workspaces/" + ws, `{"settings":{"webhook_defaults":{"signature":{"header":"webhook-id"}}}}`, "settings.webhook_defaults.signature.header", "sets itself"},
	}
	for _, tt := range tests {
		r := e.do(tt.method, tt.path, adminKey, tt.body)
		if r.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: got %d %s; want 422", tt.name, r.status, r.body)
			continue
		}
		p := r.problem(t)
		if !slices.Contains(p.fields(), tt.field) {
			t.Errorf("%s: fields %q; want %q", tt.name, p.fields(), tt.field)
		}
		found := false
		for _, f := range p.Errors {
			found = found || (f.Field == tt.field && strings.Contains(f.Message, tt.detail))
		}
		if !found {
			t.Errorf("%s: errors %+v; want %s to say %q", tt.name, p.Errors, tt.field, tt.detail)
		}
	}
	// Nothing was changed by the refused PATCHes.
	got := e.must(200, "GET", splitPath, adminKey, nil).object(t)["signature"].(map[string]any)
	if got["scheme"] != "split" || got["header"] != "X-Sig" || got["timestamp_header"] != "X-Sig-Time" {
		t.Errorf("signature after refused PATCHes: %v", got)
	}
}

// TestSignatureHeaderRoundTrip: signature.header and timestamp_header are
// stored, shown, changed by PATCH, and taken from a workspace's defaults
// for new webhooks of the defaults' scheme only.
func TestSignatureHeaderRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", map[string]any{"webhook_defaults": map[string]any{
		"signature": map[string]any{"scheme": "github", "header": "X-Hub-Signature-256"}}})
	e.eventType("ticket.created", nil)
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	sig := func(w map[string]any) map[string]any { return w["signature"].(map[string]any) }

	w := e.webhook(ws, map[string]any{"url": "https://a.example/h"})
	if s := sig(w); s["scheme"] != "github" || s["header"] != "X-Hub-Signature-256" || s["timestamp_header"] != "" {
		t.Errorf("webhook from the defaults: signature %v; want github in X-Hub-Signature-256", s)
	}
	path := hooks + "/" + w["id"].(string)
	if s := sig(e.must(200, "GET", path, adminKey, nil).object(t)); s["header"] != "X-Hub-Signature-256" {
		t.Errorf("GET: signature %v", s)
	}
	other := e.webhook(ws, map[string]any{"url": "https://a.example/h", "signature": map[string]any{"scheme": "stripe"}})
	if s := sig(other); s["scheme"] != "stripe" || s["header"] != "" {
		t.Errorf("stripe webhook in a workspace with github defaults: signature %v; want the stripe scheme's own header", s)
	}

	s := sig(e.must(200, "PATCH", path, adminKey, `{"signature":{"scheme":"split","header":"X-Sig","timestamp_header":"X-Sig-Time"}}`).object(t))
	if s["scheme"] != "split" || s["header"] != "X-Sig" || s["timestamp_header"] != "X-Sig-Time" {
		t.Errorf("after PATCH to split: signature %v", s)
	}
	s = sig(e.must(200, "PATCH", path, adminKey, `{"signature":{"scheme":"stripe","header":"Stripe-Signature","timestamp_header":""}}`).object(t))
	if s["scheme"] != "stripe" || s["header"] != "Stripe-Signature" || s["timestamp_header"] != "" {
		t.Errorf("after PATCH to stripe: signature %v", s)
	}
	var list struct {
		Data []map[string]any `json:"data"`
	}
	e.must(200, "GET", hooks, adminKey, nil).decode(t, &list)
	for _, item := range list.Data {
		if item["id"] == w["id"] && sig(item)["header"] != "Stripe-Signature" {
			t.Errorf("list: signature %v", sig(item))
		}
	}
}
