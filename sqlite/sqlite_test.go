package sqlite

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/storetest"
)

// openTemp opens a store on a new file in a temp dir, closed when the test
// ends, and returns it with the file's path.
func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hookd.db")
	return openPath(t, path), path
}

// openPath opens a store on the file at path, closed when the test ends.
func openPath(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// reopen closes s, as a process that crashes does (releasing nothing), and
// opens a store on its file at path again, closed when the test ends.
func reopen(t *testing.T, s *Store, path string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return openPath(t, path)
}

func TestStore(t *testing.T) {
	storetest.Exercise(t, func(t *testing.T) hookd.Store {
		s, _ := openTemp(t)
		return s
	})
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// seed makes a workspace, a webhook and one event with its delivery.
func seed(t *testing.T, s *Store) (*hookd.Workspace, *hookd.Webhook, *hookd.Event) {
	t.Helper()
	ctx := t.Context()
	ws := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, t0), Name: "acme", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	w := &hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook, t0), WorkspaceID: ws.ID, URL: "https://example.com/",
		Method: hookd.MethodPost, Events: []string{"*"}, TimeoutSeconds: 30, Status: hookd.WebhookActive,
		Secrets: []hookd.Secret{{Value: "whsec_eA"}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWebhook(ctx, w, 0); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{"a": 1}`)}
	if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return ws, w, e
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := t.Context()
	list, err := migrations()
	if err != nil {
		t.Fatalf("migrations: %v", err)
	}
	applied := func(s *Store) []int {
		rows, err := s.reader.QueryContext(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		if err != nil {
			t.Fatalf("read schema_migrations: %v", err)
		}
		defer rows.Close()
		var out []int
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v)
		}
		return out
	}
	var want []int
	for _, m := range list {
		want = append(want, m.Version)
	}
	if got := applied(s); len(got) != len(want) || len(got) == 0 || got[len(got)-1] != want[len(want)-1] {
		t.Fatalf("applied: got %v; want %v", got, want)
	}
	// Reopening applies nothing again and fails on nothing.
	s2 := reopen(t, s, path)
	if got := applied(s2); len(got) != len(want) {
		t.Fatalf("applied after reopen: got %v; want %v", got, want)
	}
}

func TestReopenKeepsDataAndClearsLeases(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := t.Context()
	ws, w, e := seed(t, s)
	claims, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 10, PerWebhook: 10})
	if err != nil || len(claims) != 1 {
		t.Fatalf("ClaimDue: got %d claims, %v; want 1", len(claims), err)
	}
	// While the lease runs, nothing more is claimed.
	again, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 10, PerWebhook: 10})
	if err != nil || len(again) != 0 {
		t.Fatalf("ClaimDue during the lease: got %d claims, %v; want 0", len(again), err)
	}
	// The process "crashes": the store is closed without releasing.
	s2 := reopen(t, s, path)
	got, err := s2.Event(ctx, ws.ID, e.ID)
	if err != nil {
		t.Fatalf("Event after reopen: %v", err)
	}
	if string(got.Payload) != string(e.Payload) || len(got.Deliveries) != 1 {
		t.Fatalf("event after reopen: got payload %q, %d deliveries; want %q, 1", got.Payload, len(got.Deliveries), e.Payload)
	}
	if _, err := s2.Webhook(ctx, ws.ID, w.ID); err != nil {
		t.Fatalf("Webhook after reopen: %v", err)
	}
	claims, err = s2.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 10, PerWebhook: 10})
	if err != nil || len(claims) != 1 || claims[0].Delivery.ID != e.Deliveries[0].ID {
		t.Fatalf("ClaimDue after reopen: got %d claims, %v; want the delivery due again at once", len(claims), err)
	}
}

// TestClaimUsesDueIndex checks the plan of the claim query: it must read
// the partial index of pending deliveries, never scan the table.
func TestClaimUsesDueIndex(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	seed(t, s)
	if _, err := s.writer.ExecContext(t.Context(), `ANALYZE`); err != nil {
		t.Fatalf("ANALYZE: %v", err)
	}
	plan := queryPlan(t, s, sqlClaimDue, "whk_x", int64(0), int64(0), 10)
	if !strings.Contains(plan, "USING INDEX deliveries_due") {
		t.Errorf("claim plan: got\n%s\nwant a search of deliveries_due", plan)
	}
	if strings.Contains(plan, "SCAN d") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("claim plan: got\n%s\nwant no scan of deliveries and no sort", plan)
	}
}

func queryPlan(t *testing.T, s *Store, query string, args ...any) string {
	t.Helper()
	rows, err := s.writer.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN QUERY PLAN: %v", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var (
			id, parent, notused int
			detail              string
		)
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatalf("scan plan: %v", err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n")
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	if _, err := Open(t.Context(), ""); err == nil {
		t.Errorf("Open(\"\"): got nil error; want one")
	}
	// A directory is not a database file.
	if _, err := Open(t.Context(), t.TempDir()); err == nil {
		t.Errorf("Open(a directory): got nil error; want one")
	}
}

func TestPing(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	s.Close()
	if err := s.Ping(t.Context()); hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
		t.Fatalf("Ping after Close: got %v; want EUNAVAILABLE", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: got %v; want nil", err)
	}
}
