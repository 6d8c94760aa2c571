package hookd_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// FuzzParseRetryAfter reads Retry-After values as a hostile receiver may
// send them: never a panic, never a negative delay.
func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, s := range []string{"", "0", "-1", "120", "9223372036854775807", "99999999999", "Wed, 21 Oct 2026 07:28:00 GMT",
		"Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "1e3", " 5", "+5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := hookd.ParseRetryAfter(v, now); d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %s", v, d)
		}
	})
}

// FuzzURLProblem checks webhook URLs: never a panic, and a URL it accepts
// is an http(s) URL with a host, no credentials and a valid port.
func FuzzURLProblem(f *testing.F) {
	for _, s := range []string{"https://a.example/h", "http://u:p@a.example/", "https://a.example:99999/", "https://a.example:0/",
		"ftp://a.example/", "https:///x", "https://[::1]:443/#frag", "HTTPS://A.EXAMPLE", "https://a.example:/h", "//a.example/h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if hookd.URLProblem(raw) != "" {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || len(raw) > hookd.MaxURLLength {
			t.Fatalf("URLProblem(%q) accepted it: %+v, %v", raw, u, err)
		}
		if p := u.Port(); p != "" {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				t.Fatalf("URLProblem(%q) accepted port %q", raw, p)
			}
		}
	})
}

// FuzzValidateHeaders feeds one webhook header through ValidateWebhook: a
// header it accepts has a token name that is not hookd's, and a value
// without control characters (CR, LF, NUL and the rest, tab aside).
func FuzzValidateHeaders(f *testing.F) {
	for _, s := range [][2]string{{"Authorization", "Bearer x"}, {"X-A", "a\r\nX-Injected: 1"}, {"Host", "evil"}, {"X Y", "v"},
		{"X-Hookd-Event-Id", "x"}, {"webhook-signature", "v1,x"}, {"X-A", "caf\xc3\xa9\t1"}, {"X-A", "\x7f"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		w := &hookd.Webhook{URL: "https://a.example/h", Headers: map[string]string{name: value}}
		hookd.ApplyWebhookDefaults(w, nil)
		err := hookd.ValidateWebhook(w, nil)
		if err != nil {
			return
		}
		if name == "" || hookd.ReservedHeader(name, "") || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == ':' }) {
			t.Fatalf("accepted header name %q", name)
		}
		if strings.ContainsFunc(value, func(r rune) bool { return (r < ' ' && r != '\t') || r == 0x7f }) {
			t.Fatalf("accepted header value %q", value)
		}
	})
}
