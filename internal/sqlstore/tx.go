package sqlstore

import "context"

// Row is one row to scan: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all
// are.
type Row interface {
	Scan(dest ...any) error
}

// Tx runs statements in one transaction. Each engine adapts its own:
// database/sql's *sql.Tx (sqlite) and pgx.Tx (postgres).
type Tx interface {
	// Exec runs a statement that returns no rows.
	Exec(ctx context.Context, sql string, args ...any) error
	// QueryRow runs a query for at most one row.
	QueryRow(ctx context.Context, sql string, args ...any) Row
}
