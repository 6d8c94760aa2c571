package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/seal"
	"github.com/hookd/hookd/sqlite"
)

// rebindingResolver plays an attacker's DNS server: a public address
// while the webhook is checked at creation, the loopback address after.
type rebindingResolver struct {
	rebound       atomic.Bool
	before, after atomic.Int64 // lookups in each phase
}

func (r *rebindingResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if r.rebound.Load() {
		r.after.Add(1)
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	r.before.Add(1)
	// 93.184.215.14 is public: the creation check passes. It is never
	// dialled: only the creation check sees this answer.
	return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
}

// TestAttackDNSRebinding: a webhook whose host resolves to a public address
// when it is created and to 127.0.0.1 afterwards, where a receiver
// listens, never reaches the receiver: the scheduled delivery and the test
// send are refused at the dial, before any socket opens, with an attempt
// error that names the address. The server here is in-process (hookd's own
// API, store, sealing and engine) so that the test controls the resolver
// of both the creation check and the dialer.
func TestAttackDNSRebinding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tr := newTrap(t)

	resolver := &rebindingResolver{}
	policy := &egress.Policy{Resolver: resolver}
	var sockets atomic.Int64 // every socket hookd opens passes here before connect
	dialer := &egress.Dialer{Policy: policy, Dialer: &net.Dialer{Timeout: 5 * time.Second,
		Control: func(string, string, syscall.RawConn) error { sockets.Add(1); return nil }}}

	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.ParseKeyring(encryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	store := seal.New(inner, keys, nil)
	engine, err := delivery.New(delivery.Config{Store: store, PollInterval: 50 * time.Millisecond,
		Dial: dialer.DialContext, RequireTLSVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: adminKey, AllowHTTP: true, Egress: policy})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		stop, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		engine.Stop(stop)
		inner.Close()
	})

	admin := client.New(srv.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "rebind"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "attack.probe", "", json.RawMessage(`{"probe":true}`)); err != nil {
		t.Fatal(err)
	}
	w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: "http://rebind.attacker.example:" + tr.port + "/hook"})
	if err != nil {
		t.Fatalf("create: %v (the name resolved to a public address, so it should pass)", err)
	}
	if resolver.before.Load() == 0 {
		t.Fatal("the creation check did not look the name up")
	}

	resolver.rebound.Store(true) // the attacker's DNS now answers 127.0.0.1

	a := sendTest(t, admin, ws.ID, w.ID)
	want := "rebind.attacker.example (which resolves to 127.0.0.1) is a loopback address"
	if a.Response != nil || !strings.Contains(a.Error, want) {
		t.Errorf("test send: %+v; want a refused attempt saying %q", a, want)
	}
	pub, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "attack.probe", Payload: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := pub.Deliveries[0]
	got := waitAttempted(t, admin, ws.ID, d.WebhookID, d.ID)
	if a := got.AttemptLog[0]; a.Response != nil || !strings.Contains(a.Error, want) {
		t.Errorf("delivery: attempt %+v; want a refused attempt saying %q", a, want)
	}
	if resolver.after.Load() < 2 {
		t.Errorf("%d lookups after the rebinding; want one per attempt at least", resolver.after.Load())
	}
	if n, c, s := tr.requests.Load(), tr.conns.Load(), sockets.Load(); n+c+s != 0 {
		t.Fatalf("the receiver got %d requests over %d connections and hookd opened %d sockets; want none", n, c, s)
	}
}

// waitAttempted waits until the delivery has an attempt and returns it.
func waitAttempted(t *testing.T, c *client.Client, ws, whk, dlv string) *hookd.Delivery {
	t.Helper()
	var got *hookd.Delivery
	waitFor(t, 15*time.Second, "an attempt of "+dlv, func() bool {
		var err error
		if got, err = c.Delivery(context.Background(), ws, whk, dlv); err != nil {
			t.Fatal(err)
		}
		return len(got.AttemptLog) > 0
	})
	return got
}
