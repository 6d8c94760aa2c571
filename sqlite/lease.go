package sqlite

import (
	"strings"
	"sync"
)

// leaseTable holds the delivery leases of this process in memory. In SQLite
// mode one process owns the database file (hookd serve locks the data
// directory, and Open voids every lease a previous process left), so a lease
// need not be written: keeping it here spares every claim a durable write
// and its fsync. A lease is taken inside the claim's write transaction and
// given up once the attempt's record has committed, both on the one writer
// connection, so no claim sees a delivery unleased and still due.
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

// held returns the deliveries of webhookID leased after now as a JSON array
// of ids (for json_each), and forgets the leases that ran out.
func (l *leaseTable) held(webhookID string, now int64) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.byHook[webhookID]
	if len(m) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.Grow(len(m) * 32)
	b.WriteByte('[')
	for id, until := range m {
		if until <= now {
			delete(m, id)
			delete(l.hookOf, id)
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		// Ids are hookd ids: letters, digits and '_', nothing to escape.
		b.WriteByte('"')
		b.WriteString(id)
		b.WriteByte('"')
	}
	b.WriteByte(']')
	if len(m) == 0 {
		delete(l.byHook, webhookID)
	}
	return b.String()
}
