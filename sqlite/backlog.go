package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// Failing a disabled webhook's backlog. The transaction that disables a
// webhook marks it (failing_at, failing_spare: migration 0005) and fails a
// first batch of its pending deliveries; the rest are failed batch by
// batch, each batch a write transaction of its own, so that a backlog of a
// million deliveries neither sits in memory nor holds the single writer
// while publishes and records wait. The webhook is disabled from the first
// transaction on: no claim takes its deliveries, no publish fans out to it.
// The last batch, the one that finds nothing more to fail, clears the mark.
// Whoever disabled the webhook runs the batches (UpdateWebhook before it
// returns) or hands them to the store's backlog worker (RecordAttempts);
// the worker also resumes, at Open, the batches of a disable that a crash
// cut short, and enabling a webhook first finishes its batches, so that no
// delivery made before the disable is sent once the webhook is enabled.

// failBatch is how many pending deliveries one transaction fails.
const failBatch = 5000

const (
	sqlMarkFailing  = `UPDATE webhooks SET failing_at = ?, failing_spare = ? WHERE id = ?`
	sqlClearFailing = `UPDATE webhooks SET failing_at = NULL, failing_spare = '' WHERE id = ?`
	// sqlFailPending fails up to ?4 pending delivery rows of webhook ?2 but
	// ?3 (an id of '' spares none), at ?1.
	sqlFailPending = `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, manual = 0,
		once = 0, lease_expires_at = 0, updated_at = ?1
		WHERE id IN (SELECT id FROM deliveries INDEXED BY deliveries_due
			WHERE webhook_id = ?2 AND status = 'pending' AND id <> ?3 LIMIT ?4)`
	// sqlFailingQueued reads up to ? of the webhook's queued deliveries in
	// event order: its events above its cursor (rows or not: those with a
	// row are read over).
	sqlFailingQueued = `SELECT e.seq, e.id, e.workspace_id, e.type, e.fanout, e.created_at
		FROM webhooks AS w JOIN events AS e INDEXED BY events_queue
			ON e.workspace_id = w.workspace_id AND e.seq > w.cursor AND e.fanout IS NOT NULL
		WHERE w.id = ? AND instr(' ' || e.fanout || ' ', ' ' || w.id || ' ') > 0
		ORDER BY e.seq LIMIT ?`
)

// startFailing marks, in tx, which has just disabled the webhook at now,
// the webhook's backlog as to be failed, sparing spare ("": none), and
// fails a first batch. It returns true when more is left, for failBacklog
// or the worker.
func (s *Store) startFailing(ctx context.Context, tx *sql.Tx, webhookID string, now time.Time, spare string) (bool, error) {
	if _, err := tx.StmtContext(ctx, s.stmts.markFailing).ExecContext(ctx, micros(now), spare, webhookID); err != nil {
		return false, err
	}
	done, err := s.failSome(ctx, tx, webhookID)
	return !done, err
}

// failBacklog runs the batches of webhookID's backlog until none is left.
func (s *Store) failBacklog(ctx context.Context, webhookID string) error {
	for {
		var done bool
		err := s.write(ctx, "fail pending deliveries", func(ctx context.Context, tx *sql.Tx) error {
			var err error
			done, err = s.failSome(ctx, tx, webhookID)
			return err
		})
		if err != nil || done {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// failSome fails, in tx, up to failBatch deliveries of the backlog of
// webhookID, if it is marked, and reports whether none is left (then it
// clears the mark). The delivery rows go first, then the queued
// deliveries, which get their row (failed) while the cursor moves past
// them.
func (s *Store) failSome(ctx context.Context, tx *sql.Tx, webhookID string) (bool, error) {
	var (
		at    sql.NullInt64
		spare string
	)
	err := tx.QueryRowContext(ctx, `SELECT failing_at, failing_spare FROM webhooks WHERE id = ?`, webhookID).Scan(&at, &spare)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !at.Valid {
		return true, nil // deleted, or done
	}
	if err != nil {
		return false, err
	}
	res, err := tx.StmtContext(ctx, s.stmts.failPending).ExecContext(ctx, at.Int64, webhookID, spare, failBatch)
	n, err := affected(res, err)
	if err != nil {
		return false, err
	}
	if n == failBatch {
		return false, nil
	}
	want := failBatch - int(n)
	read, err := s.failQueued(ctx, tx, webhookID, fromMicros(at.Int64), spare, want)
	if err != nil || read == want {
		return false, err
	}
	_, err = tx.StmtContext(ctx, s.stmts.clearFailing).ExecContext(ctx, webhookID)
	return err == nil, err
}

// failQueued writes failed rows for up to n queued deliveries of
// webhookID, but spare, at now, moves its cursor past them and returns
// how many events it read.
func (s *Store) failQueued(ctx context.Context, tx *sql.Tx, webhookID string, now time.Time, spare string, n int) (int, error) {
	rows, err := tx.StmtContext(ctx, s.stmts.failingQueued).QueryContext(ctx, webhookID, n)
	if err != nil {
		return 0, err
	}
	var (
		failed []hookd.Delivery
		last   int64
	)
	for rows.Next() {
		var (
			id, workspaceID, typ, fanout string
			created                      int64
		)
		if err := rows.Scan(&last, &id, &workspaceID, &typ, &fanout, &created); err != nil {
			rows.Close()
			return 0, err
		}
		d := queuedDelivery(workspaceID, id, typ, fromMicros(created), webhookID, fanoutIndex(fanout, webhookID))
		d.Status, d.NextAttemptAt, d.UpdatedAt = hookd.DeliveryFailed, nil, now
		failed = append(failed, d)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	write := tx.StmtContext(ctx, s.stmts.writeRow)
	for i := range failed {
		if failed[i].ID == spare {
			continue
		}
		if err := writeRow(ctx, write, &failed[i]); err != nil {
			return 0, err
		}
	}
	if len(failed) > 0 {
		if _, err := tx.StmtContext(ctx, s.stmts.moveCursor).ExecContext(ctx, last, webhookID); err != nil {
			return 0, err
		}
	}
	return len(failed), nil
}

// backlogRetry is how long the backlog worker (s.backlog) waits after a
// batch that failed.
const backlogRetry = time.Second

// failMarked runs the batches of every marked webhook.
func (s *Store) failMarked(ctx context.Context) error {
	return sqlstore.FailMarked(ctx, sqlQuerier{q: s.reader}, s.failBacklog)
}
