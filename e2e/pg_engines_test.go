package e2e

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/hookd/hookd/sqlite"
)

// storeEngine names the storage engine a test server runs on.
type storeEngine string

const (
	// engineSQLite is the embedded default: a file in a temp dir.
	engineSQLite storeEngine = "sqlite"
	// enginePostgres is a schema of its own on the server that
	// HOOKD_TEST_DATABASE_URL names; without it the test skips (or fails
	// under CI=true).
	enginePostgres storeEngine = "postgres"
)

// engines are the engines forEachEngine runs a test on.
var engines = []storeEngine{engineSQLite, enginePostgres}

// forEachEngine runs fn as a subtest per storage engine, named after it,
// in parallel with the other top-level tests. fn may call t.Parallel.
func forEachEngine(t *testing.T, fn func(t *testing.T, engine storeEngine)) {
	t.Parallel()
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) { fn(t, engine) })
	}
}

// openStore opens a new, empty store of the engine ("" is SQLite), which
// the caller closes.
func openStore(t *testing.T, engine storeEngine) (hookd.Store, error) {
	t.Helper()
	ctx := context.Background()
	switch engine {
	case "", engineSQLite:
		return sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	case enginePostgres:
		return postgres.Open(ctx, postgres.Config{URL: pgtest.Schema(t)})
	}
	t.Fatalf("unknown storage engine %q", engine)
	return nil, nil
}
