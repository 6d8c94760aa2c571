package sqlite

import (
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// Queued deliveries. Publishing writes an event with the webhooks it fans
// out to (its fanout column) and no delivery rows: one row per event instead
// of one per delivery is what lets SQLite accept tens of thousands of events
// a second. A delivery gets its row when its first attempt is recorded, or
// earlier when it is retried by hand or failed by a disable. Until then it
// is queued: pending, due since its event was published, with an id made
// from its event's id and its place in the fanout (queuedID), so that it
// has the same id before and after it has a row.
//
// Each webhook has a durable cursor, an event seq: every event at or below
// it that fans out to the webhook has that delivery's row. So the queued
// deliveries of a webhook are the events above its cursor that fan out to
// it and have no row yet. Claims read them in seq order from the webhook's
// scanned mark, kept here in memory; records move the cursor up to the
// first delivery still in flight. Seqs are assigned and committed in order
// (one writer, AUTOINCREMENT), so a claim's snapshot holds every event up to
// the last seq it read.
//
// A queued delivery is due from its event's created_at, and claims stop at
// the first event not yet due: if the clock steps back, the events
// published after the step wait until it passes the last stamp before it
// (no longer than the step).

// queuedID returns the id of the delivery of event eventID to the webhook
// at place idx of its fanout: the event's id with the delivery prefix and
// idx in base32, three digits or more.
func queuedID(eventID string, idx int) string {
	body := strings.TrimPrefix(eventID, hookd.PrefixEvent)
	var digits [8]byte
	n := len(digits)
	for v := idx; v > 0 || n > len(digits)-3; v >>= 5 {
		n--
		digits[n] = crockford[v&31]
	}
	return hookd.PrefixDelivery + body + string(digits[n:])
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulidLength is the length of an id without its prefix.
const ulidLength = 26

// parseQueuedID returns the event id and fanout place of a delivery id made
// by queuedID; ok is false for any other id (deliveries written when they
// were published have plain ids).
func parseQueuedID(id string) (eventID string, idx int, ok bool) {
	body, found := strings.CutPrefix(id, hookd.PrefixDelivery)
	if !found || len(body) < ulidLength+3 || len(body) > ulidLength+7 {
		return "", 0, false
	}
	for _, c := range []byte(body[ulidLength:]) {
		d := strings.IndexByte(crockford, c)
		if d < 0 {
			return "", 0, false
		}
		idx = idx<<5 | d
	}
	return hookd.PrefixEvent + body[:ulidLength], idx, true
}

// fanoutOf writes the webhook ids an event fans out to as its fanout
// column; nil when there are none.
func fanoutOf(ids []string) any {
	if len(ids) == 0 {
		return nil
	}
	return strings.Join(ids, " ")
}

// fanoutIndex returns the place of webhookID in fanout, or -1.
func fanoutIndex(fanout, webhookID string) int {
	for i := 0; fanout != ""; i++ {
		var id string
		id, fanout, _ = strings.Cut(fanout, " ")
		if id == webhookID {
			return i
		}
	}
	return -1
}

// fanoutAt returns the webhook id at place idx of fanout, or "".
func fanoutAt(fanout string, idx int) string {
	for i := 0; fanout != ""; i++ {
		var id string
		id, fanout, _ = strings.Cut(fanout, " ")
		if i == idx {
			return id
		}
	}
	return ""
}

// queuedDelivery is the delivery of an event to the webhook at place idx of
// its fanout, not attempted yet.
func queuedDelivery(workspaceID, eventID, eventType string, created time.Time, webhookID string, idx int) hookd.Delivery {
	next := created
	return hookd.Delivery{
		ID:            queuedID(eventID, idx),
		WorkspaceID:   workspaceID,
		EventID:       eventID,
		WebhookID:     webhookID,
		EventType:     eventType,
		Status:        hookd.DeliveryPending,
		NextAttemptAt: &next,
		CreatedAt:     created,
		UpdatedAt:     created,
	}
}

// queue is this process's memory of the queued deliveries: how far the
// claims have read each webhook's events, which queued deliveries are in
// flight, and the last event seq of each workspace.
type queue struct {
	mu       sync.Mutex
	heads    map[string]int64       // workspace id -> highest seq with a fanout known committed
	hooks    map[string]*hookQueue  // webhook id -> its reading
	inFlight map[string]queuedClaim // delivery id -> its claim, until recorded or released
}

// hookQueue is how far the claims have read one webhook's events.
type hookQueue struct {
	// scanned: every event up to it that fans out to the webhook is in
	// flight or has its row.
	scanned int64
	// lowered counts the times a release moved scanned back, so that a
	// claim reading meanwhile does not move it forward past the release.
	lowered  int
	inFlight map[int64]string // event seq -> its delivery in flight
	// cursor is the durable cursor as last read or written.
	cursor int64
}

// queuedClaim is a queued delivery claimed and not yet recorded.
type queuedClaim struct {
	webhookID string
	seq       int64
	delivery  *hookd.Delivery // as claimed: what its row is written from
}

func (q *queue) hook(webhookID string, cursor int64) *hookQueue {
	if q.hooks == nil {
		q.hooks, q.inFlight = map[string]*hookQueue{}, map[string]queuedClaim{}
	}
	if q.heads == nil {
		q.heads = map[string]int64{}
	}
	h := q.hooks[webhookID]
	if h == nil {
		h = &hookQueue{scanned: cursor, cursor: cursor, inFlight: map[int64]string{}}
		q.hooks[webhookID] = h
	}
	return h
}

// mayHave reports whether webhookID, of workspaceID, may have queued
// deliveries not yet claimed: its workspace's head is past its scanned
// mark, or the head is not known. cursor is its durable cursor, where a
// webhook not seen before starts.
func (q *queue) mayHave(webhookID, workspaceID string, cursor int64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.hook(webhookID, cursor)
	head, known := q.heads[workspaceID]
	return !known || head > h.scanned
}

// reading returns where a claim of webhookID starts reading, and the mark
// to hand back to read.
func (q *queue) reading(webhookID string) (from int64, lowered int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.hook(webhookID, 0)
	return h.scanned, h.lowered
}

// read records a claim's reading of webhookID's events up to seq, with the
// queued deliveries it claimed; end is true when it read to the end of its
// snapshot, so that seq is the workspace's head as far as it knows.
func (q *queue) read(webhookID, workspaceID string, lowered int, seq int64, end bool, claims []hookd.Claim, seqs []int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.hook(webhookID, 0)
	for i := range claims {
		q.inFlight[claims[i].Delivery.ID] = queuedClaim{webhookID: webhookID, seq: seqs[i], delivery: &claims[i].Delivery}
		h.inFlight[seqs[i]] = claims[i].Delivery.ID
	}
	if h.lowered == lowered && seq > h.scanned {
		h.scanned = seq
	}
	if end && seq > q.heads[workspaceID] {
		q.heads[workspaceID] = seq
	}
}

// published notes that workspaceID has events up to seq committed.
func (q *queue) published(workspaceID string, seq int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.heads == nil {
		q.heads = map[string]int64{}
	}
	if seq > q.heads[workspaceID] {
		q.heads[workspaceID] = seq
	}
}

// claimed returns the claim of a queued delivery in flight.
func (q *queue) claimed(deliveryID string) (queuedClaim, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	c, ok := q.inFlight[deliveryID]
	return c, ok
}

// cursors returns the webhooks whose durable cursor may move up once the
// records of the deliveries done commit, with where to: up to just before
// their first event still in flight, else to their scanned mark.
func (q *queue) cursors(done map[string]bool) map[string]int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]int64{}
	for id, h := range q.hooks {
		cur := h.scanned
		for seq, d := range h.inFlight {
			if !done[d] && seq-1 < cur {
				cur = seq - 1
			}
		}
		if cur > h.cursor {
			out[id] = cur
		}
	}
	return out
}

// persisted notes the cursors written by a committed record.
func (q *queue) persisted(cursors map[string]int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for id, cur := range cursors {
		if h := q.hooks[id]; h != nil && cur > h.cursor {
			h.cursor = cur
		}
	}
}

// recorded forgets the queued deliveries whose records have committed.
func (q *queue) recorded(ids []string) {
	q.forget(ids, false)
}

// released forgets the queued deliveries handed back unrecorded: they are
// to be claimed again, so their webhooks' scanned marks move back before
// them.
func (q *queue) released(ids []string) {
	q.forget(ids, true)
}

func (q *queue) forget(ids []string, again bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, id := range ids {
		c, ok := q.inFlight[id]
		if !ok {
			continue
		}
		delete(q.inFlight, id)
		h := q.hooks[c.webhookID]
		if h == nil {
			continue
		}
		delete(h.inFlight, c.seq)
		if again && c.seq-1 < h.scanned {
			h.scanned = c.seq - 1
			h.lowered++
		}
	}
}
