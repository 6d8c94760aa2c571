package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
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
	// sqlDueWebhooks lists the active webhooks that have a claimable
	// delivery, with one probe of deliveries_due each, inside SQLite.
	sqlDueWebhooks = `SELECT w.id FROM webhooks AS w INDEXED BY webhooks_active
		WHERE w.status = 'active' AND EXISTS (
			SELECT 1 FROM deliveries AS d INDEXED BY deliveries_due
			WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= ?)
		ORDER BY w.id`
	// sqlRecordDelivery applies one record to its delivery.
	sqlRecordDelivery = `UPDATE deliveries SET attempts = attempts + 1, status = ?, next_attempt_at = ?,
		scheduled_attempts = ?, last_status_code = ?, manual = 0, once = 0, lease_expires_at = 0, updated_at = ?
		WHERE id = ?`
	// sqlInsertAttempt logs the attempt, numbered by the delivery's
	// attempts after sqlRecordDelivery.
	sqlInsertAttempt = `INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, request,
		response, error)
		SELECT id, attempts, ?, ?, ?, ?, ?, ? FROM deliveries WHERE id = ?`
	sqlWebhookOfDelivery = `SELECT webhook_id FROM deliveries WHERE id = ?`
	sqlStreakSucceeded   = `UPDATE webhooks SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL`
	sqlStreakFailed      = `UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`
	sqlStreakRestart     = `UPDATE webhooks SET failing_since = ? WHERE id = ?`
	sqlDisableWebhook    = `UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?`
	// sqlFailPending fails a webhook's pending deliveries but one (an id of
	// '' spares none).
	sqlFailPending = `UPDATE deliveries INDEXED BY deliveries_due SET status = 'failed', next_attempt_at = NULL, manual = 0,
		once = 0, lease_expires_at = 0, updated_at = ? WHERE webhook_id = ? AND status = 'pending' AND id <> ?`
)

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
// for the webhooks in r.Exclude. A delivery is due when it is pending, its
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
	var exclude map[string]bool
	if len(r.Exclude) > 0 {
		exclude = make(map[string]bool, len(r.Exclude))
		for _, id := range r.Exclude {
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
	c := claimer{s: s, now: now, leaseUntil: micros(r.LeaseUntil), held: s.leases.snapshot(now)}
	err := s.read(ctx, "claim deliveries", func(ctx context.Context, tx *sql.Tx) error {
		c.ctx, c.tx = ctx, tx
		ids, err := c.dueWebhooks(exclude)
		if err != nil || len(ids) == 0 {
			return err
		}
		start := int(s.claimTurn.Add(1)-1) % len(ids)
		ids = slices.Concat(ids[start:], ids[:start])
		share := min(per, (r.Limit+len(ids)-1)/len(ids))
		got := make([]int, len(ids))
		remaining := r.Limit
		for i, id := range ids {
			if remaining == 0 {
				break
			}
			n, err := c.claim(id, min(share, remaining))
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
			if got[i] < share {
				continue // it had no more due
			}
			n, err := c.claim(id, min(per-got[i], remaining))
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
	webhooks        map[string]*hookd.Webhook
}

// dueWebhooks returns the ids of the active webhooks that have due
// deliveries, in id order, without those excluded.
func (c *claimer) dueWebhooks(exclude map[string]bool) ([]string, error) {
	rows, err := c.tx.StmtContext(c.ctx, c.s.claimStmts.dueWebhooks).QueryContext(c.ctx, c.now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !exclude[id] {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// claim leases up to n due deliveries of one webhook and returns how many.
func (c *claimer) claim(webhookID string, n int) (int, error) {
	if c.due == nil {
		c.due = c.tx.StmtContext(c.ctx, c.s.claimStmts.claimDue)
		c.hook = c.tx.StmtContext(c.ctx, c.s.claimStmts.webhookByID)
		c.webhooks = map[string]*hookd.Webhook{}
	}
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
	if len(got) == 0 {
		return 0, nil
	}
	ids := make([]string, len(got))
	for i := range got {
		ids[i] = got[i].Delivery.ID
	}
	c.s.leases.take(webhookID, ids, c.leaseUntil)
	if c.held == nil {
		c.held = map[string][]string{}
	}
	c.held[webhookID] = append(c.held[webhookID], ids...)
	w := c.webhooks[webhookID]
	if w == nil {
		w, err = scanWebhook(c.hook.QueryRowContext(c.ctx, webhookID))
		if err != nil {
			return 0, err
		}
		c.webhooks[webhookID] = w
	}
	for i := range got {
		got[i].Webhook = w
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
// once the batch is applied, fails the webhook's other pending deliveries.
// Records of deliveries deleted meanwhile are skipped. A record's WebhookID
// must be its delivery's webhook; when empty it is looked up.
func (s *Store) RecordAttempts(ctx context.Context, recs []hookd.AttemptRecord) error {
	if len(recs) == 0 {
		return nil
	}
	// Encode the logs before taking the writer.
	type logged struct {
		request  string
		response sql.NullString
	}
	logs := make([]logged, len(recs))
	for i := range recs {
		a := &recs[i].Attempt
		b, err := json.Marshal(a.Request)
		if err != nil {
			return wrap("record attempts", err)
		}
		logs[i].request = string(b)
		if a.Response != nil {
			b, err := json.Marshal(a.Response)
			if err != nil {
				return wrap("record attempts", err)
			}
			logs[i].response = sql.NullString{String: string(b), Valid: true}
		}
	}
	applied := make([]bool, len(recs))
	err := s.write(ctx, "record attempts", func(ctx context.Context, tx *sql.Tx) error {
		record := tx.StmtContext(ctx, s.stmts.recordDelivery)
		insert := tx.StmtContext(ctx, s.stmts.insertAttempt)
		var (
			order   []string // webhooks in the order the batch meets them
			streaks = map[string]*streak{}
		)
		for i := range recs {
			rec := &recs[i]
			res, err := record.ExecContext(ctx, rec.Status, nullMicros(rec.NextAttemptAt), rec.ScheduledAttempts,
				nullInt(rec.LastStatusCode), micros(rec.Now), rec.DeliveryID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				if err != nil {
					return err
				}
				continue // deleted with its webhook or workspace, or purged
			}
			applied[i] = true
			a := &rec.Attempt
			if _, err := insert.ExecContext(ctx, a.Trigger, micros(a.StartedAt), a.DurationMS,
				logs[i].request, logs[i].response, a.Error, rec.DeliveryID); err != nil {
				return err
			}
			webhookID := rec.WebhookID
			if webhookID == "" {
				if err := tx.StmtContext(ctx, s.stmts.webhookOfDelivery).QueryRowContext(ctx,
					rec.DeliveryID).Scan(&webhookID); err != nil {
					return err
				}
				rec.WebhookID = webhookID
			}
			st := streaks[webhookID]
			if st == nil {
				st = &streak{}
				streaks[webhookID] = st
				order = append(order, webhookID)
			}
			if rec.Succeeded {
				st.succeeded, st.failStart = true, nil
			} else if st.failStart == nil {
				t := a.StartedAt
				st.failStart = &t
			}
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
		for i := range recs {
			rec := &recs[i]
			if !applied[i] || rec.DisableReason == "" {
				continue
			}
			if _, err := tx.StmtContext(ctx, s.stmts.disableWebhook).ExecContext(ctx,
				rec.DisableReason, micros(rec.Now), rec.WebhookID); err != nil {
				return err
			}
			if _, err := tx.StmtContext(ctx, s.stmts.failPending).ExecContext(ctx,
				micros(rec.Now), rec.WebhookID, rec.DeliveryID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Only now that the records are committed may the deliveries be
	// claimed again.
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].DeliveryID
	}
	s.leases.release(ids)
	return nil
}

// ReleaseClaims ends the leases of the deliveries, which are due again at
// their unchanged next attempt time. Unknown ids are ignored.
func (s *Store) ReleaseClaims(ctx context.Context, deliveryIDs []string) error {
	s.leases.release(deliveryIDs)
	return nil
}
