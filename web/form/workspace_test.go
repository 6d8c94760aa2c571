package form

import (
	"net/url"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestWorkspaceCreateBody(t *testing.T) {
	tests := []struct {
		name     string
		form     url.Values
		want     string
		wantErrs Errors
	}{
		{"name only", url.Values{"name": {"  Acme  "}},
			`{"name":"Acme","settings":{"max_webhooks":0}}`, nil},
		{"every field", url.Values{"name": {"Acme"}, "max_webhooks": {"25"}, "timeout_seconds": {"10"},
			"retry_schedule": {"5s, 5m 2h,,30m"}, "scheme": {"stripe"}, "header_prefix": {"X-Acme"}, "rate_limit": {"0.5"}},
			`{"name":"Acme","settings":{"max_webhooks":25,"webhook_defaults":{"rate_limit":0.5,"retry_schedule":["5s","5m","2h","30m"],"signature":{"header_prefix":"X-Acme","scheme":"stripe"},"timeout_seconds":10}}}`, nil},
		{"no retries", url.Values{"name": {"Acme"}, "retry_schedule": {"None"}},
			`{"name":"Acme","settings":{"max_webhooks":0,"webhook_defaults":{"retry_schedule":[]}}}`, nil},
		{"a header prefix alone", url.Values{"name": {"Acme"}, "header_prefix": {"X-Acme"}},
			`{"name":"Acme","settings":{"max_webhooks":0,"webhook_defaults":{"signature":{"header_prefix":"X-Acme","scheme":""}}}}`, nil},
		{"durations are the API's to check", url.Values{"name": {"Acme"}, "retry_schedule": {"soon"}},
			`{"name":"Acme","settings":{"max_webhooks":0,"webhook_defaults":{"retry_schedule":["soon"]}}}`, nil},
		{"negative numbers are the API's to check", url.Values{"name": {""}, "max_webhooks": {"-1"}, "timeout_seconds": {"0"}},
			`{"name":"","settings":{"max_webhooks":-1,"webhook_defaults":{"timeout_seconds":0}}}`, nil},
		{"numbers that do not parse", url.Values{"name": {"Acme"}, "max_webhooks": {"ten"}, "timeout_seconds": {"1.5"}, "rate_limit": {"fast"}},
			"", Errors{wsFieldMaxWebhooks: "must be a whole number; 0 for no cap",
				wsFieldTimeout:   "must be a whole number of seconds, or empty for hookd's default",
				wsFieldRateLimit: "must be a number of requests per second, such as 10 or 0.5, or empty for no limit"}},
	}
	for _, tt := range tests {
		body, errs := ParseWorkspace(tt.form).CreateBody()
		if asJSON(t, errs) != asJSON(t, tt.wantErrs) {
			t.Errorf("%s: errors %v; want %v", tt.name, errs, tt.wantErrs)
		}
		if errs != nil {
			continue
		}
		if got := asJSON(t, body); got != tt.want {
			t.Errorf("%s: body\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestWorkspacePatchBody(t *testing.T) {
	timeout, rate := 10, 2.5
	full := &hookd.Workspace{Name: "Acme", Settings: hookd.WorkspaceSettings{MaxWebhooks: 5, WebhookDefaults: &hookd.WebhookDefaults{
		TimeoutSeconds: &timeout,
		RetrySchedule:  hookd.RetrySchedule{5 * time.Second, 2 * time.Hour},
		Signature:      &hookd.SignatureSpec{Scheme: "github", HeaderPrefix: "X-Acme", Header: "X-Hub-Signature-256"},
		RateLimit:      &rate,
	}}}
	bare := &hookd.Workspace{Name: "Acme"}
	tests := []struct {
		name string
		cur  *hookd.Workspace
		edit func(*Workspace)
		want string
	}{
		{"nothing changed", full, func(*Workspace) {}, `{}`},
		{"nothing changed, bare", bare, func(*Workspace) {}, `{}`},
		{"the same schedule written otherwise", full, func(f *Workspace) { f.RetrySchedule = "5s 120m" }, `{}`},
		{"the name", full, func(f *Workspace) { f.Name = "Acme Inc" }, `{"name":"Acme Inc"}`},
		{"max webhooks", full, func(f *Workspace) { f.MaxWebhooks = "" }, `{"settings":{"max_webhooks":0}}`},
		{"defaults emptied", full, func(f *Workspace) { f.TimeoutSeconds, f.RetrySchedule, f.RateLimit = "", "", "" },
			`{"settings":{"webhook_defaults":{"rate_limit":null,"retry_schedule":null,"timeout_seconds":null}}}`},
		{"no retries", full, func(f *Workspace) { f.RetrySchedule = "none" }, `{"settings":{"webhook_defaults":{"retry_schedule":[]}}}`},
		{"a schedule that does not parse", full, func(f *Workspace) { f.RetrySchedule = "5s, later" },
			`{"settings":{"webhook_defaults":{"retry_schedule":["5s","later"]}}}`},
		{"the scheme only", full, func(f *Workspace) { f.Scheme = "stripe" }, `{"settings":{"webhook_defaults":{"signature":{"scheme":"stripe"}}}}`},
		{"defaults set on a bare workspace", bare, func(f *Workspace) { f.TimeoutSeconds, f.HeaderPrefix = "15", "X-New" },
			`{"settings":{"webhook_defaults":{"signature":{"header_prefix":"X-New"},"timeout_seconds":15}}}`},
	}
	for _, tt := range tests {
		f := WorkspaceOf(tt.cur)
		tt.edit(&f)
		body, errs := f.PatchBody(tt.cur)
		if errs != nil {
			t.Fatalf("%s: errors %v", tt.name, errs)
		}
		if got := asJSON(t, body); got != tt.want {
			t.Errorf("%s: patch\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	f := WorkspaceOf(full)
	f.MaxWebhooks = "many"
	if _, errs := f.PatchBody(full); errs[wsFieldMaxWebhooks] == "" {
		t.Errorf("max webhooks %q: errors %v; want one for %s", f.MaxWebhooks, errs, wsFieldMaxWebhooks)
	}
}

func TestWorkspaceOf(t *testing.T) {
	timeout, rate := 10, 0.25
	tests := []struct {
		name string
		ws   hookd.Workspace
		want Workspace
	}{
		{"bare", hookd.Workspace{Name: "Acme"}, Workspace{Name: "Acme", MaxWebhooks: "0"}},
		{"no retries", hookd.Workspace{Name: "Acme", Settings: hookd.WorkspaceSettings{WebhookDefaults: &hookd.WebhookDefaults{RetrySchedule: hookd.RetrySchedule{}}}},
			Workspace{Name: "Acme", MaxWebhooks: "0", RetrySchedule: "none"}},
		{"every field", hookd.Workspace{Name: "Acme", Settings: hookd.WorkspaceSettings{MaxWebhooks: 3, WebhookDefaults: &hookd.WebhookDefaults{
			TimeoutSeconds: &timeout, RetrySchedule: hookd.RetrySchedule{90 * time.Second, 2 * time.Hour},
			Signature: &hookd.SignatureSpec{Scheme: "split", HeaderPrefix: "X-A"}, RateLimit: &rate}}},
			Workspace{Name: "Acme", MaxWebhooks: "3", TimeoutSeconds: "10", RetrySchedule: "90s, 2h", Scheme: "split", HeaderPrefix: "X-A", RateLimit: "0.25"}},
	}
	for _, tt := range tests {
		if got := WorkspaceOf(&tt.ws); got != tt.want {
			t.Errorf("%s: got %+v; want %+v", tt.name, got, tt.want)
		}
	}
}

func TestKeyAndPortalLink(t *testing.T) {
	if got := asJSON(t, ParseKey(url.Values{"name": {" ci "}}).Body()); got != `{"name":"ci"}` {
		t.Errorf("key body %s", got)
	}
	tests := []struct {
		form url.Values
		want string
	}{
		{url.Values{}, `{"read_only":false}`},
		{url.Values{"expires_in": {"24h"}}, `{"expires_in":"24h","read_only":false}`},
		{url.Values{"expires_in": {"168h"}, "read_only": {"on"}}, `{"expires_in":"168h","read_only":true}`},
	}
	for _, tt := range tests {
		if got := asJSON(t, ParsePortalLink(tt.form).Body()); got != tt.want {
			t.Errorf("portal link form %v: body %s; want %s", tt.form, got, tt.want)
		}
	}
}
