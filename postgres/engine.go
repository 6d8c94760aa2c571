package postgres

import (
	"context"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// dialect is how PostgreSQL stores what the shared code binds: $n
// placeholders and its own types (timestamptz, boolean, json).
var dialect = sqlstore.Dialect{
	Param: sqlstore.DollarParam,
	Time:  func(t time.Time) any { return t },
	Bool:  func(b bool) any { return b },
	JSON:  func(b []byte) any { return b },
}

// engine is the Store as the shared code (sqlstore.Shared) runs
// statements on it.
type engine struct{ s *Store }

func (e engine) Read(ctx context.Context, op string, fn func(context.Context, sqlstore.Querier) error) error {
	return e.s.read(ctx, op, func(ctx context.Context, tx pgx.Tx) error { return fn(ctx, pgQuerier{tx}) })
}

func (e engine) Write(ctx context.Context, op string, fn func(context.Context, sqlstore.Querier) error) error {
	return e.s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error { return fn(ctx, pgQuerier{tx}) })
}

func (e engine) DB() sqlstore.Querier { return pgQuerier{e.s.pool} }

func (e engine) Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}

func (e engine) Violation(err error) sqlstore.Violation {
	switch pgCode(err) {
	case codeUniqueViolation:
		return sqlstore.UniqueViolation
	case codeForeignKeyViolation:
		return sqlstore.ForeignKeyViolation
	}
	return sqlstore.NoViolation
}

// pgQuerier is a pgx.Tx or the pool as the shared code runs statements.
type pgQuerier struct{ q querier }

func (q pgQuerier) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	tag, err := q.q.Exec(ctx, sql, args...)
	return tag.RowsAffected(), err
}

func (q pgQuerier) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	return q.q.Query(ctx, sql, args...)
}

func (q pgQuerier) QueryRow(ctx context.Context, sql string, args ...any) sqlstore.Row {
	return q.q.QueryRow(ctx, sql, args...)
}

// collect is sqlstore.Collect of rows already queried.
func collect[T any](rows pgx.Rows, scan func(sqlstore.Row) (T, error)) ([]T, error) {
	return sqlstore.Collect(rows, nil, scan)
}

func (e engine) FillDeliveries(ctx context.Context, q sqlstore.Querier, events []hookd.Event) error {
	return fillDeliveries(ctx, q.(pgQuerier).q, events)
}

func (e engine) FailBacklog(ctx context.Context, webhookID string) error {
	return e.s.failBacklog(ctx, webhookID)
}

func (e engine) WakeBacklog() { e.s.backlog.Wake() }
