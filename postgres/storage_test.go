package postgres_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres/pgtest"
)

// TestStorageReadOnly: a database that turns read-only
// (default_transaction_read_only, as on a standby; SQLSTATE 25006) makes
// writes ESTORAGE errors that say so, and Ping fail, until a write
// commits again on the same store.
func TestStorageReadOnly(t *testing.T) {
	t.Parallel()
	u := pgtest.Database(t)
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(parsed.Path, "/")
	server := pgtest.ServerURL(t)
	s := openURL(t, u)
	ctx := t.Context()
	ws, _ := seed(t, s, 1, nil)

	// setReadOnly changes the database's default for new sessions and
	// ends the store's sessions, so that its pool connects again.
	setReadOnly := func(on string) {
		pgtest.Exec(t, server, `ALTER DATABASE `+name+` SET default_transaction_read_only = `+on)
		pgtest.Exec(t, server, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name)
	}
	// publish publishes one event, again while the pool meets the
	// sessions that were ended (EUNAVAILABLE).
	publish := func() error {
		t.Helper()
		var err error
		for range 50 {
			e := &hookd.Event{WorkspaceID: ws, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
			if err = s.Publish(ctx, []*hookd.Event{e}, t0); hookd.ErrorCode(err) != hookd.EUNAVAILABLE {
				return err
			}
		}
		t.Fatalf("Publish: still unavailable after 50 tries: %v", err)
		return nil
	}

	setReadOnly("on")
	err = publish()
	if got := hookd.ErrorCode(err); got != hookd.ESTORAGE {
		t.Fatalf("Publish on a read-only database: got code %q (%v); want %q", got, err, hookd.ESTORAGE)
	}
	if msg := hookd.ErrorMessage(err); !strings.Contains(msg, "read-only") {
		t.Errorf("Publish on a read-only database: message %q does not say read-only", msg)
	}
	if got := hookd.ErrorCode(s.Ping(ctx)); got != hookd.ESTORAGE {
		t.Errorf("Ping on a read-only database: got code %q; want %q", got, hookd.ESTORAGE)
	}
	// A claim that finds nothing due writes nothing: the state stays.
	claim(t, s, t0.Add(time.Hour), time.Minute, 10, 10)
	if got := hookd.ErrorCode(s.Ping(ctx)); got != hookd.ESTORAGE {
		t.Errorf("Ping after a claim that found nothing: got code %q; want %q", got, hookd.ESTORAGE)
	}

	setReadOnly("off")
	if err := publish(); err != nil {
		t.Fatalf("Publish once writable: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping once writable: %v", err)
	}
}
