package sqlstore

import (
	"context"

	"github.com/hookd/hookd"
)

// CreateWorkspace stores ws, filling ws.ID when empty. Its times are
// rounded to the microsecond, in UTC, as they are stored. An ID that exists
// is ECONFLICT.
func (s Shared) CreateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	ws.ID = NewID(ws.ID, hookd.PrefixWorkspace, ws.CreatedAt)
	ws.CreatedAt, ws.UpdatedAt = RoundTime(ws.CreatedAt), RoundTime(ws.UpdatedAt)
	settings, err := EncodeSettings(ws.Settings)
	if err != nil {
		return s.e.Wrap("create workspace", err)
	}
	return s.e.Write(ctx, "create workspace", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		_, err := q.Exec(ctx, `INSERT INTO workspaces (`+WorkspaceColumns+`) VALUES (`+a.Add(ws.ID)+`, `+a.Add(ws.Name)+`, `+
			a.Add(s.d.JSON(settings))+`, `+a.Add(s.d.Time(ws.CreatedAt))+`, `+a.Add(s.d.Time(ws.UpdatedAt))+`)`, a.List...)
		if s.e.Violation(err) == UniqueViolation {
			return hookd.Errorf(hookd.ECONFLICT, "workspace %q already exists", ws.ID)
		}
		return err
	})
}

// Workspace returns the workspace with the given id, or ENOTFOUND.
func (s Shared) Workspace(ctx context.Context, id string) (*hookd.Workspace, error) {
	ws, err := one(ctx, s.e.DB(), hookd.NotFound("workspace", id), ScanWorkspace,
		`SELECT `+WorkspaceColumns+` FROM workspaces WHERE id = `+s.d.Param(1), id)
	if err != nil {
		return nil, s.e.Wrap("get workspace", err)
	}
	return &ws, nil
}

// ListWorkspaces returns a page of workspaces, newest first, and the cursor
// of the next page ("" after the last).
func (s Shared) ListWorkspaces(ctx context.Context, p hookd.Page) ([]hookd.Workspace, string, error) {
	a := s.d.Args()
	q := `SELECT ` + WorkspaceColumns + ` FROM workspaces WHERE TRUE` + a.Page(p, nil, nil)
	rows, err := s.e.DB().Query(ctx, q, a.List...)
	out, err := Collect(rows, err, ScanWorkspace)
	if err != nil {
		return nil, "", s.e.Wrap("list workspaces", err)
	}
	out, next := Cut(out, PageLimit(p), func(ws hookd.Workspace) string { return ws.ID })
	return out, next, nil
}

// UpdateWorkspace writes ws's name, settings and UpdatedAt. A missing
// workspace is ENOTFOUND.
func (s Shared) UpdateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	ws.UpdatedAt = RoundTime(ws.UpdatedAt)
	settings, err := EncodeSettings(ws.Settings)
	if err != nil {
		return s.e.Wrap("update workspace", err)
	}
	return s.e.Write(ctx, "update workspace", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		n, err := q.Exec(ctx, `UPDATE workspaces SET name = `+a.Add(ws.Name)+`, settings = `+a.Add(s.d.JSON(settings))+
			`, updated_at = `+a.Add(s.d.Time(ws.UpdatedAt))+` WHERE id = `+a.Add(ws.ID), a.List...)
		return MustAffect(n, err, hookd.NotFound("workspace", ws.ID))
	})
}

// DeleteWorkspace removes the workspace with its keys, webhooks, events,
// deliveries and attempts, in one transaction. A missing workspace is
// ENOTFOUND.
func (s Shared) DeleteWorkspace(ctx context.Context, id string) error {
	return s.e.Write(ctx, "delete workspace", func(ctx context.Context, q Querier) error {
		n, err := q.Exec(ctx, `DELETE FROM workspaces WHERE id = `+s.d.Param(1), id)
		return MustAffect(n, err, hookd.NotFound("workspace", id))
	})
}

// apiKeyColumns is what scanAPIKey reads, in order.
const apiKeyColumns = `id, workspace_id, name, hash, created_at`

func scanAPIKey(row Row) (hookd.APIKey, error) {
	var k hookd.APIKey
	err := row.Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Hash, TimeDest(&k.CreatedAt))
	return k, err
}

// CreateAPIKey stores k, filling k.ID when empty. A missing workspace is
// ENOTFOUND; a hash or ID that exists is ECONFLICT.
func (s Shared) CreateAPIKey(ctx context.Context, k *hookd.APIKey) error {
	k.ID = NewID(k.ID, hookd.PrefixKey, k.CreatedAt)
	k.CreatedAt = RoundTime(k.CreatedAt)
	return s.e.Write(ctx, "create api key", func(ctx context.Context, q Querier) error {
		if err := WorkspaceExists(ctx, q, s.d, k.WorkspaceID); err != nil {
			return err
		}
		a := s.d.Args()
		_, err := q.Exec(ctx, `INSERT INTO api_keys (`+apiKeyColumns+`) VALUES (`+a.Add(k.ID)+`, `+a.Add(k.WorkspaceID)+`, `+
			a.Add(k.Name)+`, `+a.Add(k.Hash)+`, `+a.Add(s.d.Time(k.CreatedAt))+`)`, a.List...)
		switch s.e.Violation(err) {
		case UniqueViolation:
			return hookd.Errorf(hookd.ECONFLICT, "api key already exists")
		case ForeignKeyViolation: // deleted meanwhile
			return hookd.NotFound("workspace", k.WorkspaceID)
		}
		return err
	})
}

// APIKeyByHash returns the key whose secret hashes to hash, or ENOTFOUND.
func (s Shared) APIKeyByHash(ctx context.Context, hash []byte) (*hookd.APIKey, error) {
	k, err := one(ctx, s.e.DB(), hookd.Errorf(hookd.ENOTFOUND, "api key not found"), scanAPIKey,
		`SELECT `+apiKeyColumns+` FROM api_keys WHERE hash = `+s.d.Param(1), hash)
	if err != nil {
		return nil, s.e.Wrap("get api key", err)
	}
	return &k, nil
}

// DeleteAPIKey revokes the key id of the workspace. A key that does not
// exist in that workspace is ENOTFOUND.
func (s Shared) DeleteAPIKey(ctx context.Context, workspaceID, id string) error {
	return s.e.Write(ctx, "delete api key", func(ctx context.Context, q Querier) error {
		n, err := q.Exec(ctx, `DELETE FROM api_keys WHERE id = `+s.d.Param(1)+` AND workspace_id = `+s.d.Param(2),
			id, workspaceID)
		return MustAffect(n, err, hookd.NotFound("api key", id))
	})
}

// ListAPIKeys returns a page of the workspace's keys, newest first, and the
// cursor of the next page ("" after the last). A missing workspace is
// ENOTFOUND.
func (s Shared) ListAPIKeys(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.APIKey, string, error) {
	var out []hookd.APIKey
	err := s.e.Read(ctx, "list api keys", func(ctx context.Context, q Querier) error {
		if err := WorkspaceExists(ctx, q, s.d, workspaceID); err != nil {
			return err
		}
		a := s.d.Args()
		rows, err := q.Query(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE workspace_id = `+a.Add(workspaceID)+
			a.Page(p, nil, nil), a.List...)
		out, err = Collect(rows, err, scanAPIKey)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	out, next := Cut(out, PageLimit(p), func(k hookd.APIKey) string { return k.ID })
	return out, next, nil
}
