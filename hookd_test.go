package hookd_test

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestMatches(t *testing.T) {
	t.Parallel()
	active := func(events, channels []string) *hookd.Webhook {
		return &hookd.Webhook{Status: hookd.WebhookActive, Events: events, Channels: channels}
	}
	tests := []struct {
		name     string
		w        *hookd.Webhook
		typ      string
		channels []string
		want     bool
	}{
		{"star matches all", active([]string{"*"}, nil), "ticket.created", nil, true},
		{"prefix matches", active([]string{"ticket.*"}, nil), "ticket.created", nil, true},
		{"prefix matches deeper", active([]string{"ticket.*"}, nil), "ticket.sla.breached", nil, true},
		{"prefix needs the dot", active([]string{"ticket.*"}, nil), "tickets.created", nil, false},
		{"prefix is not the name", active([]string{"ticket.*"}, nil), "ticket", nil, false},
		{"exact matches", active([]string{"user.signup"}, nil), "user.signup", nil, true},
		{"exact only", active([]string{"user.signup"}, nil), "user.signup.failed", nil, false},
		{"one of several", active([]string{"a.b", "c.*"}, nil), "c.d", nil, true},
		{"disabled gets nothing", &hookd.Webhook{Status: hookd.WebhookDisabled, Events: []string{"*"}}, "a.b", nil, false},
		{"shared channel", active([]string{"*"}, []string{"eu", "us"}), "a.b", []string{"us"}, true},
		{"no shared channel", active([]string{"*"}, []string{"eu"}), "a.b", []string{"us"}, false},
		{"event without channels skips a filtering webhook", active([]string{"*"}, []string{"eu"}), "a.b", nil, false},
		{"nil channels take every channel", active([]string{"*"}, nil), "a.b", []string{"us"}, true},
	}
	for _, tt := range tests {
		if got := hookd.Matches(tt.w, tt.typ, tt.channels); got != tt.want {
			t.Errorf("%s: Matches(%v, %q, %v) = %v; want %v", tt.name, tt.w.Events, tt.typ, tt.channels, got, tt.want)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	s := hookd.RetrySchedule{30 * time.Second, 5 * time.Minute}
	tests := []struct {
		failed     int
		r          float64
		retryAfter time.Duration
		want       time.Duration
		ok         bool
	}{
		{1, 0.5, 0, 30 * time.Second, true},
		{1, 0, 0, 24 * time.Second, true},                  // -20%
		{1, 1, 0, 36 * time.Second, true},                  // +20%
		{2, 0.5, 0, 5 * time.Minute, true},                 // second retry
		{3, 0.5, 0, 0, false},                              // spent
		{0, 0.5, 0, 0, false},                              // nothing failed yet
		{1, 0.5, 45 * time.Second, 45 * time.Second, true}, // Retry-After within bounds
		{1, 0.5, time.Second, 30 * time.Second, true},      // raised to the delay
		{1, 0.5, time.Hour, time.Minute, true},             // capped at twice it
	}
	for _, tt := range tests {
		got, ok := s.RetryDelay(tt.failed, tt.r, tt.retryAfter)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RetryDelay(%d, %v, %s) = %s, %v; want %s, %v", tt.failed, tt.r, tt.retryAfter, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"Thu, 01 Jan 2026 00:01:00 GMT", time.Minute},
		{"Wed, 31 Dec 2025 23:00:00 GMT", 0}, // in the past
	}
	for _, tt := range tests {
		if got := hookd.ParseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

func TestNewIDSortsByCreation(t *testing.T) {
	t.Parallel()
	now := time.Now()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = hookd.NewID(hookd.PrefixEvent, now.Add(time.Duration(i/100)*time.Millisecond))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatal("ids made in order do not sort in order")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] || !strings.HasPrefix(id, "evt_") || len(id) != len("evt_")+26 {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestValidateWebhook(t *testing.T) {
	t.Parallel()
	catalogue := []string{"ticket.created", "ticket.closed", "user.signup"}
	valid := func() *hookd.Webhook {
		w := &hookd.Webhook{URL: "https://example.com/hook"}
		hookd.ApplyWebhookDefaults(w, nil)
		return w
	}
	tests := []struct {
		name  string
		edit  func(w *hookd.Webhook)
		field string // "" when valid
	}{
		{"defaults are valid", func(*hookd.Webhook) {}, ""},
		{"seed schedule 1", func(w *hookd.Webhook) {
			w.RetrySchedule = hookd.RetrySchedule{30 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 24 * time.Hour}
		}, ""},
		{"prefix pattern in catalogue", func(w *hookd.Webhook) { w.Events = []string{"ticket.*"} }, ""},
		{"unknown event type", func(w *hookd.Webhook) { w.Events = []string{"ticket.exploded"} }, "events[0]"},
		{"prefix matching nothing", func(w *hookd.Webhook) { w.Events = []string{"order.*"} }, "events[0]"},
		{"not a pattern", func(w *hookd.Webhook) { w.Events = []string{"ticket.*.x"} }, "events[0]"},
		{"ftp url", func(w *hookd.Webhook) { w.URL = "ftp://example.com" }, "url"},
		{"credentials in url", func(w *hookd.Webhook) { w.URL = "https://u:p@example.com" }, "url"},
		{"no host", func(w *hookd.Webhook) { w.URL = "https:///x" }, "url"},
		{"method", func(w *hookd.Webhook) { w.Method = "GET" }, "method"},
		{"timeout too long", func(w *hookd.Webhook) { w.TimeoutSeconds = 121 }, "timeout_seconds"},
		{"negative delay", func(w *hookd.Webhook) { w.RetrySchedule = hookd.RetrySchedule{-time.Second} }, "retry_schedule"},
		{"reserved header", func(w *hookd.Webhook) { w.Headers = map[string]string{"Webhook-Signature": "x"} }, "headers.Webhook-Signature"},
		{"header with newline", func(w *hookd.Webhook) { w.Headers = map[string]string{"X-Token": "a\r\nb: c"} }, "headers.X-Token"},
		{"empty channel list", func(w *hookd.Webhook) { w.Channels = []string{} }, "channels"},
		{"scheme", func(w *hookd.Webhook) { w.Signature.Scheme = "md5" }, "signature.scheme"},
	}
	for _, tt := range tests {
		w := valid()
		tt.edit(w)
		err := hookd.ValidateWebhook(w, catalogue)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v; want valid", tt.name, err)
			}
			continue
		}
		var e *hookd.Error
		if !errors.As(err, &e) || e.Code != hookd.EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
			t.Errorf("%s: got %v; want an invalid error naming %s", tt.name, err, tt.field)
		}
	}
}

// TestFreeTextRefusesNUL: NUL cannot be stored by PostgreSQL, so neither
// engine is given it.
func TestFreeTextRefusesNUL(t *testing.T) {
	t.Parallel()
	w := &hookd.Webhook{URL: "https://example.com/hook", Name: "a\x00b"}
	hookd.ApplyWebhookDefaults(w, nil)
	if err := hookd.ValidateWebhook(w, nil); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf("webhook name with NUL: %v; want refused", err)
	}
	if err := hookd.ValidateWorkspace(&hookd.Workspace{Name: "x\x00"}); err == nil {
		t.Error("workspace name with NUL: valid; want refused")
	}
	if err := hookd.ValidateEventType(&hookd.EventType{Name: "a.b", Description: "\x00"}); err == nil {
		t.Error("event type description with NUL: valid; want refused")
	}
	e := &hookd.Event{Type: "a.b", Payload: []byte(`{}`), IdempotencyKey: "k\x00"}
	if err := hookd.ValidateEvent(e, []string{"a.b"}, 0); err == nil {
		t.Error("idempotency key with NUL: valid; want refused")
	}
}

func TestSignatureHeaderProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig    hookd.SignatureSpec
		prefix string
		want   string // "field: part of the message", "" for none
	}{
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X-Hub-Signature-256"}, "", ""},
		{hookd.SignatureSpec{Scheme: hookd.SchemeStandard, Header: "webhook-signature"}, "", ""},
		{hookd.SignatureSpec{Scheme: hookd.SchemeStripe, Header: "X-Hookd-Signature"}, "", ""},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, Header: "X-Sig", TimestampHeader: "X-Sig-Time"}, "", ""},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, TimestampHeader: "X-Sent-At"}, "X-Acme", ""},
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X Hub"}, "", "header: header name"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X-" + strings.Repeat("a", hookd.MaxSignatureHeaderLength-1)}, "", "header: at most"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "Transfer-Encoding"}, "", "header: sets itself"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeStandard, Header: "Webhook-Id"}, "", "header: sets itself"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X-Hookd-Event-Type"}, "", "header: hookd's own"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "x-acme-event-id"}, "X-Acme", "header: hookd's own"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, Header: "X-Hookd-Timestamp"}, "", "header: timestamp header"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeStripe, TimestampHeader: "X-T"}, "", "timestamp_header: only for the split scheme"},
		{hookd.SignatureSpec{TimestampHeader: "X-T"}, "", "timestamp_header: standard scheme"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, Header: "X-Sig", TimestampHeader: "x-SIG"}, "", "timestamp_header: must differ"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, TimestampHeader: "X-Acme-Signature"}, "X-Acme", "timestamp_header: must differ"},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, TimestampHeader: "X-Acme-Delivery-Id"}, "X-Acme", "timestamp_header: hookd's own"},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range hookd.SignatureHeaderProblems(tt.sig, tt.prefix) {
			got = append(got, f.Field+": "+f.Message)
		}
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%+v under %q: got %q; want no problem", tt.sig, tt.prefix, got)
		case tt.want != "":
			field, part, _ := strings.Cut(tt.want, ": ")
			if len(got) != 1 || !strings.HasPrefix(got[0], field+": ") || !strings.Contains(got[0], part) {
				t.Errorf("%+v under %q: got %q; want one %q", tt.sig, tt.prefix, got, tt.want)
			}
		}
	}
}

