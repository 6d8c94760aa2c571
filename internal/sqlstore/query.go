package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/hookd/hookd"
)

// Row is one row to scan: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all
// are.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result of a query, read row by row and closed: an engine's
// adapter gives *sql.Rows or pgx.Rows this shape.
type Rows interface {
	Row
	Next() bool
	Err() error
	Close()
}

// Querier runs statements, inside a transaction or not. Each engine adapts
// its own (database/sql's *sql.Tx and *sql.DB for sqlite, pgx.Tx and the
// pool for postgres); a query that finds no row scans as an error that
// errors.Is sql.ErrNoRows, as pgx.ErrNoRows does.
type Querier interface {
	// Exec runs a statement that returns no rows and says how many rows
	// it changed.
	Exec(ctx context.Context, sql string, args ...any) (int64, error)
	// Query runs a query for any number of rows.
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	// QueryRow runs a query for at most one row.
	QueryRow(ctx context.Context, sql string, args ...any) Row
}

// Dialect is how one engine writes what the shared code binds: its
// placeholders, and the column types the two engines store differently.
// Reading needs no dialect: the destinations of value.go take both forms.
type Dialect struct {
	// Param is the placeholder of the nth argument, from 1: "?" or "$n".
	Param func(n int) string
	// Time is a time column's value: Unix microseconds or timestamptz.
	Time func(time.Time) any
	// Bool is a flag column's value: 0 or 1, or a boolean.
	Bool func(bool) any
	// JSON is a JSON column's value from its text; nil is NULL.
	JSON func([]byte) any
}

// NullTime is a nullable time column's value: NULL for nil.
func (d *Dialect) NullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.Time(*t)
}

// Args starts a list of arguments of a query written in d.
func (d *Dialect) Args() *Args { return &Args{d: d} }

// Args is a growing list of query arguments that hands out their
// placeholders, so that one text serves both engines.
type Args struct {
	d    *Dialect
	List []any
}

// Add appends v and returns its placeholder.
func (a *Args) Add(v any) string {
	a.List = append(a.List, v)
	return a.d.Param(len(a.List))
}

// Page returns the end of a list query newest first, after its WHERE
// clause: the since (inclusive) and until (exclusive) conditions on
// created_at where set, p's cursor, the order and LIMIT PageLimit(p)+1
// (Cut trims the extra row and gives the next cursor).
func (a *Args) Page(p hookd.Page, since, until *time.Time) string {
	var q string
	if since != nil {
		q += ` AND created_at >= ` + a.Add(a.d.Time(*since))
	}
	if until != nil {
		q += ` AND created_at < ` + a.Add(a.d.Time(*until))
	}
	return q + a.Cursor(p, "id", "DESC")
}

// Cursor returns the end of a list query ordered by column, after its
// WHERE clause: p's cursor (the last key of the previous page), the order
// (dir, ASC or DESC) and LIMIT PageLimit(p)+1.
func (a *Args) Cursor(p hookd.Page, column, dir string) string {
	var q string
	if p.Cursor != "" {
		op := " > "
		if dir == "DESC" {
			op = " < "
		}
		q = ` AND ` + column + op + a.Add(p.Cursor)
	}
	return q + ` ORDER BY ` + column + ` ` + dir + ` LIMIT ` + a.Add(PageLimit(p)+1)
}

// DollarParam is PostgreSQL's placeholder, $n.
func DollarParam(n int) string { return "$" + strconv.Itoa(n) }

// Collect reads every row of a query with scan and closes them. It returns
// an empty, non-nil slice when there is none, and the query's error when
// it has one.
func Collect[T any](rows Rows, err error, scan func(Row) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// MustAffect returns err, or notFound when the statement changed no row.
func MustAffect(n int64, err error, notFound error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}
