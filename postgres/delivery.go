package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// deliveryColumnList is what scanDelivery reads, in order.
var deliveryColumnList = []string{"id", "workspace_id", "event_id", "webhook_id", "event_type", "status",
	"attempts", "scheduled_attempts", "manual", "once", "next_attempt_at", "last_status_code", "created_at",
	"updated_at"}

var deliveryColumns = strings.Join(deliveryColumnList, ", ")

// scanDelivery reads a row of deliveryColumns, then extra columns into
// extra.
func scanDelivery(row pgx.Row, extra ...any) (hookd.Delivery, error) {
	var d hookd.Delivery
	dst := append([]any{&d.ID, &d.WorkspaceID, &d.EventID, &d.WebhookID, &d.EventType, &d.Status, &d.Attempts,
		&d.ScheduledAttempts, &d.Manual, &d.Once, &d.NextAttemptAt, &d.LastStatusCode, &d.CreatedAt,
		&d.UpdatedAt}, extra...)
	if err := row.Scan(dst...); err != nil {
		return d, err
	}
	d.NextAttemptAt = utcPtr(d.NextAttemptAt)
	return d, nil
}

// ListDeliveries returns a page of the webhook's deliveries, newest first,
// without attempt logs, filtered by status, event type and creation time. A
// webhook that does not exist in the workspace is ENOTFOUND.
func (s *Store) ListDeliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	limit := sqlstore.PageLimit(f.Page)
	var out []hookd.Delivery
	err := s.read(ctx, "list deliveries", func(ctx context.Context, tx pgx.Tx) error {
		if err := webhookInWorkspace(ctx, tx, f.WorkspaceID, f.WebhookID); err != nil {
			return err
		}
		var a args
		q := `SELECT ` + deliveryColumns + ` FROM deliveries WHERE webhook_id = ` + a.add(f.WebhookID) +
			` AND workspace_id = ` + a.add(f.WorkspaceID)
		if f.Status != "" {
			q += ` AND status = ` + a.add(f.Status)
		}
		if f.EventType != "" {
			q += ` AND event_type = ` + a.add(f.EventType)
		}
		q += a.page(f.Page, f.Since, f.Until)
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row pgx.Row) (hookd.Delivery, error) { return scanDelivery(row) })
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(out, limit, func(d hookd.Delivery) string { return d.ID })
	return out, next, nil
}

// Delivery returns the delivery id of the webhook with its attempt log in
// attempt order. A delivery that does not exist for that webhook and
// workspace is ENOTFOUND.
func (s *Store) Delivery(ctx context.Context, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	var d hookd.Delivery
	err := s.read(ctx, "get delivery", func(ctx context.Context, tx pgx.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM deliveries
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
	return collect(rows, func(row pgx.Row) (hookd.Attempt, error) {
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
	now = roundTime(now)
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
	now = roundTime(now)
	var n int64
	err := s.write(ctx, "recover deliveries", func(ctx context.Context, tx pgx.Tx) error {
		if err := webhookInWorkspace(ctx, tx, workspaceID, webhookID); err != nil {
			return err
		}
		var a args
		q := `UPDATE deliveries SET status = 'pending', next_attempt_at = ` + a.add(now) + `, scheduled_attempts = 0,
			manual = false, once = false, lease_expires_at = NULL, leased_by = NULL, updated_at = $1
			WHERE webhook_id = ` + a.add(webhookID) + ` AND status = 'failed' AND created_at >= ` + a.add(since)
		if !until.IsZero() {
			q += ` AND created_at < ` + a.add(until)
		}
		tag, err := tx.Exec(ctx, q, a...)
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
