package hookd_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// TestStorageState: the state follows the writes' outcomes and logs each
// change once, not each failure.
func TestStorageState(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := hookd.NewStorageState(slog.New(slog.NewTextHandler(&logs, nil)))
	full := hookd.StorageFull(errors.New("database or disk is full (13)"))
	steps := []struct {
		name    string
		err     error
		want    string // the code of Err
		newLogs string // the level of the line logged, "" for none
	}{
		{"a commit", nil, "", ""},
		{"another failure", errors.New("constraint"), "", ""},
		{"disk full", full, hookd.ESTORAGE, "level=ERROR"},
		{"full again", full, hookd.ESTORAGE, ""},
		{"full, wrapped", errors.Join(errors.New("publish"), full), hookd.ESTORAGE, ""},
		{"another failure while full", errors.New("constraint"), hookd.ESTORAGE, ""},
		{"read-only", hookd.StorageReadOnly(nil), hookd.ESTORAGE, "level=ERROR"},
		{"a commit", nil, "", "level=INFO"},
		{"another commit", nil, "", ""},
	}
	for _, st := range steps {
		before := logs.Len()
		s.Observe(st.err)
		if got := hookd.ErrorCode(s.Err()); got != st.want {
			t.Errorf("after %s: Err code %q; want %q", st.name, got, st.want)
		}
		line := logs.String()[before:]
		lines := 0
		if st.newLogs != "" {
			lines = 1
		}
		if strings.Count(line, "\n") != lines || !strings.Contains(line, st.newLogs) {
			t.Errorf("after %s: logged %q; want %d line(s) with %q", st.name, line, lines, st.newLogs)
		}
	}
}
