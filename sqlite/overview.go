package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// The operator's overview. Attempts are counted per minute in
// attempt_minutes (migration 0007), which RecordAttempts updates in its
// transaction; pending deliveries are counted from the rows in
// deliveries_due and from the queue (queue.go).

const (
	// sqlCountAttempts adds a batch's attempts of one minute.
	sqlCountAttempts = `INSERT INTO attempt_minutes (minute, succeeded, failed) VALUES (?, ?, ?)
		ON CONFLICT (minute) DO UPDATE SET succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed`
	// sqlOverviewMinutes reads the minutes from ?1 to ?2.
	sqlOverviewMinutes = `SELECT minute, succeeded, failed FROM attempt_minutes WHERE minute BETWEEN ? AND ?`
	// sqlOverviewTotals counts workspaces and webhooks, and the pending
	// delivery rows with those of them due at ?, from deliveries_due alone.
	sqlOverviewTotals = `SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM webhooks),
		count(*), coalesce(sum(next_attempt_at <= ?), 0)
		FROM deliveries INDEXED BY deliveries_due WHERE status = 'pending'`
	// sqlBehindWebhooks lists the webhooks that may have queued deliveries:
	// those that can have any (active, or disabled with a backlog still
	// being failed: a disable that is done has failed them all, and no
	// publish fans out to a disabled webhook) whose cursor is below their
	// workspace's last event with a fanout.
	sqlBehindWebhooks = `SELECT w.id, w.workspace_id, w.cursor FROM webhooks AS w
		WHERE (w.status = 'active' OR w.failing_at IS NOT NULL)
			AND w.cursor < (SELECT max(e.seq) FROM events AS e INDEXED BY events_queue
				WHERE e.workspace_id = w.workspace_id AND e.fanout IS NOT NULL)
		ORDER BY w.workspace_id`
	// sqlOverviewQueue reads the events of workspace ? above seq ? with a
	// fanout.
	sqlOverviewQueue = `SELECT seq, id, fanout, created_at FROM events INDEXED BY events_queue
		WHERE workspace_id = ? AND seq > ? AND fanout IS NOT NULL`
	// sqlRowsAboveCursor counts the delivery rows above the cursors of
	// the webhooks in the JSON array ?1 of [webhook id, lowest id, cursor],
	// and those of them whose event was due at ?2: the rows of queued
	// deliveries (events with a fanout) written before their webhook's
	// cursor moved past them. A queued delivery's id is its event's id,
	// with the delivery prefix, and more digits (queuedID): the lowest id
	// (that of the webhook's lowest event above its cursor, so prefixed)
	// bounds their ids from below.
	sqlRowsAboveCursor = `SELECT count(*), coalesce(sum(e.created_at <= ?2), 0)
		FROM json_each(?1) AS h
		CROSS JOIN deliveries AS d INDEXED BY deliveries_webhook
			ON d.webhook_id = h.value ->> 0 AND d.id >= h.value ->> 1
		CROSS JOIN events AS e ON e.id = d.event_id
		WHERE e.fanout IS NOT NULL AND e.seq > h.value ->> 2`
	// sqlTroubled lists the webhooks that are failing (active, with a
	// failing streak) and then those disabled, most recently updated first.
	sqlTroubled = `SELECT ` + sqlstore.WebhookColumns + ` FROM webhooks
		WHERE status = 'disabled' OR failing_since IS NOT NULL
		ORDER BY status = 'disabled', updated_at DESC, id DESC LIMIT ?`
)

// countAttempts adds, in tx, the attempts of the applied records of recs
// to their minutes.
func (s *Store) countAttempts(ctx context.Context, tx *sql.Tx, recs []hookd.AttemptRecord, applied []bool) error {
	tallies := sqlstore.TallyMinutes(recs, applied)
	if len(tallies) == 0 {
		return nil
	}
	stmt := tx.StmtContext(ctx, s.stmts.countAttempts)
	for _, m := range tallies {
		if _, err := stmt.ExecContext(ctx, micros(m.Minute), m.Succeeded, m.Failed); err != nil {
			return err
		}
	}
	return nil
}

