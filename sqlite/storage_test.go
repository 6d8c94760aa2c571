package sqlite

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// setPragma runs PRAGMA stmt on the writer's one connection.
func setPragma(t *testing.T, s *Store, stmt string) {
	t.Helper()
	if _, err := s.writer.ExecContext(t.Context(), `PRAGMA `+stmt); err != nil {
		t.Fatalf("PRAGMA %s: %v", stmt, err)
	}
}

// wantStorageError fails t unless err is an ESTORAGE error whose message
// says want.
func wantStorageError(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != hookd.ESTORAGE {
		t.Fatalf("%s: got code %q (%v); want %q", what, got, err, hookd.ESTORAGE)
	}
	if msg := hookd.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Errorf("%s: message %q does not say %q", what, msg, want)
	}
}

// TestStorageFull: a database that cannot grow (max_page_count, which
// SQLite answers with SQLITE_FULL as it does a full disk) makes writes
// ESTORAGE errors and Ping fail, also when one call alone fails in its
// publish group, until a write commits again; nothing published before is
// lost and the file stays sound.
func TestStorageFull(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, first := seed(t, s)
	claims := claimAll(t, s)
	if len(claims) != 1 {
		t.Fatalf("claims: got %d; want 1", len(claims))
	}

	var pages int
	if err := s.writer.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	setPragma(t, s, "max_page_count = "+strconv.Itoa(pages+8))

	payload := json.RawMessage(`{"pad": "` + strings.Repeat("x", 4000) + `"}`)
	acked := []string{first.ID}
	var err error
	for i := 0; i < 200; i++ {
		e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: payload}
		if err = s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
			break
		}
		acked = append(acked, e.ID)
	}
	wantStorageError(t, "Publish on a full database", err, "full")
	wantStorageError(t, "Ping after a publish failed", s.Ping(ctx), "full")

	// Calls committed in one group: each gets the error, none commits
	// alone and clears the state.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: payload}
			errs[i] = s.Publish(ctx, []*hookd.Event{e}, t0)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		wantStorageError(t, "concurrent Publish "+strconv.Itoa(i), err, "full")
	}
	wantStorageError(t, "Ping after concurrent publishes", s.Ping(ctx), "full")

	code := 200
	rec := hookd.AttemptRecord{DeliveryID: claims[0].Delivery.ID, WebhookID: claims[0].Delivery.WebhookID,
		Status: hookd.DeliverySucceeded, Succeeded: true, LastStatusCode: &code, Now: t0.Add(time.Second),
		Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0.Add(time.Second),
			Response: &hookd.AttemptResponse{Status: 200, Body: strings.Repeat("y", 60000)}}}
	wantStorageError(t, "RecordAttempts on a full database", s.RecordAttempts(ctx, []hookd.AttemptRecord{rec}), "full")

	// Space again: the next write commits and clears the state.
	setPragma(t, s, "max_page_count = 1073741823")
	if err := s.RecordAttempts(ctx, []hookd.AttemptRecord{rec}); err != nil {
		t.Fatalf("RecordAttempts with space again: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping after a write succeeded: %v", err)
	}
	e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: payload}
	if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
		t.Fatalf("Publish with space again: %v", err)
	}
	acked = append(acked, e.ID)

	for _, id := range acked {
		if _, err := s.Event(ctx, ws.ID, id); err != nil {
			t.Errorf("acknowledged event %s: %v", id, err)
		}
	}
	ds, _, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: w.ID, Page: hookd.Page{Limit: hookd.MaxPageLimit}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != len(acked) {
		t.Errorf("deliveries: got %d; want one for each of the %d acknowledged events", len(ds), len(acked))
	}
	var check string
	if err := s.writer.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: got %q, %v; want ok", check, err)
	}
}

// TestStorageReadOnly: a database that refuses writes (SQLITE_READONLY,
// here from query_only) makes writes ESTORAGE errors that say so, and
// Ping fail, until a write commits again.
func TestStorageReadOnly(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, _, _ := seed(t, s)

	setPragma(t, s, "query_only = 1")
	e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
	wantStorageError(t, "Publish on a read-only database", s.Publish(ctx, []*hookd.Event{e}, t0), "read-only")
	wantStorageError(t, "CreateWorkspace on a read-only database",
		s.CreateWorkspace(ctx, &hookd.Workspace{Name: "b", CreatedAt: t0, UpdatedAt: t0}), "read-only")
	wantStorageError(t, "Ping on a read-only database", s.Ping(ctx), "read-only")

	setPragma(t, s, "query_only = 0")
	if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
		t.Fatalf("Publish once writable: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping once writable: %v", err)
	}
}
