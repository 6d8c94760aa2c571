package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// The claim path. Several processes claim from one database at once: a
// claim locks the rows it takes with FOR UPDATE SKIP LOCKED, so that
// concurrent claims step over each other's rows instead of waiting, and
// writes a lease (lease_expires_at, leased_by) that keeps the rows from
// other claims until it runs out or the attempt is recorded. Nothing
// clears leases at start: a process that dies keeps its leases until they
// run out, then any process takes the deliveries.
const (
	// sqlDueWebhooks lists the active webhooks, but those excluded ($2) or
	// of excluded workspaces ($3), that
	// have a claimable delivery, with one probe of deliveries_due each.
	sqlDueWebhooks = `SELECT w.id, w.rate_limit, w.timeout_seconds FROM webhooks AS w
		WHERE w.status = 'active' AND w.id <> ALL($2::text[]) AND w.workspace_id <> ALL($3::text[]) AND EXISTS (
			SELECT 1 FROM deliveries AS d
			WHERE d.webhook_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= $1
				AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= $1))
		ORDER BY w.id`
	// sqlReserveSlots makes sure the rate-limited webhooks ($1, sorted)
	// have a send slot row, then sqlLockSlots locks those rows in id
	// order, so that concurrent claims of one webhook's slots queue.
	sqlReserveSlots = `INSERT INTO webhook_send_slots (webhook_id, next_send_at)
		SELECT id, $2 FROM unnest($1::text[]) AS id ON CONFLICT (webhook_id) DO NOTHING`
	sqlLockSlots = `SELECT webhook_id, next_send_at FROM webhook_send_slots
		WHERE webhook_id = ANY($1) ORDER BY webhook_id FOR UPDATE`
	sqlMoveSlots = `UPDATE webhook_send_slots AS s SET next_send_at = u.next
		FROM unnest($1::text[], $2::timestamptz[]) AS u (id, next) WHERE s.webhook_id = u.id`
)

// sqlClaim leases, for each webhook of $1, up to the count of $2 of its
// claimable deliveries in due order until $4 for instance $5, and returns
// them with their events' payloads.
var sqlClaim = `WITH want AS (
		SELECT * FROM unnest($1::text[], $2::int[]) AS w (webhook_id, n) WHERE n > 0
	), picked AS (
		SELECT c.id FROM want CROSS JOIN LATERAL (
			SELECT d.id FROM deliveries AS d
			WHERE d.webhook_id = want.webhook_id AND d.status = 'pending' AND d.next_attempt_at <= $3
				AND (d.lease_expires_at IS NULL OR d.lease_expires_at <= $3)
			ORDER BY d.next_attempt_at
			LIMIT want.n
			FOR UPDATE OF d SKIP LOCKED) AS c
	), leased AS (
		UPDATE deliveries AS d SET lease_expires_at = $4, leased_by = $5
		FROM picked WHERE d.id = picked.id
		RETURNING d.` + strings.Join(sqlstore.DeliveryColumnList, ", d.") + `
	)
	SELECT l.` + strings.Join(sqlstore.DeliveryColumnList, ", l.") + `, e.payload
	FROM leased AS l JOIN events AS e ON e.id = l.event_id
	ORDER BY l.webhook_id, l.next_attempt_at, l.id`

// dueHook is a webhook with claimable deliveries, in one ClaimDue.
type dueHook struct {
	id      string
	rate    *float64 // requests per second; nil: no limit
	timeout time.Duration
	// Send slots, for a rate-limited webhook: the first free one, the gap
	// between slots, and how many the lease leaves room for.
	start   time.Time
	gap     time.Duration
	allowed int
	got     int // claimed so far
	claims  []hookd.Claim
}

func (h *dueHook) limited() bool { return h.rate != nil && *h.rate > 0 }

