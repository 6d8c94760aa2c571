package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

const sqlWorkspaceExists = `SELECT count(*) FROM workspaces WHERE id = ?`

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
	return s.write(ctx, "create workspace", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO workspaces (id, name, settings, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`, ws.ID, ws.Name, settings, micros(ws.CreatedAt), micros(ws.UpdatedAt))
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
func encodeSettings(settings hookd.WorkspaceSettings) (string, error) {
	b, err := json.Marshal(settings)
	if err != nil || settings.WebhookDefaults == nil || settings.WebhookDefaults.RetrySchedule != nil {
		return string(b), err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return "", err
	}
	var defaults map[string]json.RawMessage
	if err := json.Unmarshal(top["webhook_defaults"], &defaults); err != nil {
		return "", err
	}
	delete(defaults, "retry_schedule")
	if top["webhook_defaults"], err = json.Marshal(defaults); err != nil {
		return "", err
	}
	b, err = json.Marshal(top)
	return string(b), err
}

const workspaceColumns = `id, name, settings, created_at, updated_at`

func scanWorkspace(row interface{ Scan(...any) error }) (hookd.Workspace, error) {
	var (
		ws               hookd.Workspace
		settings         string
		created, updated int64
	)
	if err := row.Scan(&ws.ID, &ws.Name, &settings, &created, &updated); err != nil {
		return ws, err
	}
	if err := json.Unmarshal([]byte(settings), &ws.Settings); err != nil {
		return ws, err
	}
	ws.CreatedAt, ws.UpdatedAt = fromMicros(created), fromMicros(updated)
	return ws, nil
}

// Workspace returns the workspace with the given id, or ENOTFOUND.
func (s *Store) Workspace(ctx context.Context, id string) (*hookd.Workspace, error) {
	ws, err := scanWorkspace(s.reader.QueryRowContext(ctx,
		`SELECT `+workspaceColumns+` FROM workspaces WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
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
	out, err := readPage(ctx, s.reader, `SELECT `+workspaceColumns+` FROM workspaces WHERE TRUE`, nil, p, scanWorkspace)
	if err != nil {
		return nil, "", wrap("list workspaces", err)
	}
	out, next := sqlstore.Cut(out, limit, func(ws hookd.Workspace) string { return ws.ID })
	return out, next, nil
}

// UpdateWorkspace writes ws's name, settings and UpdatedAt. A missing
// workspace is ENOTFOUND.
func (s *Store) UpdateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	ws.UpdatedAt = roundTime(ws.UpdatedAt)
	settings, err := encodeSettings(ws.Settings)
	if err != nil {
		return wrap("update workspace", err)
	}
	return s.write(ctx, "update workspace", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE workspaces SET name = ?, settings = ?, updated_at = ? WHERE id = ?`,
			ws.Name, settings, micros(ws.UpdatedAt), ws.ID)
		return mustAffect(res, err, hookd.NotFound("workspace", ws.ID))
	})
}

// DeleteWorkspace removes the workspace with its keys, webhooks, events,
// deliveries and attempts, in one transaction. A missing workspace is
// ENOTFOUND.
func (s *Store) DeleteWorkspace(ctx context.Context, id string) error {
	return s.write(ctx, "delete workspace", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM workspaces WHERE id = ?`, id)
		return mustAffect(res, err, hookd.NotFound("workspace", id))
	})
}

// mustAffect returns err, or notFound when the statement changed no row.
func mustAffect(res sql.Result, err error, notFound error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// workspaceExists returns ENOTFOUND when the workspace does not exist.
func workspaceExists(ctx context.Context, q querier, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, sqlWorkspaceExists, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return hookd.NotFound("workspace", id)
	}
	return nil
}

// CreateAPIKey stores k, filling k.ID when empty. A missing workspace is
// ENOTFOUND; a hash or ID that exists is ECONFLICT.
func (s *Store) CreateAPIKey(ctx context.Context, k *hookd.APIKey) error {
	k.ID = newID(k.ID, hookd.PrefixKey, k.CreatedAt)
	k.CreatedAt = roundTime(k.CreatedAt)
	return s.write(ctx, "create api key", func(ctx context.Context, tx *sql.Tx) error {
		if err := workspaceExists(ctx, tx, k.WorkspaceID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, workspace_id, name, hash, created_at)
			VALUES (?, ?, ?, ?, ?)`, k.ID, k.WorkspaceID, k.Name, k.Hash, micros(k.CreatedAt))
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "api key already exists")
		}
		return err
	})
}

// APIKeyByHash returns the key whose secret hashes to hash, or ENOTFOUND.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (*hookd.APIKey, error) {
	var (
		k       hookd.APIKey
		created int64
	)
	err := s.reader.QueryRowContext(ctx, `SELECT id, workspace_id, name, hash, created_at FROM api_keys WHERE hash = ?`,
		hash).Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hookd.Errorf(hookd.ENOTFOUND, "api key not found")
	}
	if err != nil {
		return nil, wrap("get api key", err)
	}
	k.CreatedAt = fromMicros(created)
	return &k, nil
}

// DeleteAPIKey revokes the key id of the workspace. A key that does not
// exist in that workspace is ENOTFOUND.
func (s *Store) DeleteAPIKey(ctx context.Context, workspaceID, id string) error {
	return s.write(ctx, "delete api key", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ? AND workspace_id = ?`, id, workspaceID)
		return mustAffect(res, err, hookd.NotFound("api key", id))
	})
}

// ListAPIKeys returns a page of the workspace's keys, newest first, and the
// cursor of the next page ("" after the last). A missing workspace is
// ENOTFOUND.
func (s *Store) ListAPIKeys(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.APIKey, string, error) {
	limit := sqlstore.PageLimit(p)
	var out []hookd.APIKey
	err := s.read(ctx, "list api keys", func(ctx context.Context, tx *sql.Tx) error {
		if err := workspaceExists(ctx, tx, workspaceID); err != nil {
			return err
		}
		var err error
		out, err = readPage(ctx, tx, `SELECT id, workspace_id, name, hash, created_at FROM api_keys WHERE workspace_id = ?`,
			[]any{workspaceID}, p, func(row interface{ Scan(...any) error }) (hookd.APIKey, error) {
				var (
					k       hookd.APIKey
					created int64
				)
				err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, &created)
				k.CreatedAt = fromMicros(created)
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
