package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// CreateWebhook stores w, filling w.ID when empty. It returns ENOTFOUND
// when the workspace does not exist and ELIMIT when the workspace already
// has maxWebhooks webhooks (0: no cap); the count and the insert share one
// transaction, which holds the workspace's row lock so that concurrent
// creations, from any process, count one after the other.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook, maxWebhooks int) error {
	w.ID = sqlstore.NewID(w.ID, hookd.PrefixWebhook, w.CreatedAt)
	sqlstore.RoundWebhookTimes(w)
	vals, err := sqlstore.WebhookArgs(&dialect, w)
	if err != nil {
		return wrap("create webhook", err)
	}
	return s.write(ctx, "create webhook", func(ctx context.Context, tx pgx.Tx) error {
		if err := workspaceExists(ctx, tx, w.WorkspaceID, maxWebhooks > 0); err != nil {
			return err
		}
		if err := sqlstore.WebhookCap(ctx, pgQuerier{tx}, &dialect, w.WorkspaceID, maxWebhooks); err != nil {
			return err
		}
		a := dialect.Args()
		a.Add(w.ID)
		a.Add(w.WorkspaceID)
		q := `INSERT INTO webhooks (` + sqlstore.WebhookColumns + `) VALUES ($1, $2`
		for _, v := range vals {
			q += `, ` + a.Add(v)
		}
		_, err := tx.Exec(ctx, q+`)`, a.List...)
		switch {
		case isUniqueViolation(err):
			return hookd.Errorf(hookd.ECONFLICT, "webhook %q already exists", w.ID)
		case pgCode(err) == codeForeignKeyViolation:
			return hookd.NotFound("workspace", w.WorkspaceID)
		}
		return err
	})
}

// TryUpdateWebhook is one try of UpdateWebhook. A disable holds the
// workspace's lock, so that no publish reads the webhook active until it
// commits; an enable tells every process that its deliveries may be due.
func (e engine) TryUpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) (hookd.Webhook, bool, error) {
	var (
		upd     hookd.Webhook
		failing bool
	)
	err := e.s.write(ctx, "update webhook", func(ctx context.Context, tx pgx.Tx) error {
		upd, failing = *w, false
		if upd.Status != hookd.WebhookActive {
			// It may disable the webhook: no publish of the workspace
			// may read it active until this commits.
			if err := lockWorkspaces(ctx, tx, []string{upd.WorkspaceID}, true); err != nil {
				return err
			}
		}
		var (
			old       string
			failingAt *time.Time
		)
		err := tx.QueryRow(ctx, `SELECT status, failing_at FROM webhooks WHERE id = $1 AND workspace_id = $2 FOR NO KEY UPDATE`,
			upd.ID, upd.WorkspaceID).Scan(&old, &failingAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return hookd.NotFound("webhook", upd.ID)
		}
		if err != nil {
			return err
		}
		enabled, disabled, err := sqlstore.WriteWebhook(ctx, pgQuerier{tx}, &dialect, &upd, old, failingAt != nil, now)
		if err != nil {
			return err
		}
		if disabled {
			failing, err = startFailing(ctx, tx, upd.ID, now, "")
			return err
		}
		if enabled {
			return notifyDue(ctx, tx)
		}
		return nil
	})
	return upd, failing, err
}
