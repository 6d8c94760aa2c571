package sqlite

import (
	"strings"
	"sync"
)

// leaseTable holds the delivery leases of this process in memory. In SQLite
// mode one process owns the database file (hookd serve locks the data
// directory, and Open voids every lease a previous process left), so a lease
// need not be written: keeping it here spares every claim a durable write
// and its fsync. A lease is taken by a claim (on the reader pool, one claim
// at a time) and given up once the attempt's record has committed; a claim
// copies the leases before its read snapshot begins, so no claim sees a
// delivery unleased and still due.
type leaseTable struct {
	mu     sync.Mutex
	byHook map[string]map[string]int64 // webhook id -> delivery id -> lease end (Unix µs)
	hookOf map[string]string           // delivery id -> webhook id
}

// take leases the deliveries ids of webhookID until until.
func (l *leaseTable) take(webhookID string, ids []string, until int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byHook == nil {
		l.byHook, l.hookOf = map[string]map[string]int64{}, map[string]string{}
	}
	m := l.byHook[webhookID]
	if m == nil {
		m = make(map[string]int64, len(ids))
		l.byHook[webhookID] = m
	}
	for _, id := range ids {
		m[id] = until
		l.hookOf[id] = webhookID
	}
}

// release ends the leases of ids; ids not leased are ignored.
func (l *leaseTable) release(ids []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		hook, ok := l.hookOf[id]
		if !ok {
			continue
		}
		delete(l.hookOf, id)
		if m := l.byHook[hook]; m != nil {
			delete(m, id)
			if len(m) == 0 {
				delete(l.byHook, hook)
			}
		}
	}
}

// snapshot returns the deliveries leased after now, by webhook, and
// forgets the leases that ran out, which it returns too.
func (l *leaseTable) snapshot(now int64) (held map[string][]string, expired []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]string, len(l.byHook))
	for hook, m := range l.byHook {
		ids := make([]string, 0, len(m))
		for id, until := range m {
			if until <= now {
				delete(m, id)
				delete(l.hookOf, id)
				expired = append(expired, id)
				continue
			}
			ids = append(ids, id)
		}
		if len(m) == 0 {
			delete(l.byHook, hook)
			continue
		}
		out[hook] = ids
	}
	return out, expired
}

// idsJSON writes ids as a JSON array (for json_each).
func idsJSON(ids []string) string {
	if len(ids) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.Grow(len(ids) * 32)
	b.WriteByte('[')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		// Ids are hookd ids: letters, digits and '_', nothing to escape.
		b.WriteByte('"')
		b.WriteString(id)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}
