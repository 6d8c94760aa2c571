package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// ListDeliveries is hookd.Store's: every delivery has its row, so a page is
// sqlstore.WrittenDeliveries.
func (s *Store) ListDeliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	limit := sqlstore.PageLimit(f.Page)
	var out []hookd.Delivery
	err := s.read(ctx, "list deliveries", func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = sqlstore.WrittenDeliveries(ctx, pgQuerier{tx}, &dialect, f)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(out, limit, func(d hookd.Delivery) string { return d.ID })
	return out, next, nil
}

// Delivery returns the delivery id of the webhook, or ENOTFOUND, with its
// attempt log read from the attempts table in number order.
func (s *Store) Delivery(ctx context.Context, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	var d hookd.Delivery
	err := s.read(ctx, "get delivery", func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d, err = sqlstore.ScanDelivery(tx.QueryRow(ctx, `SELECT `+sqlstore.DeliveryColumns+` FROM deliveries
			WHERE id = $1 AND webhook_id = $2 AND workspace_id = $3`, id, webhookID, workspaceID))
		if errors.Is(err, pgx.ErrNoRows) {
			return hookd.NotFound("delivery", id)
		}
		if err != nil {
			return err
		}
		d.AttemptLog, err = attemptLog(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// attemptLog reads a delivery's attempts in number order.
func attemptLog(ctx context.Context, q querier, deliveryID string) ([]hookd.Attempt, error) {
	rows, err := q.Query(ctx, `SELECT number, trigger, started_at, duration_ms, request, response, error
		FROM attempts WHERE delivery_id = $1 ORDER BY number`, deliveryID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row sqlstore.Row) (hookd.Attempt, error) {
		var (
			a                 hookd.Attempt
			request, response []byte
		)
		if err := row.Scan(&a.Number, &a.Trigger, &a.StartedAt, &a.DurationMS, &request, &response, &a.Error); err != nil {
			return a, err
		}
		if err := json.Unmarshal(request, &a.Request); err != nil {
			return a, fmt.Errorf("attempt %d of %s: %w", a.Number, deliveryID, err)
		}
		if response != nil {
			a.Response = new(hookd.AttemptResponse)
			if err := json.Unmarshal(response, a.Response); err != nil {
				return a, fmt.Errorf("attempt %d of %s: %w", a.Number, deliveryID, err)
			}
		}
		return a, nil
	})
}

// RetryDelivery makes the delivery due now for one manual attempt and tells
// every process. A pending delivery keeps its schedule and its Once mark; a
// finished one becomes pending for that one attempt (Once), failed again
// if it fails. A delivery that does not exist for that webhook and
// workspace is ENOTFOUND.
func (s *Store) RetryDelivery(ctx context.Context, workspaceID, webhookID, id string, now time.Time) error {
	now = sqlstore.RoundTime(now)
	return s.write(ctx, "retry delivery", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE deliveries
			SET once = CASE WHEN status = 'pending' THEN once ELSE true END,
				status = 'pending', manual = true, next_attempt_at = $1, updated_at = $1
			WHERE id = $2 AND webhook_id = $3 AND workspace_id = $4`,
			now, id, webhookID, workspaceID)
		if err := mustAffect(tag, err, hookd.NotFound("delivery", id)); err != nil {
			return err
		}
		return notifyDue(ctx, tx)
	})
}

// RecoverDeliveries makes every failed delivery of the webhook created in
// [since, until) pending again, due now, with its whole retry schedule, and
// tells every process; a zero until means no upper bound. It returns how
// many it re-queued. A webhook that does not exist in the workspace is
// ENOTFOUND.
func (s *Store) RecoverDeliveries(ctx context.Context, workspaceID, webhookID string, since, until, now time.Time) (int, error) {
	now = sqlstore.RoundTime(now)
	var n int64
	err := s.write(ctx, "recover deliveries", func(ctx context.Context, tx pgx.Tx) error {
		if err := sqlstore.WebhookInWorkspace(ctx, pgQuerier{tx}, &dialect, workspaceID, webhookID); err != nil {
			return err
		}
		a := dialect.Args()
		q := `UPDATE deliveries SET status = 'pending', next_attempt_at = ` + a.Add(now) + `, scheduled_attempts = 0,
			manual = false, once = false, lease_expires_at = NULL, leased_by = NULL, updated_at = $1
			WHERE webhook_id = ` + a.Add(webhookID) + ` AND status = 'failed' AND created_at >= ` + a.Add(since)
		if !until.IsZero() {
			q += ` AND created_at < ` + a.Add(until)
		}
		tag, err := tx.Exec(ctx, q, a.List...)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		if n == 0 {
			return nil
		}
		return notifyDue(ctx, tx)
	})
	return int(n), err
}
