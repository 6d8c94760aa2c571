package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/hookd/hookd/storetest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// openSchema opens a store on a new schema, closed when the test ends.
func openSchema(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	u := pgtest.Schema(t)
	return openURL(t, u), u
}

// instances numbers the stores of this process, which stand for processes.
var instances atomic.Int64

// openURL opens another store on the database (and schema) of u.
func openURL(t testing.TB, u string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), postgres.Config{URL: u, Instance: fmt.Sprintf("test-%d", instances.Add(1))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStore runs the conformance suite that the sqlite package runs too.
func TestStore(t *testing.T) {
	pgtest.ServerURL(t) // skip once, not in each subtest
	storetest.Exercise(t, func(t *testing.T) hookd.Store {
		s, _ := openSchema(t)
		return s
	})
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// seed makes a workspace and webhooks (edit changes each before it is
// created) in store s and returns their ids.
func seed(t *testing.T, s hookd.Store, webhooks int, edit func(w *hookd.Webhook)) (string, []string) {
	t.Helper()
	ctx := t.Context()
	ws := &hookd.Workspace{Name: "acme", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	var ids []string
	for range webhooks {
		w := &hookd.Webhook{WorkspaceID: ws.ID, URL: "https://example.com/", Method: hookd.MethodPost,
			Events: []string{"*"}, TimeoutSeconds: 1, Status: hookd.WebhookActive,
			Secrets: []hookd.Secret{{Value: "whsec_eA"}}, CreatedAt: t0, UpdatedAt: t0}
		if edit != nil {
			edit(w)
		}
		if err := s.CreateWebhook(ctx, w, 0); err != nil {
			t.Fatalf("CreateWebhook: %v", err)
		}
		ids = append(ids, w.ID)
	}
	return ws.ID, ids
}

// publishN publishes n events at now in one call.
func publishN(t *testing.T, s hookd.Store, workspaceID string, n int, now time.Time) []*hookd.Event {
	t.Helper()
	events := make([]*hookd.Event, n)
	for i := range events {
		events[i] = &hookd.Event{WorkspaceID: workspaceID, Type: "ticket.created", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
	}
	if err := s.Publish(t.Context(), events, now); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return events
}

func claim(t *testing.T, s hookd.Store, now time.Time, lease time.Duration, limit, per int) []hookd.Claim {
	t.Helper()
	claims, err := s.ClaimDue(t.Context(), hookd.ClaimRequest{Now: now, LeaseUntil: now.Add(lease), Limit: limit, PerWebhook: per})
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return claims
}

// TestMigrateTogether opens several stores on one new schema at once, as
// processes starting together do: each migration is applied once.
func TestMigrateTogether(t *testing.T) {
	t.Parallel()
	u := pgtest.Schema(t)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), postgres.Config{URL: u})
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open #%d: %v", i, err)
		}
	}
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var n, versions int
	if err := conn.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&n, &versions); err != nil {
		t.Fatal(err)
	}
	if n != versions || n == 0 {
		t.Fatalf("schema_migrations: got %d rows for %d versions; want one row per version", n, versions)
	}
}

// TestLeasesOutliveOpen: unlike SQLite, opening the database again keeps
// the leases, since another process may be sending those deliveries.
func TestLeasesOutliveOpen(t *testing.T) {
	t.Parallel()
	a, u := openSchema(t)
	ws, _ := seed(t, a, 1, nil)
	publishN(t, a, ws, 3, t0)
	held := claim(t, a, t0, time.Minute, 10, 10)
	if len(held) != 3 {
		t.Fatalf("claim: got %d; want 3", len(held))
	}
	a.Close()

	b := openURL(t, u)
	if got := claim(t, b, t0.Add(59*time.Second), time.Minute, 10, 10); len(got) != 0 {
		t.Fatalf("claim in a new process during the lease: got %v; want none", storetest.ClaimIDs(got))
	}
	got := claim(t, b, t0.Add(time.Minute), time.Minute, 10, 10)
	if !slices.Equal(storetest.ClaimIDs(got), storetest.ClaimIDs(held)) {
		t.Fatalf("claim once the lease ran out: got %v; want %v", storetest.ClaimIDs(got), storetest.ClaimIDs(held))
	}
}

