package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// Failing a disabled webhook's backlog. The transaction that disables a
// webhook marks it (failing_at, failing_spare: migration 0003) and fails a
// first batch of its pending deliveries; the rest are failed batch by
// batch, each batch a transaction of its own, so that a backlog of a
// million deliveries is not one long transaction holding a million row
// locks. The webhook is disabled from the first transaction on: no claim
// takes its deliveries, no publish fans out to it (publishes and disables
// of a workspace exclude each other: lockWorkspaces). The last batch, the
// one that finds nothing more to fail, clears the mark. Whoever disabled
// the webhook runs the batches (UpdateWebhook before it returns) or hands
// them to the store's backlog worker (RecordAttempts); every process's
// worker also resumes, at Open, the batches of a disable that a crash cut
// short, and enabling a webhook first finishes its batches, so that no
// delivery made before the disable is sent once the webhook is enabled.

// failBatch is how many pending deliveries one transaction fails.
const failBatch = 5000

const (
	sqlMarkFailing  = `UPDATE webhooks SET failing_at = $1, failing_spare = $2 WHERE id = $3`
	sqlClearFailing = `UPDATE webhooks SET failing_at = NULL, failing_spare = '' WHERE id = $1`
	// sqlFailPending fails up to $4 pending deliveries of webhook $2 but $3
	// (an empty $3 spares none), at $1.
	sqlFailPending = `UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, manual = false,
		once = false, lease_expires_at = NULL, leased_by = NULL, updated_at = $1
		WHERE id IN (SELECT id FROM deliveries WHERE webhook_id = $2 AND status = 'pending' AND id <> $3 LIMIT $4)`
	sqlAnyPending = `SELECT EXISTS (SELECT 1 FROM deliveries WHERE webhook_id = $1 AND status = 'pending' AND id <> $2)`
)

// startFailing marks, in tx, which has just disabled the webhook at now,
// the webhook's backlog as to be failed, sparing spare ("": none), and
// fails a first batch. It returns true when more is left, for failBacklog
// or the worker.
func startFailing(ctx context.Context, tx pgx.Tx, webhookID string, now time.Time, spare string) (bool, error) {
	if _, err := tx.Exec(ctx, sqlMarkFailing, sqlstore.RoundTime(now), spare, webhookID); err != nil {
		return false, err
	}
	done, err := failSome(ctx, tx, webhookID)
	return !done, err
}

// failBacklog runs the batches of webhookID's backlog until none is left.
func (s *Store) failBacklog(ctx context.Context, webhookID string) error {
	for {
		var done bool
		err := s.write(ctx, "fail pending deliveries", func(ctx context.Context, tx pgx.Tx) error {
			var err error
			done, err = failSome(ctx, tx, webhookID)
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

// failSome fails, in tx, up to failBatch pending deliveries of webhookID,
// if its backlog is marked, and reports whether none is left (then it
// clears the mark). It locks the webhook's row first, as every write that
// locks a webhook and its deliveries does.
func failSome(ctx context.Context, tx pgx.Tx, webhookID string) (bool, error) {
	var (
		at    *time.Time
		spare string
	)
	err := tx.QueryRow(ctx, `SELECT failing_at, failing_spare FROM webhooks WHERE id = $1 FOR NO KEY UPDATE`,
		webhookID).Scan(&at, &spare)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && at == nil {
		return true, nil // deleted, or done
	}
	if err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, sqlFailPending, *at, webhookID, spare, failBatch)
	if err != nil || tag.RowsAffected() == failBatch {
		return false, err
	}
	// Fewer than asked: the rest, unless a delivery picked was changed
	// meanwhile (a record) and others wait behind it.
	var more bool
	if err := tx.QueryRow(ctx, sqlAnyPending, webhookID, spare).Scan(&more); err != nil || more {
		return false, err
	}
	_, err = tx.Exec(ctx, sqlClearFailing, webhookID)
	return err == nil, err
}

// backlogRetry is how long the worker waits after a batch that failed.
const backlogRetry = time.Second

// startBacklogWorker runs, until Close, the batches that the disabling
// transactions leave to it (s.backlog.Wake), and at once those of disables
// a crash cut short.
func (s *Store) startBacklogWorker() {
	s.backlog.Start(s.failMarked, backlogRetry, func(err error) {
		s.log.Warn("fail pending deliveries of disabled webhooks", "err", err)
	})
}

// failMarked runs the batches of every marked webhook.
func (s *Store) failMarked(ctx context.Context) error {
	return sqlstore.FailMarked(ctx, pgQuerier{s.pool}, s.failBacklog)
}
