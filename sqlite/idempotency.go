package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// ReserveIdempotencyKey claims key within scope for a request with the
// given fingerprint. It returns (nil, nil) when the key is new or older than
// 24 hours; the saved response when the same request already finished; and
// ECONFLICT when that request is still running or the key was used for a
// different request.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time) (*hookd.IdempotentResponse, error) {
	var resp *hookd.IdempotentResponse
	err := s.write(ctx, "reserve idempotency key", func(ctx context.Context, tx *sql.Tx) error {
		var (
			k       sqlstore.IdempotencyKey
			done    int64
			created int64
		)
		err := tx.QueryRowContext(ctx, `SELECT fingerprint, status, body, done, created_at FROM idempotency_keys
			WHERE scope = ? AND key = ?`, scope, key).Scan(&k.Fingerprint, &k.Status, &k.Body, &done, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows): // a new key
		case err != nil:
			return err
		default:
			k.Done, k.CreatedAt = done != 0, fromMicros(created)
			stale := false
			if resp, stale, err = k.Reserve(key, fingerprint, now); err != nil || !stale {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO idempotency_keys
			(scope, key, fingerprint, status, body, done, created_at) VALUES (?, ?, ?, 0, NULL, 0, ?)`,
			scope, key, fingerprint, micros(now))
		return err
	})
	return resp, err
}
