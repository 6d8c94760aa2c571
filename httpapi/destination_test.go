package httpapi_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/httpapi"
)

// fixedResolver answers every lookup with the same addresses.
type fixedResolver []netip.Addr

func (r fixedResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return r, nil
}

// TestDestinationRules: with an egress policy, a webhook whose URL names a
// refused address, in any notation, is a 422 on create and on an update of
// its URL that says why; tls_verify false needs AllowInsecureTLS; other
// edits of a webhook made under laxer rules still work.
func TestDestinationRules(t *testing.T) {
	t.Parallel()
	policy := &egress.Policy{Resolver: fixedResolver{netip.MustParseAddr("10.1.2.3")}}
	e := newEnv(t, func(c *httpapi.Config) { c.AllowHTTP, c.Egress = true, policy })
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", map[string]any{"id": 1})
	hooks := "/v1/workspaces/" + ws + "/webhooks"

	for _, c := range []struct{ url, detail string }{
		{"https://127.0.0.1/h", "127.0.0.1 is a loopback address"},
		{"https://localhost:8443/h", "loopback"},
		{"https://LocalHost./h", "loopback"},
		{"https://api.localhost/h", "loopback"},
		{"http://0.0.0.0/h", "unspecified"},
		{"http://[::1]/h", "::1 is a loopback address"},
		{"http://10.0.0.1/h", "private"},
		{"http://172.16.0.1/h", "private"},
		{"http://192.168.1.1/h", "private"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fd00::1]/h", "unique-local"},
		{"http://[fe80::1%25eth0]/h", "link-local"},
		{"http://[::ffff:127.0.0.1]/h", "IPv4-mapped"},
		{"http://[::ffff:7f00:1]/h", "IPv4-mapped"},
		{"http://[64:ff9b::a9fe:a9fe]/h", "NAT64"},
		{"http://2130706433/h", "2130706433 (that is 127.0.0.1)"},
		{"http://0x7f000001/h", "loopback"},
		{"http://017700000001/h", "loopback"},
		{"http://127.1/h", "loopback"},
		{"http://0x7f.0.0.1/h", "loopback"},
		{"http://0xa9fea9fe/h", "link-local"},
		{"http://224.0.0.1/h", "multicast"},
		{"https://internal.example.com/h", "internal.example.com (which resolves to 10.1.2.3)"},
		{"http://1.2.3.256/h", "not an IPv4 address"},
		{"http://08.8.8.8/h", "not an IPv4 address"},
		{"http://0x5db8d70e/h", "write it as 93.184.215.14"},
		{"https://a.example:99999/h", "port from 1 to 65535"},
		{"https://a.example:0/h", "port from 1 to 65535"},
	} {
		r := e.do("POST", hooks, adminKey, map[string]any{"url": c.url})
		if r.status != 422 {
			t.Errorf("create %s: %d %s; want 422", c.url, r.status, r.body)
			continue
		}
		p := r.problem(t)
		if !slices.Contains(p.fields(), "url") || !strings.Contains(p.Detail, c.detail) {
			t.Errorf("create %s: %q %v; want the url field and %q", c.url, p.Detail, p.fields(), c.detail)
		}
	}

	// A public address passes (names do not here: the resolver answers
	// 10.1.2.3 for all of them). A PATCH that changes the URL is checked;
	// one that leaves it alone is not.
	w := e.webhook(ws, map[string]any{"url": "https://93.184.215.14/h", "headers": map[string]string{"Authorization": "Bearer x"}})
	path := hooks + "/" + w["id"].(string)
	r := e.do("PATCH", path, adminKey, `{"url":"http://169.254.169.254/"}`)
	if r.status != 422 || !strings.Contains(r.problem(t).Detail, "link-local") {
		t.Errorf("PATCH to the metadata address: %d %s; want 422", r.status, r.body)
	}
	e.must(200, "PATCH", path, adminKey, `{"name":"renamed"}`)

	// TLS verification cannot be turned off on this server.
	for _, body := range []string{`{"url":"https://93.184.215.14/h","tls_verify":false}`} {
		r := e.do("POST", hooks, adminKey, body)
		if r.status != 422 || !slices.Contains(r.problem(t).fields(), "tls_verify") {
			t.Errorf("create with tls_verify false: %d %s; want 422 naming tls_verify", r.status, r.body)
		}
	}
	r = e.do("PATCH", path, adminKey, `{"tls_verify":false}`)
	if r.status != 422 || !strings.Contains(r.problem(t).Detail, "--allow-insecure-tls") {
		t.Errorf("PATCH tls_verify false: %d %s; want 422 naming the flag", r.status, r.body)
	}
	e.must(200, "PATCH", path, adminKey, `{"tls_verify":true}`)

	// Header values: no control characters; hookd's own headers and those
	// HTTP manages stay hookd's.
	for _, c := range []struct{ name, value string }{
		{"X-A", "a\rb"}, {"X-A", "a\x01b"}, {"X-A", "a\x7fb"}, {"Content-Encoding", "gzip"}, {"Host", "evil.example"},
		{"Webhook-Signature", "v1,x"}, {"X-Hookd-Attempt", "1"}, {"Proxy-Connection", "keep-alive"},
		{strings.Repeat("X", 300), "v"}, {"Bad Name", "v"}, {"X-A:", "v"},
	} {
		r := e.do("POST", hooks, adminKey, map[string]any{"url": "https://93.184.215.14/h", "headers": map[string]string{c.name: c.value}})
		if r.status != 422 || !slices.Contains(r.problem(t).fields(), "headers."+c.name) {
			t.Errorf("header %q: %q: %d %s; want 422 naming it", c.name, c.value, r.status, r.body)
		}
	}
	e.must(201, "POST", hooks, adminKey, map[string]any{"url": "https://93.184.215.14/h", "headers": map[string]string{"X-Tab": "a\tb", "X-Utf8": "café"}})
}

