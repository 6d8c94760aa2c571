package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

const webhookColumns = `id, workspace_id, name, description, url, method, events, channels, headers,
	timeout_seconds, retry_schedule, signature_scheme, header_prefix, signature_header, timestamp_header,
	tls_verify, rate_limit, status, disabled_reason, secrets, failing_since, created_at, updated_at`

// webhookColumnsOf is webhookColumns of the table named w.
const webhookColumnsOf = `w.id, w.workspace_id, w.name, w.description, w.url, w.method, w.events, w.channels,
	w.headers, w.timeout_seconds, w.retry_schedule, w.signature_scheme, w.header_prefix, w.signature_header,
	w.timestamp_header, w.tls_verify, w.rate_limit, w.status, w.disabled_reason, w.secrets, w.failing_since,
	w.created_at, w.updated_at`

func scanWebhook(row pgx.Row) (*hookd.Webhook, error) {
	var (
		w                                            hookd.Webhook
		events, channels, headers, schedule, secrets []byte
	)
	err := row.Scan(&w.ID, &w.WorkspaceID, &w.Name, &w.Description, &w.URL, &w.Method,
		&events, &channels, &headers, &w.TimeoutSeconds, &schedule,
		&w.Signature.Scheme, &w.Signature.HeaderPrefix, &w.Signature.Header, &w.Signature.TimestampHeader,
		&w.TLSVerify, &w.RateLimit,
		&w.Status, &w.DisabledReason, &secrets, &w.FailingSince, &w.CreatedAt, &w.UpdatedAt)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		v   []byte
		dst any
	}{
		{events, &w.Events}, {channels, &w.Channels}, {headers, &w.Headers},
		{schedule, &w.RetrySchedule}, {secrets, &w.Secrets},
	} {
		if err := fromJSON(c.v, c.dst); err != nil {
			return nil, fmt.Errorf("webhook %s: %w", w.ID, err)
		}
	}
	w.FailingSince = utcPtr(w.FailingSince)
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
	headers, err := jsonValue(w.Headers, w.Headers == nil)
	if err != nil {
		return nil, err
	}
	schedule, err := jsonValue(w.RetrySchedule, w.RetrySchedule == nil)
	if err != nil {
		return nil, err
	}
	secrets, err := jsonValue(w.Secrets, false)
	if err != nil {
		return nil, err
	}
	return []any{w.Name, w.Description, w.URL, w.Method, events, channels, headers,
		w.TimeoutSeconds, schedule, w.Signature.Scheme, w.Signature.HeaderPrefix,
		w.Signature.Header, w.Signature.TimestampHeader,
		w.TLSVerify, w.RateLimit, w.Status, w.DisabledReason, secrets,
		w.FailingSince, w.CreatedAt, w.UpdatedAt}, nil
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
// transaction, which holds the workspace's row lock so that concurrent
// creations, from any process, count one after the other.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook, maxWebhooks int) error {
	w.ID = newID(w.ID, hookd.PrefixWebhook, w.CreatedAt)
	roundWebhookTimes(w)
	vals, err := webhookArgs(w)
	if err != nil {
		return wrap("create webhook", err)
	}
	return s.write(ctx, "create webhook", func(ctx context.Context, tx pgx.Tx) error {
		if err := workspaceExists(ctx, tx, w.WorkspaceID, maxWebhooks > 0); err != nil {
			return err
		}
		if maxWebhooks > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE workspace_id = $1`,
				w.WorkspaceID).Scan(&n); err != nil {
				return err
			}
			if n >= maxWebhooks {
				return hookd.Errorf(hookd.ELIMIT, "workspace has reached max_webhooks (%d)", maxWebhooks)
			}
		}
		var a args
		a.add(w.ID)
		a.add(w.WorkspaceID)
		q := `INSERT INTO webhooks (` + webhookColumns + `) VALUES ($1, $2`
		for _, v := range vals {
			q += `, ` + a.add(v)
		}
		_, err := tx.Exec(ctx, q+`)`, a...)
		switch {
		case isUniqueViolation(err):
			return hookd.Errorf(hookd.ECONFLICT, "webhook %q already exists", w.ID)
		case pgCode(err) == codeForeignKeyViolation:
			return hookd.NotFound("workspace", w.WorkspaceID)
		}
		return err
	})
}

// Webhook returns the webhook id of the workspace, or ENOTFOUND.
func (s *Store) Webhook(ctx context.Context, workspaceID, id string) (*hookd.Webhook, error) {
	w, err := scanWebhook(s.pool.QueryRow(ctx,
		`SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
	if errors.Is(err, pgx.ErrNoRows) {
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
	err := s.read(ctx, "list webhooks", func(ctx context.Context, tx pgx.Tx) error {
		if err := workspaceExists(ctx, tx, workspaceID, false); err != nil {
			return err
		}
		var a args
		q := `SELECT ` + webhookColumns + ` FROM webhooks WHERE workspace_id = ` + a.add(workspaceID)
		if p.Cursor != "" {
			q += ` AND id < ` + a.add(p.Cursor)
		}
		q += ` ORDER BY id DESC LIMIT ` + a.add(limit+1)
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row pgx.Row) (hookd.Webhook, error) {
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
// (ctx ends), a backlog worker finishes. When w goes back to active, the
// batches of its last disable are finished first, its failing streak and
// disabled reason are cleared and the processes are told that its
// deliveries may be due. A webhook that does not exist in w.WorkspaceID is
// ENOTFOUND.
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
			s.wakeBacklog()
		}
		*w = upd
		return nil
	}
}

// errStillFailing stops the transaction that would enable a webhook whose
// backlog is still being failed.
var errStillFailing = errors.New("postgres: the webhook's pending deliveries are still being failed")

// updateWebhook is one try of UpdateWebhook: it returns the webhook as
// written and whether its disable left batches to run.
func (s *Store) updateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) (hookd.Webhook, bool, error) {
	var (
		upd     hookd.Webhook
		failing bool
	)
	err := s.write(ctx, "update webhook", func(ctx context.Context, tx pgx.Tx) error {
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
		enabled := upd.Status == hookd.WebhookActive && old != hookd.WebhookActive
		if enabled {
			if failingAt != nil {
				return errStillFailing
			}
			upd.FailingSince = nil
			upd.DisabledReason = ""
		}
		upd.UpdatedAt = now
		upd.Secrets = append([]hookd.Secret(nil), upd.Secrets...)
		roundWebhookTimes(&upd)
		vals, err := webhookArgs(&upd)
		if err != nil {
			return err
		}
		// Every column but id, workspace_id and created_at.
		vals = append(vals[:len(vals)-2], upd.UpdatedAt, upd.ID)
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET name = $1, description = $2, url = $3, method = $4,
			events = $5, channels = $6, headers = $7, timeout_seconds = $8, retry_schedule = $9,
			signature_scheme = $10, header_prefix = $11, signature_header = $12, timestamp_header = $13,
			tls_verify = $14, rate_limit = $15, status = $16, disabled_reason = $17, secrets = $18,
			failing_since = $19, updated_at = $20
			WHERE id = $21`, vals...); err != nil {
			return err
		}
		if old == hookd.WebhookActive && upd.Status != hookd.WebhookActive {
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

// DeleteWebhook removes the webhook with its deliveries and their attempts.
// Its events stay. A webhook that does not exist in the workspace is
// ENOTFOUND.
func (s *Store) DeleteWebhook(ctx context.Context, workspaceID, id string) error {
	return s.write(ctx, "delete webhook", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM webhooks WHERE id = $1 AND workspace_id = $2`, id, workspaceID)
		return mustAffect(tag, err, hookd.NotFound("webhook", id))
	})
}

// webhookInWorkspace returns ENOTFOUND unless webhook id exists in the
// workspace.
func webhookInWorkspace(ctx context.Context, q querier, workspaceID, id string) error {
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM webhooks WHERE id = $1 AND workspace_id = $2`, id, workspaceID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return hookd.NotFound("webhook", id)
	}
	return err
}
