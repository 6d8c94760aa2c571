package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// The statements that record attempts and move cursors.
const (
	// sqlMoveCursor moves a webhook's cursor up.
	sqlMoveCursor        = `UPDATE webhooks SET cursor = max(cursor, ?) WHERE id = ?`
	sqlWebhookOfDelivery = `SELECT webhook_id FROM deliveries WHERE id = ?`
	sqlStreakSucceeded   = `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`
	sqlStreakFailed      = `UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`
	sqlStreakRestart     = `UPDATE webhooks SET failing_since = ? WHERE id = ?`
	sqlDisableWebhook    = `UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?`
)

// The statements that write a delivery's record.
var (
	// sqlWriteQueued writes the row of a queued delivery at its first
	// record, from the delivery as claimed, with the attempt ?12 as its
	// log; when the row was written meanwhile (a retry by hand, a
	// disable), it applies the record as sqlRecordDelivery does. When the
	// webhook or the event is gone (deleted, purged after a disable failed
	// it), a foreign key fails it.
	sqlWriteQueued = `INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status,
		attempts, scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, last_status_code,
		created_at, updated_at, log)
		VALUES (?1, ?7, ?8, ?9, ?10, ?2, 1, ?3, 0, 0, ?4, 0, ?5, ?11, ?6, '[' || ?12 || ']')
		ON CONFLICT (id) DO UPDATE SET attempts = attempts + 1, status = ?2, next_attempt_at = ?4,
			scheduled_attempts = ?3, last_status_code = ?5, manual = 0, once = 0, lease_expires_at = 0, updated_at = ?6,
			log = ` + appendLog("?12")
	// sqlRecordDelivery applies one record to its delivery, with the
	// attempt ?7 appended to its log.
	sqlRecordDelivery = `UPDATE deliveries SET attempts = attempts + 1, status = ?2, next_attempt_at = ?4,
		scheduled_attempts = ?3, last_status_code = ?5, manual = 0, once = 0, lease_expires_at = 0, updated_at = ?6,
		log = ` + appendLog("?7") + `
		WHERE id = ?1`
)

// appendLog is an expression for the log column with the attempt in
// parameter p (a JSON object) appended: the array's text is extended,
// never parsed. An attempt's number is its place in the log (migration
// 0003_attempt_log.sql).
func appendLog(p string) string {
	return `CASE WHEN log IS NULL THEN '[' || ` + p + ` || ']'
		ELSE substr(log, 1, length(log) - 1) || ',' || ` + p + ` || ']' END`
}

