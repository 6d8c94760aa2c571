package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
)

const (
	sqlInsertEvent = `INSERT INTO events (` + sqlstore.EventColumns + `, fanout) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	sqlEventByKey  = `SELECT id, created_at FROM events
		WHERE workspace_id = ? AND idempotency_key = ? AND idempotency_key <> ''`
)

// publisher stores the events of the Publish calls of one group commit in
// their transaction.
type publisher struct {
	ctx context.Context
	tx  *sql.Tx
	s   *Store
	now time.Time // of the call being stored
	// hooks holds the active webhooks of each workspace, read once per
	// transaction, with only the fields hookd.Matches needs.
	hooks map[string][]hookd.Webhook
	// heads holds the last seq of each workspace in the call being stored.
	heads map[string]int64

	insertEvent, eventByKey *sql.Stmt
}

// Publish stores the events and, in the same transaction, one pending
// delivery due at now for each active webhook of the event's workspace that
// hookd.Matches it, queued: the event row lists those webhooks and the
// deliveries get their rows when first attempted (queue.go). It fills each event's ID (when empty), CreatedAt (now)
// and Deliveries once the transaction has committed. An event whose
// IdempotencyKey was used in its workspace in the last 24 hours is not
// stored again: *e becomes the stored event, deliveries included. All
// events or none are stored; a missing workspace is ENOTFOUND, an ID that
// exists ECONFLICT.
//
// Concurrent calls share transactions (group commit), each call in its own
// savepoint, so that one fsync makes many calls durable; a call returns
// once its transaction has committed. A call whose ctx has ended before its
// turn stores nothing and returns ctx's error.
func (s *Store) Publish(ctx context.Context, events []*hookd.Event, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	req := &publishRequest{ctx: ctx, events: events, now: now, done: make(chan struct{})}
	if err := s.publishing.enqueue(req); err != nil {
		return err
	}
	<-req.done
	if req.err != nil {
		return req.err
	}
	for i, e := range events {
		*e = req.out[i]
	}
	return nil
}

// publishRequest is one Publish call waiting for its group's commit.
type publishRequest struct {
	ctx    context.Context
	events []*hookd.Event
	now    time.Time

	out  []hookd.Event // the events as stored, when err is nil
	err  error
	done chan struct{} // closed when out or err is set
}

// maxGroupEvents bounds the events of one group commit.
const maxGroupEvents = hookd.MaxBatchEvents

// publishQueue feeds Publish calls to the goroutine that commits them in
// groups.
type publishQueue struct {
	mu      sync.RWMutex
	closed  bool
	ch      chan *publishRequest
	stopped chan struct{}
}

// start runs the committer of s.
func (q *publishQueue) start(s *Store) {
	q.ch = make(chan *publishRequest, 256)
	q.stopped = make(chan struct{})
	go func() {
		defer close(q.stopped)
		for req := range q.ch {
			group := []*publishRequest{req}
			n := len(req.events)
		drain:
			for n < maxGroupEvents {
				select {
				case r, ok := <-q.ch:
					if !ok {
						break drain
					}
					group = append(group, r)
					n += len(r.events)
				default:
					break drain
				}
			}
			s.publishGroup(group)
		}
	}()
}

// enqueue hands req to the committer; it fails once the store is closed.
func (q *publishQueue) enqueue(req *publishRequest) error {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed || q.ch == nil {
		return errors.New("publish: the store is closed")
	}
	q.ch <- req
	return nil
}

// stop lets the committer finish the calls queued and ends it.
func (q *publishQueue) stop() {
	q.mu.Lock()
	if q.closed || q.ch == nil {
		q.mu.Unlock()
		return
	}
	q.closed = true
	close(q.ch)
	q.mu.Unlock()
	<-q.stopped
}

// publishGroup stores the calls of group in one transaction, each in a
// savepoint: a call that fails is rolled back alone, unless the storage
// refused it (ESTORAGE), which fails the whole group.
func (s *Store) publishGroup(group []*publishRequest) {
	live := group[:0:0]
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	heads := map[string]int64{}
	err := s.write(context.Background(), "publish", func(ctx context.Context, tx *sql.Tx) error {
		p := &publisher{
			ctx: ctx, tx: tx, s: s,
			hooks:       map[string][]hookd.Webhook{},
			insertEvent: tx.StmtContext(ctx, s.stmts.insertEvent),
			eventByKey:  tx.StmtContext(ctx, s.stmts.eventByKey),
		}
		for _, r := range live {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT publish_call`); err != nil {
				return err
			}
			p.now = sqlstore.RoundTime(r.now)
			p.heads = map[string]int64{}
			out, err := p.publishAll(r.events)
			if err != nil {
				r.err = wrap("publish", err)
				if hookd.ErrorCode(r.err) == hookd.ESTORAGE {
					// The disk refuses the group, which then commits
					// nothing: each call gets the error.
					return r.err
				}
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO publish_call`); err != nil {
					return err
				}
			} else {
				r.out = out
				for ws, seq := range p.heads {
					heads[ws] = max(heads[ws], seq)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE publish_call`); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for ws, seq := range heads {
			s.queue.published(ws, seq)
		}
	}
	for _, r := range live {
		if err != nil {
			r.out, r.err = nil, err
		}
		close(r.done)
	}
}