// TestWebhookDefaultsJSON checks that a workspace's default retry schedule
// (nil) and a schedule without retries ([]) stay apart through JSON.
func TestWebhookDefaultsJSON(t *testing.T) {
	tests := []struct {
		name     string
		schedule hookd.RetrySchedule
		want     string
	}{
		{"server's default", nil, `{}`},
		{"no retries", hookd.RetrySchedule{}, `{"retry_schedule":[]}`},
		{"two retries", hookd.RetrySchedule{5 * time.Second, time.Hour}, `{"retry_schedule":["5s","1h"]}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(hookd.WebhookDefaults{RetrySchedule: tt.schedule})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s: got %s; want %s", tt.name, b, tt.want)
		}
		var back hookd.WebhookDefaults
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: read back: %v", tt.name, err)
		}
		if (back.RetrySchedule == nil) != (tt.schedule == nil) || len(back.RetrySchedule) != len(tt.schedule) {
			t.Errorf("%s: read back %#v; want %#v", tt.name, back.RetrySchedule, tt.schedule)
		}
	}
	b, err := json.Marshal(hookd.WebhookDefaults{TimeoutSeconds: new(int)})
	if err != nil || string(b) != `{"timeout_seconds":0}` {
		t.Errorf("other fields: got %s, %v; want {\"timeout_seconds\":0}", b, err)
	}
}
