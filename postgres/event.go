package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Statements of the publish path. Events and deliveries go in with one
// INSERT each for the whole call, from arrays.
const (
	sqlInsertEvents = `INSERT INTO events (` + sqlstore.EventColumns + `)
		SELECT u.id, u.workspace_id, u.type, u.payload, u.channels::json, u.idempotency_key, $7
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[])
			AS u (id, workspace_id, type, payload, channels, idempotency_key)`
	sqlInsertDeliveries = `INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status,
		attempts, scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, leased_by, last_status_code,
		created_at, updated_at)
		SELECT u.id, u.workspace_id, u.event_id, u.webhook_id, u.event_type, 'pending', 0, 0, false, false, $6,
			NULL, NULL, NULL, $6, $6
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
			AS u (id, workspace_id, event_id, webhook_id, event_type)`
	// sqlLockIdempotencyKey serializes the publishes that use one
	// idempotency key in one workspace, across processes, until their
	// transactions end: the second finds the first's event.
	sqlLockIdempotencyKey = `SELECT pg_advisory_xact_lock(1751936100, hashtext($1 || ' ' || $2))`
)

// errRetry asks write to run the transaction again: it met a change made
// meanwhile (a webhook deleted while its deliveries were inserted).
var errRetry = errors.New("postgres: the data changed meanwhile; try again")

// Publish stores the events and, in the same transaction, one pending
// delivery due at now for each active webhook of the event's workspace that
// hookd.Matches it, then tells every process (NOTIFY) that deliveries are
// due. It fills each event's ID (when empty), CreatedAt (now) and
// Deliveries once the transaction has committed. An event whose
// IdempotencyKey was used in its workspace in the last 24 hours is not
// stored again: *e becomes the stored event, deliveries included;
// concurrent publishes with one key, from any process, wait for each
// other. All events or none are stored; a missing workspace is ENOTFOUND,
// an ID that exists ECONFLICT.
func (s *Store) Publish(ctx context.Context, events []*hookd.Event, now time.Time) error {
	if len(events) == 0 {
		return nil
	}
	now = sqlstore.RoundTime(now)
	var (
		out []hookd.Event
		n   int
	)
	err := s.write(ctx, "publish", func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, n, err = publish(ctx, tx, events, now)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		s.notifyDueSoon()
	}
	for i, e := range events {
		*e = out[i]
	}
	return nil
}

// wsKey is an idempotency key in its workspace.
type wsKey struct{ workspace, key string }

// publish stores events in tx and returns them as stored, with how many
// deliveries it made.
func publish(ctx context.Context, tx pgx.Tx, events []*hookd.Event, now time.Time) ([]hookd.Event, int, error) {
	var (
		workspaces []string
		keys       []wsKey
	)
	for _, e := range events {
		if !slices.Contains(workspaces, e.WorkspaceID) {
			workspaces = append(workspaces, e.WorkspaceID)
		}
		if k := (wsKey{e.WorkspaceID, e.IdempotencyKey}); k.key != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if err := workspacesExist(ctx, tx, workspaces); err != nil {
		return nil, 0, err
	}
	// Until this commits, no webhook of the workspaces that it reads
	// active is disabled: the disable's failing of pending deliveries
	// then sees the deliveries made here.
	if err := lockWorkspaces(ctx, tx, workspaces, false); err != nil {
		return nil, 0, err
	}
	stored, err := lockIdempotencyKeys(ctx, tx, keys, now)
	if err != nil {
		return nil, 0, err
	}
	hooks, err := activeWebhooks(ctx, tx, workspaces)
	if err != nil {
		return nil, 0, err
	}

	out := make([]hookd.Event, len(events))
	firstOfKey := map[wsKey]int{} // the index in out of a key's event
	var ev eventRows
	var dv deliveryRows
	for i, in := range events {
		k := wsKey{in.WorkspaceID, in.IdempotencyKey}
		if k.key != "" {
			if e, ok := stored[k]; ok {
				out[i] = e
				out[i].Deliveries = slices.Clone(e.Deliveries)
				continue
			}
			if j, ok := firstOfKey[k]; ok {
				out[i] = out[j]
				out[i].Deliveries = slices.Clone(out[j].Deliveries)
				continue
			}
			firstOfKey[k] = i
		}
		e := *in
		e.ID = sqlstore.NewID(e.ID, hookd.PrefixEvent, now)
		e.CreatedAt = now
		e.Deliveries = []hookd.Delivery{}
		if err := ev.add(&e); err != nil {
			return nil, 0, err
		}
		for j := range hooks[e.WorkspaceID] {
			w := &hooks[e.WorkspaceID][j]
			if !hookd.Matches(w, e.Type, e.Channels) {
				continue
			}
			d := hookd.Delivery{
				ID:          hookd.NewID(hookd.PrefixDelivery, now),
				WorkspaceID: e.WorkspaceID,
				EventID:     e.ID,
				WebhookID:   w.ID,
				EventType:   e.Type,
				Status:      hookd.DeliveryPending,
				CreatedAt:   now,
				UpdatedAt:   now,
			}
			next := now
			d.NextAttemptAt = &next
			dv.add(&d)
			e.Deliveries = append(e.Deliveries, d)
		}
		out[i] = e
	}
	if len(ev.id) > 0 {
		_, err := tx.Exec(ctx, sqlInsertEvents, ev.id, ev.workspace, ev.typ, ev.payload, ev.channels, ev.key, now)
		switch {
		case isUniqueViolation(err):
			return nil, 0, hookd.Errorf(hookd.ECONFLICT, "event %q already exists", conflictingEvent(err, ev.id))
		case pgCode(err) == codeForeignKeyViolation: // a workspace deleted meanwhile
			return nil, 0, errRetry
		case err != nil:
			return nil, 0, err
		}
	}
	if len(dv.id) > 0 {
		_, err := tx.Exec(ctx, sqlInsertDeliveries, dv.id, dv.workspace, dv.event, dv.webhook, dv.typ, now)
		switch {
		case pgCode(err) == codeForeignKeyViolation: // a webhook deleted meanwhile
			return nil, 0, errRetry
		case err != nil:
			return nil, 0, err
		}
	}
	return out, len(dv.id), nil
}

// conflictingEvent names the event id a unique violation is about: the
// first of ids the error's detail mentions, else the first id.
func conflictingEvent(err error, ids []string) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		for _, id := range ids {
			if strings.Contains(pe.Detail, id) {
				return id
			}
		}
	}
	return ids[0]
}

