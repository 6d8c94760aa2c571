package hookd_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// TestStorageState: the state follows each write's outcome; its log
// follows the changes, not each failure, and does not swing with a disk
// that takes some writes and refuses others.
func TestStorageState(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := hookd.NewStorageState(slog.New(slog.NewTextHandler(&logs, nil)))
	full := hookd.StorageFull(errors.New("database or disk is full (13)"))
	type step struct {
		name    string
		err     error
		want    string // the code of Err
		newLogs string // the level of the line logged, "" for none
	}
	steps := []step{
		{"a commit", nil, "", ""},
		{"another failure", errors.New("constraint"), "", ""},
		{"disk full", full, hookd.ESTORAGE, "level=ERROR"},
		{"full again", full, hookd.ESTORAGE, ""},
		{"full, wrapped", errors.Join(errors.New("publish"), full), hookd.ESTORAGE, ""},
		{"another failure while full", errors.New("constraint"), hookd.ESTORAGE, ""},
		{"a small write that fits", nil, "", ""},
		{"full after it", full, hookd.ESTORAGE, ""},
		{"read-only", hookd.StorageReadOnly(nil), hookd.ESTORAGE, "level=ERROR"},
	}
	for range hookd.StorageRecoveredAfter - 1 {
		steps = append(steps, step{"a commit, not yet the last of the streak", nil, "", ""})
	}
	steps = append(steps, step{"the commit that ends the streak", nil, "", "level=INFO"},
		step{"another commit", nil, "", ""},
		step{"full once more", full, hookd.ESTORAGE, "level=ERROR"})
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
