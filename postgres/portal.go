package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5"
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
	return s.write(ctx, "create portal link", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO portal_links (token_hash, workspace_id, read_only, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5)`, l.TokenHash, l.WorkspaceID, l.ReadOnly, l.ExpiresAt, l.CreatedAt)
		switch {
		case isUniqueViolation(err):
			return hookd.Errorf(hookd.ECONFLICT, "portal link already exists")
		case pgCode(err) == codeForeignKeyViolation:
			return hookd.NotFound("workspace", l.WorkspaceID)
		}
		return err
	})
}

// RedeemPortalLink marks the link whose token hashes to tokenHash used at
// now and returns it. A link that does not exist (or whose workspace was
// deleted) is ENOTFOUND; one redeemed before is hookd.ErrPortalLinkUsed,
// expired or not; one that expired at or before now is
// hookd.ErrPortalLinkExpired. The redemption is one UPDATE of a link not
// yet used: of several at once, in any processes, the others wait for the
// row and then find it used.
func (s *Store) RedeemPortalLink(ctx context.Context, tokenHash []byte, now time.Time) (*hookd.PortalLink, error) {
	now = roundTime(now)
	var link *hookd.PortalLink
	err := s.write(ctx, "redeem portal link", func(ctx context.Context, tx pgx.Tx) error {
		link = nil
		l := hookd.PortalLink{TokenHash: append([]byte(nil), tokenHash...)}
		err := tx.QueryRow(ctx, `UPDATE portal_links SET used_at = $1
			WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
			RETURNING workspace_id, read_only, expires_at, created_at`,
			now, tokenHash).Scan(&l.WorkspaceID, &l.ReadOnly, &l.ExpiresAt, &l.CreatedAt)
		if err == nil {
			link = &l
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// Nothing was redeemed: say why.
		var used *time.Time
		err = tx.QueryRow(ctx, `SELECT used_at FROM portal_links WHERE token_hash = $1`, tokenHash).Scan(&used)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return errNoPortalLink
		case err != nil:
			return err
		case used != nil:
			return hookd.ErrPortalLinkUsed
		}
		return hookd.ErrPortalLinkExpired
	})
	if err != nil {
		return nil, err
	}
	return link, nil
}