// eventRows are the columns of the events to insert, as arrays.
type eventRows struct {
	id, workspace, typ, key []string
	payload                 [][]byte
	channels                []*string
}

func (r *eventRows) add(e *hookd.Event) error {
	channels, err := sqlstore.JSONText(e.Channels, e.Channels == nil)
	if err != nil {
		return err
	}
	var ch *string
	if channels != nil {
		s := string(channels)
		ch = &s
	}
	r.id = append(r.id, e.ID)
	r.workspace = append(r.workspace, e.WorkspaceID)
	r.typ = append(r.typ, e.Type)
	r.payload = append(r.payload, []byte(e.Payload))
	r.channels = append(r.channels, ch)
	r.key = append(r.key, e.IdempotencyKey)
	return nil
}

// deliveryRows are the columns of the deliveries to insert, as arrays.
type deliveryRows struct {
	id, workspace, event, webhook, typ []string
}

func (r *deliveryRows) add(d *hookd.Delivery) {
	r.id = append(r.id, d.ID)
	r.workspace = append(r.workspace, d.WorkspaceID)
	r.event = append(r.event, d.EventID)
	r.webhook = append(r.webhook, d.WebhookID)
	r.typ = append(r.typ, d.EventType)
}

// Publishes and disables of a workspace's webhooks exclude each other: a
// publish reads the active webhooks, then inserts their deliveries, and a
// disable that committed in between would miss those deliveries when it
// fails the webhook's pending ones (and they would be sent once the webhook
// is enabled again). Publishes take the workspace's advisory lock shared,
// so that they do not wait for each other; a disable takes it exclusive,
// before any row lock, and waits for the publishes under way, while those
// that come after it wait for its commit and then do not read the webhook
// active. Row locks on the webhooks would not do: a publish's FOR SHARE
// would queue behind every record (which locks its webhooks FOR NO KEY
// UPDATE), and shared row lockers can keep an exclusive one waiting
// forever, whereas the lock manager queues them in order.
const (
	sqlLockWorkspacesShared = `SELECT pg_advisory_xact_lock_shared(1751936101, hashtext(id)) FROM unnest($1::text[]) AS id`
	sqlLockWorkspaces       = `SELECT pg_advisory_xact_lock(1751936101, hashtext(id)) FROM unnest($1::text[]) AS id`
)

// lockWorkspaces takes the advisory locks of the workspaces ids (in id
// order, so that no two transactions deadlock on them): shared for a
// publish, exclusive for a disable.
func lockWorkspaces(ctx context.Context, tx pgx.Tx, ids []string, exclusive bool) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	q := sqlLockWorkspacesShared
	if exclusive {
		q = sqlLockWorkspaces
	}
	_, err := tx.Exec(ctx, q, ids)
	return err
}

