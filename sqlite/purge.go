package sqlite

import (
	"context"
	"database/sql"
	"math"

	"github.com/hookd/hookd"
)

// purgeChunk is how many events one purge transaction looks at, so that
// claims and records are not held up behind a long delete.
const purgeChunk = 500

// Purge deletes the succeeded and failed deliveries created before
// r.Before, with their attempts; then the events created before r.Before
// that have no delivery left, queued ones included; then the idempotency keys created before
// r.IdempotencyBefore, and the portal links that expired before it. Pending deliveries and their events stay. It works
// in short transactions of a few hundred events and returns how many
// deliveries it deleted.
func (s *Store) Purge(ctx context.Context, r hookd.PurgeRequest) (int, error) {
	before := micros(r.Before)
	if err := s.purgeAttemptMinutes(ctx, r.IdempotencyBefore); err != nil {
		return 0, err
	}
	var (
		total     int
		curAt     int64 = math.MinInt64
		curID     string
		exhausted bool
	)
	for !exhausted {
		err := s.write(ctx, "purge", func(ctx context.Context, tx *sql.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id, created_at FROM events
				WHERE created_at < ? AND (created_at, id) > (?, ?)
				ORDER BY created_at, id LIMIT ?`, before, curAt, curID, purgeChunk)
			if err != nil {
				return err
			}
			var ids []string
			for rows.Next() {
				if err := rows.Scan(&curID, &curAt); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, curID)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			exhausted = len(ids) < purgeChunk
			if len(ids) == 0 {
				return nil
			}
			args := append(idArgs(ids), before)
			// A row above its webhook's cursor stays: without it, its
			// delivery would read as queued again.
			res, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE event_id IN (`+placeholders(len(ids))+`)
				AND status IN ('succeeded', 'failed') AND created_at < ?
				AND NOT EXISTS (SELECT 1 FROM events AS e JOIN webhooks AS w ON w.id = deliveries.webhook_id
					WHERE e.id = deliveries.event_id AND e.fanout IS NOT NULL AND e.seq > w.cursor)`, args...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
			// An event stays while it has a delivery row or a queued
			// delivery (to a webhook whose cursor is below it).
			_, err = tx.ExecContext(ctx, `DELETE FROM events WHERE id IN (`+placeholders(len(ids))+`)
				AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)
				AND NOT EXISTS (SELECT 1 FROM webhooks AS w WHERE w.workspace_id = events.workspace_id
					AND w.cursor < events.seq AND instr(' ' || events.fanout || ' ', ' ' || w.id || ' ') > 0)`,
				idArgs(ids)...)
			return err
		})
		if err != nil {
			return total, err
		}
	}
	err := s.write(ctx, "purge idempotency keys", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, micros(r.IdempotencyBefore))
		return err
	})
	if err != nil {
		return total, err
	}
	err = s.write(ctx, "purge portal links", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM portal_links WHERE expires_at < ?`, micros(r.IdempotencyBefore))
		return err
	})
	return total, err
}
