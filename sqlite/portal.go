package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookd/hookd"
)

// errNoPortalLink is RedeemPortalLink's ENOTFOUND: the link never existed,
// was purged, or went with its workspace.
var errNoPortalLink = hookd.Errorf(hookd.ENOTFOUND, "no such portal link: ask for a new one")

// CreatePortalLink stores l, not yet redeemed. Its times are rounded to the
// microsecond, in UTC, as they are stored. An empty token hash is
// EINVALID; a missing workspace is ENOTFOUND; a token hash that exists is
// ECONFLICT.
func (s *Store) CreatePortalLink(ctx context.Context, l *hookd.PortalLink) error {
	if len(l.TokenHash) == 0 {
		return hookd.Errorf(hookd.EINVALID, "a portal link needs a token hash")
	}
	l.ExpiresAt, l.CreatedAt = roundTime(l.ExpiresAt), roundTime(l.CreatedAt)
	return s.write(ctx, "create portal link", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO portal_links (token_hash, workspace_id, read_only, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?)`, l.TokenHash, l.WorkspaceID, bool2int(l.ReadOnly), micros(l.ExpiresAt), micros(l.CreatedAt))
		switch {
		case isUniqueViolation(err):
			return hookd.Errorf(hookd.ECONFLICT, "portal link already exists")
		case isForeignKeyViolation(err):
			return hookd.NotFound("workspace", l.WorkspaceID)
		}
		return err
	})
}

// RedeemPortalLink marks the link whose token hashes to tokenHash used at
// now and returns it. A link that does not exist (or whose workspace was
// deleted) is ENOTFOUND; one redeemed before is hookd.ErrPortalLinkUsed,
// expired or not; one that expired at or before now is
// hookd.ErrPortalLinkExpired. Redemptions go one at a time through the
// single writer, so of several only the first succeeds.
func (s *Store) RedeemPortalLink(ctx context.Context, tokenHash []byte, now time.Time) (*hookd.PortalLink, error) {
	var link *hookd.PortalLink
	err := s.write(ctx, "redeem portal link", func(ctx context.Context, tx *sql.Tx) error {
		link = nil
		var (
			l                hookd.PortalLink
			readOnly         int64
			expires, created int64
		)
		err := tx.QueryRowContext(ctx, `UPDATE portal_links SET used_at = ?
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING workspace_id, read_only, expires_at, created_at`,
			micros(now), tokenHash, micros(now)).Scan(&l.WorkspaceID, &readOnly, &expires, &created)
		if err == nil {
			l.TokenHash = append([]byte(nil), tokenHash...)
			l.ReadOnly = readOnly != 0
			l.ExpiresAt, l.CreatedAt = fromMicros(expires), fromMicros(created)
			link = &l
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Nothing was redeemed: say why.
		var used sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT used_at FROM portal_links WHERE token_hash = ?`, tokenHash).Scan(&used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errNoPortalLink
		case err != nil:
			return err
		case used.Valid:
			return hookd.ErrPortalLinkUsed
		}
		return hookd.ErrPortalLinkExpired
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}
