package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookd/hookd"
)

// Engine is what the shared store methods need of an engine: its
// transactions, its connection for single statements, and how it names
// its errors. sqlite.Store and postgres.Store implement it with adapters
// of a few lines (engine.go in each).
type Engine interface {
	// Read runs fn in one read-only transaction that sees one snapshot,
	// naming op in errors.
	Read(ctx context.Context, op string, fn func(ctx context.Context, q Querier) error) error
	// Write runs fn in one write transaction, naming op in errors; errors
	// that are *hookd.Error pass unchanged.
	Write(ctx context.Context, op string, fn func(ctx context.Context, q Querier) error) error
	// DB runs single statements outside a transaction.
	DB() Querier
	// Wrap names op in err as Read and Write do, for a statement run on
	// DB.
	Wrap(op string, err error) error
	// Violation says which constraint err broke, if any.
	Violation(err error) Violation
	// FillDeliveries sets the Deliveries of events, read on q: their rows
	// (FillDeliveries), and in SQLite the queued ones.
	FillDeliveries(ctx context.Context, q Querier, events []hookd.Event) error
	// WebhookUpdater and TestSender are the engine's own transactions of
	// UpdateWebhook and PublishTest.
	WebhookUpdater
	TestSender
}

// Violation is the kind of constraint a failed statement broke.
type Violation int

// The constraints the shared code tells apart.
const (
	NoViolation Violation = iota
	UniqueViolation
	ForeignKeyViolation
)

// Shared holds the hookd.Store methods whose SQL is the same on both
// engines: workspaces and their keys (workspace.go), the event catalogue
// (catalogue.go), portal links (portal.go), reading, updating and deleting
// webhooks (webhook.go), reading events and test sends (event.go), and
// idempotency keys once reserved (idempotency.go). Each engine's Store
// embeds one, so that these are its methods; an engine may wrap one (the
// SQLite store caches Workspace and EventTypeNames).
type Shared struct {
	e Engine
	d *Dialect
}

// NewShared returns the shared methods over e, whose SQL is written in d.
func NewShared(e Engine, d *Dialect) Shared { return Shared{e: e, d: d} }

// noRows reports whether err is a query's "no row".
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// one reads the single row of a query on q with scan; no row is notFound.
func one[T any](ctx context.Context, q Querier, notFound error, scan func(Row) (T, error), query string, args ...any) (T, error) {
	v, err := scan(q.QueryRow(ctx, query, args...))
	if noRows(err) {
		return v, notFound
	}
	return v, err
}

// WorkspaceExists returns ENOTFOUND when the workspace does not exist.
func WorkspaceExists(ctx context.Context, q Querier, d *Dialect, id string) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM workspaces WHERE id = `+d.Param(1), id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return hookd.NotFound("workspace", id)
	}
	return nil
}

// WebhookInWorkspace returns ENOTFOUND unless webhook id exists in the
// workspace.
func WebhookInWorkspace(ctx context.Context, q Querier, d *Dialect, workspaceID, id string) error {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM webhooks WHERE id = `+d.Param(1)+` AND workspace_id = `+d.Param(2),
		id, workspaceID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return hookd.NotFound("webhook", id)
	}
	return nil
}
