package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// deliveryColumnList is what scanDelivery reads, in order.
var deliveryColumnList = []string{"id", "workspace_id", "event_id", "webhook_id", "event_type", "status",
	"attempts", "scheduled_attempts", "manual", "once", "next_attempt_at", "last_status_code", "created_at",
	"updated_at"}

var deliveryColumns = strings.Join(deliveryColumnList, ", ")

// scanDelivery reads a row of deliveryColumns, then extra columns into
// extra.
func scanDelivery(row interface{ Scan(...any) error }, extra ...any) (hookd.Delivery, error) {
	var (
		d                hookd.Delivery
		manual, once     int64
		next, code       sql.NullInt64
		created, updated int64
	)
	dst := append([]any{&d.ID, &d.WorkspaceID, &d.EventID, &d.WebhookID, &d.EventType, &d.Status, &d.Attempts,
		&d.ScheduledAttempts, &manual, &once, &next, &code, &created, &updated}, extra...)
	err := row.Scan(dst...)
	if err != nil {
		return d, err
	}
	d.Manual, d.Once = manual != 0, once != 0
	d.NextAttemptAt = timePtr(next)
	d.LastStatusCode = intPtr(code)
	d.CreatedAt, d.UpdatedAt = fromMicros(created), fromMicros(updated)
	return d, nil
}

// ListDeliveries returns a page of the webhook's deliveries, newest first,
// without attempt logs, filtered by status, event type and creation time. A
// webhook that does not exist in the workspace is ENOTFOUND.
func (s *Store) ListDeliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	limit := pageLimit(f.Page)
	var out []hookd.Delivery
	err := s.read(ctx, "list deliveries", func(ctx context.Context, tx *sql.Tx) error {
		if err := webhookInWorkspace(ctx, tx, f.WorkspaceID, f.WebhookID); err != nil {
			return err
		}
		q := `SELECT ` + deliveryColumns + ` FROM deliveries WHERE webhook_id = ? AND workspace_id = ?`
		args := []any{f.WebhookID, f.WorkspaceID}
		if f.Status != "" {
			q += ` AND status = ?`
			args = append(args, f.Status)
		}
		if f.EventType != "" {
			q += ` AND event_type = ?`
			args = append(args, f.EventType)
		}
		q, args = createdBetween(q, args, f.Since, f.Until)
		var err error
		out, err = readPage(ctx, tx, q, args, f.Page, func(row interface{ Scan(...any) error }) (hookd.Delivery, error) {
			return scanDelivery(row)
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := cut(out, limit, func(d hookd.Delivery) string { return d.ID })
	return out, next, nil
}

// Delivery returns the delivery id of the webhook with its attempt log in
// attempt order. A delivery that does not exist for that webhook and
// workspace is ENOTFOUND.
func (s *Store) Delivery(ctx context.Context, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	var d hookd.Delivery
	err := s.read(ctx, "get delivery", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries
			WHERE id = ? AND webhook_id = ? AND workspace_id = ?`, id, webhookID, workspaceID))
		if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := q.QueryContext(ctx, `SELECT number, trigger, started_at, duration_ms, request, response, error
		FROM attempts WHERE delivery_id = ? ORDER BY number`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []hookd.Attempt{}
	for rows.Next() {
		var (
			a        hookd.Attempt
			started  int64
			request  string
			response sql.NullString
		)
		if err := rows.Scan(&a.Number, &a.Trigger, &started, &a.DurationMS, &request, &response, &a.Error); err != nil {
			return nil, err
		}
		a.StartedAt = fromMicros(started)
		if err := json.Unmarshal([]byte(request), &a.Request); err != nil {
			return nil, fmt.Errorf("attempt %d of %s: %w", a.Number, deliveryID, err)
		}
		if response.Valid {
			a.Response = new(hookd.AttemptResponse)
			if err := json.Unmarshal([]byte(response.String), a.Response); err != nil {
				return nil, fmt.Errorf("attempt %d of %s: %w", a.Number, deliveryID, err)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RetryDelivery makes the delivery due now for one manual attempt. A
// pending delivery keeps its schedule and its Once mark; a finished one
// becomes pending for that one attempt (Once), failed again if it fails. A
// delivery that does not exist for that webhook and workspace is
// ENOTFOUND.
func (s *Store) RetryDelivery(ctx context.Context, workspaceID, webhookID, id string, now time.Time) error {
	return s.write(ctx, "retry delivery", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries
			SET once = CASE WHEN status = 'pending' THEN once ELSE 1 END,
				status = 'pending', manual = 1, next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND webhook_id = ? AND workspace_id = ?`,
			micros(now), micros(now), id, webhookID, workspaceID)
		return mustAffect(res, err, hookd.NotFound("delivery", id))
	})
}

// RecoverDeliveries makes every failed delivery of the webhook created in
// [since, until) pending again, due now, with its whole retry schedule; a
// zero until means no upper bound. It returns how many it re-queued. A
// webhook that does not exist in the workspace is ENOTFOUND.
func (s *Store) RecoverDeliveries(ctx context.Context, workspaceID, webhookID string, since, until, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, "recover deliveries", func(ctx context.Context, tx *sql.Tx) error {
		if err := webhookInWorkspace(ctx, tx, workspaceID, webhookID); err != nil {
			return err
		}
		q := `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, scheduled_attempts = 0,
			manual = 0, once = 0, lease_expires_at = 0, updated_at = ?
			WHERE webhook_id = ? AND status = 'failed' AND created_at >= ?`
		args := []any{micros(now), micros(now), webhookID, micros(since)}
		if !until.IsZero() {
			q += ` AND created_at < ?`
			args = append(args, micros(until))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