// TestDestinationRulesOpened: AllowPrivate opens its ranges and only them;
// AllowAll and AllowInsecureTLS open the rest.
func TestDestinationRulesOpened(t *testing.T) {
	t.Parallel()
	open := &egress.Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	e := newEnv(t, func(c *httpapi.Config) { c.AllowHTTP, c.Egress = true, open })
	ws := e.workspace("A", nil)
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	e.must(201, "POST", hooks, adminKey, map[string]any{"url": "http://127.0.0.1:9000/h"})
	e.must(201, "POST", hooks, adminKey, map[string]any{"url": "http://localhost:9000/h"})
	e.must(422, "POST", hooks, adminKey, map[string]any{"url": "http://10.0.0.1/h"})
	e.must(422, "POST", hooks, adminKey, map[string]any{"url": "http://127.1/h"}) // allowed, but write it as 127.0.0.1

	dev := newEnv(t, func(c *httpapi.Config) {
		c.AllowHTTP, c.AllowInsecureTLS, c.Egress = true, true, &egress.Policy{AllowAll: true}
	})
	ws = dev.workspace("A", nil)
	hooks = "/v1/workspaces/" + ws + "/webhooks"
	for _, u := range []string{"http://127.0.0.1:9000/h", "http://10.0.0.1/h", "http://[::1]:9000/", "http://169.254.169.254/"} {
		dev.must(201, "POST", hooks, adminKey, map[string]any{"url": u, "tls_verify": false})
	}
}

// TestServerWebhookCap: the server's MaxWebhooks caps a workspace whose own
// max_webhooks is 0 (no cap of its own) or higher.
func TestServerWebhookCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *httpapi.Config) { c.MaxWebhooks = 2 })
	for _, settings := range []map[string]any{nil, {"max_webhooks": 5}} {
		ws := e.workspace("A", settings)
		hooks := "/v1/workspaces/" + ws + "/webhooks"
		e.must(201, "POST", hooks, adminKey, map[string]any{"url": "https://a.example/1"})
		e.must(201, "POST", hooks, adminKey, map[string]any{"url": "https://a.example/2"})
		r := e.must(422, "POST", hooks, adminKey, map[string]any{"url": "https://a.example/3"})
		if !strings.Contains(r.problem(t).Detail, "max_webhooks") {
			t.Errorf("over the cap: %s", r.body)
		}
	}
}
