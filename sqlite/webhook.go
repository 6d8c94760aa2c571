package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

const webhookColumns = `id, workspace_id, name, description, url, method, events, channels, headers,
	timeout_seconds, retry_schedule, signature_scheme, header_prefix, signature_header, timestamp_header,
	tls_verify, rate_limit, status, disabled_reason, secrets, failing_since, created_at, updated_at`

const (
	sqlWebhookByID     = `SELECT ` + webhookColumns + ` FROM webhooks WHERE id = ?`
	sqlPublishWebhooks = `SELECT id, events, channels FROM webhooks WHERE workspace_id = ? AND status = 'active' ORDER BY id`
)

// webhookRow holds a webhook's columns in their stored form.
type webhookRow struct {
	events, channels, headers, schedule, secrets sql.NullString
	rateLimit                                    sql.NullFloat64
	tlsVerify                                    int64
	failingSince                                 sql.NullInt64
	created, updated                             int64
}

func scanWebhook(row interface{ Scan(...any) error }) (*hookd.Webhook, error) {
	var (
		w hookd.Webhook
		r webhookRow
	)
	err := row.Scan(&w.ID, &w.WorkspaceID, &w.Name, &w.Description, &w.URL, &w.Method,
		&r.events, &r.channels, &r.headers, &w.TimeoutSeconds, &r.schedule,
		&w.Signature.Scheme, &w.Signature.HeaderPrefix, &w.Signature.Header, &w.Signature.TimestampHeader,
		&r.tlsVerify, &r.rateLimit,
		&w.Status, &w.DisabledReason, &r.secrets, &r.failingSince, &r.created, &r.updated)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		v   sql.NullString
		dst any
	}{
		{r.events, &w.Events}, {r.channels, &w.Channels}, {r.headers, &w.Headers},
		{r.schedule, &w.RetrySchedule}, {r.secrets, &w.Secrets},
	} {
		if err := fromJSON(c.v, c.dst); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", w.ID, err)
		}
	}
	w.TLSVerify = r.tlsVerify != 0
	if r.rateLimit.Valid {
		rl := r.rateLimit.Float64
		w.RateLimit = &rl
	}
	w.FailingSince = timePtr(r.failingSince)
	w.CreatedAt, w.UpdatedAt = fromMicros(r.created), fromMicros(r.updated)
	return &w, nil
}

// webhookArgs returns w's columns after id and workspace_id, in
// webhookColumns order, ready to bind.
func webhookArgs(w *hookd.Webhook) ([]any, error) {
	events, err := strings2JSON(w.Events)
	if err != nil {
		return nil, err
	}
	channels, err := strings2JSON(w.Channels)
	if err != nil {
		return nil, err
	}
	headers, err := jsonText(w.Headers, w.Headers == nil)
	if err != nil {
		return nil, err
	}
	schedule, err := jsonText(w.RetrySchedule, w.RetrySchedule == nil)
	if err != nil {
		return nil, err
	}
	secrets, err := jsonText(w.Secrets, false)
	if err != nil {
		return nil, err
	}
	var rateLimit sql.NullFloat64
	if w.RateLimit != nil {
		rateLimit = sql.NullFloat64{Float64: *w.RateLimit, Valid: true}
	}
	return []any{w.Name, w.Description, w.URL, w.Method, events, channels, headers,
		w.TimeoutSeconds, schedule, w.Signature.Scheme, w.Signature.HeaderPrefix,
		w.Signature.Header, w.Signature.TimestampHeader,
		bool2int(w.TLSVerify), rateLimit, w.Status, w.DisabledReason, secrets,
		nullMicros(w.FailingSince), micros(w.CreatedAt), micros(w.UpdatedAt)}, nil
}

// roundWebhookTimes sets w's times as the store gives them back.
func roundWebhookTimes(w *hookd.Webhook) {
	w.CreatedAt, w.UpdatedAt = roundTime(w.CreatedAt), roundTime(w.UpdatedAt)
	w.FailingSince = roundTimePtr(w.FailingSince)
	for i := range w.Secrets {
		w.Secrets[i].ExpiresAt = roundTimePtr(w.Secrets[i].ExpiresAt)
	}
}