// ClaimDue leases up to r.Limit due deliveries of active webhooks until
// r.LeaseUntil, at most r.PerWebhook per webhook (0: up to r.Limit) and none
// for the webhooks in r.Exclude or the workspaces in r.ExcludeWorkspaces,
// and no more to a rate-limited webhook than r.RateWindow allows. A delivery is due when it is pending, its
// next attempt is at or before r.Now and it is not leased (its lease ended
// at or before r.Now). Rows that another process is claiming at that
// moment are skipped, not waited for.
//
// The claim is spread over webhooks as the sqlite package's is: each due
// webhook first gets an equal share of r.Limit (up to r.PerWebhook), then
// what is left goes, up to r.PerWebhook, to the webhooks that had more;
// the webhook that starts each round moves on at every call.
//
// A webhook with a RateLimit gets only the deliveries that its shared send
// slots allow: the slots are 1/RateLimit apart, start at the first one no
// process has reserved (or r.Now), and must leave the webhook's timeout
// before r.LeaseUntil; each claim carries its slot as NotBefore, and the
// slots are reserved in the same transaction. Claims of one webhook share
// one *Webhook. A LeaseUntil not after Now is EINVALID.
func (s *Store) ClaimDue(ctx context.Context, r hookd.ClaimRequest) ([]hookd.Claim, error) {
	per, err := sqlstore.ClaimShare(r)
	if per == 0 || err != nil {
		return nil, err
	}
	now, leaseUntil := sqlstore.RoundTime(r.Now), sqlstore.RoundTime(r.LeaseUntil)
	exclude, excludeWS := r.Exclude, r.ExcludeWorkspaces
	if exclude == nil {
		exclude = []string{}
	}
	if excludeWS == nil {
		excludeWS = []string{}
	}
	turn := s.claimTurn.Add(1) - 1
	var out []hookd.Claim
	err = s.transact(ctx, "claim deliveries", func(ctx context.Context, tx pgx.Tx) error {
		out = nil
		hooks, err := dueWebhooks(ctx, tx, now, exclude, excludeWS)
		if err != nil || len(hooks) == 0 {
			return err
		}
		start := int(turn % uint64(len(hooks)))
		hooks = slices.Concat(hooks[start:], hooks[:start])
		if err := reserveSlots(ctx, tx, hooks, now, leaseUntil, r.RateWindow); err != nil {
			return err
		}
		c := claimer{tx: tx, now: now, leaseUntil: leaseUntil, instance: s.instance}

		// First an equal share each, then the rest to those that had more.
		share := min(per, (r.Limit+len(hooks)-1)/len(hooks))
		remaining := r.Limit
		want := make([]int, len(hooks))
		for i, h := range hooks {
			want[i] = max(0, min(share, remaining, h.allowed))
			remaining -= want[i]
		}
		total, err := c.claim(ctx, hooks, want)
		if err != nil {
			return err
		}
		remaining = r.Limit - total
		if remaining > 0 && share < per {
			more := make([]int, len(hooks))
			for i, h := range hooks {
				if h.got < want[i] || h.got >= per {
					continue // it had no more due, or has its fill
				}
				more[i] = max(0, min(per-h.got, remaining, h.allowed-h.got))
				remaining -= more[i]
			}
			if _, err := c.claim(ctx, hooks, more); err != nil {
				return err
			}
		}
		if err := takeSlots(ctx, tx, hooks); err != nil {
			return err
		}
		out, err = attachWebhooks(ctx, tx, hooks)
		return err
	})
	// A claim that found nothing wrote nothing, even on a read-only
	// database: it says nothing of the storage.
	if err != nil || len(out) > 0 {
		s.storage.Observe(err)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dueWebhooks returns the active webhooks that have claimable deliveries,
// in id order, without those excluded by id or by workspace.
func dueWebhooks(ctx context.Context, tx pgx.Tx, now time.Time, exclude, excludeWS []string) ([]*dueHook, error) {
	rows, err := tx.Query(ctx, sqlDueWebhooks, now, exclude, excludeWS)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row sqlstore.Row) (*dueHook, error) {
		h := &dueHook{allowed: int(^uint(0) >> 1)}
		var timeout int
		err := row.Scan(&h.id, &h.rate, &timeout)
		h.timeout = time.Duration(timeout) * time.Second
		return h, err
	})
}

