package postgres

import (
	"context"
	"errors"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

const eventTypeColumns = `name, description, example, created_at, updated_at`

func scanEventType(row pgx.Row) (hookd.EventType, error) {
	var (
		et      hookd.EventType
		example []byte
	)
	if err := row.Scan(&et.Name, &et.Description, &example, &et.CreatedAt, &et.UpdatedAt); err != nil {
		return et, err
	}
	if example != nil {
		et.Example = example
	}
	return et, nil
}

// CreateEventType adds et to the catalogue. A name that exists is
// ECONFLICT.
func (s *Store) CreateEventType(ctx context.Context, et *hookd.EventType) error {
	et.CreatedAt, et.UpdatedAt = roundTime(et.CreatedAt), roundTime(et.UpdatedAt)
	return s.write(ctx, "create event type", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO event_types (`+eventTypeColumns+`) VALUES ($1, $2, $3, $4, $5)`,
			et.Name, et.Description, []byte(et.Example), et.CreatedAt, et.UpdatedAt)
		if isUniqueViolation(err) {
			return hookd.Errorf(hookd.ECONFLICT, "event type %q already exists", et.Name)
		}
		return err
	})
}

// EventType returns the catalogue entry name, or ENOTFOUND.
func (s *Store) EventType(ctx context.Context, name string) (*hookd.EventType, error) {
	et, err := scanEventType(s.pool.QueryRow(ctx, `SELECT `+eventTypeColumns+` FROM event_types WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
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
	var a args
	q := `SELECT ` + eventTypeColumns + ` FROM event_types`
	if p.Cursor != "" {
		q += ` WHERE name > ` + a.add(p.Cursor)
	}
	q += ` ORDER BY name LIMIT ` + a.add(limit+1)
	rows, err := s.pool.Query(ctx, q, a...)
	if err != nil {
		return nil, "", wrap("list event types", err)
	}
	out, err := collect(rows, scanEventType)
	if err != nil {
		return nil, "", wrap("list event types", err)
	}
	out, next := sqlstore.Cut(out, limit, func(et hookd.EventType) string { return et.Name })
	return out, next, nil
}

// EventTypeNames returns every name in the catalogue, in name order.
func (s *Store) EventTypeNames(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name FROM event_types ORDER BY name`)
	if err != nil {
		return nil, wrap("list event type names", err)
	}
	out, err := collect(rows, func(row pgx.Row) (string, error) {
		var name string
		err := row.Scan(&name)
		return name, err
	})
	if err != nil {
		return nil, wrap("list event type names", err)
	}
	return out, nil
}

// UpdateEventType writes et's description, example and UpdatedAt. A
// missing name is ENOTFOUND.
func (s *Store) UpdateEventType(ctx context.Context, et *hookd.EventType) error {
	et.UpdatedAt = roundTime(et.UpdatedAt)
	return s.write(ctx, "update event type", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE event_types SET description = $1, example = $2, updated_at = $3 WHERE name = $4`,
			et.Description, []byte(et.Example), et.UpdatedAt, et.Name)
		return mustAffect(tag, err, hookd.NotFound("event type", et.Name))
	})
}

// DeleteEventType removes name from the catalogue. Webhooks that name it
// and events of that type stay. A missing name is ENOTFOUND.
func (s *Store) DeleteEventType(ctx context.Context, name string) error {
	return s.write(ctx, "delete event type", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM event_types WHERE name = $1`, name)
		return mustAffect(tag, err, hookd.NotFound("event type", name))
	})
}
