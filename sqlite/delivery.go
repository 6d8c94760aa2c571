package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

// Delivery returns the delivery id of the webhook, or ENOTFOUND: its row
// with the attempt log its log column keeps, or, for a delivery still
// queued in its event's row, the delivery with an empty log.
func (s *Store) Delivery(ctx context.Context, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	var d hookd.Delivery
	err := s.read(ctx, "get delivery", func(ctx context.Context, tx *sql.Tx) error {
		var (
			err error
			log sql.NullString
		)
		d, err = sqlstore.ScanDelivery(tx.QueryRowContext(ctx, `SELECT `+sqlstore.DeliveryColumns+`, log FROM deliveries
			WHERE id = ? AND webhook_id = ? AND workspace_id = ?`, id, webhookID, workspaceID), &log)
		if errors.Is(err, sql.ErrNoRows) {
			q, err := loadQueued(ctx, tx, workspaceID, webhookID, id)
			if err != nil {
				return err
			}
			if q == nil {
				return hookd.NotFound("delivery", id)
			}
			d, d.AttemptLog = *q, []hookd.Attempt{}
			return nil
		}
		if err != nil {
			return err
		}
		d.AttemptLog, err = attemptLog(id, log)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// ListDeliveries is hookd.Store's: a page of the written deliveries
// (sqlstore.WrittenDeliveries) merged with the queued ones, which have no
// row yet (listQueued).
func (s *Store) ListDeliveries(ctx context.Context, f hookd.DeliveryFilter) ([]hookd.Delivery, string, error) {
	limit := sqlstore.PageLimit(f.Page)
	var out []hookd.Delivery
	err := s.read(ctx, "list deliveries", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, err = sqlstore.WrittenDeliveries(ctx, sqlQuerier{q: tx}, &dialect, f)
		if err != nil || f.Status != "" && f.Status != hookd.DeliveryPending {
			return err
		}
		queued, err := listQueued(ctx, tx, tx.StmtContext(ctx, s.claimStmts.writtenBetween), f, limit+1, s.fewQueued)
		if err != nil {
			return err
		}
		out = append(out, queued...)
		slices.SortFunc(out, func(a, b hookd.Delivery) int { return strings.Compare(b.ID, a.ID) })
		out = out[:min(len(out), limit+1)]
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	out, next := sqlstore.Cut(out, limit, func(d hookd.Delivery) string { return d.ID })
	return out, next, nil
}

// loggedAttempt is an attempt as a delivery's log column keeps it
// (migration 0003_attempt_log.sql): without its number, which is its place
// in the log, and with its headers as [name, value] pairs, which
// encoding/json writes without the reflection and key sorting of a map.
type loggedAttempt struct {
	Trigger    string `json:"trigger"`
	StartedAt  int64  `json:"started_at"` // Unix microseconds
	DurationMS int64  `json:"duration_ms"`
	Request    struct {
		Method  string      `json:"method"`
		URL     string      `json:"url"`
		Headers [][2]string `json:"headers"`
	} `json:"request"`
	Response *loggedResponse `json:"response"`
	Error    string          `json:"error"`
}

// loggedResponse is an attempt's response as its log entry keeps it.
type loggedResponse struct {
	Status  int         `json:"status"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

// encodeAttempt returns a as an entry of a delivery's log.
func encodeAttempt(a *hookd.Attempt) ([]byte, error) {
	e := loggedAttempt{Trigger: a.Trigger, StartedAt: micros(a.StartedAt), DurationMS: a.DurationMS, Error: a.Error}
	e.Request.Method, e.Request.URL, e.Request.Headers = a.Request.Method, a.Request.URL, headerPairs(a.Request.Headers)
	if r := a.Response; r != nil {
		e.Response = &loggedResponse{Status: r.Status, Headers: headerPairs(r.Headers), Body: r.Body}
	}
	return json.Marshal(e)
}

// decode returns the attempt numbered number that e logs.
func (e *loggedAttempt) decode(number int) hookd.Attempt {
	a := hookd.Attempt{Number: number, Trigger: e.Trigger, StartedAt: fromMicros(e.StartedAt), DurationMS: e.DurationMS,
		Request: hookd.AttemptRequest{Method: e.Request.Method, URL: e.Request.URL, Headers: headerMap(e.Request.Headers)},
		Error:   e.Error}
	if r := e.Response; r != nil {
		a.Response = &hookd.AttemptResponse{Status: r.Status, Headers: headerMap(r.Headers), Body: r.Body}
	}
	return a
}

// headerPairs lists h as [name, value] pairs, in no particular order; nil
// for nil, so that no headers at all (a request that could not be built)
// read back as none.
func headerPairs(h map[string]string) [][2]string {
	if h == nil {
		return nil
	}
	out := make([][2]string, 0, len(h))
	for k, v := range h {
		out = append(out, [2]string{k, v})
	}
	return out
}

// headerMap is the map of pairs made by headerPairs.
func headerMap(pairs [][2]string) map[string]string {
	if pairs == nil {
		return nil
	}
	out := make(map[string]string, len(pairs))
	for _, p := range pairs {
		out[p[0]] = p[1]
	}
	return out
}

// attemptLog returns the attempts of log, the log column of delivery
// deliveryID, in number order.
func attemptLog(deliveryID string, log sql.NullString) ([]hookd.Attempt, error) {
	out := []hookd.Attempt{}
	if !log.Valid {
		return out, nil
	}
	var entries []loggedAttempt
	if err := json.Unmarshal([]byte(log.String), &entries); err != nil {
		return nil, fmt.Errorf("attempt log of %s: %w", deliveryID, err)
	}
	for i := range entries {
		out = append(out, entries[i].decode(i+1))
	}
	return out, nil
}

// RetryDelivery makes the delivery due now for one manual attempt. A
// pending delivery keeps its schedule and its Once mark; a finished one
// becomes pending for that one attempt (Once), failed again if it fails. A
// delivery that does not exist for that webhook and workspace is
// ENOTFOUND.
func (s *Store) RetryDelivery(ctx context.Context, workspaceID, webhookID, id string, now time.Time) error {
	return s.write(ctx, "retry delivery", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries
			SET once = CASE WHEN status = 'pending' THEN once ELSE 1 END,
				status = 'pending', manual = 1, next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND webhook_id = ? AND workspace_id = ?`,
			micros(now), micros(now), id, webhookID, workspaceID)
		if n, err := affected(res, err); n > 0 || err != nil {
			return err
		}
		// A queued delivery gets its row, due now for a manual attempt.
		d, err := loadQueued(ctx, tx, workspaceID, webhookID, id)
		if err != nil {
			return err
		}
		if d == nil {
			return hookd.NotFound("delivery", id)
		}
		d.Manual, d.NextAttemptAt, d.UpdatedAt = true, &now, now
		return writeRow(ctx, tx.StmtContext(ctx, s.stmts.writeRow), d)
	})
}

// loadQueued returns the queued delivery id of the webhook, or nil when
// there is none: no such event in the workspace, not in its fanout at that
// place, at or below the webhook's cursor (it has or had a row). The caller
// has found no row for id.
func loadQueued(ctx context.Context, q querier, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	eventID, idx, ok := parseQueuedID(id)
	if !ok {
		return nil, nil
	}
	var (
		typ                  string
		fanout               sql.NullString
		seq, created, cursor int64
	)
	err := q.QueryRowContext(ctx, `SELECT e.type, e.fanout, e.seq, e.created_at, w.cursor
		FROM events AS e JOIN webhooks AS w ON w.id = ? AND w.workspace_id = e.workspace_id
		WHERE e.id = ? AND e.workspace_id = ?`, webhookID, eventID, workspaceID).Scan(&typ, &fanout, &seq, &created, &cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if fanoutAt(fanout.String, idx) != webhookID || seq <= cursor {
		return nil, nil
	}
	d := queuedDelivery(workspaceID, eventID, typ, fromMicros(created), webhookID, idx)
	return &d, nil
}

// defaultFewQueued is Store.fewQueued's value.
const defaultFewQueued = 4096

// listQueued returns up to want queued deliveries of f's webhook that f
// selects, newest first, after f's page cursor. Fewer than fewQueued events
// in the queue are read through the queue's index.
func listQueued(ctx context.Context, tx *sql.Tx, written *sql.Stmt, f hookd.DeliveryFilter, want, fewQueued int) ([]hookd.Delivery, error) {
	var cursor int64
	if err := tx.QueryRowContext(ctx, `SELECT cursor FROM webhooks WHERE id = ?`, f.WebhookID).Scan(&cursor); err != nil {
		return nil, err
	}
	// How many events wait in the queue decides how to read them: none (a
	// drained log) means nothing to read; a few are read by the queue's
	// index and sorted; many, by id, newest first, which finds a page of
	// them at once but reads every older event on a page deep in the log.
	var queued int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY events_queue
		WHERE workspace_id = ? AND fanout IS NOT NULL AND seq > ? LIMIT ?)`, f.WorkspaceID, cursor, fewQueued).Scan(&queued); err != nil {
		return nil, err
	}
	if queued == 0 {
		return nil, nil
	}
	from := `events`
	if queued < fewQueued {
		from = `events INDEXED BY events_queue`
	}
	q := `SELECT id, type, fanout, created_at FROM ` + from + `
		WHERE workspace_id = ? AND fanout IS NOT NULL AND seq > ?`
	args := []any{f.WorkspaceID, cursor}
	if f.EventType != "" {
		q += ` AND type = ?`
		args = append(args, f.EventType)
	}
	q, args = createdBetween(q, args, f.Since, f.Until)
	// The events at or before after ("": from the newest) have the queued
	// deliveries below the page cursor: a queued id is its event's with
	// more digits.
	after := ""
	if body, ok := strings.CutPrefix(f.Page.Cursor, hookd.PrefixDelivery); ok {
		after = hookd.PrefixEvent + body[:min(ulidLength, len(body))]
	} else if f.Page.Cursor != "" && f.Page.Cursor <= hookd.PrefixDelivery {
		return nil, nil // below every delivery id
	}
	const chunk = 256
	var out []hookd.Delivery
	for bound := "<="; len(out) < want; bound = "<" {
		cq, cargs := q, args
		if after != "" {
			cq += ` AND id ` + bound + ` ?`
			cargs = append(cargs, after)
		}
		cq += ` ORDER BY id DESC LIMIT ?`
		cargs = append(cargs, chunk)
		found, n, last, err := readQueued(ctx, tx, cq, cargs, f)
		if err != nil {
			return nil, err
		}
		ids := make([]string, len(found))
		for i := range found {
			ids[i] = found[i].ID
		}
		rows, err := writtenOf(ctx, written, f.WebhookID, ids)
		if err != nil {
			return nil, err
		}
		for _, d := range found {
			if !rows[d.ID] && len(out) < want {
				out = append(out, d)
			}
		}
		if n < chunk {
			break
		}
		after = last // the next chunk: the events before the last one read
	}
	return out, nil
}

// RecoverDeliveries makes every failed delivery of the webhook created in
// [since, until) pending again, due now, with its whole retry schedule; a
// zero until means no upper bound. It returns how many it re-queued. A
// webhook that does not exist in the workspace is ENOTFOUND.
func (s *Store) RecoverDeliveries(ctx context.Context, workspaceID, webhookID string, since, until, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, "recover deliveries", func(ctx context.Context, tx *sql.Tx) error {
		if err := sqlstore.WebhookInWorkspace(ctx, sqlQuerier{q: tx}, &dialect, workspaceID, webhookID); err != nil {
			return err
		}
		q := `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, scheduled_attempts = 0,
			manual = 0, once = 0, lease_expires_at = 0, updated_at = ?
			WHERE webhook_id = ? AND status = 'failed' AND created_at >= ?`
		args := []any{micros(now), micros(now), webhookID, micros(since)}
		if !until.IsZero() {
			q += ` AND created_at < ?`
			args = append(args, micros(until))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// readQueued runs listQueued's query q and returns the queued deliveries
// to f's webhook of the events it reads that come after f's page cursor,
// how many events it read and the id of the last.
func readQueued(ctx context.Context, tx *sql.Tx, q string, args []any, f hookd.DeliveryFilter) ([]hookd.Delivery, int, string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, "", err
	}
	defer rows.Close()
	var (
		found []hookd.Delivery
		n     int
		last  string
	)
	for rows.Next() {
		var (
			id, typ, fanout string
			created         int64
		)
		if err := rows.Scan(&id, &typ, &fanout, &created); err != nil {
			return nil, 0, "", err
		}
		n++
		last = id
		if idx := fanoutIndex(fanout, f.WebhookID); idx >= 0 {
			d := queuedDelivery(f.WorkspaceID, id, typ, fromMicros(created), f.WebhookID, idx)
			if f.Page.Cursor == "" || d.ID < f.Page.Cursor {
				found = append(found, d)
			}
		}
	}
	return found, n, last, rows.Err()
}

// writtenOf returns which of the delivery ids of webhook webhookID have a
// row, with written (sqlWrittenBetween, in the caller's transaction): one
// probe of deliveries_webhook from the lowest id to the highest, which
// finds none in the common case (a queued delivery seldom has a row).
func writtenOf(ctx context.Context, written *sql.Stmt, webhookID string, ids []string) (map[string]bool, error) {
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	return idSet(written.QueryContext(ctx, webhookID, slices.Min(ids), slices.Max(ids)))
}

// idSet reads rows of one id column into a set.
func idSet(rows *sql.Rows, err error) (map[string]bool, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// sqlWriteRow writes a delivery's row, unless it has one.
const sqlWriteRow = `INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type,
	status, attempts, scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, last_status_code,
	created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`

// writeRow writes the row of delivery d with stmt, the store's writeRow
// statement bound to a transaction, unless it has one.
func writeRow(ctx context.Context, stmt *sql.Stmt, d *hookd.Delivery) error {
	_, err := stmt.ExecContext(ctx,
		d.ID, d.WorkspaceID, d.EventID, d.WebhookID, d.EventType, d.Status, d.Attempts, d.ScheduledAttempts,
		bool2int(d.Manual), bool2int(d.Once), nullMicros(d.NextAttemptAt), nullInt(d.LastStatusCode),
		micros(d.CreatedAt), micros(d.UpdatedAt))
	return err
}