// acrossStores opens three stores on one new schema, as three processes
// would, and publishes events events at t0 through the first, in calls of
// at most 100, to a workspace of 4 webhooks. It returns the stores, the
// first one first, and how many deliveries the events made.
func acrossStores(t *testing.T, events int) ([]hookd.Store, int) {
	t.Helper()
	first, u := openSchema(t)
	stores := []hookd.Store{first, openURL(t, u), openURL(t, u)}
	ws, hooks := seed(t, first, 4, nil)
	for done := 0; done < events; done += 100 {
		publishN(t, first, ws, min(100, events-done), t0)
	}
	return stores, events * len(hooks)
}

// drainAcross has workers goroutines for each of the stores claim what is
// due at t0 (25 at a time, 8 per webhook, leased for an hour) and record a
// successful attempt for each claim, until nothing is left. Before a batch
// is recorded, edit may change the record of each claim (the i-th of its
// batch); edit runs under one lock for every goroutine, so it may count
// without one of its own.
func drainAcross(t *testing.T, stores []hookd.Store, workers int, edit func(i int, rec *hookd.AttemptRecord)) {
	t.Helper()
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, s := range stores {
		for range workers {
			wg.Go(func() {
				for {
					claims, err := s.ClaimDue(t.Context(), hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 25, PerWebhook: 8})
					if err != nil {
						t.Error(err)
						return
					}
					if len(claims) == 0 {
						return
					}
					recs := make([]hookd.AttemptRecord, len(claims))
					mu.Lock()
					for i, c := range claims {
						recs[i] = hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID,
							Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST"}},
							Status:  hookd.DeliverySucceeded, Succeeded: true, Now: t0}
						edit(i, &recs[i])
					}
					mu.Unlock()
					if err := s.RecordAttempts(t.Context(), recs); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
}

// TestClaimAcrossStores has three stores (three processes) claim and
// record one backlog at once: each delivery is claimed exactly once.
func TestClaimAcrossStores(t *testing.T) {
	t.Parallel()
	stores, deliveries := acrossStores(t, 300)
	seen := map[string]int{}
	drainAcross(t, stores, 2, func(_ int, rec *hookd.AttemptRecord) { seen[rec.DeliveryID]++ })
	if len(seen) != deliveries {
		t.Fatalf("claimed %d deliveries; want %d", len(seen), deliveries)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %s claimed %d times under one lease; want once", id, n)
		}
	}
}

// TestRateLimitAcrossStores: the send slots of a rate-limited webhook are
// shared by every store. Claims from two stores get slots 1/rate apart
// that never overlap, and no more than the lease leaves room for.
func TestRateLimitAcrossStores(t *testing.T) {
	t.Parallel()
	a, u := openSchema(t)
	b := openURL(t, u)
	ws, hooks := seed(t, a, 2, nil)
	limited := hooks[0]
	w, err := a.Webhook(t.Context(), ws, limited)
	if err != nil {
		t.Fatal(err)
	}
	w.RateLimit = ptr(10.0) // a slot every 100ms
	w.TimeoutSeconds = 1
	if err := a.UpdateWebhook(t.Context(), w, t0); err != nil {
		t.Fatal(err)
	}
	publishN(t, a, ws, 40, t0)

	// Lease 2s, timeout 1s: slots may start until t0+1s, so 11 of them.
	var slots []time.Time
	for i, s := range []hookd.Store{a, b, a} {
		for _, c := range claim(t, s, t0, 2*time.Second, 100, 6) {
			switch {
			case c.Delivery.WebhookID != limited:
				if !c.NotBefore.IsZero() {
					t.Errorf("claim of the unlimited webhook: got NotBefore %v; want zero", c.NotBefore)
				}
			case c.NotBefore.IsZero():
				t.Errorf("claim %d of the limited webhook without NotBefore", i)
			default:
				slots = append(slots, c.NotBefore)
			}
		}
	}
	if len(slots) != 11 {
		t.Fatalf("slots claimed within the lease: got %d; want 11", len(slots))
	}
	for i, at := range slots {
		if want := t0.Add(time.Duration(i) * 100 * time.Millisecond); !at.Equal(want) {
			t.Errorf("slot %d: got %v; want %v", i, at.Sub(t0), want.Sub(t0))
		}
	}
	// Later the slots go on from the last one taken, not from now.
	var later []time.Time
	for _, c := range claim(t, b, t0.Add(500*time.Millisecond), 2*time.Second, 6, 3) {
		if c.Delivery.WebhookID == limited {
			later = append(later, c.NotBefore)
		}
	}
	for i, at := range later {
		if want := t0.Add(time.Duration(11+i) * 100 * time.Millisecond); !at.Equal(want) {
			t.Errorf("later slot %d: got %v; want %v", i, at.Sub(t0), want.Sub(t0))
		}
	}
	if len(later) != 3 {
		t.Errorf("later claim of the limited webhook: got %d; want 3", len(later))
	}
}

// TestReleaseKeepsOthersLeases: a process that hands back deliveries
// after its lease ran out and another took them does not void the other's
// lease, nor does its late record.
func TestReleaseKeepsOthersLeases(t *testing.T) {
	t.Parallel()
	a, u := openSchema(t)
	b := openURL(t, u)
	c := openURL(t, u)
	ws, _ := seed(t, a, 1, nil)
	publishN(t, a, ws, 2, t0)
	old := claim(t, a, t0, time.Minute, 10, 10)
	taken := claim(t, b, t0.Add(time.Minute), time.Hour, 10, 10)
	if len(old) != 2 || len(taken) != 2 {
		t.Fatalf("claims: got %d then %d; want 2 and 2", len(old), len(taken))
	}
	if err := a.ReleaseClaims(t.Context(), storetest.ClaimIDs(old)[:1]); err != nil {
		t.Fatal(err)
	}
	late := hookd.AttemptRecord{DeliveryID: old[1].Delivery.ID, WebhookID: old[1].Delivery.WebhookID,
		Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST"}},
		Status:  hookd.DeliveryPending, NextAttemptAt: ptr(t0.Add(time.Minute)), Now: t0.Add(2 * time.Minute)}
	if err := a.RecordAttempts(t.Context(), []hookd.AttemptRecord{late}); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, c, t0.Add(2*time.Minute), time.Hour, 10, 10); len(got) != 0 {
		t.Fatalf("claim while b holds the leases: got %v; want none", storetest.ClaimIDs(got))
	}
}

// TestSubscribeDue: a store hears, through LISTEN/NOTIFY, of deliveries
// that another store made due, and again after its connection is killed.
func TestSubscribeDue(t *testing.T) {
	t.Parallel()
	u := pgtest.Schema(t)
	app := "hookd_listener_" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "_")
	listener := openURL(t, pgtest.WithParam(t, u, "application_name", app))
	other := openURL(t, u)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	due, err := listener.SubscribeDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-due:
		case <-time.After(10 * time.Second):
			t.Fatalf("no signal within 10s after %s", what)
		}
	}
	drain := func() {
		for {
			select {
			case <-due:
			case <-time.After(200 * time.Millisecond):
				return
			}
		}
	}
	// The listener connects in the background: wait until it listens.
	deadline := time.Now().Add(10 * time.Second)
	for listening(t, u, app) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not LISTEN within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ws, hooks := seed(t, other, 1, nil)
	publishN(t, other, ws, 1, t0)
	wait("a publish")

	claims := claim(t, other, t0, time.Minute, 10, 10)
	drain()
	if err := other.ReleaseClaims(t.Context(), storetest.ClaimIDs(claims)); err != nil {
		t.Fatal(err)
	}
	wait("a hand-back")

	drain()
	if err := other.RetryDelivery(t.Context(), ws, hooks[0], claims[0].Delivery.ID, t0); err != nil {
		t.Fatal(err)
	}
	wait("a manual retry")

	// Kill the listener's connection: it connects again and signals, since
	// it may have missed notifications meanwhile.
	drain()
	pgtest.Exec(t, u, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app)
	wait("the listener's connection was killed")
	deadline = time.Now().Add(10 * time.Second)
	for listening(t, u, app) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the listener did not LISTEN again within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	drain()
	publishN(t, other, ws, 1, t0)
	wait("a publish after the reconnection")

	cancel()
	for range due {
	}
}