// workspacesExist returns ENOTFOUND for the first of ids that does not
// exist.
func workspacesExist(ctx context.Context, q querier, ids []string) error {
	rows, err := q.Query(ctx, `SELECT id FROM workspaces WHERE id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	found, err := collect(rows, scanString)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return hookd.NotFound("workspace", id)
		}
	}
	return nil
}

func scanString(row sqlstore.Row) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// lockIdempotencyKeys takes the advisory locks of keys, in one order so
// that concurrent batches cannot deadlock, then returns the events stored
// under them in the last 24 hours (with their deliveries) and frees the
// keys of older events for reuse.
func lockIdempotencyKeys(ctx context.Context, tx pgx.Tx, keys []wsKey, now time.Time) (map[wsKey]hookd.Event, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	keys = slices.Clone(keys)
	slices.SortFunc(keys, func(a, b wsKey) int {
		if a.workspace != b.workspace {
			return cmpString(a.workspace, b.workspace)
		}
		return cmpString(a.key, b.key)
	})
	var b pgx.Batch
	wsList := make([]string, len(keys))
	keyList := make([]string, len(keys))
	for i, k := range keys {
		b.Queue(sqlLockIdempotencyKey, k.workspace, k.key)
		wsList[i], keyList[i] = k.workspace, k.key
	}
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT e.id, e.workspace_id, e.idempotency_key, e.created_at FROM events AS e
		JOIN unnest($1::text[], $2::text[]) AS k (workspace_id, key)
			ON e.workspace_id = k.workspace_id AND e.idempotency_key = k.key
		WHERE e.idempotency_key <> ''`, wsList, keyList)
	if err != nil {
		return nil, err
	}
	type found struct {
		id, workspace, key string
		created            time.Time
	}
	list, err := collect(rows, func(row sqlstore.Row) (found, error) {
		var f found
		err := row.Scan(&f.id, &f.workspace, &f.key, &f.created)
		return f, err
	})
	if err != nil {
		return nil, err
	}
	var fresh, expired []string
	freshKeys := map[string]wsKey{}
	for _, f := range list {
		if f.created.After(now.Add(-sqlstore.IdempotencyWindow)) {
			fresh = append(fresh, f.id)
			freshKeys[f.id] = wsKey{f.workspace, f.key}
		} else {
			expired = append(expired, f.id)
		}
	}
	if len(expired) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE events SET idempotency_key = '' WHERE id = ANY($1)`, expired); err != nil {
			return nil, err
		}
	}
	out := map[wsKey]hookd.Event{}
	if len(fresh) > 0 {
		events, err := loadEvents(ctx, tx, fresh)
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			out[freshKeys[e.ID]] = e
		}
	}
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// activeWebhooks returns the active webhooks of the workspaces, by
// workspace, in id order, with only the fields hookd.Matches needs.
func activeWebhooks(ctx context.Context, q querier, workspaces []string) (map[string][]hookd.Webhook, error) {
	rows, err := q.Query(ctx, `SELECT workspace_id, `+sqlstore.MatcherColumns+` FROM webhooks
		WHERE workspace_id = ANY($1) AND status = 'active' ORDER BY id`, workspaces)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, func(row sqlstore.Row) (hookd.Webhook, error) {
		var ws string
		w, err := sqlstore.ScanMatcher(row, &ws)
		w.WorkspaceID = ws
		return w, err
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]hookd.Webhook{}
	for _, w := range list {
		out[w.WorkspaceID] = append(out[w.WorkspaceID], w)
	}
	return out, nil
}

// StoreTestSend writes a test send's event and its delivery, leased by
// this process.
func (e engine) StoreTestSend(ctx context.Context, q sqlstore.Querier, ev *hookd.Event, d *hookd.Delivery, leaseUntil time.Time) error {
	tx := q.(pgQuerier).q
	var rows eventRows
	if err := rows.add(ev); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, sqlInsertEvents, rows.id, rows.workspace, rows.typ, rows.payload, rows.channels, rows.key,
		ev.CreatedAt)
	if isUniqueViolation(err) {
		return hookd.Errorf(hookd.ECONFLICT, "event %q already exists", ev.ID)
	}
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status,
		attempts, scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, leased_by, last_status_code,
		created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'pending', 0, 0, false, true, $6, $7, $8, NULL, $6, $6)`,
		d.ID, d.WorkspaceID, d.EventID, d.WebhookID, d.EventType, d.CreatedAt, leaseUntil, e.s.instance)
	return err
}

// loadEvents reads events by id, with their deliveries, in id order.
func loadEvents(ctx context.Context, q querier, ids []string) ([]hookd.Event, error) {
	rows, err := q.Query(ctx, `SELECT `+sqlstore.EventColumns+` FROM events WHERE id = ANY($1) ORDER BY id`, ids)
	if err != nil {
		return nil, err
	}
	events, err := collect(rows, sqlstore.ScanEvent)
	if err != nil {
		return nil, err
	}
	return events, fillDeliveries(ctx, q, events)
}

// fillDeliveries sets the Deliveries of events, with one query.
func fillDeliveries(ctx context.Context, q querier, events []hookd.Event) error {
	_, _, err := sqlstore.FillDeliveries(ctx, pgQuerier{q}, &dialect, events)
	return err
}
