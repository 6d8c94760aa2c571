package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/hookd/hookd/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS // SQLite's schema changes, in numbered files

// migrations returns SQLite's migrations in version order.
func migrations() ([]sqlstore.Migration, error) {
	return sqlstore.Migrations(migrationFiles, "migrations")
}

// migrate applies the migrations not yet recorded in schema_migrations,
// each in its own transaction with its record.
func (s *Store) migrate(ctx context.Context) error {
	list, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Foreign keys are off while migrating, as SQLite's procedure for
	// rebuilding a table asks (a DROP TABLE would otherwise cascade); each
	// migration checks them before it commits. The writer has one
	// connection, so the pragma holds for the transactions below.
	if _, err := s.writer.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	err = s.applyMigrations(ctx, list)
	if _, onErr := s.writer.ExecContext(ctx, `PRAGMA foreign_keys = ON`); err == nil && onErr != nil {
		err = fmt.Errorf("migrate: %w", onErr)
	}
	return err
}

// applyMigrations applies the migrations of list not yet recorded, each in
// its own transaction with its record, after a foreign key check.
func (s *Store) applyMigrations(ctx context.Context, list []sqlstore.Migration) error {
	r := sqlstore.Runner{
		Dialect: &dialect,
		Begin: func(ctx context.Context, fn func(sqlstore.Querier) error) error {
			return s.transact(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(sqlQuerier{q: tx}) })
		},
		Check: foreignKeyCheck,
	}
	if err := r.Apply(ctx, list); err != nil {
		return wrap("migrate", err)
	}
	return nil
}

// foreignKeyCheck returns an error naming the first row that breaks a
// foreign key, if any.
func foreignKeyCheck(ctx context.Context, q sqlstore.Querier) error {
	var (
		table, parent string
		rowid         sql.NullInt64
		fkid          int
	)
	err := q.QueryRow(ctx, `PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fkid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("foreign key check: a row of %s (rowid %d) refers to a missing %s", table, rowid.Int64, parent)
}