// publishAll stores the events of one call.
func (p *publisher) publishAll(events []*hookd.Event) ([]hookd.Event, error) {
	out := make([]hookd.Event, len(events))
	for i, e := range events {
		stored, err := p.publish(*e)
		if err != nil {
			return nil, err
		}
		out[i] = stored
	}
	return out, nil
}

// publish stores one event with its deliveries, or returns the stored event
// of the same idempotency key.
func (p *publisher) publish(e hookd.Event) (hookd.Event, error) {
	ctx := p.ctx
	if e.IdempotencyKey != "" {
		var (
			id      string
			created int64
		)
		err := p.eventByKey.QueryRowContext(ctx, e.WorkspaceID, e.IdempotencyKey).Scan(&id, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return e, err
		case fromMicros(created).After(p.now.Add(-sqlstore.IdempotencyWindow)):
			stored, err := loadEvent(ctx, p.tx, e.WorkspaceID, id)
			if err != nil {
				return e, err
			}
			return *stored, nil
		default:
			// The key has expired: free it for this event.
			if _, err := p.tx.ExecContext(ctx, `UPDATE events SET idempotency_key = '' WHERE id = ?`, id); err != nil {
				return e, err
			}
		}
	}
	hooks, err := p.webhooks(e.WorkspaceID)
	if err != nil {
		return e, err
	}
	e.ID = sqlstore.NewID(e.ID, hookd.PrefixEvent, p.now)
	e.CreatedAt = p.now
	var fanout []string
	for i := range hooks {
		if w := &hooks[i]; hookd.Matches(w, e.Type, e.Channels) {
			fanout = append(fanout, w.ID)
		}
	}
	seq, err := insertEvent(ctx, p.insertEvent, &e, fanout)
	if err != nil {
		return e, err
	}
	e.Deliveries = make([]hookd.Delivery, len(fanout))
	for i, id := range fanout {
		e.Deliveries[i] = queuedDelivery(e.WorkspaceID, e.ID, e.Type, e.CreatedAt, id, i)
	}
	if len(fanout) > 0 {
		p.heads[e.WorkspaceID] = seq
	}
	return e, nil
}

