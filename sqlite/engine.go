package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// dialect is how SQLite stores what the shared code binds: ? placeholders,
// times as Unix microseconds, flags as 0 or 1, JSON as text.
var dialect = sqlstore.Dialect{
	Param: func(int) string { return "?" },
	Time:  func(t time.Time) any { return micros(t) },
	Bool:  func(b bool) any { return bool2int(b) },
	JSON: func(b []byte) any {
		if b == nil {
			return nil
		}
		return string(b)
	},
}

// engine is the Store as the shared code (sqlstore.Shared) runs
// statements on it.
type engine struct{ s *Store }

func (e engine) Read(ctx context.Context, op string, fn func(context.Context, sqlstore.Querier) error) error {
	return e.s.read(ctx, op, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, sqlQuerier{q: tx}) })
}

func (e engine) Write(ctx context.Context, op string, fn func(context.Context, sqlstore.Querier) error) error {
	return e.s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, sqlQuerier{q: tx}) })
}

// DB runs the statements prepared: they are the API's per-request reads
// (a workspace, a key, the catalogue).
func (e engine) DB() sqlstore.Querier { return sqlQuerier{q: e.s.reader, cache: &e.s.readerStmts} }

func (e engine) Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}

func (e engine) Violation(err error) sqlstore.Violation {
	switch {
	case isUniqueViolation(err):
		return sqlstore.UniqueViolation
	case isForeignKeyViolation(err):
		return sqlstore.ForeignKeyViolation
	}
	return sqlstore.NoViolation
}

// sqlQuerier is a *sql.DB or *sql.Tx as the shared code runs statements.
// With a cache, which must be of the pool q is (never a transaction: a
// statement prepared meanwhile would wait for a connection the
// transaction may hold), it runs them prepared.
type sqlQuerier struct {
	q     querier
	cache *stmtCache
}

// on returns what runs query: its prepared statement when there is one,
// else q.
func (q sqlQuerier) on(ctx context.Context, query string) (querier, string) {
	if st := q.cache.stmt(ctx, query); st != nil {
		return preparedQuerier{st}, ""
	}
	return q.q, query
}

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	on, query := q.on(ctx, query)
	res, err := on.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	on, query := q.on(ctx, query)
	rows, err := on.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	on, query := q.on(ctx, query)
	return on.QueryRowContext(ctx, query, args...)
}

// preparedQuerier runs its statement whatever the text it is given.
type preparedQuerier struct{ st *sql.Stmt }

func (p preparedQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return p.st.ExecContext(ctx, args...)
}

func (p preparedQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return p.st.QueryContext(ctx, args...)
}

func (p preparedQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return p.st.QueryRowContext(ctx, args...)
}

// sqlRows is *sql.Rows with the Close of sqlstore.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (e engine) FillDeliveries(ctx context.Context, q sqlstore.Querier, events []hookd.Event) error {
	return fillDeliveries(ctx, q.(sqlQuerier).q, events)
}

func (e engine) FailBacklog(ctx context.Context, webhookID string) error {
	return e.s.failBacklog(ctx, webhookID)
}

func (e engine) WakeBacklog() { e.s.backlog.Wake() }
