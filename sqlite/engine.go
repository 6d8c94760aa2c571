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
	return e.s.read(ctx, op, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, sqlQuerier{tx}) })
}

func (e engine) Write(ctx context.Context, op string, fn func(context.Context, sqlstore.Querier) error) error {
	return e.s.write(ctx, op, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, sqlQuerier{tx}) })
}

func (e engine) DB() sqlstore.Querier { return sqlQuerier{e.s.reader} }

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
type sqlQuerier struct{ q querier }

func (q sqlQuerier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := q.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q sqlQuerier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := q.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (q sqlQuerier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return q.q.QueryRowContext(ctx, query, args...)
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