// reserveSlots locks the send slot rows of the rate-limited webhooks of
// hooks and sets how many deliveries each may take: as many slots,
// 1/RateLimit apart from the first free one, as start early enough to end
// (after the webhook's timeout) before the lease does, and no more than
// window allows (hookd.RateAllows).
func reserveSlots(ctx context.Context, tx pgx.Tx, hooks []*dueHook, now, leaseUntil time.Time, window time.Duration) error {
	byID := map[string]*dueHook{}
	var ids []string
	for _, h := range hooks {
		if h.limited() {
			byID[h.id] = h
			ids = append(ids, h.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	if _, err := tx.Exec(ctx, sqlReserveSlots, ids, now); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, sqlLockSlots, ids)
	if err != nil {
		return err
	}
	type slot struct {
		id   string
		next time.Time
	}
	slots, err := collect(rows, func(row sqlstore.Row) (slot, error) {
		var s slot
		err := row.Scan(&s.id, &s.next)
		return s, err
	})
	if err != nil {
		return err
	}
	for _, sl := range slots {
		h := byID[sl.id]
		h.gap = time.Duration(float64(time.Second) / *h.rate)
		h.start = now
		if sl.next.After(now) {
			h.start = sl.next
		}
		// The latest start that ends within the lease; with a lease
		// shorter than the timeout, the slots due now.
		last := leaseUntil.Add(-h.timeout)
		if last.Before(now) {
			last = now
		}
		switch {
		case h.start.After(last):
			h.allowed = 0
		case h.gap <= 0:
			// A rate too high to space: no limit in practice.
		default:
			h.allowed = int(last.Sub(h.start)/h.gap) + 1
		}
		h.allowed = min(h.allowed, hookd.RateAllows(*h.rate, window))
	}
	return nil
}

// claimer holds one ClaimDue transaction.
type claimer struct {
	tx              pgx.Tx
	now, leaseUntil time.Time
	instance        string
}

// claim leases up to want[i] deliveries of hooks[i], adds them to the
// hooks' claims and returns how many it leased in all.
func (c *claimer) claim(ctx context.Context, hooks []*dueHook, want []int) (int, error) {
	var (
		ids    []string
		counts []int32
		byID   = map[string]*dueHook{}
	)
	for i, h := range hooks {
		byID[h.id] = h
		if want[i] > 0 {
			ids = append(ids, h.id)
			counts = append(counts, int32(want[i]))
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	rows, err := c.tx.Query(ctx, sqlClaim, ids, counts, c.now, c.leaseUntil, c.instance)
	if err != nil {
		return 0, err
	}
	claims, err := collect(rows, func(row sqlstore.Row) (hookd.Claim, error) {
		var payload []byte
		d, err := sqlstore.ScanDelivery(row, &payload)
		return hookd.Claim{Delivery: d, Payload: json.RawMessage(payload)}, err
	})
	if err != nil {
		return 0, err
	}
	for _, cl := range claims {
		h := byID[cl.Delivery.WebhookID]
		h.claims = append(h.claims, cl)
		h.got++
	}
	return len(claims), nil
}

// takeSlots gives each claim of a rate-limited webhook its send slot, in
// due order, and moves the webhook's first free slot past them.
func takeSlots(ctx context.Context, tx pgx.Tx, hooks []*dueHook) error {
	var (
		ids  []string
		next []time.Time
	)
	for _, h := range hooks {
		if !h.limited() || h.got == 0 {
			continue
		}
		for i := range h.claims {
			h.claims[i].NotBefore = h.start.Add(time.Duration(i) * h.gap)
		}
		ids = append(ids, h.id)
		next = append(next, sqlstore.RoundTime(h.start.Add(time.Duration(h.got)*h.gap)))
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, sqlMoveSlots, ids, next)
	return err
}

// attachWebhooks reads the webhooks that got claims, sets each claim's
// Webhook (one shared value per webhook) and returns every claim.
func attachWebhooks(ctx context.Context, tx pgx.Tx, hooks []*dueHook) ([]hookd.Claim, error) {
	var ids []string
	n := 0
	for _, h := range hooks {
		if h.got > 0 {
			ids = append(ids, h.id)
			n += h.got
		}
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT `+sqlstore.WebhookColumns+` FROM webhooks WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, sqlstore.ScanWebhook)
	if err != nil {
		return nil, err
	}
	webhooks := make(map[string]*hookd.Webhook, len(list))
	for _, w := range list {
		webhooks[w.ID] = w
	}
	out := make([]hookd.Claim, 0, n)
	for _, h := range hooks {
		for _, cl := range h.claims {
			cl.Webhook = webhooks[h.id]
			out = append(out, cl)
		}
	}
	return out, nil
}

// Statements of RecordAttempts.
const (
	// sqlLockWebhooks takes the row locks of the webhooks a batch of
	// records touches, in id order, before any delivery: every write that
	// locks both a webhook and deliveries does it in that order, so
	// concurrent records, disables and updates do not deadlock.
	sqlLockWebhooks = `SELECT id FROM webhooks WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
	// sqlRecord applies one record to its delivery and logs the attempt,
	// numbered by the delivery's new attempt count. It ends the lease
	// unless another instance ($13) holds it: then this record comes from
	// a lease that ran out, and the other is sending again. It returns the
	// delivery's webhook, or no row when the delivery is gone.
	sqlRecord = `WITH d AS (
		UPDATE deliveries SET attempts = attempts + 1, status = $1, next_attempt_at = $2,
			scheduled_attempts = $3, last_status_code = $4, manual = false, once = false,
			lease_expires_at = CASE WHEN leased_by <> $13 THEN lease_expires_at END,
			leased_by = CASE WHEN leased_by <> $13 THEN leased_by END,
			updated_at = $5
		WHERE id = $6
		RETURNING id, attempts, webhook_id
	), a AS (
		INSERT INTO attempts (delivery_id, number, trigger, started_at, duration_ms, request, response, error)
		SELECT id, attempts, $7, $8, $9, $10, $11, $12 FROM d
	)
	SELECT webhook_id FROM d`
	sqlStreakSucceeded = `UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`
	sqlStreakFailed    = `UPDATE webhooks SET failing_since = $1 WHERE id = $2 AND failing_since IS NULL`
	sqlStreakRestart   = `UPDATE webhooks SET failing_since = $1 WHERE id = $2`
	sqlDisableWebhook  = `UPDATE webhooks SET status = 'disabled', disabled_reason = $1, updated_at = $2 WHERE id = $3`
)

// RecordAttempts is hookd.Store's, in one transaction: each attempt goes
// into the attempts table, numbered one past its delivery's attempts, and
// its delivery's lease is cleared unless another process took the delivery
// after this one's lease ran out. The streaks of the records' webhooks are
// written in the order their rows were locked. A record with a
// DisableReason disables its webhook; the webhook's other pending
// deliveries then fail, a first batch in this transaction and the rest
// batch by batch in the background (backlog.go). Records of deliveries
// deleted meanwhile are skipped; an empty WebhookID is looked up. The
// attempts written are counted by minute, for Overview, in memory once the
// transaction commits (attemptCounts).
func (s *Store) RecordAttempts(ctx context.Context, recs []hookd.AttemptRecord) error {
	if len(recs) == 0 {
		return nil
	}
	type logged struct{ request, response []byte }
	logs := make([]logged, len(recs))
	for i := range recs {
		a := &recs[i].Attempt
		b, err := json.Marshal(a.Request)
		if err != nil {
			return wrap("record attempts", err)
		}
		logs[i].request = b
		if a.Response != nil {
			if logs[i].response, err = json.Marshal(a.Response); err != nil {
				return wrap("record attempts", err)
			}
		}
	}
	failing := false                   // a disable left batches to the worker
	var tallies []sqlstore.MinuteTally // the attempts written, by minute
	err := s.write(ctx, "record attempts", func(ctx context.Context, tx pgx.Tx) error {
		webhookOf, err := webhooksOf(ctx, tx, recs)
		if err != nil {
			return err
		}
		locked := make([]string, 0, len(webhookOf))
		for _, id := range webhookOf {
			if !slices.Contains(locked, id) {
				locked = append(locked, id)
			}
		}
		slices.Sort(locked)
		if err := lockDisabling(ctx, tx, recs, webhookOf); err != nil {
			return err
		}

		var b pgx.Batch
		b.Queue(sqlLockWebhooks, locked)
		for i := range recs {
			rec, a := &recs[i], &recs[i].Attempt
			b.Queue(sqlRecord, rec.Status, sqlstore.RoundTimePtr(rec.NextAttemptAt), rec.ScheduledAttempts, rec.LastStatusCode,
				sqlstore.RoundTime(rec.Now), rec.DeliveryID, a.Trigger, sqlstore.RoundTime(a.StartedAt), a.DurationMS,
				logs[i].request, logs[i].response, cleanText(a.Error), s.instance)
		}
		res := tx.SendBatch(ctx, &b)
		if _, err := res.Exec(); err != nil {
			res.Close()
			return err
		}
		applied := make([]bool, len(recs))
		for i := range recs {
			var webhookID string
			err := res.QueryRow().Scan(&webhookID)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				continue // deleted with its webhook or workspace, or purged
			case err != nil:
				res.Close()
				return err
			}
			applied[i] = true
		}
		if err := res.Close(); err != nil {
			return err
		}

		var streaks sqlstore.Streaks
		for i := range recs {
			if applied[i] {
				streaks.Add(webhookOf[i], &recs[i])
			}
		}
		b = pgx.Batch{}
		for _, id := range locked { // in lock order
			switch change, start := streaks.Change(id); change {
			case sqlstore.StreakEnded:
				b.Queue(sqlStreakSucceeded, id)
			case sqlstore.StreakRestarted:
				b.Queue(sqlStreakRestart, start, id)
			case sqlstore.StreakFailing:
				b.Queue(sqlStreakFailed, start, id)
			}
		}
		for i := range recs {
			rec := &recs[i]
			if applied[i] && rec.DisableReason != "" {
				b.Queue(sqlDisableWebhook, rec.DisableReason, sqlstore.RoundTime(rec.Now), webhookOf[i])
			}
		}
		if b.Len() > 0 {
			if err := tx.SendBatch(ctx, &b).Close(); err != nil {
				return err
			}
		}
		tallies = sqlstore.TallyMinutes(recs, applied)
		failing = false
		for i := range recs {
			rec := &recs[i]
			if !applied[i] || rec.DisableReason == "" {
				continue
			}
			more, err := startFailing(ctx, tx, webhookOf[i], rec.Now, rec.DeliveryID)
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
	s.attempts.add(tallies)
	if failing {
		s.backlog.Wake()
	}
	return nil
}

// lockDisabling takes, in tx, the exclusive workspace locks of the
// webhooks that recs disable (lockWorkspaces), before any row lock.
func lockDisabling(ctx context.Context, tx pgx.Tx, recs []hookd.AttemptRecord, webhookOf []string) error {
	var disabling []string
	for i := range recs {
		if recs[i].DisableReason != "" && webhookOf[i] != "" {
			disabling = append(disabling, webhookOf[i])
		}
	}
	if len(disabling) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT workspace_id FROM webhooks WHERE id = ANY($1)`, disabling)
	if err != nil {
		return err
	}
	workspaces, err := collect(rows, scanString)
	if err != nil {
		return err
	}
	return lockWorkspaces(ctx, tx, workspaces, true)
}

// webhooksOf returns the webhook of each record: its WebhookID, or when
// that is empty its delivery's ("" for a delivery that is gone).
func webhooksOf(ctx context.Context, tx pgx.Tx, recs []hookd.AttemptRecord) ([]string, error) {
	out := make([]string, len(recs))
	var missing []string
	for i := range recs {
		out[i] = recs[i].WebhookID
		if out[i] == "" {
			missing = append(missing, recs[i].DeliveryID)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := tx.Query(ctx, `SELECT id, webhook_id FROM deliveries WHERE id = ANY($1)`, missing)
	if err != nil {
		return nil, err
	}
	type pair struct{ delivery, webhook string }
	pairs, err := collect(rows, func(row sqlstore.Row) (pair, error) {
		var p pair
		err := row.Scan(&p.delivery, &p.webhook)
		return p, err
	})
	if err != nil {
		return nil, err
	}
	of := map[string]string{}
	for _, p := range pairs {
		of[p.delivery] = p.webhook
	}
	for i := range recs {
		if out[i] == "" {
			out[i] = of[recs[i].DeliveryID]
		}
	}
	return out, nil
}

// ReleaseClaims ends this instance's leases of the deliveries, which are
// due again at their unchanged next attempt time, and tells every process.
// Unknown ids, and deliveries that another instance leased since, are left
// alone.
func (s *Store) ReleaseClaims(ctx context.Context, deliveryIDs []string) error {
	if len(deliveryIDs) == 0 {
		return nil
	}
	return s.write(ctx, "release claims", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE deliveries SET lease_expires_at = NULL, leased_by = NULL
			WHERE id = ANY($1) AND leased_by = $2`, deliveryIDs, s.instance)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return notifyDue(ctx, tx)
	})
}