// CreateWebhook stores w, filling w.ID when empty. It returns ENOTFOUND
// when the workspace does not exist and ELIMIT when the workspace already
// has maxWebhooks webhooks (0: no cap); the count and the insert share one
// transaction.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook, maxWebhooks int) error {
	w.ID = newID(w.ID, hookd.PrefixWebhook, w.CreatedAt)
	roundWebhookTimes(w)
	args, err := webhookArgs(w)
	if err != nil {
		return wrap("create webhook", err)
	}
	return s.write(ctx, "create webhook", func(ctx context.Context, tx *sql.Tx) error {
		if err := workspaceExists(ctx, tx, w.WorkspaceID); err != nil {
			return err
		}
		if maxWebhooks > 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE workspace_id = ?`,
				w.WorkspaceID).Scan(&n); err != nil {
				return err
			}
			if n >= maxWebhooks {
				return hookd.Errorf(hookd.ELIMIT, "workspace has reached max_webhooks (%d)", maxWebhooks)
			}
		}
		// No event published before it fans out to it: its cursor starts
		// past them all, so that no claim reads them for it.
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`, cursor)
			VALUES (?, ?, `+placeholders(len(args))+`, (SELECT coalesce(max(seq), 0) FROM events))`,
			append([]any{w.ID, w.WorkspaceID}, args...)...)
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "webhook %q already exists", w.ID)
		}
		return err
	})
}

// Webhook returns the webhook id of the workspace, or ENOTFOUND.
func (s *Store) Webhook(ctx context.Context, workspaceID, id string) (*hookd.Webhook, error) {
	w, err := scanWebhook(s.reader.QueryRowContext(ctx,
		`SELECT `+webhookColumns+` FROM webhooks WHERE id = ? AND workspace_id = ?`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hookd.NotFound("webhook", id)
	}
	if err != nil {
		return nil, wrap("get webhook", err)
	}
	return w, nil
}

// ListWebhooks returns a page of the workspace's webhooks, newest first.
// A missing workspace is ENOTFOUND.
func (s *Store) ListWebhooks(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.Webhook, string, error) {
	limit := sqlstore.PageLimit(p)
	var out []hookd.Webhook
	err := s.read(ctx, "list webhooks", func(ctx context.Context, tx *sql.Tx) error {
		if err := workspaceExists(ctx, tx, workspaceID); err != nil {
			return err
		}
		var err error
		out, err = readPage(ctx, tx, `SELECT `+webhookColumns+` FROM webhooks WHERE workspace_id = ?`, []any{workspaceID}, p,
			func(row interface{ Scan(...any) error }) (hookd.Webhook, error) {
				w, err := scanWebhook(row)
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
	out, next := sqlstore.Cut(out, limit, func(w hookd.Webhook) string { return w.ID })
	return out, next, nil
}

// UpdateWebhook writes every field of w, secrets included, and sets
// w.UpdatedAt to now. When w goes from active to disabled, its pending
// deliveries fail at now: the transaction that disables it fails a first
// batch, then UpdateWebhook fails the rest batch by batch, each batch in a
// transaction of its own (backlog.go), before it returns; should that stop
// (ctx ends), the store's worker finishes. When w goes back to active, the
// batches of its last disable are finished first, and its failing streak
// and disabled reason are cleared. A webhook that does not exist in
// w.WorkspaceID is ENOTFOUND.
func (s *Store) UpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) error {
	for {
		upd, failing, err := s.updateWebhook(ctx, w, now)
		if errors.Is(err, errStillFailing) {
			// Enabling a webhook whose backlog is still being failed:
			// finish it, then try again.
			if err := s.failBacklog(ctx, w.ID); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if failing && s.failBacklog(ctx, upd.ID) != nil {
			s.backlog.notify()
		}
		*w = upd
		return nil
	}
}

// errStillFailing stops the transaction that would enable a webhook whose
// backlog is still being failed.
var errStillFailing = errors.New("sqlite: the webhook's pending deliveries are still being failed")

// updateWebhook is one try of UpdateWebhook: it returns the webhook as
// written and whether its disable left batches to run.
func (s *Store) updateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) (hookd.Webhook, bool, error) {
	upd := *w
	failing := false
	err := s.write(ctx, "update webhook", func(ctx context.Context, tx *sql.Tx) error {
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
				return errStillFailing
			}
			upd.FailingSince = nil
			upd.DisabledReason = ""
		}
		upd.UpdatedAt = now
		roundWebhookTimes(&upd)
		args, err := webhookArgs(&upd)
		if err != nil {
			return err
		}
		// Every column but id, workspace_id and created_at.
		args = append(args[:len(args)-2], micros(upd.UpdatedAt), upd.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE webhooks SET name = ?, description = ?, url = ?, method = ?,
			events = ?, channels = ?, headers = ?, timeout_seconds = ?, retry_schedule = ?,
			signature_scheme = ?, header_prefix = ?, signature_header = ?, timestamp_header = ?,
			tls_verify = ?, rate_limit = ?, status = ?, disabled_reason = ?, secrets = ?,
			failing_since = ?, updated_at = ?
			WHERE id = ?`, args...); err != nil {
			return err
		}
		if old == hookd.WebhookActive && upd.Status != hookd.WebhookActive {
			failing, err = s.startFailing(ctx, tx, upd.ID, now, "")
		}
		return err
	})
	return upd, failing, err
}

// DeleteWebhook removes the webhook with its deliveries and their attempts.
// Its events stay. A webhook that does not exist in the workspace is
// ENOTFOUND.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	return s.write(ctx, "delete webhook", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = ? AND workspace_id = ?`, id, workspaceID)
		return mustAffect(res, err, hookd.NotFound("webhook", id))
	})
}

// webhookInWorkspace returns ENOTFOUND unless webhook id exists in the
// workspace.
func webhookInWorkspace(ctx context.Context, q querier, workspaceID, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE id = ? AND workspace_id = ?`,
		id, workspaceID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return hookd.NotFound("webhook", id)
	}
	return nil
}
