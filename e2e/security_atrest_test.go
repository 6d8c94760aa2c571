package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", to read the file as a thief would
)

// Secrets the at-rest test gives hookd; none may reach the database in
// clear.
const (
	atRestSecret1 = "whsec_YXQtcmVzdC1zZWNyZXQtb25lLWF0LXJlc3Qtc2VjcmV0LTE="
	atRestSecret2 = "whsec_YXQtcmVzdC1zZWNyZXQtdHdvLWF0LXJlc3Qtc2VjcmV0LTI="
	atRestHeader1 = "Bearer at-rest-header-credential-9c2f71"
	atRestHeader2 = "at-rest-api-key-value-51d0e8"
)

// TestSecretsAtRest runs the real binary on SQLite, gives it secrets (see
// giveSecrets), then reads the database, its WAL and shared memory byte for
// byte and every column of every table with SQL: none of those values is
// there in clear.
func TestSecretsAtRest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	data := t.TempDir()
	p, clear := giveSecrets(t, data)
	path := filepath.Join(data, "hookd.db")
	assertNotInFiles(t, "while running", clear, path, path+"-wal", path+"-shm")
	stopProcess(t, p)
	assertNotInFiles(t, "after shutdown", clear, path, path+"-wal", path+"-shm")
	assertNotInTables(t, path, clear)
}

// TestSecretsAtRestPostgres does the same on PostgreSQL (when
// HOOKD_TEST_DATABASE_URL names a server): every row of every table of
// hookd's schema, as text, holds none of the secrets in clear.
func TestSecretsAtRestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	dbURL := pgtest.Schema(t)
	p, clear := giveSecrets(t, t.TempDir(), "--database", dbURL)
	db := openTestDB(t, dbURL)
	var dump strings.Builder
	for _, table := range db.strings(`SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`) {
		for _, row := range db.strings(`SELECT t::text FROM ` + pgx.Identifier{table}.Sanitize() + ` t`) {
			fmt.Fprintf(&dump, "%s: %s\n", table, row)
		}
	}
	stopProcess(t, p)
	if !strings.Contains(dump.String(), "sealed:v1:") || !strings.Contains(dump.String(), "whk_") {
		t.Fatalf("the tables hold no sealed webhook:\n%s", dump.String())
	}
	for _, v := range clear {
		if strings.Contains(dump.String(), v) {
			t.Errorf("a table holds %q in clear", v)
		}
	}
}

// giveSecrets starts hookd serve on data with the flags extra, gives it
// signing secrets (at creation and by rotation), credential headers and
// idempotent creations (whose saved answers hold a new API key and a
// signing secret), and lets a delivery go out with them: the receiver got
// them all, so hookd itself still reads them. It returns the process and
// the values that must never reach the database in clear.
func giveSecrets(t *testing.T, data string, extra ...string) (*process, []string) {
	t.Helper()
	ctx := context.Background()
	// The receiver echoes every header it gets, in its answer's headers
	// and in its body, with its signing secret, as a debugging endpoint
	// might: the attempt log keeps both, and must keep them without the
	// credentials.
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, r *http.Request) int {
		for k, vs := range r.Header {
			w.Header()["X-Echo-"+k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"headers": r.Header, "my_secret": atRestSecret2})
		return 0
	})
	p := startProcess(t, data, append([]string{"--dev=false", "--allow-http", "--allow-private", "127.0.0.1/32"}, extra...)...)
	admin := client.New(p.URL, adminKey)

	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "at rest"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "rest.ping", "", json.RawMessage(`{"ping":1}`)); err != nil {
		t.Fatal(err)
	}
	var key client.Key
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/keys", Body: map[string]string{"name": "ci"},
		Header: map[string]string{"Idempotency-Key": "key-1"}}, &key); err != nil {
		t.Fatal(err)
	}
	var w client.Webhook
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/webhooks",
		Body: client.WebhookInput{URL: rc.URL + "/hook", Secret: atRestSecret1,
			Headers: map[string]string{"Authorization": atRestHeader1, "X-Api-Key": atRestHeader2}},
		Header: map[string]string{"Idempotency-Key": "hook-1"}}, &w); err != nil {
		t.Fatal(err)
	}
	// A generated secret, rotated in, then the given one rotated in: the
	// row holds three secrets.
	var rotated struct {
		SigningSecret string `json:"signing_secret"`
	}
	rotate := "/v1/workspaces/" + ws.ID + "/webhooks/" + w.ID + "/rotate-secret"
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: rotate}, &rotated); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: rotate, Body: map[string]string{"secret": atRestSecret2}}, nil); err != nil {
		t.Fatal(err)
	}
	// The replayed answers are whole: hookd opens what it sealed.
	var again client.Key
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/keys", Body: map[string]string{"name": "ci"},
		Header: map[string]string{"Idempotency-Key": "key-1"}}, &again); err != nil || again.Key != key.Key {
		t.Fatalf("replayed key creation: %+v, %v; want the first answer", again, err)
	}

	pub, err := admin.Publish(ctx, ws.ID, client.EventInput{Type: "rest.ping", Payload: json.RawMessage(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the delivery", func() bool { return rc.count() > 0 })
	r := rc.all()[0]
	if r.header.Get("Authorization") != atRestHeader1 || r.header.Get("X-Api-Key") != atRestHeader2 {
		t.Errorf("the receiver got headers %v", r.header)
	}
	if sig := r.header.Get("webhook-signature"); strings.Count(sig, "v1,") != 3 {
		t.Errorf("webhook-signature %q; want one signature per secret (3)", sig)
	}
	verify(t, r, atRestSecret2)
	s := &server{URL: p.URL, admin: admin}
	s.waitDelivery(t, ws.ID, w.ID, pub.Deliveries[0].ID, "succeeded", 10*time.Second)

	clear := []string{atRestSecret1, atRestSecret2, rotated.SigningSecret, w.SigningSecret, atRestHeader1, atRestHeader2,
		strings.TrimPrefix(atRestHeader1, "Bearer "), key.Key, adminKey, encryptionKey}
	for _, sec := range []string{atRestSecret1, atRestSecret2, rotated.SigningSecret} {
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sec, "whsec_"))
		clear = append(clear, strings.TrimPrefix(sec, "whsec_"), string(raw))
	}
	return p, clear
}

// assertNotInFiles fails when any of the files holds one of the values.
func assertNotInFiles(t *testing.T, when string, values []string, files ...string) {
	t.Helper()
	var all []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatalf("%s: no database files", when)
	}
	for _, v := range values {
		if bytes.Contains(all, []byte(v)) {
			t.Errorf("%s: the database files hold %q in clear", when, v)
		}
	}
}

// assertNotInTables reads every column of every table of the SQLite
// database at path and fails when one holds one of the values.
func assertNotInTables(t *testing.T, path string, values []string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	var dump strings.Builder
	for _, n := range names {
		rows, err := db.Query(`SELECT * FROM "` + n + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&dump, "%s: %v\n", n, v)
			}
		}
		rows.Close()
	}
	if !strings.Contains(dump.String(), "sealed:v1:") {
		t.Fatalf("the tables hold no sealed value:\n%s", dump.String())
	}
	for _, v := range values {
		if strings.Contains(dump.String(), v) {
			t.Errorf("a table holds %q in clear", v)
		}
	}
}
