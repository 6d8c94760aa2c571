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

// SaveIdempotentResponse stores the answer to a reserved key. A key that is
// not reserved (released or purged) is ENOTFOUND.
func (s *Store) SaveIdempotentResponse(ctx context.Context, scope, key string, resp hookd.IdempotentResponse) error {
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	return s.write(ctx, "save idempotent response", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE idempotency_keys SET status = ?, body = ?, done = 1
			WHERE scope = ? AND key = ?`, resp.Status, body, scope, key)
		return mustAffect(res, err, hookd.NotFound("idempotency key", key))
	})
}

// ReleaseIdempotencyKey forgets a reserved key, so that the request can be
// tried again. Releasing an unknown key does nothing.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	return s.write(ctx, "release idempotency key", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key)
		return err
	})
}
