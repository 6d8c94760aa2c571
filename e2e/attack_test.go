package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// trap is a webhook receiver on the loopback addresses that the attack
// URLs point at: 127.0.0.1 and, where the host has IPv6, [::1], on one
// port. It counts every TCP connection it accepts, so that a request
// refused by hookd shows as zero connections, not merely zero requests.
type trap struct {
	port     string
	ipv6     bool
	conns    atomic.Int64
	requests atomic.Int64
}

func newTrap(t *testing.T) *trap {
	t.Helper()
	tr := &trap{}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, tr.port, _ = net.SplitHostPort(ln.Addr().String())
	lns := []net.Listener{ln}
	if ln6, err := net.Listen("tcp6", "[::1]:"+tr.port); err == nil {
		lns = append(lns, ln6)
		tr.ipv6 = true
	}
	for _, l := range lns {
		srv := &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tr.requests.Add(1) }),
			ConnState: func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					tr.conns.Add(1)
				}
			},
		}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { srv.Close() })
	}
	return tr
}

func (tr *trap) reset() { tr.conns.Store(0); tr.requests.Store(0) }

// stopProcess stops p with SIGTERM and waits for it.
func stopProcess(t *testing.T, p *process) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("hookd serve after SIGTERM: %v", err)
	}
}

// attempt is a test send's answer, or one entry of an attempt log.
type attempt struct {
	Error    string                 `json:"error"`
	Response *hookd.AttemptResponse `json:"response"`
}

// sendTest makes POST …/test and returns the attempt it answers with.
func sendTest(t *testing.T, c *client.Client, ws, whk string) attempt {
	t.Helper()
	var a attempt
	if err := c.Do(context.Background(), client.Request{Method: "POST", Path: "/v1/workspaces/" + ws + "/webhooks/" + whk + "/test"}, &a); err != nil {
		t.Fatalf("test send of %s: %v", whk, err)
	}
	return a
}

