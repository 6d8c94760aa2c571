package postgres

import (
	"context"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// workspaceExists returns ENOTFOUND when the workspace does not exist.
// lock takes the workspace row's FOR NO KEY UPDATE lock until the
// transaction ends, to serialize what counts the workspace's things
// (max_webhooks); the lock does not hold back inserts that reference the
// workspace.
func workspaceExists(ctx context.Context, q querier, id string, lock bool) error {
	if !lock {
		return sqlstore.WorkspaceExists(ctx, pgQuerier{q}, &dialect, id)
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return hookd.NotFound("workspace", id)
	}
	return err
}
