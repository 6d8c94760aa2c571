package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// CreateWorkspace stores ws, filling ws.ID when empty. Its times are
// rounded to the microsecond, in UTC, as they are stored. An ID that exists
// is ECONFLICT.
func (s *Store) CreateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	ws.ID = newID(ws.ID, hookd.PrefixWorkspace, ws.CreatedAt)
	ws.CreatedAt, ws.UpdatedAt = roundTime(ws.CreatedAt), roundTime(ws.UpdatedAt)
	settings, err := encodeSettings(ws.Settings)
	if err != nil {
		return wrap("create workspace", err)
	}
	return s.write(ctx, "create workspace", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO workspaces (id, name, settings, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5)`, ws.ID, ws.Name, settings, ws.CreatedAt, ws.UpdatedAt)
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "workspace %q already exists", ws.ID)
		}
		return err
	})
}

// encodeSettings writes settings as JSON, leaving out a nil default retry
// schedule: nil means the server's default, while the JSON of a nil
// RetrySchedule is [], no retries at all. Reading the JSON back gives nil
// for the missing key, so both round-trip.
func encodeSettings(settings hookd.WorkspaceSettings) ([]byte, error) {
	b, err := json.Marshal(settings)
	if err != nil || settings.WebhookDefaults == nil || settings.WebhookDefaults.RetrySchedule != nil {
		return b, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	var defaults map[string]json.RawMessage
	if err := json.Unmarshal(top["webhook_defaults"], &defaults); err != nil {
		return nil, err
	}
	delete(defaults, "retry_schedule")
	if top["webhook_defaults"], err = json.Marshal(defaults); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

const workspaceColumns = `id, name, settings, created_at, updated_at`

func scanWorkspace(row pgx.Row) (hookd.Workspace, error) {
	var (
		ws       hookd.Workspace
		settings []byte
	)
	if err := row.Scan(&ws.ID, &ws.Name, &settings, &ws.CreatedAt, &ws.UpdatedAt); err != nil {
		return ws, err
	}
	if err := json.Unmarshal(settings, &ws.Settings); err != nil {
		return ws, err
	}
	return ws, nil
}

// Workspace returns the workspace with the given id, or ENOTFOUND.
func (s *Store) Workspace(ctx context.Context, id string) (*hookd.Workspace, error) {
	ws, err := scanWorkspace(s.pool.QueryRow(ctx, `SELECT `+workspaceColumns+` FROM workspaces WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, hookd.NotFound("workspace", id)
	}
	if err != nil {
		return nil, wrap("get workspace", err)
	}
	return &ws, nil
}

// ListWorkspaces returns a page of workspaces, newest first, and the cursor
// of the next page ("" after the last).
func (s *Store) ListWorkspaces(ctx context.Context, p hookd.Page) ([]hookd.Workspace, string, error) {
	limit := sqlstore.PageLimit(p)
	var a args
	q := `SELECT ` + workspaceColumns + ` FROM workspaces`
	if p.Cursor != "" {
		q += ` WHERE id < ` + a.add(p.Cursor)
	}
	q += ` ORDER BY id DESC LIMIT ` + a.add(limit+1)
	rows, err := s.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, "", wrap("list workspaces", err)
	}
	out, err := collect(rows, scanWorkspace)
	if err != nil {
		return nil, "", wrap("list workspaces", err)
	}
	out, next := sqlstore.Cut(out, limit, func(ws hookd.Workspace) string { return ws.ID })
	return out, next, nil
}

// collect reads every row with scan and closes rows. It returns an empty,
// non-nil slice when there is none.
func collect[T any](rows pgx.Rows, scan func(row pgx.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// UpdateWorkspace writes ws's name, settings and UpdatedAt. A missing
// workspace is ENOTFOUND.
func (s *Store) UpdateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	ws.UpdatedAt = roundTime(ws.UpdatedAt)
	settings, err := encodeSettings(ws.Settings)
	if err != nil {
		return wrap("update workspace", err)
	}
	return s.write(ctx, "update workspace", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE workspaces SET name = $1, settings = $2, updated_at = $3 WHERE id = $4`,
			ws.Name, settings, ws.UpdatedAt, ws.ID)
		return mustAffect(tag, err, hookd.NotFound("workspace", ws.ID))
	})
}

// DeleteWorkspace removes the workspace with its keys, webhooks, events,
// deliveries and attempts, in one transaction. A missing workspace is
// ENOTFOUND.
func (s *Store) DeleteWorkspace(ctx context.Context, id string) error {
	return s.write(ctx, "delete workspace", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM workspaces WHERE id = $1`, id)
		return mustAffect(tag, err, hookd.NotFound("workspace", id))
	})
}

