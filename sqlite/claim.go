package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// The claim path. The claim queries read the partial index
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
)

// sqlClaimDue reads up to ?4 claimable deliveries of webhook ?1 in due
// order, with their events' payloads, without the leased ones listed in
// the JSON array ?3.
var sqlClaimDue = `SELECT d.` + strings.Join(sqlstore.DeliveryColumnList, ", d.") + `, e.payload
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
	per, err := sqlstore.ClaimShare(r)
	if per == 0 || err != nil {
		return nil, err
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
	err = s.read(ctx, "claim deliveries", func(ctx context.Context, tx *sql.Tx) error {
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
		w, err = sqlstore.ScanWebhook(c.hook.QueryRowContext(c.ctx, h.id))
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
		d, err := sqlstore.ScanDelivery(rows, &payload)
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
