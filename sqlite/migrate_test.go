package sqlite

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// oldDatabase makes a database file at schema version (the migrations up
// to it applied and recorded, as a hookd of that version left it), runs
// stmts in it, and returns its path.
func oldDatabase(t *testing.T, version int, stmts ...string) string {
	t.Helper()
	path := t.TempDir() + "/hookd.db"
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	qs := []string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT`}
	for _, m := range list {
		if m.Version <= version {
			qs = append(qs, m.SQL, fmt.Sprintf(`INSERT INTO schema_migrations VALUES (%d, 0)`, m.Version))
		}
	}
	for _, q := range append(qs, stmts...) {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return path
}

// An attempt whose request could not be built was logged by version 2
// with "headers": null (send returns before it sets a.Request.Headers).
// Migration 0003 turns that null into the pair [null, null]
// (json_each of a JSON null yields one row, key and value NULL), which
// reads back as a header with an empty name and value.
func TestMigrateAttemptWithoutHeaders(t *testing.T) {
	t.Parallel()
	at := strconv.FormatInt(micros(t0), 10)
	path := oldDatabase(t, 2,
		`INSERT INTO workspaces VALUES ('ws_1', 'acme', '{}', 0, 0)`,
		`INSERT INTO webhooks (id, workspace_id, name, description, url, method, events, timeout_seconds,
			signature_scheme, header_prefix, tls_verify, status, disabled_reason, secrets, created_at, updated_at, cursor)
			VALUES ('whk_1', 'ws_1', '', '', 'https://example.com/', 'POST', '["*"]', 30, 'standard', '', 1,
			'active', '', '[{"value":"whsec_eA"}]', 0, 0, 1)`,
		`INSERT INTO events (id, workspace_id, type, payload, channels, idempotency_key, fanout, created_at)
			VALUES ('evt_1', 'ws_1', 'ticket.created', X'7B7D', NULL, '', NULL, `+at+`)`,
		`INSERT INTO deliveries VALUES ('dlv_1', 'ws_1', 'evt_1', 'whk_1', 'ticket.created', 'failed', 1, 1, 0, 0, NULL, 0,
			NULL, `+at+`, `+at+`)`,
		`INSERT INTO attempts VALUES ('dlv_1', 1, 'scheduled', `+at+`, 0,
			'{"method":"POST","url":"https://example.com/","headers":null}', NULL,
			'build request: net/http: invalid method "P OST"')`)
	s := openPath(t, path)
	d, err := s.Delivery(t.Context(), "ws_1", "whk_1", "dlv_1")
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if len(d.AttemptLog) != 1 {
		t.Fatalf("attempt log: %d entries; want 1", len(d.AttemptLog))
	}
	if h := d.AttemptLog[0].Request.Headers; h != nil {
		t.Errorf("request headers after migrating an attempt logged with none: %#v; want none (version 2 read nil)", h)
	}
	// Attempts recorded now keep the difference between no headers and an
	// empty set of them.
	recs := []hookd.AttemptRecord{
		{DeliveryID: "dlv_1", WebhookID: "whk_1", Status: hookd.DeliveryFailed, Now: t0,
			Attempt: hookd.Attempt{Trigger: hookd.TriggerManual, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST"}}},
		{DeliveryID: "dlv_1", WebhookID: "whk_1", Status: hookd.DeliveryFailed, Now: t0,
			Attempt: hookd.Attempt{Trigger: hookd.TriggerManual, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST", Headers: map[string]string{}},
				Response: &hookd.AttemptResponse{Status: 500, Headers: map[string]string{}}}},
	}
	if err := s.RecordAttempts(t.Context(), recs); err != nil {
		t.Fatalf("RecordAttempts: %v", err)
	}
	if d, err = s.Delivery(t.Context(), "ws_1", "whk_1", "dlv_1"); err != nil || len(d.AttemptLog) != 3 {
		t.Fatalf("Delivery after two more attempts: %+v, %v; want 3 attempts", d, err)
	}
	if h := d.AttemptLog[1].Request.Headers; h != nil {
		t.Errorf("attempt 2, recorded without headers: %#v; want nil", h)
	}
	if h := d.AttemptLog[2].Request.Headers; h == nil || len(h) != 0 {
		t.Errorf("attempt 3, recorded with an empty set of headers: %#v; want an empty map", h)
	}
	if r := d.AttemptLog[2].Response; r == nil || r.Headers == nil || len(r.Headers) != 0 {
		t.Errorf("attempt 3's response, with an empty set of headers: %#v; want an empty map", r)
	}
}

// A migration that leaves a row breaking a foreign key is rolled back, and
// Open says which table holds the row.
func TestMigrateForeignKeyCheck(t *testing.T) {
	t.Parallel()
	list, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := list[len(list)-1].Version
	path := oldDatabase(t, last-1, `PRAGMA foreign_keys = OFF`,
		`INSERT INTO api_keys (id, workspace_id, name, hash, created_at) VALUES ('key_1', 'ws_gone', 'k', X'01', 0)`)
	s, err := Open(t.Context(), path)
	if err == nil {
		s.Close()
		t.Fatal("Open migrated a database with a row that breaks a foreign key")
	}
	if want := "a row of api_keys (rowid 1) refers to a missing workspaces"; !strings.Contains(err.Error(), want) {
		t.Errorf("Open: %v; want it to say %q", err, want)
	}
	if !strings.Contains(err.Error(), list[len(list)-1].Name) {
		t.Errorf("Open: %v; want it to name the migration %s", err, list[len(list)-1].Name)
	}
}
