package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/storetest"
)

// TestDisableResumedAfterCrash runs the engines' test of a disable that a
// process died in the middle of: after the crash, the file holds what the
// disabling transaction commits, the backlogs (queued deliveries and
// delivery rows) still pending.
func TestDisableResumedAfterCrash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hookd.db")
	storetest.DisableResumedAfterCrash(t, openPath(t, path), func(disabledAt time.Time) hookd.Store {
		db, err := sql.Open("sqlite", writerDSN(path))
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer db.Close()
		if _, err := db.ExecContext(t.Context(), `UPDATE webhooks SET status = 'disabled', disabled_reason = 'gone', failing_at = ?`,
			micros(disabledAt)); err != nil {
			t.Fatalf("disable: %v", err)
		}
		return openPath(t, path)
	})
}
