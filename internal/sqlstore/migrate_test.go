package sqlstore

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrations(t *testing.T) {
	good := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("SELECT 10")},
		"m/0002_next.sql":  {Data: []byte("SELECT 2")},
		"m/0001_init.sql":  {Data: []byte("SELECT 1")},
		"m/README":         {Data: []byte("not a migration")},
	}
	list, err := Migrations(good, "m")
	if err != nil {
		t.Fatalf("Migrations: %v", err)
	}
	var got []string
	for _, m := range list {
		got = append(got, m.Name+"="+m.SQL)
	}
	if want := "0001_init.sql=SELECT 1 0002_next.sql=SELECT 2 0010_later.sql=SELECT 10"; strings.Join(got, " ") != want {
		t.Errorf("Migrations: got %q; want %q", strings.Join(got, " "), want)
	}
	for name, tc := range map[string]struct {
		files fstest.MapFS
		want  string
	}{
		"no number":      {fstest.MapFS{"m/init.sql": {}}, "name must be NNNN_what.sql"},
		"not a number":   {fstest.MapFS{"m/one_init.sql": {}}, "must start with a positive number"},
		"zero":           {fstest.MapFS{"m/0000_init.sql": {}}, "must start with a positive number"},
		"shared version": {fstest.MapFS{"m/0001_a.sql": {}, "m/001_b.sql": {}}, "share version 1"},
	} {
		if _, err := Migrations(tc.files, "m"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want an error saying %q", name, err, tc.want)
		}
	}
}
