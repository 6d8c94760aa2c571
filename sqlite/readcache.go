package sqlite

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// What every API request reads and seldom changes is kept in memory:
// workspaces by id (each request's authorization reads its workspace) and
// the catalogue's names (each publish checks its event's type). One process
// owns the file, so this store's own writes are every change there is:
// each write of a workspace or of the catalogue invalidates the cache once
// it has committed. A read that began before an invalidation is not kept
// (the generation moved on meanwhile), so no stale value outlives a write.
type readCache struct {
	mu         sync.Mutex
	gen        uint64
	workspaces map[string]cachedWorkspace
	names      []string // nil: not cached
}

// cachedWorkspace is a workspace with its settings as JSON, decoded anew for
// each caller, which may change what it is given.
type cachedWorkspace struct {
	ws       hookd.Workspace // without Settings
	settings []byte
}

// maxCachedWorkspaces bounds the cache; past it, it starts again empty.
const maxCachedWorkspaces = 10_000

// generation returns the generation a read starts in.
func (c *readCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// invalidate forgets everything, for a write that changed workspaces or
// the catalogue.
func (c *readCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.workspaces, c.names = nil, nil
}

// Workspace is sqlstore.Shared's, kept in memory.
func (s *Store) Workspace(ctx context.Context, id string) (*hookd.Workspace, error) {
	c := &s.cache
	c.mu.Lock()
	cw, ok := c.workspaces[id]
	gen := c.gen
	c.mu.Unlock()
	if ok {
		ws := cw.ws
		if err := json.Unmarshal(cw.settings, &ws.Settings); err != nil {
			return nil, err
		}
		return &ws, nil
	}
	ws, err := s.Shared.Workspace(ctx, id)
	if err != nil {
		return nil, err
	}
	settings, err := sqlstore.EncodeSettings(ws.Settings)
	if err != nil {
		return ws, nil
	}
	cw = cachedWorkspace{ws: *ws, settings: settings}
	cw.ws.Settings = hookd.WorkspaceSettings{}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		if c.workspaces == nil || len(c.workspaces) >= maxCachedWorkspaces {
			c.workspaces = map[string]cachedWorkspace{}
		}
		c.workspaces[id] = cw
	}
	return ws, nil
}

// EventTypeNames is sqlstore.Shared's, kept in memory.
func (s *Store) EventTypeNames(ctx context.Context) ([]string, error) {
	c := &s.cache
	c.mu.Lock()
	names, gen := c.names, c.gen
	c.mu.Unlock()
	if names != nil {
		return slices.Clone(names), nil
	}
	names, err := s.Shared.EventTypeNames(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.names = slices.Clone(names)
	}
	return names, nil
}

// The writes that invalidate the cache.

func (s *Store) UpdateWorkspace(ctx context.Context, ws *hookd.Workspace) error {
	defer s.cache.invalidate()
	return s.Shared.UpdateWorkspace(ctx, ws)
}

func (s *Store) DeleteWorkspace(ctx context.Context, id string) error {
	defer s.cache.invalidate()
	return s.Shared.DeleteWorkspace(ctx, id)
}

func (s *Store) CreateEventType(ctx context.Context, et *hookd.EventType) error {
	defer s.cache.invalidate()
	return s.Shared.CreateEventType(ctx, et)
}

func (s *Store) UpdateEventType(ctx context.Context, et *hookd.EventType) error {
	defer s.cache.invalidate()
	return s.Shared.UpdateEventType(ctx, et)
}

func (s *Store) DeleteEventType(ctx context.Context, name string) error {
	defer s.cache.invalidate()
	return s.Shared.DeleteEventType(ctx, name)
}
