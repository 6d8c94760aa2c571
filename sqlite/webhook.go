package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

const (
	sqlWebhookByID     = `SELECT ` + sqlstore.WebhookColumns + ` FROM webhooks WHERE id = ?`
	sqlWorkspaceExists = `SELECT count(*) FROM workspaces WHERE id = ?`
	sqlPublishWebhooks = `SELECT ` + sqlstore.MatcherColumns + ` FROM webhooks WHERE workspace_id = ? AND status = 'active' ORDER BY id`
)

// CreateWebhook stores w, filling w.ID when empty. It returns ENOTFOUND
// when the workspace does not exist and ELIMIT when the workspace already
// has maxWebhooks webhooks (0: no cap); the count and the insert share one
// transaction of the single writer. Its queue cursor starts past every
// event published before it (queue.go).
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook, maxWebhooks int) error {
	w.ID = sqlstore.NewID(w.ID, hookd.PrefixWebhook, w.CreatedAt)
	sqlstore.RoundWebhookTimes(w)
	args, err := sqlstore.WebhookArgs(&dialect, w)
	if err != nil {
		return wrap("create webhook", err)
	}
	return s.write(ctx, "create webhook", func(ctx context.Context, tx *sql.Tx) error {
		if err := workspaceExists(ctx, tx, w.WorkspaceID); err != nil {
			return err
		}
		if err := sqlstore.WebhookCap(ctx, sqlQuerier{q: tx}, &dialect, w.WorkspaceID, maxWebhooks); err != nil {
			return err
		}
		// No event published before it fans out to it: its cursor starts
		// past them all, so that no claim reads them for it.
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+sqlstore.WebhookColumns+`, cursor)
			VALUES (?, ?, `+placeholders(len(args))+`, (SELECT coalesce(max(seq), 0) FROM events))`,
			append([]any{w.ID, w.WorkspaceID}, args...)...)
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "webhook %q already exists", w.ID)
		}
		return err
	})
}

// TryUpdateWebhook is one try of UpdateWebhook, in one transaction of the
// single writer.
func (e engine) TryUpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) (hookd.Webhook, bool, error) {
	upd := *w
	failing := false
	err := e.s.write(ctx, "update webhook", func(ctx context.Context, tx *sql.Tx) error {
		var (
			old       string
			failingAt sql.NullInt64
		)
		err := tx.QueryRowContext(ctx, `SELECT status, failing_at FROM webhooks WHERE id = ? AND workspace_id = ?`,
			upd.ID, upd.WorkspaceID).Scan(&old, &failingAt)
		if errors.Is(err, sql.ErrNoRows) {
			return hookd.NotFound("webhook", upd.ID)
		}
		if err != nil {
			return err
		}
		_, disabled, err := sqlstore.WriteWebhook(ctx, sqlQuerier{q: tx}, &dialect, &upd, old, failingAt.Valid, now)
		if err == nil && disabled {
			failing, err = e.s.startFailing(ctx, tx, upd.ID, now, "")
		}
		return err
	})
	return upd, failing, err
}
