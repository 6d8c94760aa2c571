package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookd/hookd"
)

// The destinations below read a column that the two engines store in
// different types, whichever engine scans it: database/sql hands a
// sql.Scanner what modernc's SQLite driver returns (int64 for times and
// flags, string or []byte for JSON), pgx what it decodes (time.Time, bool,
// []byte). Each is one pointer wide, so that passing it to Scan allocates
// nothing.

// TimeDest scans a time column into *t, in UTC.
func TimeDest(t *time.Time) sql.Scanner { return timeDest{t} }

// NullTimeDest scans a nullable time column into *t: nil for NULL.
func NullTimeDest(t **time.Time) sql.Scanner { return nullTimeDest{t} }

// BoolDest scans a flag column into *b.
func BoolDest(b *bool) sql.Scanner { return boolDest{b} }

// JSONDest scans a JSON column into dst, a pointer for json.Unmarshal; NULL
// leaves dst as it is.
func JSONDest(dst any) sql.Scanner { return jsonDest{dst} }

type timeDest struct{ t *time.Time }

func (d timeDest) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		*d.t = v.UTC()
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("a time column holds %T", v)
	}
	return nil
}

type nullTimeDest struct{ t **time.Time }

func (d nullTimeDest) Scan(v any) error {
	if v == nil {
		*d.t = nil
		return nil
	}
	t := new(time.Time)
	if err := (timeDest{t}).Scan(v); err != nil {
		return err
	}
	*d.t = t
	return nil
}

type boolDest struct{ b *bool }

func (d boolDest) Scan(v any) error {
	switch v := v.(type) {
	case bool:
		*d.b = v
	case int64:
		*d.b = v != 0
	default:
		return fmt.Errorf("a flag column holds %T", v)
	}
	return nil
}

type jsonDest struct{ dst any }

func (d jsonDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(v, d.dst)
	case string:
		return json.Unmarshal([]byte(v), d.dst)
	}
	return fmt.Errorf("a JSON column holds %T", v)
}

// JSONText marshals v for a JSON column. null says that v stands for a
// nil slice or map, stored as NULL (nil) so that nil and empty stay apart.
func JSONText(v any, null bool) ([]byte, error) {
	if null {
		return nil, nil
	}
	return json.Marshal(v)
}

// JSONOf is JSONText of v as a value of d.
func (d *Dialect) JSONOf(v any, null bool) (any, error) {
	b, err := JSONText(v, null)
	if err != nil {
		return nil, err
	}
	return d.JSON(b), nil
}

// RoundTime returns t as both engines give it back: UTC, to the
// microsecond.
func RoundTime(t time.Time) time.Time { return time.UnixMicro(t.UnixMicro()).UTC() }

// RoundTimePtr is RoundTime of *t; nil stays nil.
func RoundTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	r := RoundTime(*t)
	return &r
}

// NewID returns id, or a new id with prefix made at t (or now when t is
// zero) when id is empty.
func NewID(id, prefix string, t time.Time) string {
	if id != "" {
		return id
	}
	if t.IsZero() {
		t = time.Now()
	}
	return hookd.NewID(prefix, t)
}
