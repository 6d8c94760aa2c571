package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// ReserveIdempotencyKey claims key within scope for a request with the
// given fingerprint. It returns (nil, nil) when the key is new or older than
// 24 hours; the saved response when the same request already finished; and
// ECONFLICT when that request is still running (in any process) or the key
// was used for a different request.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time) (*hookd.IdempotentResponse, error) {
	now = sqlstore.RoundTime(now)
	var resp *hookd.IdempotentResponse
	err := s.write(ctx, "reserve idempotency key", func(ctx context.Context, tx pgx.Tx) error {
		resp = nil
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (scope, key, fingerprint, status, body, done, created_at)
			VALUES ($1, $2, $3, 0, NULL, false, $4) ON CONFLICT (scope, key) DO NOTHING`, scope, key, fingerprint, now)
		if err != nil || tag.RowsAffected() == 1 {
			return err
		}
		var k sqlstore.IdempotencyKey
		err = tx.QueryRow(ctx, `SELECT fingerprint, status, body, done, created_at FROM idempotency_keys
			WHERE scope = $1 AND key = $2 FOR UPDATE`, scope, key).Scan(&k.Fingerprint, &k.Status, &k.Body, &k.Done, &k.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return errRetry // released meanwhile
		}
		stale := false
		if err == nil {
			resp, stale, err = k.Reserve(key, fingerprint, now)
		}
		if err != nil || !stale {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET fingerprint = $1, status = 0, body = NULL, done = false,
			created_at = $2 WHERE scope = $3 AND key = $4`, fingerprint, now, scope, key)
		return err
	})
	return resp, err
}