// workspaceExists returns ENOTFOUND when the workspace does not exist.
// lock takes the workspace row's FOR NO KEY UPDATE lock until the
// transaction ends, to serialize what counts the workspace's things
// (max_webhooks); the lock does not hold back inserts that reference the
// workspace.
func workspaceExists(ctx context.Context, q querier, id string, lock bool) error {
	sql := `SELECT 1 FROM workspaces WHERE id = $1`
	if lock {
		sql += ` FOR NO KEY UPDATE`
	}
	var one int
	err := q.QueryRow(ctx, sql, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return hookd.NotFound("workspace", id)
	}
	return err
}

// CreateAPIKey stores k, filling k.ID when empty. A missing workspace is
// ENOTFOUND; a hash or ID that exists is ECONFLICT.
func (s *Store) CreateAPIKey(ctx context.Context, k *hookd.APIKey) error {
	k.ID = newID(k.ID, hookd.PrefixKey, k.CreatedAt)
	k.CreatedAt = roundTime(k.CreatedAt)
	return s.write(ctx, "create api key", func(ctx context.Context, tx pgx.Tx) error {
		if err := workspaceExists(ctx, tx, k.WorkspaceID, false); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO api_keys (id, workspace_id, name, hash, created_at)
			VALUES ($1, $2, $3, $4, $5)`, k.ID, k.WorkspaceID, k.Name, k.Hash, k.CreatedAt)
		switch {
		case isUniqueViolation(err):
			return hookd.Errorf(hookd.ECONFLICT, "api key already exists")
		case pgCode(err) == codeForeignKeyViolation: // deleted meanwhile
			return hookd.NotFound("workspace", k.WorkspaceID)
		}
		return err
	})
}

// APIKeyByHash returns the key whose secret hashes to hash, or ENOTFOUND.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (*hookd.APIKey, error) {
	var k hookd.APIKey
	err := s.pool.QueryRow(ctx, `SELECT id, workspace_id, name, hash, created_at FROM api_keys WHERE hash = $1`,
		hash).Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, hookd.Errorf(hookd.ENOTFOUND, "api key not found")
	}
	if err != nil {
		return nil, wrap("get api key", err)
	}
	return &k, nil
}

// DeleteAPIKey revokes the key id of the workspace. A key that does not
// exist in that workspace is ENOTFOUND.
func (s *Store) DeleteAPIKey(ctx context.Context, workspaceID, id string) error {
	return s.write(ctx, "delete api key", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM api_keys WHERE id = $1 AND workspace_id = $2`, id, workspaceID)
		return mustAffect(tag, err, hookd.NotFound("api key", id))
	})
}

// ListAPIKeys returns a page of the workspace's keys, newest first, and the
// cursor of the next page ("" after the last). A missing workspace is
// ENOTFOUND.
func (s *Store) ListAPIKeys(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.APIKey, string, error) {
	limit := sqlstore.PageLimit(p)
	var out []hookd.APIKey
	err := s.read(ctx, "list api keys", func(ctx context.Context, tx pgx.Tx) error {
		if err := workspaceExists(ctx, tx, workspaceID, false); err != nil {
			return err
		}
		var a args
		q := `SELECT id, workspace_id, name, hash, created_at FROM api_keys WHERE workspace_id = ` + a.add(workspaceID)
		if p.Cursor != "" {
			q += ` AND id < ` + a.add(p.Cursor)
		}
		q += ` ORDER BY id DESC LIMIT ` + a.add(limit+1)
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return err
		}
		out, err = collect(rows, func(row pgx.Row) (hookd.APIKey, error) {
			var k hookd.APIKey
			err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, &k.CreatedAt)
			return k, err
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(out, limit, func(k hookd.APIKey) string { return k.ID })
	return out, next, nil
}