// webhooks returns the active webhooks of a workspace, read once per
// transaction; a missing workspace is ENOTFOUND.
func (p *publisher) webhooks(workspaceID string) ([]hookd.Webhook, error) {
	if hooks, ok := p.hooks[workspaceID]; ok {
		return hooks, nil
	}
	var n int
	if err := p.tx.StmtContext(p.ctx, p.s.stmts.workspaceExists).QueryRowContext(p.ctx, workspaceID).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, hookd.NotFound("workspace", workspaceID)
	}
	rows, err := p.tx.StmtContext(p.ctx, p.s.stmts.publishWebhooks).QueryContext(p.ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hooks := []hookd.Webhook{}
	for rows.Next() {
		w, err := sqlstore.ScanMatcher(rows)
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	p.hooks[workspaceID] = hooks
	return hooks, nil
}

// insertEvent inserts e (ID and CreatedAt set) with the prepared statement,
// queued for the webhooks of fanout, and returns its seq.
func insertEvent(ctx context.Context, stmt *sql.Stmt, e *hookd.Event, fanout []string) (int64, error) {
	channels, err := dialect.JSONOf(e.Channels, e.Channels == nil)
	if err != nil {
		return 0, err
	}
	res, err := stmt.ExecContext(ctx, e.ID, e.WorkspaceID, e.Type, []byte(e.Payload), channels,
		e.IdempotencyKey, micros(e.CreatedAt), fanoutOf(fanout))
	if isUniqueViolation(err) {
		return 0, hookd.Errorf(hookd.ECONFLICT, "event %q already exists", e.ID)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// StoreTestSend writes a test send's event, not queued, and its
// delivery's row, and leases the delivery in memory before the commit
// makes it due, so that no claim takes it.
func (e engine) StoreTestSend(ctx context.Context, q sqlstore.Querier, ev *hookd.Event, d *hookd.Delivery, leaseUntil time.Time) error {
	tx := q.(sqlQuerier).q.(*sql.Tx)
	if _, err := insertEvent(ctx, tx.StmtContext(ctx, e.s.stmts.insertEvent), ev, nil); err != nil {
		return err
	}
	if err := writeRow(ctx, tx.StmtContext(ctx, e.s.stmts.writeRow), d); err != nil {
		return err
	}
	e.s.leases.take(d.WebhookID, []string{d.ID}, micros(leaseUntil))
	return nil
}

// loadEvent reads the event id of the workspace with its deliveries, or
// returns ENOTFOUND.
func loadEvent(ctx context.Context, q querier, workspaceID, id string) (*hookd.Event, error) {
	return sqlstore.LoadEvent(ctx, sqlQuerier{q: q}, &dialect, workspaceID, id, func(events []hookd.Event) error {
		return fillDeliveries(ctx, q, events)
	})
}

// fillDeliveries sets the Deliveries of events, all of one workspace: the
// written ones, then the queued ones (fillQueued).
func fillDeliveries(ctx context.Context, q querier, events []hookd.Event) error {
	index, have, err := sqlstore.FillDeliveries(ctx, sqlQuerier{q: q}, &dialect, events)
	if err != nil || len(events) == 0 {
		return err
	}
	return fillQueued(ctx, q, events, index, have)
}

// fillQueued adds to events, all of one workspace, their queued
// deliveries: those of their fanout to webhooks that still exist, above
// the webhook's cursor, without a row (have).
func fillQueued(ctx context.Context, q querier, events []hookd.Event, index map[string]int, have map[string]bool) error {
	type queuedEvent struct {
		id     string
		seq    int64
		fanout string
	}
	var queued []queuedEvent
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	rows, err := q.QueryContext(ctx, `SELECT id, seq, fanout FROM events
		WHERE id IN (`+placeholders(len(ids))+`) AND fanout IS NOT NULL`, idArgs(ids)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e queuedEvent
		if err := rows.Scan(&e.id, &e.seq, &e.fanout); err != nil {
			rows.Close()
			return err
		}
		queued = append(queued, e)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(queued) == 0 {
		return nil
	}
	cursors, err := webhookCursors(ctx, q, events[0].WorkspaceID)
	if err != nil {
		return err
	}
	for _, qe := range queued {
		e := &events[index[qe.id]]
		added := false
		for idx, webhookID := range strings.Fields(qe.fanout) {
			cursor, ok := cursors[webhookID]
			if !ok || qe.seq <= cursor || have[queuedID(e.ID, idx)] {
				continue
			}
			e.Deliveries = append(e.Deliveries, queuedDelivery(e.WorkspaceID, e.ID, e.Type, e.CreatedAt, webhookID, idx))
			added = true
		}
		if added {
			slices.SortFunc(e.Deliveries, func(a, b hookd.Delivery) int { return strings.Compare(a.ID, b.ID) })
		}
	}
	return nil
}

// webhookCursors returns the cursor of each webhook of the workspace.
func webhookCursors(ctx context.Context, q querier, workspaceID string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, cursor FROM webhooks WHERE workspace_id = ?`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var (
			id     string
			cursor int64
		)
		if err := rows.Scan(&id, &cursor); err != nil {
			return nil, err
		}
		out[id] = cursor
	}
	return out, rows.Err()
}