// listening counts the connections of application app that wait for
// notifications.
func listening(t *testing.T, u, app string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
		WHERE application_name = $1 AND query LIKE 'LISTEN%'`, app).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUnavailable: errors that mean the database cannot be reached are
// EUNAVAILABLE (503 in the API); others are not.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, connectErr := pgx.Connect(t.Context(), "postgres://postgres@"+closed+"/x?sslmode=disable&connect_timeout=2")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", connectErr, true},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, true},
		{"server starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"disk full (ESTORAGE)", &pgconn.PgError{Code: "53100"}, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"broken connection", fmt.Errorf("query: %w", io.ErrUnexpectedEOF), true},
		{"timeout", context.DeadlineExceeded, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"canceled by the caller", context.Canceled, false},
		{"no rows", pgx.ErrNoRows, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := postgres.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s (%v): got %v; want %v", tt.name, tt.err, got, tt.want)
		}
	}
	if connectErr == nil {
		t.Fatal("connect to a closed port: got nil error")
	}

	_, err = postgres.Open(t.Context(), postgres.Config{URL: "postgres://postgres@" + closed + "/x?sslmode=disable"})
	if err == nil {
		t.Fatal("Open of a closed port: got nil error")
	}
	if got := hookd.ErrorCode(err); got != hookd.EUNAVAILABLE {
		t.Errorf("Open of a closed port: got code %q (%v); want %q", got, err, hookd.EUNAVAILABLE)
	}
}

// TestTextWithNUL: PostgreSQL text cannot hold NUL characters, which JSON
// can carry ("\u0000"): storing one is EINVALID, not an internal error.
func TestTextWithNUL(t *testing.T) {
	t.Parallel()
	s, _ := openSchema(t)
	err := s.CreateWorkspace(t.Context(), &hookd.Workspace{Name: "a\x00b", CreatedAt: t0, UpdatedAt: t0})
	if got := hookd.ErrorCode(err); got != hookd.EINVALID {
		t.Fatalf("CreateWorkspace with a NUL: got code %q (%v); want %q", got, err, hookd.EINVALID)
	}
	// JSON columns take it: a response body with a NUL is logged.
	ws, hooks := seed(t, s, 1, nil)
	publishN(t, s, ws, 1, t0)
	c := claim(t, s, t0, time.Minute, 1, 1)[0]
	rec := hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: hooks[0],
		Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST"},
			Response: &hookd.AttemptResponse{Status: 200, Body: "a\x00b"}, Error: "odd \x00 error \xff"},
		Status: hookd.DeliverySucceeded, Succeeded: true, Now: t0}
	if err := s.RecordAttempts(t.Context(), []hookd.AttemptRecord{rec}); err != nil {
		t.Fatalf("RecordAttempts with a NUL in the body: %v", err)
	}
	d, err := s.Delivery(t.Context(), ws, hooks[0], c.Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AttemptLog[0].Response.Body; got != "a\x00b" {
		t.Errorf("logged body: got %q; want %q", got, "a\x00b")
	}
}

func ptr[T any](v T) *T { return &v }
