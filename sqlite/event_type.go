package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

const eventTypeColumns = `name, description, example, created_at, updated_at`

func scanEventType(row interface{ Scan(...any) error }) (hookd.EventType, error) {
	var (
		et               hookd.EventType
		example          []byte
		created, updated int64
	)
	if err := row.Scan(&et.Name, &et.Description, &example, &created, &updated); err != nil {
		return et, err
	}
	if example != nil {
		et.Example = example
	}
	et.CreatedAt, et.UpdatedAt = fromMicros(created), fromMicros(updated)
	return et, nil
}

// CreateEventType adds et to the catalogue. A name that exists is
// ECONFLICT.
func (s *Store) CreateEventType(ctx context.Context, et *hookd.EventType) error {
	et.CreatedAt, et.UpdatedAt = roundTime(et.CreatedAt), roundTime(et.UpdatedAt)
	return s.write(ctx, "create event type", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO event_types (`+eventTypeColumns+`) VALUES (?, ?, ?, ?, ?)`,
			et.Name, et.Description, []byte(et.Example), micros(et.CreatedAt), micros(et.UpdatedAt))
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "event type %q already exists", et.Name)
		}
		return err
	})
}

// EventType returns the catalogue entry name, or ENOTFOUND.
func (s *Store) EventType(ctx context.Context, name string) (*hookd.EventType, error) {
	et, err := scanEventType(s.reader.QueryRowContext(ctx,
		`SELECT `+eventTypeColumns+` FROM event_types WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hookd.NotFound("event type", name)
	}
	if err != nil {
		return nil, wrap("get event type", err)
	}
	return &et, nil
}

// ListEventTypes returns a page of the catalogue in name order; the cursor
// is the last name of the previous page.
func (s *Store) ListEventTypes(ctx context.Context, p hookd.Page) ([]hookd.EventType, string, error) {
	limit := sqlstore.PageLimit(p)
	q := `SELECT ` + eventTypeColumns + ` FROM event_types`
	var args []any
	if p.Cursor != "" {
		q += ` WHERE name > ?`
		args = append(args, p.Cursor)
	}
	q += ` ORDER BY name LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, "", wrap("list event types", err)
	}
	defer rows.Close()
	out := []hookd.EventType{}
	for rows.Next() {
		et, err := scanEventType(rows)
		if err != nil {
			return nil, "", wrap("list event types", err)
		}
		out = append(out, et)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap("list event types", err)
	}
	out, next := sqlstore.Cut(out, limit, func(et hookd.EventType) string { return et.Name })
	return out, next, nil
}

// EventTypeNames returns every name in the catalogue, in name order.
func (s *Store) EventTypeNames(ctx context.Context) ([]string, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT name FROM event_types ORDER BY name`)
	if err != nil {
		return nil, wrap("list event type names", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, wrap("list event type names", err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list event type names", err)
	}
	return out, nil
}

// UpdateEventType writes et's description, example and UpdatedAt. A
// missing name is ENOTFOUND.
func (s *Store) UpdateEventType(ctx context.Context, et *hookd.EventType) error {
	et.UpdatedAt = roundTime(et.UpdatedAt)
	return s.write(ctx, "update event type", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE event_types SET description = ?, example = ?, updated_at = ? WHERE name = ?`,
			et.Description, []byte(et.Example), micros(et.UpdatedAt), et.Name)
		return mustAffect(res, err, hookd.NotFound("event type", et.Name))
	})
}

// DeleteEventType removes name from the catalogue. Webhooks that name it
// and events of that type stay. A missing name is ENOTFOUND.
func (s *Store) DeleteEventType(ctx context.Context, name string) error {
	return s.write(ctx, "delete event type", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM event_types WHERE name = ?`, name)
		return mustAffect(res, err, hookd.NotFound("event type", name))
	})
}
