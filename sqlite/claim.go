package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// The claim and record path. The claim queries read the partial index
// deliveries_due (INDEXED BY makes a plan change an error rather than a
// full scan): their cost follows the rows they return, the leased rows they
// step over and the number of active webhooks, not the backlog. Leases are
// kept in memory (leaseTable), so a claim writes nothing.
const (
	// sqlDueWebhooks lists the active webhooks with their workspace,
	// cursor and rate limit, and whether each has a delivery row due, with one probe of
	// deliveries_due each.
	sqlDueWebhooks = `SELECT w.id, w.workspace_id, w.cursor, w.rate_limit, EXISTS (
			SELECT 1 FROM deliveries AS d INDEXED BY deliveries_due
			WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= ?)
		FROM webhooks AS w INDEXED BY webhooks_active
		WHERE w.status = 'active' ORDER BY w.id`
	// sqlQueuedEvents reads the events of workspace ?1 after seq ?3 whose
	// fanout may hold webhook ?2, in seq order, up to ?4, with the fanout.
	// The test is a substring's: the caller finds the webhook's place in
	// the fanout, and passes over an event where another id merely
	// contains it (ids of one length, as hookd makes them, never do).
	sqlQueuedEvents = `SELECT seq, id, type, created_at, fanout FROM events INDEXED BY events_queue
		WHERE workspace_id = ?1 AND seq > ?3 AND fanout IS NOT NULL AND instr(fanout, ?2) > 0
		ORDER BY seq LIMIT ?4`
	// sqlLastQueued is the last seq of a workspace's events with a fanout.
	sqlLastQueued = `SELECT max(seq) FROM events INDEXED BY events_queue WHERE workspace_id = ? AND fanout IS NOT NULL`
	// sqlPayloads reads the payloads of the events in the JSON array.
	sqlPayloads = `SELECT id, payload FROM events WHERE id IN (SELECT value FROM json_each(?))`
	// sqlWrittenBetween returns the ids of webhook ?1's delivery rows from
	// ?2 to ?3 (writtenOf).
	sqlWrittenBetween = `SELECT id FROM deliveries INDEXED BY deliveries_webhook WHERE webhook_id = ? AND id BETWEEN ? AND ?`
	// sqlMoveCursor moves a webhook's cursor up.
	sqlMoveCursor        = `UPDATE webhooks SET cursor = max(cursor, ?) WHERE id = ?`
	sqlWebhookOfDelivery = `SELECT webhook_id FROM deliveries WHERE id = ?`
	sqlStreakSucceeded   = `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`
	sqlStreakFailed      = `UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`
	sqlStreakRestart     = `UPDATE webhooks SET failing_since = ? WHERE id = ?`
	sqlDisableWebhook    = `UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?`
)

// The statements that record attempts.
var (
	// sqlWriteQueued writes the row of a queued delivery at its first
	// record, from the delivery as claimed, with the attempt ?12 as its
	// log; when the row was written meanwhile (a retry by hand, a
	// disable), it applies the record as sqlRecordDelivery does. When the
	// webhook or the event is gone (deleted, purged after a disable failed
	// it), a foreign key fails it.
	sqlWriteQueued = `INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status,
		attempts, scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, last_status_code,
		created_at, updated_at, log)
		VALUES (?1, ?7, ?8, ?9, ?10, ?2, 1, ?3, 0, 0, ?4, 0, ?5, ?11, ?6, '[' || ?12 || ']')
		ON CONFLICT (id) DO UPDATE SET attempts = attempts + 1, status = ?2, next_attempt_at = ?4,
			scheduled_attempts = ?3, last_status_code = ?5, manual = 0, once = 0, lease_expires_at = 0, updated_at = ?6,
			log = ` + appendLog("?12")
	// sqlRecordDelivery applies one record to its delivery, with the
	// attempt ?7 appended to its log.
	sqlRecordDelivery = `UPDATE deliveries SET attempts = attempts + 1, status = ?2, next_attempt_at = ?4,
		scheduled_attempts = ?3, last_status_code = ?5, manual = 0, once = 0, lease_expires_at = 0, updated_at = ?6,
		log = ` + appendLog("?7") + `
		WHERE id = ?1`
)

// appendLog is an expression for the log column with the attempt in
// parameter p (a JSON object) appended: the array's text is extended,
// never parsed. An attempt's number is its place in the log (migration
// 0003_attempt_log.sql).
func appendLog(p string) string {
	return `CASE WHEN log IS NULL THEN '[' || ` + p + ` || ']'
		ELSE substr(log, 1, length(log) - 1) || ',' || ` + p + ` || ']' END`
}