// purgeAttemptMinutes deletes the attempt counts of the minutes that
// started before before.
func (s *Store) purgeAttemptMinutes(ctx context.Context, before time.Time) error {
	return s.write(ctx, "purge attempt counts", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM attempt_minutes WHERE minute < ?`, micros(before))
		return err
	})
}

// Overview summarizes every workspace at now, from one snapshot:
//
//   - Minutes: the attempts RecordAttempts wrote, by the minute they
//     started in (test attempts included), for the hookd.OverviewMinutes
//     minutes up to the one that holds now; counting began with migration
//     0007.
//   - Pending: the pending deliveries, with a row or queued (not yet
//     attempted, so without a row: queue.go), as ListDeliveries shows them;
//     Due: those of them whose next attempt (for a queued one, its event's
//     publication) is at or before now, leased or not.
//   - Troubled: active webhooks with a failing streak, then disabled ones
//     (whose FailingSince is the streak that ran when they were disabled,
//     if any), most recently updated first, at most hookd.OverviewTroubled.
//
// Its cost follows the pending deliveries (the rows of deliveries_due,
// and the events of the queue above the cursors of the webhooks that have
// queued deliveries) and the number of webhooks, not the deliveries kept.
func (s *Store) Overview(ctx context.Context, now time.Time) (*hookd.Overview, error) {
	o := &hookd.Overview{}
	err := s.read(ctx, "overview", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		if o.Minutes, err = readMinutes(ctx, tx, now); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, sqlOverviewTotals, micros(now)).Scan(
			&o.Workspaces, &o.Webhooks, &o.Pending, &o.Due); err != nil {
			return err
		}
		queued, due, err := countQueued(ctx, tx, micros(now))
		if err != nil {
			return err
		}
		o.Pending += queued
		o.Due += due
		o.Troubled, err = readTroubled(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// readMinutes returns the attempt counts of the hookd.OverviewMinutes
// minutes up to the one that holds now, oldest first, zero where none
// were counted.
func readMinutes(ctx context.Context, tx *sql.Tx, now time.Time) ([]hookd.MinuteCount, error) {
	last := now.UTC().Truncate(time.Minute)
	first := last.Add(-(hookd.OverviewMinutes - 1) * time.Minute)
	out := make([]hookd.MinuteCount, hookd.OverviewMinutes)
	for i := range out {
		out[i].Start = first.Add(time.Duration(i) * time.Minute)
	}
	rows, err := tx.QueryContext(ctx, sqlOverviewMinutes, micros(first), micros(last))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			minute            int64
			succeeded, failed int
		)
		if err := rows.Scan(&minute, &succeeded, &failed); err != nil {
			return nil, err
		}
		if i := int(fromMicros(minute).Sub(first) / time.Minute); i >= 0 && i < len(out) {
			out[i].Succeeded += succeeded
			out[i].Failed += failed
		}
	}
	return out, rows.Err()
}

// behindHook is a webhook that may have queued deliveries.
type behindHook struct {
	id     string
	cursor int64
	// counted is how many events above the cursor fan out to it, due
	// those of them published at or before now; lowest is the lowest id
	// of those events.
	counted, due int
	lowest       string
}

// countQueued returns how many deliveries are queued (pending without a
// row), and how many of them are due at now: for each webhook that may
// have some, the events above its cursor that fan out to it, less the
// rows written for them before its cursor moved past. Each workspace's
// queue is read once, from the lowest cursor of its webhooks behind; the
// rows are counted with one query.
func countQueued(ctx context.Context, tx *sql.Tx, now int64) (queued, due int, err error) {
	rows, err := tx.QueryContext(ctx, sqlBehindWebhooks)
	if err != nil {
		return 0, 0, err
	}
	byWorkspace := map[string]map[string]*behindHook{}
	var order []string // workspaces
	for rows.Next() {
		var (
			h           behindHook
			workspaceID string
		)
		if err := rows.Scan(&h.id, &workspaceID, &h.cursor); err != nil {
			rows.Close()
			return 0, 0, err
		}
		hooks := byWorkspace[workspaceID]
		if hooks == nil {
			hooks = map[string]*behindHook{}
			byWorkspace[workspaceID] = hooks
			order = append(order, workspaceID)
		}
		hooks[h.id] = &h
	}
	if err := rows.Close(); err != nil {
		return 0, 0, err
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	var above [][3]any // [webhook id, lowest id, cursor] of those with events above their cursor
	for _, workspaceID := range order {
		hooks := byWorkspace[workspaceID]
		if err := readQueue(ctx, tx, workspaceID, hooks, now); err != nil {
			return 0, 0, err
		}
		for _, h := range hooks {
			if h.counted > 0 {
				queued += h.counted
				due += h.due
				low := hookd.PrefixDelivery + strings.TrimPrefix(h.lowest, hookd.PrefixEvent)
				above = append(above, [3]any{h.id, low, h.cursor})
			}
		}
	}
	if len(above) == 0 {
		return queued, due, nil
	}
	list, err := json.Marshal(above)
	if err != nil {
		return 0, 0, err
	}
	var written, writtenDue int
	if err := tx.QueryRowContext(ctx, sqlRowsAboveCursor, string(list), now).Scan(&written, &writtenDue); err != nil {
		return 0, 0, err
	}
	return queued - written, due - writtenDue, nil
}

// readQueue counts, for each webhook of hooks (all of workspaceID), the
// events above its cursor that fan out to it.
func readQueue(ctx context.Context, tx *sql.Tx, workspaceID string, hooks map[string]*behindHook, now int64) error {
	from := int64(-1)
	for _, h := range hooks {
		if from < 0 || h.cursor < from {
			from = h.cursor
		}
	}
	rows, err := tx.QueryContext(ctx, sqlOverviewQueue, workspaceID, from)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		seq, created int64
		id, fanout   sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&seq, &id, &fanout, &created); err != nil {
			return err
		}
		for rest := fanout; len(rest) > 0; {
			var webhookID []byte
			webhookID, rest, _ = bytes.Cut(rest, []byte{' '})
			h := hooks[string(webhookID)]
			if h == nil || seq <= h.cursor {
				continue // not behind, or gone
			}
			h.counted++
			if created <= now {
				h.due++
			}
			if h.lowest == "" || string(id) < h.lowest {
				h.lowest = string(id)
			}
		}
	}
	return rows.Err()
}

// readTroubled returns the webhooks of Overview.Troubled.
func readTroubled(ctx context.Context, tx *sql.Tx) ([]hookd.TroubledWebhook, error) {
	rows, err := tx.QueryContext(ctx, sqlTroubled, hookd.OverviewTroubled)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []hookd.TroubledWebhook{}
	for rows.Next() {
		w, err := sqlstore.ScanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, hookd.TroubledWebhook{Webhook: *w, FailingSince: w.FailingSince})
	}
	return out, rows.Err()
}
