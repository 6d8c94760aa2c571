package form

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// asJSON writes v as JSON, the way the API gets it.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %v: %v", v, err)
	}
	return string(b)
}

func TestParseWebhookTrimsAndReadsCheckboxes(t *testing.T) {
	f := ParseWebhook(url.Values{
		"url":         {"  https://example.com/hook  "},
		"description": {"line 1\r\nline 2"},
		"events":      {"a.created", "b.deleted"},
		"headers":     {"A: 1\r\nB: 2"},
		"tls_verify":  {"on"},
	})
	want := Webhook{URL: "https://example.com/hook", Description: "line 1\nline 2", Events: []string{"a.created", "b.deleted"}, Headers: "A: 1\nB: 2", TLSVerify: true}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v; want %+v", f, want)
	}
	if f := ParseWebhook(url.Values{}); f.TLSVerify {
		t.Error("TLSVerify is true without the checkbox")
	}
}

func TestWebhookCreateBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		form Webhook
		want string
	}{
		{"blank fields are left out", Webhook{URL: "https://x.test/", Method: "POST", TLSVerify: true},
			`{"description":"","events":[],"method":"POST","name":"","tls_verify":true,"url":"https://x.test/"}`},
		{"ticked types first, then patterns, once each", Webhook{URL: "u", Events: []string{"a.b", "c.d"}, Patterns: "invoice.*, a.b *"},
			`{"description":"","events":["a.b","c.d","invoice.*","*"],"name":"","tls_verify":false,"url":"u"}`},
		{"channels, headers, timeout", Webhook{URL: "u", Channels: "eu, us ,,", Headers: "Authorization: Bearer x:y\n\n  X-Team :  blue ", TimeoutSeconds: "15"},
			`{"channels":["eu","us"],"description":"","events":[],"headers":{"Authorization":"Bearer x:y","X-Team":"blue"},"name":"","timeout_seconds":15,"tls_verify":false,"url":"u"}`},
		{"retry schedule", Webhook{URL: "u", RetrySchedule: "5s, 5m 30m"},
			`{"description":"","events":[],"name":"","retry_schedule":["5s","5m","30m"],"tls_verify":false,"url":"u"}`},
		{"retry schedule pasted as JSON", Webhook{URL: "u", RetrySchedule: `["1s","5s"]`},
			`{"description":"","events":[],"name":"","retry_schedule":["1s","5s"],"tls_verify":false,"url":"u"}`},
		{"no retries", Webhook{URL: "u", RetrySchedule: "None"},
			`{"description":"","events":[],"name":"","retry_schedule":[],"tls_verify":false,"url":"u"}`},
		{"signature fields given", Webhook{URL: "u", Scheme: "github", SignatureHeader: "X-Hub-Signature-256"},
			`{"description":"","events":[],"name":"","signature":{"header":"X-Hub-Signature-256","scheme":"github"},"tls_verify":false,"url":"u"}`},
		{"rate limit", Webhook{URL: "u", RateLimit: "0.5"},
			`{"description":"","events":[],"name":"","rate_limit":0.5,"tls_verify":false,"url":"u"}`},
		{"method upper case", Webhook{URL: "u", Method: "put"},
			`{"description":"","events":[],"method":"PUT","name":"","tls_verify":false,"url":"u"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, errs := tc.form.CreateBody()
			if errs != nil {
				t.Fatalf("errors %v", errs)
			}
			if got := asJSON(t, body); got != tc.want {
				t.Errorf("got %s;\nwant %s", got, tc.want)
			}
		})
	}
}

func TestWebhookUnreadableFields(t *testing.T) {
	for _, tc := range []struct {
		form  Webhook
		field string
		want  string
	}{
		{Webhook{TimeoutSeconds: "thirty"}, "timeout_seconds", "must be a whole number of seconds, such as 30"},
		{Webhook{TimeoutSeconds: "1.5"}, "timeout_seconds", "must be a whole number of seconds, such as 30"},
		{Webhook{RateLimit: "fast"}, "rate_limit", "must be a number of requests per second, such as 10 or 0.5"},
		{Webhook{RateLimit: "NaN"}, "rate_limit", "must be a number of requests per second, such as 10 or 0.5"},
		{Webhook{RateLimit: "+Inf"}, "rate_limit", "must be a number of requests per second, such as 10 or 0.5"},
		{Webhook{Headers: "A: 1\nno colon here"}, "headers", "line 2: write each header as Name: value"},
		{Webhook{Headers: ": value"}, "headers", "line 1: write each header as Name: value"},
		{Webhook{Headers: "A: 1\nA: 2"}, "headers", "line 2: A is given twice"},
		{Webhook{RetrySchedule: `[""]`}, "retry_schedule", `must list delays such as "5s, 5m, 30m", or be "none"`},
	} {
		_, errs := tc.form.CreateBody()
		if got := errs[tc.field]; got != tc.want {
			t.Errorf("%+v: %s: got %q; want %q", tc.form, tc.field, got, tc.want)
		}
		if _, perrs := tc.form.Patch(&hookd.Webhook{}); perrs[tc.field] != tc.want {
			t.Errorf("%+v: Patch: %s: got %q; want %q", tc.form, tc.field, perrs[tc.field], tc.want)
		}
	}
}

// sample is a webhook as the API answers it, defaults filled in.
func sample() *hookd.Webhook {
	rate := 5.0
	return &hookd.Webhook{
		ID: "whk_1", Name: "Billing", Description: "two\nlines", URL: "https://x.test/hook", Method: "POST",
		Events: []string{"a.created", "gone.type", "invoice.*"}, Channels: []string{"eu"},
		Headers: map[string]string{"Authorization": "Bearer t", "X-Team": "blue"}, TimeoutSeconds: 30,
		RetrySchedule: hookd.RetrySchedule{5 * time.Second, 5 * time.Minute, 2 * time.Hour},
		Signature:     hookd.SignatureSpec{Scheme: "stripe", HeaderPrefix: "X-Acme"},
		TLSVerify:     true, RateLimit: &rate, Status: "active",
	}
}

func TestWebhookOfFillsTheForm(t *testing.T) {
	f := WebhookOf(sample(), []string{"a.created", "b.deleted"})
	want := Webhook{
		URL: "https://x.test/hook", Name: "Billing", Description: "two\nlines",
		Events: []string{"a.created"}, Patterns: "gone.type, invoice.*", Channels: "eu", Method: "POST",
		Headers: "Authorization: Bearer t\nX-Team: blue", TimeoutSeconds: "30", RetrySchedule: "5s, 5m, 2h",
		Scheme: "stripe", HeaderPrefix: "X-Acme", TLSVerify: true, RateLimit: "5",
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("got %+v;\nwant %+v", f, want)
	}
	w := sample()
	w.RetrySchedule = hookd.RetrySchedule{}
	if got := WebhookOf(w, nil).RetrySchedule; got != NoRetries {
		t.Errorf("empty schedule: got %q; want %q", got, NoRetries)
	}
}

func TestWebhookPatchSendsOnlyChanges(t *testing.T) {
	catalogue := []string{"a.created", "b.deleted"}
	for _, tc := range []struct {
		name   string
		change func(f *Webhook)
		want   string
	}{
		{"nothing changed", func(f *Webhook) {}, `{}`},
		{"events in another order", func(f *Webhook) { f.Patterns = "invoice.*  gone.type" }, `{}`},
		{"name only", func(f *Webhook) { f.Name = "Invoices" }, `{"name":"Invoices"}`},
		{"description with CRLF as sent", func(f *Webhook) {
			*f = ParseWebhook(url.Values{"url": {f.URL}, "name": {f.Name}, "description": {"two\r\nlines"}, "events": f.Events,
				"patterns": {f.Patterns}, "channels": {f.Channels}, "method": {f.Method}, "headers": {"Authorization: Bearer t\r\nX-Team: blue"},
				"timeout_seconds": {f.TimeoutSeconds}, "retry_schedule": {f.RetrySchedule}, "scheme": {f.Scheme},
				"header_prefix": {f.HeaderPrefix}, "tls_verify": {"on"}, "rate_limit": {f.RateLimit}})
		}, `{}`},
		{"a type ticked", func(f *Webhook) { f.Events = append(f.Events, "b.deleted") },
			`{"events":["a.created","b.deleted","gone.type","invoice.*"]}`},
		{"channels cleared: every channel", func(f *Webhook) { f.Channels = "" }, `{"channels":null}`},
		{"channels changed", func(f *Webhook) { f.Channels = "eu, us" }, `{"channels":["eu","us"]}`},
		{"a header changed, one removed, one added", func(f *Webhook) { f.Headers = "Authorization: Bearer u\nX-New: 1" },
			`{"headers":{"Authorization":"Bearer u","X-New":"1","X-Team":null}}`},
		{"timeout cleared: the default", func(f *Webhook) { f.TimeoutSeconds = "" }, `{"timeout_seconds":null}`},
		{"timeout changed", func(f *Webhook) { f.TimeoutSeconds = "10" }, `{"timeout_seconds":10}`},
		{"schedule written another way", func(f *Webhook) { f.RetrySchedule = "5s,5m,2h" }, `{}`},
		{"schedule changed", func(f *Webhook) { f.RetrySchedule = "1s, 5s" }, `{"retry_schedule":["1s","5s"]}`},
		{"schedule cleared: the default", func(f *Webhook) { f.RetrySchedule = "" }, `{"retry_schedule":null}`},
		{"no retries", func(f *Webhook) { f.RetrySchedule = "none" }, `{"retry_schedule":[]}`},
		{"scheme only", func(f *Webhook) { f.Scheme = "github" }, `{"signature":{"scheme":"github"}}`},
		{"prefix cleared", func(f *Webhook) { f.HeaderPrefix = "" }, `{"signature":{"header_prefix":""}}`},
		{"TLS verify off", func(f *Webhook) { f.TLSVerify = false }, `{"tls_verify":false}`},
		{"rate limit cleared", func(f *Webhook) { f.RateLimit = "" }, `{"rate_limit":null}`},
		{"rate limit same number written another way", func(f *Webhook) { f.RateLimit = "5.0" }, `{}`},
		{"rate limit changed", func(f *Webhook) { f.RateLimit = "2.5" }, `{"rate_limit":2.5}`},
		{"method", func(f *Webhook) { f.Method = "PUT" }, `{"method":"PUT"}`},
		{"url", func(f *Webhook) { f.URL = "https://y.test/" }, `{"url":"https://y.test/"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := WebhookOf(sample(), catalogue)
			tc.change(&f)
			p, errs := f.Patch(sample())
			if errs != nil {
				t.Fatalf("errors %v", errs)
			}
			if got := asJSON(t, p); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestWebhookPatchRateLimitAdded(t *testing.T) {
	w := sample()
	w.RateLimit = nil
	f := WebhookOf(w, nil)
	if f.RateLimit != "" {
		t.Fatalf("RateLimit %q; want blank", f.RateLimit)
	}
	f.RateLimit = "3"
	p, _ := f.Patch(w)
	if got, want := asJSON(t, p), `{"rate_limit":3}`; got != want {
		t.Errorf("got %s; want %s", got, want)
	}
}

func TestTestEventBody(t *testing.T) {
	for _, tc := range []struct {
		name    string
		values  url.Values
		want    string
		problem string
	}{
		{"type and payload", url.Values{"event_type": {"a.created"}, "payload": {"{\r\n  \"id\": 1\r\n}"}}, `{"event_type":"a.created","payload":{"id":1}}`, ""},
		{"blank payload: the example", url.Values{"event_type": {"a.created"}, "payload": {"  "}}, `{"event_type":"a.created"}`, ""},
		{"no type: the API picks", url.Values{"payload": {"[1]"}}, `{"payload":[1]}`, ""},
		{"a bad character", url.Values{"payload": {"{\n  \"id\": x\n}"}}, "", "is not valid JSON: invalid character 'x' looking for beginning of value at line 2, column 9"},
		{"cut short", url.Values{"payload": {`{"id": 1`}}, "", "is not valid JSON: unexpected EOF (is it cut short?)"},
		{"two values", url.Values{"payload": {"{} \n {}"}}, "", "is not one JSON value: more follows the first, at line 2, column 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, errs := ParseTestEvent(tc.values).Body()
			if got := errs["payload"]; got != tc.problem {
				t.Fatalf("payload error %q; want %q", got, tc.problem)
			}
			if tc.problem != "" {
				return
			}
			if got := asJSON(t, body); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestRotateSecretBody(t *testing.T) {
	for _, tc := range []struct {
		grace, want string
	}{
		{"", `{}`},
		{" 1h ", `{"grace_period":"1h"}`},
		{"0s", `{"grace_period":"0s"}`},
	} {
		if got := asJSON(t, ParseRotateSecret(url.Values{"grace_period": {tc.grace}}).Body()); got != tc.want {
			t.Errorf("grace %q: got %s; want %s", tc.grace, got, tc.want)
		}
	}
}
