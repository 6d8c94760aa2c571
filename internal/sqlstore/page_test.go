package sqlstore

import (
	"slices"
	"testing"

	"github.com/hookd/hookd"
)

func TestPageLimit(t *testing.T) {
	for in, want := range map[int]int{-1: hookd.DefaultPageLimit, 0: hookd.DefaultPageLimit, 1: 1,
		hookd.MaxPageLimit: hookd.MaxPageLimit, hookd.MaxPageLimit + 1: hookd.MaxPageLimit} {
		if got := PageLimit(hookd.Page{Limit: in}); got != want {
			t.Errorf("PageLimit(%d) = %d; want %d", in, got, want)
		}
	}
}

func TestCut(t *testing.T) {
	id := func(s string) string { return s }
	for _, tc := range []struct {
		items []string
		n     int
		want  []string
		next  string
	}{
		{[]string{"c", "b", "a"}, 2, []string{"c", "b"}, "b"},
		{[]string{"c", "b"}, 2, []string{"c", "b"}, ""},
		{nil, 2, nil, ""},
	} {
		got, next := Cut(tc.items, tc.n, id)
		if !slices.Equal(got, tc.want) || next != tc.next {
			t.Errorf("Cut(%q, %d) = %q, %q; want %q, %q", tc.items, tc.n, got, next, tc.want, tc.next)
		}
	}
}
