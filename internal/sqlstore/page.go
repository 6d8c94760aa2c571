package sqlstore

import "github.com/hookd/hookd"

// PageLimit returns p's limit with hookd's default (for 0 or less) and cap
// applied.
func PageLimit(p hookd.Page) int {
	switch {
	case p.Limit <= 0:
		return hookd.DefaultPageLimit
	case p.Limit > hookd.MaxPageLimit:
		return hookd.MaxPageLimit
	}
	return p.Limit
}

// Cut trims a page read with LIMIT n+1 to n items and returns the cursor
// of the next page: the last kept item's key when there was one more, else
// "".
func Cut[T any](items []T, n int, key func(T) string) ([]T, string) {
	if len(items) <= n {
		return items, ""
	}
	items = items[:n]
	return items, key(items[n-1])
}
