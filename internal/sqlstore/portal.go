package sqlstore

import (
	"context"
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
func (s Shared) CreatePortalLink(ctx context.Context, l *hookd.PortalLink) error {
	if len(l.TokenHash) == 0 {
		return hookd.Errorf(hookd.EINVALID, "a portal link needs a token hash")
	}
	l.ExpiresAt, l.CreatedAt = RoundTime(l.ExpiresAt), RoundTime(l.CreatedAt)
	return s.e.Write(ctx, "create portal link", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		_, err := q.Exec(ctx, `INSERT INTO portal_links (token_hash, workspace_id, read_only, expires_at, created_at)
			VALUES (`+a.Add(l.TokenHash)+`, `+a.Add(l.WorkspaceID)+`, `+a.Add(s.d.Bool(l.ReadOnly))+`, `+
			a.Add(s.d.Time(l.ExpiresAt))+`, `+a.Add(s.d.Time(l.CreatedAt))+`)`, a.List...)
		switch s.e.Violation(err) {
		case UniqueViolation:
			return hookd.Errorf(hookd.ECONFLICT, "portal link already exists")
		case ForeignKeyViolation:
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
// yet used: of several at once, the others find it used (SQLite runs them
// one at a time through its single writer; PostgreSQL's wait for the row,
// in any process).
func (s Shared) RedeemPortalLink(ctx context.Context, tokenHash []byte, now time.Time) (*hookd.PortalLink, error) {
	now = RoundTime(now)
	var link *hookd.PortalLink
	err := s.e.Write(ctx, "redeem portal link", func(ctx context.Context, q Querier) error {
		link = nil
		l := hookd.PortalLink{TokenHash: append([]byte(nil), tokenHash...)}
		a := s.d.Args()
		err := q.QueryRow(ctx, `UPDATE portal_links SET used_at = `+a.Add(s.d.Time(now))+`
			WHERE token_hash = `+a.Add(tokenHash)+` AND used_at IS NULL AND expires_at > `+a.Add(s.d.Time(now))+`
			RETURNING workspace_id, read_only, expires_at, created_at`, a.List...).Scan(
			&l.WorkspaceID, BoolDest(&l.ReadOnly), TimeDest(&l.ExpiresAt), TimeDest(&l.CreatedAt))
		if err == nil {
			link = &l
			return nil
		}
		if !noRows(err) {
			return err
		}
		// Nothing was redeemed: say why.
		var used *time.Time
		err = q.QueryRow(ctx, `SELECT used_at FROM portal_links WHERE token_hash = `+s.d.Param(1), tokenHash).Scan(
			NullTimeDest(&used))
		switch {
		case noRows(err):
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
