package postgres_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/hookd/hookd/storetest"
)

// TestDisableResumedAfterCrash runs the engines' test of a disable that a
// process died in the middle of: after the crash, the database holds what
// the disabling transaction commits, the backlogs still pending.
func TestDisableResumedAfterCrash(t *testing.T) {
	t.Parallel()
	s, u := openSchema(t)
	storetest.DisableResumedAfterCrash(t, s, func(disabledAt time.Time) hookd.Store {
		pgtest.Exec(t, u, `UPDATE webhooks SET status = 'disabled', disabled_reason = 'gone', failing_at = $1`, disabledAt)
		return openURL(t, u)
	})
}
