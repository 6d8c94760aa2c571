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
	sqlPublishWebhooks = `SELECT id, events, channels FROM webhooks WHERE workspace_id = ? AND status = 'active' ORDER BY id`
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
		if err := sqlstore.WebhookCap(ctx, sqlQuerier{tx}, &dialect, w.WorkspaceID, maxWebhooks); err != nil {
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

// UpdateWebhook is sqlstore.UpdateWebhook: the backlog of a disable is
// failed by backlog.go, its worker finishing what a call leaves.
func (s *Store) UpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) error {
	return sqlstore.UpdateWebhook(ctx, engine{s}, w, now)
}

func (e engine) FailBacklog(ctx context.Context, webhookID string) error {
	return e.s.failBacklog(ctx, webhookID)
}

func (e engine) WakeBacklog() { e.s.backlog.Wake() }

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
		if upd.Status == hookd.WebhookActive && old != hookd.WebhookActive {
			if failingAt.Valid {
				return sqlstore.ErrStillFailing
			}
			upd.FailingSince = nil
			upd.DisabledReason = ""
		}
		upd.UpdatedAt = now
		sqlstore.RoundWebhookTimes(&upd)
		q, args, err := sqlstore.WebhookUpdate(&dialect, &upd)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		if old == hookd.WebhookActive && upd.Status != hookd.WebhookActive {
			failing, err = e.s.startFailing(ctx, tx, upd.ID, now, "")
		}
		return err
	})
	return upd, failing, err
}
