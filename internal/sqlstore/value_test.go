package sqlstore

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestDests scans each engine's form of the columns they store
// differently: SQLite's (int64, string) and PostgreSQL's (time.Time, bool,
// []byte).
func TestDests(t *testing.T) {
	at := time.Date(2026, 12, 3, 17, 0, 0, 123456000, time.FixedZone("X", 3600))
	for _, v := range []any{at, at.UnixMicro()} {
		var got time.Time
		if err := TimeDest(&got).Scan(v); err != nil || !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("TimeDest(%T): got %v, %v; want %v in UTC", v, got, err, at)
		}
		p := new(time.Time)
		if err := NullTimeDest(&p).Scan(v); err != nil || p == nil || !p.Equal(at) {
			t.Errorf("NullTimeDest(%T): got %v, %v", v, p, err)
		}
		if err := NullTimeDest(&p).Scan(nil); err != nil || p != nil {
			t.Errorf("NullTimeDest(nil): got %v, %v; want nil", p, err)
		}
	}
	for _, v := range []any{true, int64(1)} {
		b := false
		if err := BoolDest(&b).Scan(v); err != nil || !b {
			t.Errorf("BoolDest(%T): got %v, %v", v, b, err)
		}
	}
	for _, v := range []any{`["a","b"]`, []byte(`["a","b"]`)} {
		var list []string
		if err := JSONDest(&list).Scan(v); err != nil || len(list) != 2 || list[1] != "b" {
			t.Errorf("JSONDest(%T): got %v, %v", v, list, err)
		}
	}
	var list []string
	if err := JSONDest(&list).Scan(nil); err != nil || list != nil {
		t.Errorf("JSONDest(nil): got %v, %v; want nil", list, err)
	}
	for name, err := range map[string]error{
		"time":  TimeDest(new(time.Time)).Scan("now"),
		"bool":  BoolDest(new(bool)).Scan("yes"),
		"json":  JSONDest(&list).Scan(int64(1)),
		"parse": JSONDest(&list).Scan(`{"a":`),
	} {
		if err == nil {
			t.Errorf("%s: a value of the wrong type scanned without an error", name)
		}
	}
}

// TestArgs writes one query in both engines' placeholders.
func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		want string
	}{
		{Dialect{Param: func(int) string { return "?" }, Time: func(t time.Time) any { return t.UnixMicro() }},
			` AND created_at >= ? AND id < ? ORDER BY id DESC LIMIT ?`},
		{Dialect{Param: DollarParam, Time: func(t time.Time) any { return t }},
			` AND created_at >= $1 AND id < $2 ORDER BY id DESC LIMIT $3`},
	} {
		a := tc.d.Args()
		since := time.Unix(1, 0)
		if got := a.Page(hookd.Page{Cursor: "x", Limit: 5}, &since, nil); got != tc.want || len(a.List) != 3 || a.List[2] != 6 {
			t.Errorf("Page: got %q %v; want %q with LIMIT 6", got, a.List, tc.want)
		}
	}
}
