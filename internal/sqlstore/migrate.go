package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one numbered schema change: a file NNNN_what.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the migrations in dir of fsys (an engine's embedded
// migrations/*.sql) in version order. A file is never edited once
// released: a change is a new file. A name that does not start with a
// positive number and an underscore, or two files of one version, are
// errors.
func Migrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", base)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", base)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, base, v)
		}
		seen[v] = base
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Runner applies migrations, each in its own transaction with its record
// in the table schema_migrations (version, applied_at), which the engine
// creates first.
type Runner struct {
	// Dialect writes the statements that read and record versions.
	// Required.
	Dialect *Dialect
	// Begin runs fn in a new transaction, committing when fn returns nil
	// and rolling back otherwise. Required.
	Begin func(ctx context.Context, fn func(Querier) error) error
	// Check, when set, runs after a migration's statements and before its
	// record, in its transaction: an error rolls the migration back.
	// SQLite checks its foreign keys there.
	Check func(ctx context.Context, q Querier) error
}

// Apply applies the migrations of list not yet recorded, in order, and
// stops at the first that fails, with an error that starts with its name.
func (r Runner) Apply(ctx context.Context, list []Migration) error {
	p := r.Dialect.Param
	applied := `SELECT count(*) FROM schema_migrations WHERE version = ` + p(1)
	record := `INSERT INTO schema_migrations (version, applied_at) VALUES (` + p(1) + `, ` + p(2) + `)`
	for _, m := range list {
		err := r.Begin(ctx, func(q Querier) error {
			var n int
			if err := q.QueryRow(ctx, applied, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := q.Exec(ctx, m.SQL); err != nil {
				return err
			}
			if r.Check != nil {
				if err := r.Check(ctx, q); err != nil {
					return err
				}
			}
			_, err := q.Exec(ctx, record, m.Version, r.Dialect.Time(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
	}
	return nil
}
