package sqlite

import "encoding/json"

// payloadCache keeps the payloads of the events claims read last, about
// payloadCacheBytes of them: an event is claimed once for each webhook it
// fans out to, by claims close in time. Payloads never change. Only
// ClaimDue uses it, one call at a time.
type payloadCache struct {
	cur, old map[string]json.RawMessage
	curBytes int
}

const payloadCacheBytes = 8 << 20

func (p *payloadCache) get(eventID string) (json.RawMessage, bool) {
	if v, ok := p.cur[eventID]; ok {
		return v, true
	}
	v, ok := p.old[eventID]
	if ok {
		p.put(eventID, v)
	}
	return v, ok
}

// put keeps v; past payloadCacheBytes, the older half is dropped.
func (p *payloadCache) put(eventID string, v json.RawMessage) {
	if p.cur == nil || p.curBytes >= payloadCacheBytes/2 {
		p.old, p.cur, p.curBytes = p.cur, map[string]json.RawMessage{}, 0
	}
	p.cur[eventID] = v
	p.curBytes += len(eventID) + len(v)
}
