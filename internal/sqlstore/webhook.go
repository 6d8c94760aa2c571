package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
)

// Webhook returns the webhook id of the workspace, or ENOTFOUND.
func (s Shared) Webhook(ctx context.Context, workspaceID, id string) (*hookd.Webhook, error) {
	w, err := one(ctx, s.e.DB(), hookd.NotFound("webhook", id), ScanWebhook,
		`SELECT `+WebhookColumns+` FROM webhooks WHERE id = `+s.d.Param(1)+` AND workspace_id = `+s.d.Param(2),
		id, workspaceID)
	if err != nil {
		return nil, s.e.Wrap("get webhook", err)
	}
	return w, nil
}

// ListWebhooks returns a page of the workspace's webhooks, newest first.
// A missing workspace is ENOTFOUND.
func (s Shared) ListWebhooks(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.Webhook, string, error) {
	var out []hookd.Webhook
	err := s.e.Read(ctx, "list webhooks", func(ctx context.Context, q Querier) error {
		if err := WorkspaceExists(ctx, q, s.d, workspaceID); err != nil {
			return err
		}
		a := s.d.Args()
		rows, err := q.Query(ctx, `SELECT `+WebhookColumns+` FROM webhooks WHERE workspace_id = `+a.Add(workspaceID)+
			a.Page(p, nil, nil), a.List...)
		out, err = Collect(rows, err, func(row Row) (hookd.Webhook, error) {
			w, err := ScanWebhook(row)
			if err != nil {
				return hookd.Webhook{}, err
			}
			return *w, nil
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := Cut(out, PageLimit(p), func(w hookd.Webhook) string { return w.ID })
	return out, next, nil
}

// DeleteWebhook removes the webhook with its deliveries and their attempts.
// Its events stay. A webhook that does not exist in the workspace is
// ENOTFOUND.
func (s Shared) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	return s.e.Write(ctx, "delete webhook", func(ctx context.Context, q Querier) error {
		n, err := q.Exec(ctx, `DELETE FROM webhooks WHERE id = `+s.d.Param(1)+` AND workspace_id = `+s.d.Param(2),
			id, workspaceID)
		return MustAffect(n, err, hookd.NotFound("webhook", id))
	})
}

// WebhookCap returns ELIMIT when the workspace already has max webhooks
// (0: no cap), for a creation in the transaction of q that holds what
// keeps the count until it commits.
func WebhookCap(ctx context.Context, q Querier, d *Dialect, workspaceID string, max int) error {
	if max <= 0 {
		return nil
	}
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE workspace_id = `+d.Param(1), workspaceID).Scan(&n); err != nil {
		return err
	}
	if n >= max {
		return hookd.Errorf(hookd.ELIMIT, "workspace has reached max_webhooks (%d)", max)
	}
	return nil
}

// WriteWebhook writes upd over the stored webhook, in the transaction of
// q, after the engine has read (and locked) its stored status old and
// whether its backlog is still being failed. An enable (old not active,
// upd active) clears the failing streak and the disabled reason, and is
// ErrStillFailing while the backlog runs. UpdatedAt becomes now and the
// times are rounded as stored. It says whether the write enables or
// disables the webhook: a disable's backlog is the engine's to start.
func WriteWebhook(ctx context.Context, q Querier, d *Dialect, upd *hookd.Webhook, old string, backlogFailing bool, now time.Time) (enabled, disabled bool, err error) {
	enabled = upd.Status == hookd.WebhookActive && old != hookd.WebhookActive
	disabled = upd.Status != hookd.WebhookActive && old == hookd.WebhookActive
	if enabled {
		if backlogFailing {
			return false, false, ErrStillFailing
		}
		upd.FailingSince = nil
		upd.DisabledReason = ""
	}
	upd.UpdatedAt = now
	upd.Secrets = append([]hookd.Secret(nil), upd.Secrets...)
	RoundWebhookTimes(upd)
	vals, err := WebhookArgs(d, upd)
	if err != nil {
		return false, false, err
	}
	vals = vals[:len(vals)-2] // the times
	a := d.Args()
	sql := `UPDATE webhooks SET name = ` + a.Add(vals[0])
	for i, col := range []string{"description", "url", "method", "events", "channels", "headers", "timeout_seconds",
		"retry_schedule", "signature_scheme", "header_prefix", "signature_header", "timestamp_header", "tls_verify",
		"rate_limit", "status", "disabled_reason", "secrets", "failing_since"} {
		sql += `, ` + col + ` = ` + a.Add(vals[i+1])
	}
	sql += `, updated_at = ` + a.Add(d.Time(upd.UpdatedAt)) + ` WHERE id = ` + a.Add(upd.ID)
	_, err = q.Exec(ctx, sql, a.List...)
	return enabled, disabled, err
}

// ErrStillFailing stops the transaction that would enable a webhook whose
// backlog (its pending deliveries, failed batch by batch after a disable)
// is still being failed: UpdateWebhook finishes the backlog and tries
// again.
var ErrStillFailing = errors.New("sqlstore: the webhook's pending deliveries are still being failed")

// WebhookUpdater is what UpdateWebhook needs of an engine, besides Engine.
type WebhookUpdater interface {
	// TryUpdateWebhook is one try: in one transaction it writes w as
	// UpdateWebhook says, or returns ErrStillFailing; it returns the
	// webhook as written and whether its disable left batches to run.
	TryUpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) (hookd.Webhook, bool, error)
	// FailBacklog fails the webhook's backlog, batch by batch.
	FailBacklog(ctx context.Context, webhookID string) error
	// WakeBacklog asks the engine's backlog worker to finish what
	// FailBacklog could not.
	WakeBacklog()
}

// UpdateWebhook writes every field of w, secrets included, and sets
// w.UpdatedAt to now. When w goes from active to disabled, its pending
// deliveries fail at now: the transaction that disables it fails a first
// batch, then UpdateWebhook fails the rest batch by batch, each batch in a
// transaction of its own, before it returns; should that stop (ctx ends),
// the engine's backlog worker finishes. When w goes back to active, the
// batches of its last disable are finished first, and its failing streak
// and disabled reason are cleared. A webhook that does not exist in
// w.WorkspaceID is ENOTFOUND.
func (s Shared) UpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) error {
	u := s.e
	for {
		upd, failing, err := u.TryUpdateWebhook(ctx, w, now)
		if errors.Is(err, ErrStillFailing) {
			if err := u.FailBacklog(ctx, w.ID); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if failing && u.FailBacklog(ctx, upd.ID) != nil {
			u.WakeBacklog()
		}
		*w = upd
		return nil
	}
}
