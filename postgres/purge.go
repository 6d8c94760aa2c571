package postgres

import (
	"context"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// purgeChunk is how many events one purge transaction looks at, so that
// claims and records are not held up behind a long delete.
const purgeChunk = 500

// sqlPurgeLock is held by the transaction of each purge chunk: when
// another process is purging, this one leaves the work to it.
const sqlPurgeLock = `SELECT pg_try_advisory_xact_lock(1751936100, hashtext('hookd purge ' || current_schema()))`

// Purge deletes the succeeded and failed deliveries created before
// r.Before, with their attempts; then the events created before r.Before
// that have no delivery left; then the idempotency keys created before
// r.IdempotencyBefore, and the portal links that expired before it. Pending deliveries and their events stay. It works
// in short transactions of a few hundred events, and stops early when
// another process is purging the same database. It returns how many
// deliveries it deleted.
func (s *Store) Purge(ctx context.Context, r hookd.PurgeRequest) (int, error) {
	before := sqlstore.RoundTime(r.Before)
	if err := s.purgeAttemptMinutes(ctx, r.IdempotencyBefore); err != nil {
		return 0, err
	}
	var (
		total     int
		curAt     = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) // before any event
		curID     string
		exhausted bool
	)
	for !exhausted {
		var n int
		nextAt, nextID := curAt, curID
		err := s.write(ctx, "purge", func(ctx context.Context, tx pgx.Tx) error {
			n = 0
			var mine bool
			if err := tx.QueryRow(ctx, sqlPurgeLock).Scan(&mine); err != nil {
				return err
			}
			if !mine {
				exhausted = true
				return nil
			}
			rows, err := tx.Query(ctx, `SELECT id, created_at FROM events
				WHERE created_at < $1 AND (created_at, id) > ($2, $3)
				ORDER BY created_at, id LIMIT $4`, before, curAt, curID, purgeChunk)
			if err != nil {
				return err
			}
			var ids []string
			nextAt, nextID = curAt, curID
			for rows.Next() {
				if err := rows.Scan(&nextID, &nextAt); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, nextID)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			exhausted = len(ids) < purgeChunk
			if len(ids) == 0 {
				return nil
			}
			tag, err := tx.Exec(ctx, `DELETE FROM deliveries WHERE event_id = ANY($1)
				AND status IN ('succeeded', 'failed') AND created_at < $2`, ids, before)
			if err != nil {
				return err
			}
			n = int(tag.RowsAffected())
			_, err = tx.Exec(ctx, `DELETE FROM events WHERE id = ANY($1)
				AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)`, ids)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		curAt, curID = nextAt, nextID
	}
	err := s.write(ctx, "purge idempotency keys", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, sqlstore.RoundTime(r.IdempotencyBefore))
		return err
	})
	if err != nil {
		return total, err
	}
	err = s.write(ctx, "purge portal links", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM portal_links WHERE expires_at < $1`, sqlstore.RoundTime(r.IdempotencyBefore))
		return err
	})
	return total, err
}
