package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/seal"
	"github.com/hookd/hookd/signature"
)

const adminKey = "hk_admin_e2e_test_key_0123456789"

// encryptionKey seals the secrets of every test server (base64 of 32
// bytes), as HOOKD_ENCRYPTION_KEY does for hookd serve.
const encryptionKey = "ZTJlLXRlc3QtZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// server is a whole hookd in this process.
type server struct {
	URL    string
	admin  *client.Client
	store  hookd.Store
	engine *delivery.Engine
}

type serverOptions struct {
	now        func() time.Time
	perWebhook int
	engine     storeEngine // "": SQLite
	// poll is the engine's PollInterval; 0 means 100 ms.
	poll time.Duration
	// rand is the engine's jitter source; nil means random.
	rand func() float64
}

// startServer runs hookd on 127.0.0.1 with a fresh store of opts.engine (a
// SQLite file by default), stopped when the test ends.
func startServer(t *testing.T, opts serverOptions) *server {
	t.Helper()
	ctx := context.Background()
	inner, err := openStore(t, opts.engine)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := seal.ParseKeyring(encryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	store := seal.New(inner, keys, nil) // secrets encrypted at rest, as in hookd serve
	if opts.poll == 0 {
		opts.poll = 100 * time.Millisecond
	}
	engine, err := delivery.New(delivery.Config{Store: store, Now: opts.now, Rand: opts.rand, PerWebhook: opts.perWebhook, PollInterval: opts.poll})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: adminKey, AllowHTTP: true, Now: opts.now})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(api)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ts.Close()
		stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		engine.Stop(stopCtx)
		store.Close()
	})
	return &server{URL: ts.URL, admin: client.New(ts.URL, adminKey), store: store, engine: engine}
}

// setup makes a workspace and the given event types (each with an example).
func (s *server) setup(t *testing.T, types ...string) string {
	t.Helper()
	ctx := context.Background()
	ws, err := s.admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range types {
		if _, err := s.admin.CreateEventType(ctx, name, "", json.RawMessage(`{"example":true}`)); err != nil {
			if p, ok := err.(*client.Problem); !ok || p.Status != http.StatusConflict {
				t.Fatal(err)
			}
		}
	}
	return ws.ID
}

// request is one request a receiver got.
type request struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver is a webhook endpoint on 127.0.0.1 that records every request.
// answer decides the status of the n-th request (1-based), or returns 0
// when it wrote the whole answer itself; nil answers 200.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	answer   func(n int, w http.ResponseWriter, r *http.Request) int
	got      chan struct{}
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request) int) *receiver {
	rc := &receiver{answer: answer, got: make(chan struct{}, 1)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.requests = append(rc.requests, request{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.requests)
		rc.mu.Unlock()
		select {
		case rc.got <- struct{}{}:
		default:
		}
		status := 200
		if rc.answer != nil {
			status = rc.answer(n, w, r)
		}
		if status != 0 { // 0: answer wrote the answer itself
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) all() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.requests...)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitDelivery waits until the delivery's status is want and returns it.
func (s *server) waitDelivery(t *testing.T, ws, whk, dlv, want string, d time.Duration) *hookd.Delivery {
	t.Helper()
	var got *hookd.Delivery
	waitFor(t, d, fmt.Sprintf("delivery %s to be %s", dlv, want), func() bool {
		var err error
		got, err = s.admin.Delivery(context.Background(), ws, whk, dlv)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status == want
	})
	return got
}

// verify checks a standard-scheme request against the webhook's secret.
func verify(t *testing.T, r request, secret string) {
	t.Helper()
	if err := signature.VerifyStandard(r.header, r.body, secret, time.Now(), 0); err != nil {
		t.Errorf("signature of %s: %v", r.header.Get("X-Hookd-Delivery-Id"), err)
	}
}

func attemptHeader(r request) int {
	n, _ := strconv.Atoi(r.header.Get("X-Hookd-Attempt"))
	return n
}