// RecordAttempts is hookd.Store's, in one transaction of the single
// writer: each attempt is appended to its delivery's log column (an
// attempt's number is its place there), and its in-memory lease is
// released once the transaction commits. The first record of a queued
// delivery writes its row, and moves its webhook's cursor up to the first
// queued delivery still in flight (queue.go). A record with a
// DisableReason disables its webhook, whose other pending deliveries then
// fail batch by batch (backlog.go). Records of deliveries deleted
// meanwhile are skipped; an empty WebhookID is looked up. The attempts
// written are counted by minute in attempt_minutes, for Overview.
func (s *Store) RecordAttempts(ctx context.Context, recs []hookd.AttemptRecord) error {
	if len(recs) == 0 {
		return nil
	}
	// Encode the log entries before taking the writer.
	logs := make([]string, len(recs))
	for i := range recs {
		b, err := encodeAttempt(&recs[i].Attempt)
		if err != nil {
			return wrap("record attempts", err)
		}
		logs[i] = string(b)
	}
	applied := make([]bool, len(recs))
	var moved map[string]int64 // cursors written
	failing := false           // a disable left batches to the worker
	err := s.write(ctx, "record attempts", func(ctx context.Context, tx *sql.Tx) error {
		stmts := recordStmts{update: tx.StmtContext(ctx, s.stmts.recordDelivery),
			writeQueued: tx.StmtContext(ctx, s.stmts.writeQueued)}
		var (
			streaks sqlstore.Streaks
			queued  = map[string]bool{} // the batch's queued deliveries in flight
		)
		for i := range recs {
			rec := &recs[i]
			if rec.WebhookID == "" {
				webhookID, err := webhookOfDelivery(ctx, tx, s.stmts.webhookOfDelivery, rec.DeliveryID)
				if errors.Is(err, sql.ErrNoRows) {
					continue // deleted with its webhook or workspace, or purged
				}
				if err != nil {
					return err
				}
				rec.WebhookID = webhookID
			}
			c, inFlight := s.queue.claimed(rec.DeliveryID)
			if inFlight {
				queued[rec.DeliveryID] = true
			}
			ok, err := s.recordOne(ctx, tx, stmts, rec, logs[i], c.delivery)
			if err != nil {
				return err
			}
			if !ok {
				continue // deleted with its webhook or workspace, or purged
			}
			applied[i] = true
			streaks.Add(rec.WebhookID, rec)
		}
		var err error
		if moved, err = s.moveCursors(ctx, tx, queued); err != nil {
			return err
		}
		for _, id := range streaks.Order() {
			var err error
			switch change, start := streaks.Change(id); change {
			case sqlstore.StreakEnded:
				_, err = tx.StmtContext(ctx, s.stmts.streakSucceeded).ExecContext(ctx, id)
			case sqlstore.StreakRestarted:
				_, err = tx.StmtContext(ctx, s.stmts.streakRestart).ExecContext(ctx, micros(start), id)
			case sqlstore.StreakFailing:
				_, err = tx.StmtContext(ctx, s.stmts.streakFailed).ExecContext(ctx, micros(start), id)
			}
			if err != nil {
				return err
			}
		}
		if err := s.countAttempts(ctx, tx, recs, applied); err != nil {
			return err
		}
		for i := range recs {
			rec := &recs[i]
			if !applied[i] || rec.DisableReason == "" {
				continue
			}
			if _, err := tx.StmtContext(ctx, s.stmts.disableWebhook).ExecContext(ctx,
				rec.DisableReason, micros(rec.Now), rec.WebhookID); err != nil {
				return err
			}
			more, err := s.startFailing(ctx, tx, rec.WebhookID, rec.Now, rec.DeliveryID)
			failing = failing || more
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failing {
		s.backlog.Wake()
	}
	// Only now that the records are committed may the deliveries be
	// claimed again.
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].DeliveryID
	}
	s.queue.recorded(ids)
	s.queue.persisted(moved)
	s.leases.release(ids)
	return nil
}

// recordStmts are the statements of recordOne, bound to one RecordAttempts
// transaction once for all its records.
type recordStmts struct {
	update      *sql.Stmt // sqlRecordDelivery
	writeQueued *sql.Stmt // sqlWriteQueued
}

// recordOne applies rec to its delivery's row, with logged (its attempt as
// encodeAttempt wrote it) appended to the row's log, writing the row of a
// queued delivery from claimed, the delivery as this process claimed it
// (nil: not in flight here); it returns false when the delivery no longer
// exists.
func (s *Store) recordOne(ctx context.Context, tx *sql.Tx, stmts recordStmts, rec *hookd.AttemptRecord,
	logged string, claimed *hookd.Delivery) (bool, error) {
	if claimed == nil {
		res, err := stmts.update.ExecContext(ctx, rec.DeliveryID, rec.Status, rec.ScheduledAttempts,
			nullMicros(rec.NextAttemptAt), nullInt(rec.LastStatusCode), micros(rec.Now), logged)
		if n, err := affected(res, err); n > 0 || err != nil {
			return n > 0, err
		}
		// No row: a queued delivery whose claim's lease ran out, or that
		// was handed back, before this record.
		var workspaceID string
		err = tx.QueryRowContext(ctx, `SELECT workspace_id FROM webhooks WHERE id = ?`, rec.WebhookID).Scan(&workspaceID)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if claimed, err = loadQueued(ctx, tx, workspaceID, rec.WebhookID, rec.DeliveryID); claimed == nil || err != nil {
			return false, err
		}
	}
	d := claimed
	res, err := stmts.writeQueued.ExecContext(ctx, rec.DeliveryID, rec.Status,
		rec.ScheduledAttempts, nullMicros(rec.NextAttemptAt), nullInt(rec.LastStatusCode), micros(rec.Now),
		d.WorkspaceID, d.EventID, d.WebhookID, d.EventType, micros(d.CreatedAt), logged)
	if isForeignKeyViolation(err) {
		// Its webhook or event is gone; the failed statement changed
		// nothing, and the transaction goes on.
		return false, nil
	}
	n, err := affected(res, err)
	return n > 0, err
}

// affected returns the rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// moveCursors moves up, in tx, the cursors of the webhooks whose claims
// have read past them: up to their first queued delivery in flight that
// tx does not record (done), or as far as their claims have read. A
// webhook whose events are mostly for others gets its cursor moved too, so
// that lists and restarts do not read those events again. It returns the
// cursors written, for queue.persisted once tx has committed.
func (s *Store) moveCursors(ctx context.Context, tx *sql.Tx, done map[string]bool) (map[string]int64, error) {
	moves := s.queue.cursors(done)
	for id, cursor := range moves {
		if _, err := tx.StmtContext(ctx, s.stmts.moveCursor).ExecContext(ctx, cursor, id); err != nil {
			return nil, err
		}
	}
	return moves, nil
}

// webhookOfDelivery returns the webhook of a delivery, with a row or
// queued; sql.ErrNoRows when there is none.
func webhookOfDelivery(ctx context.Context, tx *sql.Tx, byRow *sql.Stmt, id string) (string, error) {
	var webhookID string
	err := tx.StmtContext(ctx, byRow).QueryRowContext(ctx, id).Scan(&webhookID)
	if !errors.Is(err, sql.ErrNoRows) {
		return webhookID, err
	}
	eventID, idx, ok := parseQueuedID(id)
	if !ok {
		return "", err
	}
	var fanout sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT fanout FROM events WHERE id = ?`, eventID).Scan(&fanout); err != nil {
		return "", err
	}
	if webhookID = fanoutAt(fanout.String, idx); webhookID == "" {
		return "", sql.ErrNoRows
	}
	return webhookID, nil
}