// sqlClaimDue reads up to ?4 claimable deliveries of webhook ?1 in due
// order, with their events' payloads, without the leased ones listed in
// the JSON array ?3.
var sqlClaimDue = `SELECT d.` + strings.Join(deliveryColumnList, ", d.") + `, e.payload
	FROM deliveries AS d INDEXED BY deliveries_due
	CROSS JOIN events AS e ON e.id = d.event_id
	WHERE d.webhook_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ?
		AND d.id NOT IN (SELECT value FROM json_each(?))
	ORDER BY d.next_attempt_at
	LIMIT ?`

// ClaimDue leases up to r.Limit due deliveries of active webhooks until
// r.LeaseUntil, at most r.PerWebhook per webhook (0: up to r.Limit) and none
// for the webhooks in r.Exclude or the workspaces in r.ExcludeWorkspaces,
// and no more to a rate-limited webhook than r.RateWindow allows. A delivery is due when it is pending, its
// next attempt is at or before r.Now and it is not leased (its lease ended
// at or before r.Now).
//
// The claim is spread over webhooks: each due webhook first gets an equal
// share of r.Limit (up to r.PerWebhook), then what is left goes, up to
// r.PerWebhook, to the webhooks that had more; the webhook that starts each
// round moves on at every call. Claims of one webhook share one *Webhook.
// A LeaseUntil not after Now is EINVALID.
func (s *Store) ClaimDue(ctx context.Context, r hookd.ClaimRequest) ([]hookd.Claim, error) {
	if r.Limit <= 0 {
		return nil, nil
	}
	if !r.LeaseUntil.After(r.Now) {
		return nil, hookd.Errorf(hookd.EINVALID, "the lease must end after now")
	}
	per := r.PerWebhook
	if per <= 0 || per > r.Limit {
		per = r.Limit
	}
	// Webhook and workspace ids never collide (their prefixes differ):
	// one set holds both.
	var exclude map[string]bool
	if n := len(r.Exclude) + len(r.ExcludeWorkspaces); n > 0 {
		exclude = make(map[string]bool, n)
		for _, id := range r.Exclude {
			exclude[id] = true
		}
		for _, id := range r.ExcludeWorkspaces {
			exclude[id] = true
		}
	}
	// A claim writes nothing (leases are in memory), so it runs on the
	// reader pool and never waits for the writer's fsyncs. It copies the
	// leases before its snapshot begins: a lease that ends later is in the
	// copy, and one that ended sooner ended after its record committed,
	// which the snapshot then sees. Claims run one at a time, so none
	// leases between another's copy and its snapshot.
	s.claiming.Lock()
	defer s.claiming.Unlock()
	now := micros(r.Now)
	held, expired := s.leases.snapshot(now)
	// Queued deliveries whose lease ran out are to be read again.
	s.queue.released(expired)
	c := claimer{s: s, now: now, leaseUntil: micros(r.LeaseUntil), held: held}
	err := s.read(ctx, "claim deliveries", func(ctx context.Context, tx *sql.Tx) error {
		c.ctx, c.tx = ctx, tx
		ids, err := c.dueWebhooks(exclude)
		if err != nil || len(ids) == 0 {
			return err
		}
		start := int(s.claimTurn.Add(1)-1) % len(ids)
		ids = slices.Concat(ids[start:], ids[:start])
		share := min(per, (r.Limit+len(ids)-1)/len(ids))
		// Room for every claim this call may make, so the list is not
		// copied as it grows.
		c.claims = make([]hookd.Claim, 0, min(r.Limit, per*len(ids)))
		got := make([]int, len(ids))
		most := make([]int, len(ids)) // per, or less under a rate limit
		remaining := r.Limit
		for i, id := range ids {
			most[i] = per
			if id.rate.Valid && id.rate.Float64 > 0 {
				most[i] = min(per, hookd.RateAllows(id.rate.Float64, r.RateWindow))
			}
			if remaining == 0 {
				continue
			}
			n, err := c.claim(id, min(share, most[i], remaining))
			if err != nil {
				return err
			}
			got[i] = n
			remaining -= n
		}
		for i, id := range ids {
			if remaining == 0 || share == per {
				break
			}
			if got[i] < min(share, most[i]) || got[i] >= most[i] {
				continue // it had no more due, or has its fill
			}
			n, err := c.claim(id, min(most[i]-got[i], remaining))
			if err != nil {
				return err
			}
			remaining -= n
		}
		return nil
	})
	if err != nil {
		ids := make([]string, len(c.claims))
		for i := range c.claims {
			ids[i] = c.claims[i].Delivery.ID
		}
		s.leases.release(ids)
		s.queue.released(ids)
		return nil, err
	}
	return c.claims, nil
}

