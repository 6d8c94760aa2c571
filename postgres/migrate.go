package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// migrationFiles are PostgreSQL's schema changes, numbered files that
// sqlstore.Migrations reads and sqlstore.Runner applies.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// sqlMigrationLock takes the session advisory lock that serializes
// migrations of one schema: processes that start together wait for the
// first to finish, then find nothing left to apply. The lock ends with the
// session, so a process that dies while migrating does not block the
// others.
const sqlMigrationLock = `SELECT pg_advisory_lock(hashtextextended('hookd migrate ' || current_schema(), 0))`

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction with its record, holding the migration lock
// on one connection.
func (s *Store) migrate(ctx context.Context) error {
	list, err := sqlstore.Migrations(migrationFiles, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return wrap("migrate", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, sqlMigrationLock); err != nil {
		return wrap("migrate: lock", err)
	}
	defer func() {
		// A failed unlock leaves the lock with the session: drop the
		// connection rather than return it to the pool holding it.
		if _, err := conn.Exec(context.WithoutCancel(ctx),
			`SELECT pg_advisory_unlock(hashtextextended('hookd migrate ' || current_schema(), 0))`); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return wrap("migrate", err)
	}
	r := sqlstore.Runner{
		Dialect: &dialect,
		Begin: func(ctx context.Context, fn func(sqlstore.Querier) error) error {
			return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return fn(pgQuerier{tx}) })
		},
	}
	if err := r.Apply(ctx, list); err != nil {
		return wrap("migrate", err)
	}
	return nil
}