// TestAttackSSRF runs the real binary without --dev (with --allow-http, so
// that plain-http URLs reach the address checks) and tries to make it send
// webhooks to loopback, private, link-local and metadata addresses, in
// every notation, while a live receiver listens on the loopback port the
// URLs name. Creating such a webhook is a 422 that says why. Webhooks made
// while --allow-private opened loopback (and delivered to the receiver then,
// which shows that it listens) are refused at the dial once the server runs
// without it: the test send and the deliveries record an attempt error
// that says why, and the receiver sees no connection at all.
func TestAttackSSRF(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	tr := newTrap(t)
	port := tr.port

	// 1. Loopback opened: the receiver gets what is sent to it.
	p := startProcess(t, data, "--dev=false", "--allow-http", "--allow-private", "127.0.0.0/8,::1/128")
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "attack"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "attack.probe", "", json.RawMessage(`{"probe":true}`)); err != nil {
		t.Fatal(err)
	}
	opened := map[string]string{ // name -> URL, for webhooks made while loopback was open
		"127.0.0.1":          "http://127.0.0.1:" + port + "/hook",
		"localhost":          "http://localhost:" + port + "/hook",
		"[::ffff:127.0.0.1]": "http://[::ffff:127.0.0.1]:" + port + "/hook",
	}
	if tr.ipv6 {
		opened["[::1]"] = "http://[::1]:" + port + "/hook"
	}
	hooks := map[string]string{} // name -> webhook id
	for name, u := range opened {
		w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: u, RetrySchedule: []string{"1h"}})
		if err != nil {
			t.Fatalf("with --allow-private, create %s: %v", u, err)
		}
		hooks[name] = w.ID
	}
	if _, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the loopback receiver to get a delivery per webhook", func() bool {
		return tr.requests.Load() >= int64(len(opened))
	})
	stopProcess(t, p)

	// 2. The same data without --allow-private.
	tr.reset()
	p = startProcess(t, data, "--dev=false", "--allow-http")
	admin = client.New(p.URL, adminKey)
	for _, c := range []struct{ name, url, reason string }{
		{"loopback", "http://127.0.0.1:" + port + "/hook", "127.0.0.1 is a loopback address"},
		{"loopback over https", "https://127.0.0.1:" + port + "/hook", "loopback"},
		{"localhost", "http://localhost:" + port + "/hook", "localhost (which resolves to 127.0.0.1) is a loopback address"},
		{"localhost with a dot", "http://localhost.:" + port + "/hook", "loopback"},
		{"a name under localhost", "http://api.localhost:" + port + "/hook", "loopback"},
		{"unspecified", "http://0.0.0.0:" + port + "/hook", "unspecified"},
		{"IPv6 loopback", "http://[::1]:" + port + "/hook", "::1 is a loopback address"},
		{"10/8", "http://10.0.0.1:" + port + "/hook", "10.0.0.1 is a private address"},
		{"172.16/12", "http://172.16.0.1:" + port + "/hook", "172.16.0.1 is a private address"},
		{"192.168/16", "http://192.168.1.1:" + port + "/hook", "192.168.1.1 is a private address"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"},
		{"unique-local", "http://[fd00::1]:" + port + "/hook", "fd00::1 is a unique-local"},
		{"IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/hook", "IPv4-mapped IPv6 address for 127.0.0.1"},
		{"decimal", "http://2130706433:" + port + "/hook", "2130706433 (that is 127.0.0.1) is a loopback"},
		{"hexadecimal", "http://0x7f000001:" + port + "/hook", "0x7f000001 (that is 127.0.0.1)"},
		{"octal", "http://017700000001:" + port + "/hook", "017700000001 (that is 127.0.0.1)"},
		{"short form", "http://127.1:" + port + "/hook", "127.1 (that is 127.0.0.1)"},
		{"dotted hex and octal", "http://0x7f.0.00.1:" + port + "/hook", "loopback"},
		{"metadata in hex", "http://0xa9fea9fe/latest/meta-data/", "169.254.169.254"},
		{"NAT64 metadata", "http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254, a link-local"},
		{"multicast", "http://224.0.0.1:" + port + "/", "multicast"},
	} {
		_, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: c.url})
		var prob *client.Problem
		if !errors.As(err, &prob) || prob.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: create %s: %v; want 422", c.name, c.url, err)
			continue
		}
		if len(prob.Errors) == 0 || prob.Errors[0].Field != "url" || !strings.Contains(prob.Detail, c.reason) {
			t.Errorf("%s: create %s: %q %v; want the url field and %q", c.name, c.url, prob.Detail, prob.Errors, c.reason)
		}
	}

	// The webhooks made while loopback was open are refused when dialled:
	// by the test send and by deliveries, each with the reason.
	for name, id := range hooks {
		a := sendTest(t, admin, ws.ID, id)
		if a.Response != nil || !strings.Contains(a.Error, "destination refused") || !strings.Contains(a.Error, "loopback") {
			t.Errorf("test send to %s: %+v; want a refused attempt that says loopback", name, a)
		}
	}
	pub, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{"n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Deliveries) != len(hooks) {
		t.Fatalf("%d deliveries; want %d", len(pub.Deliveries), len(hooks))
	}
	for _, d := range pub.Deliveries {
		var got *hookd.Delivery
		waitFor(t, 15*time.Second, "an attempt of "+d.ID, func() bool {
			got, err = admin.Delivery(ctx, ws.ID, d.WebhookID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(got.AttemptLog) > 0
		})
		a := got.AttemptLog[0]
		if a.Response != nil || !strings.Contains(a.Error, "destination refused") || !strings.Contains(a.Error, "loopback address") {
			t.Errorf("delivery %s: attempt %+v; want a refused attempt that says why", d.ID, a)
		}
	}
	if n, c := tr.requests.Load(), tr.conns.Load(); n != 0 || c != 0 {
		t.Fatalf("the loopback receiver got %d requests over %d connections; want none", n, c)
	}
}