// claimer holds one ClaimDue transaction.
type claimer struct {
	ctx             context.Context
	s               *Store
	tx              *sql.Tx
	now, leaseUntil int64
	claims          []hookd.Claim
	held            map[string][]string // webhook id -> its leased deliveries, copied before the snapshot
	due, hook       *sql.Stmt
	queued, written *sql.Stmt
	last, payload   *sql.Stmt
	webhooks        map[string]*hookd.Webhook
}

// dueHook is an active webhook with deliveries that may be due.
type dueHook struct {
	id, workspaceID string
	cursor          int64
	rate            sql.NullFloat64 // requests per second; null: no limit
	due             bool            // it has a delivery row due
}

// dueWebhooks returns the active webhooks that have due delivery rows or
// may have queued deliveries, in id order, without those excluded by id or
// by workspace.
func (c *claimer) dueWebhooks(exclude map[string]bool) ([]dueHook, error) {
	rows, err := c.tx.StmtContext(c.ctx, c.s.claimStmts.dueWebhooks).QueryContext(c.ctx, c.now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var hooks []dueHook
	for rows.Next() {
		var h dueHook
		if err := rows.Scan(&h.id, &h.workspaceID, &h.cursor, &h.rate, &h.due); err != nil {
			return nil, err
		}
		if !exclude[h.id] && !exclude[h.workspaceID] && (c.s.queue.mayHave(h.id, h.workspaceID, h.cursor) || h.due) {
			hooks = append(hooks, h)
		}
	}
	return hooks, rows.Err()
}

// claim leases up to n due deliveries of one webhook, those with a row
// first (retries, manual attempts: due longest), then queued ones, and
// returns how many.
func (c *claimer) claim(h dueHook, n int) (int, error) {
	if c.due == nil {
		c.due = c.tx.StmtContext(c.ctx, c.s.claimStmts.claimDue)
		c.hook = c.tx.StmtContext(c.ctx, c.s.claimStmts.webhookByID)
		c.queued = c.tx.StmtContext(c.ctx, c.s.claimStmts.queuedEvents)
		c.written = c.tx.StmtContext(c.ctx, c.s.claimStmts.writtenBetween)
		c.last = c.tx.StmtContext(c.ctx, c.s.claimStmts.lastQueued)
		c.payload = c.tx.StmtContext(c.ctx, c.s.claimStmts.payloads)
		c.webhooks = map[string]*hookd.Webhook{}
	}
	first := len(c.claims)
	var (
		got int
		err error
	)
	if h.due { // else, in this snapshot, claimWritten would find none
		if got, err = c.claimWritten(h.id, n); err != nil {
			return 0, err
		}
	}
	if got < n {
		m, err := c.claimQueued(h, n-got)
		if err != nil {
			return 0, err
		}
		got += m
	}
	if got == 0 {
		return 0, nil
	}
	w := c.webhooks[h.id]
	if w == nil {
		w, err = scanWebhook(c.hook.QueryRowContext(c.ctx, h.id))
		if err != nil {
			return 0, err
		}
		c.webhooks[h.id] = w
	}
	for i := range c.claims[first:] {
		c.claims[first+i].Webhook = w
	}
	return got, nil
}

// lease leases the deliveries of claims, of one webhook, until the claim's
// lease end.
func (c *claimer) lease(webhookID string, claims []hookd.Claim) {
	ids := make([]string, len(claims))
	for i := range claims {
		ids[i] = claims[i].Delivery.ID
	}
	c.s.leases.take(webhookID, ids, c.leaseUntil)
	if c.held == nil {
		c.held = map[string][]string{}
	}
	c.held[webhookID] = append(c.held[webhookID], ids...)
}

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

// claimWritten leases up to n due delivery rows of one webhook and returns
// how many.
func (c *claimer) claimWritten(webhookID string, n int) (int, error) {
	rows, err := c.due.QueryContext(c.ctx, webhookID, c.now, idsJSON(c.held[webhookID]), n)
	if err != nil {
		return 0, err
	}
	first := len(c.claims)
	for rows.Next() {
		var payload []byte
		d, err := scanDelivery(rows, &payload)
		if err != nil {
			rows.Close()
			return 0, err
		}
		c.claims = append(c.claims, hookd.Claim{Delivery: d, Payload: payload})
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	got := c.claims[first:]
	if len(got) > 0 {
		c.lease(webhookID, got)
	}
	return len(got), nil
}

// streak is what a batch of records did to one webhook's failing streak,
// applied as if the records were written one by one.
type streak struct {
	succeeded bool       // a record of the batch succeeded
	failStart *time.Time // first failure after the last success, if any
}

// RecordAttempts writes the outcome of attempts in one transaction, in
// order. For each record it appends the attempt to the delivery's log,
// numbered one past the delivery's attempts; sets the delivery's status,
// next attempt, scheduled attempts and last status code; clears its Manual
// and Once marks and its lease. A success ends the webhook's failing
// streak, a failure starts one at Attempt.StartedAt unless one is running.
// A record with a DisableReason disables its webhook with that reason and,
// once the batch is applied, fails the webhook's other pending deliveries:
// a first batch of them in this transaction, the rest in the background,
// batch by batch (backlog.go). Records of deliveries deleted meanwhile are
// skipped. A record's WebhookID
// must be its delivery's webhook; when empty it is looked up. The first
// record of a queued delivery writes its row, and moves its webhook's
// cursor up to the first queued delivery still in flight. The attempts
// written are counted by the minute they started in, for Overview.
func (s *Store) RecordAttempts(ctx context.Context, recs []hookd.AttemptRecord) error {
	if len(recs) == 0 {
		return nil
	}
	// Encode the log entries before taking the writer.
	logs := make([]string, len(recs))
	for i := range recs {
		b, err := encodeAttempt(&recs[i].Attempt)
		if err != nil {
			return wrap("record attempts", err)
		}
		logs[i] = string(b)
	}
	applied := make([]bool, len(recs))
	var moved map[string]int64 // cursors written
	failing := false           // a disable left batches to the worker
	err := s.write(ctx, "record attempts", func(ctx context.Context, tx *sql.Tx) error {
		stmts := recordStmts{update: tx.StmtContext(ctx, s.stmts.recordDelivery),
			writeQueued: tx.StmtContext(ctx, s.stmts.writeQueued)}
		var (
			order   []string // webhooks in the order the batch meets them
			streaks = map[string]*streak{}
			queued  = map[string]bool{} // the batch's queued deliveries in flight
		)
		for i := range recs {
			rec := &recs[i]
			if rec.WebhookID == "" {
				webhookID, err := webhookOfDelivery(ctx, tx, s.stmts.webhookOfDelivery, rec.DeliveryID)
				if errors.Is(err, sql.ErrNoRows) {
					continue // deleted with its webhook or workspace, or purged
				}
				if err != nil {
					return err
				}
				rec.WebhookID = webhookID
			}
			c, inFlight := s.queue.claimed(rec.DeliveryID)
			if inFlight {
				queued[rec.DeliveryID] = true
			}
			ok, err := s.recordOne(ctx, tx, stmts, rec, logs[i], c.delivery)
			if err != nil {
				return err
			}
			if !ok {
				continue // deleted with its webhook or workspace, or purged
			}
			applied[i] = true
			webhookID := rec.WebhookID
			st := streaks[webhookID]
			if st == nil {
				st = &streak{}
				streaks[webhookID] = st
				order = append(order, webhookID)
			}
			if rec.Succeeded {
				st.succeeded, st.failStart = true, nil
			} else if st.failStart == nil {
				t := rec.Attempt.StartedAt
				st.failStart = &t
			}
		}
		var err error
		if moved, err = s.moveCursors(ctx, tx, queued); err != nil {
			return err
		}
		for _, id := range order {
			st := streaks[id]
			var err error
			switch {
			case st.failStart == nil:
				_, err = tx.StmtContext(ctx, s.stmts.streakSucceeded).ExecContext(ctx, id)
			case st.succeeded:
				_, err = tx.StmtContext(ctx, s.stmts.streakRestart).ExecContext(ctx, micros(*st.failStart), id)
			default:
				_, err = tx.StmtContext(ctx, s.stmts.streakFailed).ExecContext(ctx, micros(*st.failStart), id)
			}
			if err != nil {
				return err
			}
		}
		if err := s.countAttempts(ctx, tx, recs, applied); err != nil {
			return err
		}
		for i := range recs {
			rec := &recs[i]
			if !applied[i] || rec.DisableReason == "" {
				continue
			}
			if _, err := tx.StmtContext(ctx, s.stmts.disableWebhook).ExecContext(ctx,
				rec.DisableReason, micros(rec.Now), rec.WebhookID); err != nil {
				return err
			}
			more, err := s.startFailing(ctx, tx, rec.WebhookID, rec.Now, rec.DeliveryID)
			if err != nil {
				return err
			}
			failing = failing || more
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failing {
		s.backlog.notify()
	}
	// Only now that the records are committed may the deliveries be
	// claimed again.
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].DeliveryID
	}
	s.queue.recorded(ids)
	s.queue.persisted(moved)
	s.leases.release(ids)
	return nil
}

// recordStmts are the statements of recordOne, bound to one RecordAttempts
// transaction once for all its records.
type recordStmts struct {
	update      *sql.Stmt // sqlRecordDelivery
	writeQueued *sql.Stmt // sqlWriteQueued
}

// recordOne applies rec to its delivery's row, with logged (its attempt as
// encodeAttempt wrote it) appended to the row's log, writing the row of a
// queued delivery from claimed, the delivery as this process claimed it
// (nil: not in flight here); it returns false when the delivery no longer
// exists.
func (s *Store) recordOne(ctx context.Context, tx *sql.Tx, stmts recordStmts, rec *hookd.AttemptRecord,
	logged string, claimed *hookd.Delivery) (bool, error) {
	if claimed == nil {
		res, err := stmts.update.ExecContext(ctx, rec.DeliveryID, rec.Status, rec.ScheduledAttempts,
			nullMicros(rec.NextAttemptAt), nullInt(rec.LastStatusCode), micros(rec.Now), logged)
		if n, err := affected(res, err); n > 0 || err != nil {
			return n > 0, err
		}
		// No row: a queued delivery whose claim's lease ran out, or that
		// was handed back, before this record.
		var workspaceID string
		err = tx.QueryRowContext(ctx, `SELECT workspace_id FROM webhooks WHERE id = ?`, rec.WebhookID).Scan(&workspaceID)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if claimed, err = loadQueued(ctx, tx, workspaceID, rec.WebhookID, rec.DeliveryID); claimed == nil || err != nil {
			return false, err
		}
	}
	d := claimed
	res, err := stmts.writeQueued.ExecContext(ctx, rec.DeliveryID, rec.Status,
		rec.ScheduledAttempts, nullMicros(rec.NextAttemptAt), nullInt(rec.LastStatusCode), micros(rec.Now),
		d.WorkspaceID, d.EventID, d.WebhookID, d.EventType, micros(d.CreatedAt), logged)
	if isForeignKeyViolation(err) {
		// Its webhook or event is gone; the failed statement changed
		// nothing, and the transaction goes on.
		return false, nil
	}
	n, err := affected(res, err)
	return n > 0, err
}

// affected returns the rows a statement changed.
func affected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// moveCursors moves up, in tx, the cursors of the webhooks whose claims
// have read past them: up to their first queued delivery in flight that
// tx does not record (done), or as far as their claims have read. A
// webhook whose events are mostly for others gets its cursor moved too, so
// that lists and restarts do not read those events again. It returns the
// cursors written, for queue.persisted once tx has committed.
func (s *Store) moveCursors(ctx context.Context, tx *sql.Tx, done map[string]bool) (map[string]int64, error) {
	moves := s.queue.cursors(done)
	for id, cursor := range moves {
		if _, err := tx.StmtContext(ctx, s.stmts.moveCursor).ExecContext(ctx, cursor, id); err != nil {
			return nil, err
		}
	}
	return moves, nil
}

// webhookOfDelivery returns the webhook of a delivery, with a row or
// queued; sql.ErrNoRows when there is none.
func webhookOfDelivery(ctx context.Context, tx *sql.Tx, byRow *sql.Stmt, id string) (string, error) {
	var webhookID string
	err := tx.StmtContext(ctx, byRow).QueryRowContext(ctx, id).Scan(&webhookID)
	if !errors.Is(err, sql.ErrNoRows) {
		return webhookID, err
	}
	eventID, idx, ok := parseQueuedID(id)
	if !ok {
		return "", err
	}
	var fanout sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT fanout FROM events WHERE id = ?`, eventID).Scan(&fanout); err != nil {
		return "", err
	}
	if webhookID = fanoutAt(fanout.String, idx); webhookID == "" {
		return "", sql.ErrNoRows
	}
	return webhookID, nil
}

// ReleaseClaims ends the leases of the deliveries, which are due again at
// their unchanged next attempt time. Unknown ids are ignored.
func (s *Store) ReleaseClaims(ctx context.Context, deliveryIDs []string) error {
	// Not during a claim: one that copied the leases before this release
	// would skip the deliveries as leased and read on past them.
	s.claiming.Lock()
	defer s.claiming.Unlock()
	s.leases.release(deliveryIDs)
	s.queue.released(deliveryIDs)
	return nil
}
