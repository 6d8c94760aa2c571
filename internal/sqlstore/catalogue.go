package sqlstore

import (
	"context"

	"github.com/hookd/hookd"
)

// CreateEventType adds et to the catalogue. A name that exists is
// ECONFLICT.
func (s Shared) CreateEventType(ctx context.Context, et *hookd.EventType) error {
	et.CreatedAt, et.UpdatedAt = RoundTime(et.CreatedAt), RoundTime(et.UpdatedAt)
	return s.e.Write(ctx, "create event type", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		_, err := q.Exec(ctx, `INSERT INTO event_types (`+EventTypeColumns+`) VALUES (`+a.Add(et.Name)+`, `+
			a.Add(et.Description)+`, `+a.Add([]byte(et.Example))+`, `+a.Add(s.d.Time(et.CreatedAt))+`, `+
			a.Add(s.d.Time(et.UpdatedAt))+`)`, a.List...)
		if s.e.Violation(err) == UniqueViolation {
			return hookd.Errorf(hookd.ECONFLICT, "event type %q already exists", et.Name)
		}
		return err
	})
}

// EventType returns the catalogue entry name, or ENOTFOUND.
func (s Shared) EventType(ctx context.Context, name string) (*hookd.EventType, error) {
	et, err := one(ctx, s.e.DB(), hookd.NotFound("event type", name), ScanEventType,
		`SELECT `+EventTypeColumns+` FROM event_types WHERE name = `+s.d.Param(1), name)
	if err != nil {
		return nil, s.e.Wrap("get event type", err)
	}
	return &et, nil
}

// ListEventTypes returns a page of the catalogue in name order; the cursor
// is the last name of the previous page.
func (s Shared) ListEventTypes(ctx context.Context, p hookd.Page) ([]hookd.EventType, string, error) {
	a := s.d.Args()
	rows, err := s.e.DB().Query(ctx, `SELECT `+EventTypeColumns+` FROM event_types WHERE TRUE`+a.Cursor(p, "name", "ASC"),
		a.List...)
	out, err := Collect(rows, err, ScanEventType)
	if err != nil {
		return nil, "", s.e.Wrap("list event types", err)
	}
	out, next := Cut(out, PageLimit(p), func(et hookd.EventType) string { return et.Name })
	return out, next, nil
}

// EventTypeNames returns every name in the catalogue, in name order.
func (s Shared) EventTypeNames(ctx context.Context) ([]string, error) {
	rows, err := s.e.DB().Query(ctx, `SELECT name FROM event_types ORDER BY name`)
	out, err := Collect(rows, err, func(row Row) (string, error) {
		var name string
		err := row.Scan(&name)
		return name, err
	})
	if err != nil {
		return nil, s.e.Wrap("list event type names", err)
	}
	return out, nil
}

// UpdateEventType writes et's description, example and UpdatedAt. A
// missing name is ENOTFOUND.
func (s Shared) UpdateEventType(ctx context.Context, et *hookd.EventType) error {
	et.UpdatedAt = RoundTime(et.UpdatedAt)
	return s.e.Write(ctx, "update event type", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		n, err := q.Exec(ctx, `UPDATE event_types SET description = `+a.Add(et.Description)+`, example = `+
			a.Add([]byte(et.Example))+`, updated_at = `+a.Add(s.d.Time(et.UpdatedAt))+` WHERE name = `+a.Add(et.Name),
			a.List...)
		return MustAffect(n, err, hookd.NotFound("event type", et.Name))
	})
}

// DeleteEventType removes name from the catalogue. Webhooks that name it
// and events of that type stay. A missing name is ENOTFOUND.
func (s Shared) DeleteEventType(ctx context.Context, name string) error {
	return s.e.Write(ctx, "delete event type", func(ctx context.Context, q Querier) error {
		n, err := q.Exec(ctx, `DELETE FROM event_types WHERE name = `+s.d.Param(1), name)
		return MustAffect(n, err, hookd.NotFound("event type", name))
	})
}
