package sqlite

import (
	"database/sql"
	"encoding/json"

	"github.com/hookd/hookd"
)

// maxQueuedRead bounds the events one claim reads for one webhook.
const maxQueuedRead = 4096

// queuedRow is an event read by claimQueued: one queued delivery.
type queuedRow struct {
	seq        int64
	id, typ    string
	created    int64
	idx        int // the webhook's place in the event's fanout
	deliveryID string
}

// claimQueued leases up to n queued deliveries of webhook h, in event
// order, and returns how many.
func (c *claimer) claimQueued(h dueHook, n int) (int, error) {
	from, lowered := c.s.queue.reading(h.id)
	// Every event up to the cursor has its row (a disable may have moved
	// the cursor past the mark): none of them is queued.
	from = max(from, h.cursor)
	held := make(map[string]bool, len(c.held[h.id])) // h's leased deliveries
	for _, id := range c.held[h.id] {
		held[id] = true
	}
	var (
		picked      []queuedRow
		end, notDue bool
	)
	for read := 0; len(picked) < n && !end && !notDue && read < maxQueuedRead; {
		// Each row is a delivery of h, so no more rows than deliveries
		// wanted are read; the rows of deliveries leased or written are
		// read over.
		limit := n - len(picked)
		rows, err := c.queued.QueryContext(c.ctx, h.workspaceID, h.id, from, limit)
		if err != nil {
			return 0, err
		}
		var (
			batch    []queuedRow
			rowsRead int          // rows read
			fanout   sql.RawBytes // the row's fanout
			last     string       // the last fanout looked in
			lastIdx  int          // h's place in it
		)
		for rows.Next() {
			var r queuedRow
			if err := rows.Scan(&r.seq, &r.id, &r.typ, &r.created, &fanout); err != nil {
				rows.Close()
				return 0, err
			}
			if r.created > c.now {
				// Published for later (a clock moved back): neither it nor
				// what follows is due yet.
				notDue = true
				break
			}
			rowsRead++
			from = r.seq
			// The events of a run mostly share one fanout: look once.
			if string(fanout) != last {
				last = string(fanout)
				lastIdx = fanoutIndex(last, h.id)
			}
			if r.idx = lastIdx; r.idx < 0 {
				continue // another webhook's id contains h's
			}
			r.deliveryID = queuedID(r.id, r.idx)
			batch = append(batch, r)
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		if err := rows.Err(); err != nil {
			return 0, err
		}
		read += rowsRead
		end = rowsRead < limit && !notDue
		ids := make([]string, len(batch))
		for i := range batch {
			ids[i] = batch[i].deliveryID
		}
		written, err := writtenOf(c.ctx, c.written, h.id, ids)
		if err != nil {
			return 0, err
		}
		for _, r := range batch {
			if !held[r.deliveryID] && !written[r.deliveryID] {
				picked = append(picked, r)
			}
		}
		if end {
			// No event after the last read fans out to h: the mark moves
			// to the workspace's last event.
			var last sql.NullInt64
			if err := c.last.QueryRowContext(c.ctx, h.workspaceID).Scan(&last); err != nil {
				return 0, err
			}
			from = max(from, last.Int64)
		}
	}
	claims := make([]hookd.Claim, len(picked))
	seqs := make([]int64, len(picked))
	if len(picked) > 0 {
		payloads, err := c.loadPayloads(picked)
		if err != nil {
			return 0, err
		}
		for i, r := range picked {
			claims[i] = hookd.Claim{
				Delivery: queuedDelivery(h.workspaceID, r.id, r.typ, fromMicros(r.created), h.id, r.idx),
				Payload:  payloads[r.id],
			}
			seqs[i] = r.seq
		}
		c.lease(h.id, claims)
	}
	c.s.queue.read(h.id, h.workspaceID, lowered, from, end, claims, seqs)
	c.claims = append(c.claims, claims...)
	return len(claims), nil
}

// loadPayloads returns the payloads of the events of rows, from the
// store's payload cache or else read (and cached): a webhook's claim reads
// the events that the other webhooks' claims read a moment ago.
func (c *claimer) loadPayloads(rows []queuedRow) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(rows))
	var ids []string
	for _, r := range rows {
		if _, ok := out[r.id]; ok {
			continue
		}
		v, ok := c.s.payloads.get(r.id)
		out[r.id] = v
		if !ok {
			ids = append(ids, r.id)
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	res, err := c.payload.QueryContext(c.ctx, idsJSON(ids))
	if err != nil {
		return nil, err
	}
	defer res.Close()
	for res.Next() {
		var (
			id      string
			payload []byte
		)
		if err := res.Scan(&id, &payload); err != nil {
			return nil, err
		}
		out[id] = payload
		c.s.payloads.put(id, payload)
	}
	return out, res.Err()
}