// TestAttackOpenedRanges: with --dev, a loopback receiver gets its
// deliveries, from a webhook with http:// and tls_verify false.
// (--allow-private is shown in TestAttackSSRF.)
func TestAttackOpenedRanges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	tr := newTrap(t)
	p := startProcess(t, t.TempDir()) // --dev
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "attack.probe", "", json.RawMessage(`{"probe":true}`)); err != nil {
		t.Fatal(err)
	}
	no := false
	w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: "http://127.0.0.1:" + tr.port + "/hook", TLSVerify: &no})
	if err != nil {
		t.Fatal(err)
	}
	if a := sendTest(t, admin, ws.ID, w.ID); a.Response == nil || a.Response.Status != 200 {
		t.Fatalf("--dev test send: %+v", a)
	}
	if _, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the delivery", func() bool { return tr.requests.Load() >= 2 })
}

// TestAttackRevokedKey: a revoked workspace key stops working at once, on
// the real binary.
func TestAttackRevokedKey(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	p := startProcess(t, t.TempDir(), "--dev=false")
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "keys"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := admin.CreateKey(ctx, ws.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	user := client.New(p.URL, k.Key)
	list := client.Request{Method: "GET", Path: "/v1/workspaces/" + ws.ID + "/webhooks"}
	var wg sync.WaitGroup
	if err := user.Do(ctx, list, nil); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, client.Request{Method: "DELETE", Path: "/v1/workspaces/" + ws.ID + "/keys/" + k.ID}, nil); err != nil {
		t.Fatal(err)
	}
	for range 8 { // at once, from every connection
		wg.Add(1)
		go func() {
			defer wg.Done()
			var prob *client.Problem
			if err := user.Do(ctx, list, nil); !errors.As(err, &prob) || prob.Status != http.StatusUnauthorized {
				t.Errorf("a revoked key: %v; want 401", err)
			}
		}()
	}
	wg.Wait()
}

// TestAttackHTTPAfterDev: a webhook made under --dev with an http:// URL
// (delivered to then, which shows that the receiver listens) sends nothing
// once the server runs without --dev and without --allow-http, although
// --allow-private still lets it reach the receiver's address: the test send
// and the delivery record an attempt error that says why, and the receiver
// sees no connection at all.
func TestAttackHTTPAfterDev(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	tr := newTrap(t)

	p := startProcess(t, data) // --dev
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "plain-http"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "attack.probe", "", json.RawMessage(`{"probe":true}`)); err != nil {
		t.Fatal(err)
	}
	w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: "http://127.0.0.1:" + tr.port + "/hook", RetrySchedule: []string{"1h"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{"n":1}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the receiver to get the delivery under --dev", func() bool { return tr.requests.Load() >= 1 })
	stopProcess(t, p)

	tr.reset()
	p = startProcess(t, data, "--dev=false", "--allow-private", "127.0.0.1/32")
	admin = client.New(p.URL, adminKey)
	const why = "http:// URLs are not allowed"
	if a := sendTest(t, admin, ws.ID, w.ID); a.Response != nil || !strings.Contains(a.Error, why) || !strings.Contains(a.Error, "--allow-http") {
		t.Errorf("test send: %+v; want a refused attempt that says %q", a, why)
	}
	pub, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{"n":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub.Deliveries) != 1 {
		t.Fatalf("%d deliveries; want 1", len(pub.Deliveries))
	}
	var got *hookd.Delivery
	waitFor(t, 15*time.Second, "an attempt of "+pub.Deliveries[0].ID, func() bool {
		got, err = admin.Delivery(ctx, ws.ID, w.ID, pub.Deliveries[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(got.AttemptLog) > 0
	})
	if a := got.AttemptLog[0]; a.Response != nil || !strings.Contains(a.Error, why) {
		t.Errorf("attempt %+v; want a refused attempt that says %q", a, why)
	}
	if got.Status != hookd.DeliveryPending || got.NextAttemptAt == nil {
		t.Errorf("delivery %s, next attempt %v; want pending with a retry scheduled, as for a refused destination", got.Status, got.NextAttemptAt)
	}
	if n, c := tr.requests.Load(), tr.conns.Load(); n != 0 || c != 0 {
		t.Fatalf("the receiver got %d requests over %d connections; want none", n, c)
	}
}
