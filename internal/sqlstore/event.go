package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/hookd/hookd"
)

// LoadEvent reads the event id of the workspace, then its deliveries with
// fill (FillDeliveries, and SQLite's queued ones), or returns ENOTFOUND.
func LoadEvent(ctx context.Context, q Querier, d *Dialect, workspaceID, id string, fill func([]hookd.Event) error) (*hookd.Event, error) {
	e, err := one(ctx, q, hookd.NotFound("event", id), ScanEvent,
		`SELECT `+EventColumns+` FROM events WHERE id = `+d.Param(1)+` AND workspace_id = `+d.Param(2), id, workspaceID)
	if err != nil {
		return nil, err
	}
	events := []hookd.Event{e}
	if err := fill(events); err != nil {
		return nil, err
	}
	return &events[0], nil
}

// FillDeliveries sets the Deliveries of events to their rows in the
// deliveries table, in id order, with one query. It returns where each
// event is in events, by id, and the ids of the deliveries it read.
func FillDeliveries(ctx context.Context, q Querier, d *Dialect, events []hookd.Event) (map[string]int, map[string]bool, error) {
	index := make(map[string]int, len(events))
	have := map[string]bool{}
	if len(events) == 0 {
		return index, have, nil
	}
	a := d.Args()
	in := ""
	for i, e := range events {
		index[e.ID] = i
		events[i].Deliveries = []hookd.Delivery{}
		if i > 0 {
			in += ", "
		}
		in += a.Add(e.ID)
	}
	rows, err := q.Query(ctx, `SELECT `+DeliveryColumns+` FROM deliveries WHERE event_id IN (`+in+`) ORDER BY id`, a.List...)
	ds, err := Collect(rows, err, func(row Row) (hookd.Delivery, error) { return ScanDelivery(row) })
	if err != nil {
		return nil, nil, err
	}
	for _, dl := range ds {
		i := index[dl.EventID]
		events[i].Deliveries = append(events[i].Deliveries, dl)
		have[dl.ID] = true
	}
	return index, have, nil
}

// Event returns the event id of the workspace with its deliveries (without
// attempt logs), or ENOTFOUND.
func (s Shared) Event(ctx context.Context, workspaceID, id string) (*hookd.Event, error) {
	var e *hookd.Event
	err := s.e.Read(ctx, "get event", func(ctx context.Context, q Querier) error {
		var err error
		e, err = LoadEvent(ctx, q, s.d, workspaceID, id, func(events []hookd.Event) error {
			return s.e.FillDeliveries(ctx, q, events)
		})
		return err
	})
	return e, err
}

// ListEvents returns a page of the workspace's events, newest first, each
// with its deliveries (without attempt logs). A missing workspace is
// ENOTFOUND.
func (s Shared) ListEvents(ctx context.Context, f hookd.EventFilter) ([]hookd.Event, string, error) {
	limit := PageLimit(f.Page)
	var out []hookd.Event
	err := s.e.Read(ctx, "list events", func(ctx context.Context, q Querier) error {
		if err := WorkspaceExists(ctx, q, s.d, f.WorkspaceID); err != nil {
			return err
		}
		a := s.d.Args()
		sql := `SELECT ` + EventColumns + ` FROM events WHERE workspace_id = ` + a.Add(f.WorkspaceID)
		if f.Type != "" {
			sql += ` AND type = ` + a.Add(f.Type)
		}
		rows, err := q.Query(ctx, sql+a.Page(f.Page, f.Since, f.Until), a.List...)
		if out, err = Collect(rows, err, ScanEvent); err != nil {
			return err
		}
		return s.e.FillDeliveries(ctx, q, out[:min(len(out), limit)])
	})
	if err != nil {
		return nil, "", err
	}
	out, next := Cut(out, limit, func(e hookd.Event) string { return e.ID })
	return out, next, nil
}

// WrittenDeliveries reads the page of f's deliveries that have rows in the
// deliveries table, newest first, with one row past the page (Cut), after
// checking that the webhook is the workspace's (ENOTFOUND).
func WrittenDeliveries(ctx context.Context, q Querier, d *Dialect, f hookd.DeliveryFilter) ([]hookd.Delivery, error) {
	if err := WebhookInWorkspace(ctx, q, d, f.WorkspaceID, f.WebhookID); err != nil {
		return nil, err
	}
	a := d.Args()
	sql := `SELECT ` + DeliveryColumns + ` FROM deliveries WHERE webhook_id = ` + a.Add(f.WebhookID) +
		` AND workspace_id = ` + a.Add(f.WorkspaceID)
	if f.Status != "" {
		sql += ` AND status = ` + a.Add(f.Status)
	}
	if f.EventType != "" {
		sql += ` AND event_type = ` + a.Add(f.EventType)
	}
	rows, err := q.Query(ctx, sql+a.Page(f.Page, f.Since, f.Until), a.List...)
	return Collect(rows, err, func(row Row) (hookd.Delivery, error) { return ScanDelivery(row) })
}

// TestSender is what PublishTest needs of an engine, besides Engine.
type TestSender interface {
	// StoreTestSend writes, in the transaction of q, the event e (its
	// IdempotencyKey empty) and its one delivery d, leased until
	// leaseUntil. An event ID that exists is ECONFLICT.
	StoreTestSend(ctx context.Context, q Querier, e *hookd.Event, d *hookd.Delivery, leaseUntil time.Time) error
}

// PublishTest stores e with one delivery to the webhook webhookID of
// e.WorkspaceID only, whatever its status and subscriptions, marked for a
// single attempt (Once) and already leased until leaseUntil, and returns
// the claim to send. e's IdempotencyKey is not stored. A webhook that does
// not exist in the workspace is ENOTFOUND.
func (s Shared) PublishTest(ctx context.Context, e *hookd.Event, webhookID string, now, leaseUntil time.Time) (*hookd.Claim, error) {
	now = RoundTime(now)
	stored := *e
	stored.ID = NewID(stored.ID, hookd.PrefixEvent, now)
	stored.CreatedAt = now
	stored.IdempotencyKey = ""
	var claim hookd.Claim
	err := s.e.Write(ctx, "publish test", func(ctx context.Context, q Querier) error {
		w, err := one(ctx, q, hookd.NotFound("webhook", webhookID), ScanWebhook,
			`SELECT `+WebhookColumns+` FROM webhooks WHERE id = `+s.d.Param(1), webhookID)
		if err == nil && w.WorkspaceID != e.WorkspaceID {
			err = hookd.NotFound("webhook", webhookID)
		}
		if err != nil {
			return err
		}
		next := now
		d := hookd.Delivery{ID: hookd.NewID(hookd.PrefixDelivery, now), WorkspaceID: stored.WorkspaceID,
			EventID: stored.ID, WebhookID: webhookID, EventType: stored.Type, Status: hookd.DeliveryPending,
			NextAttemptAt: &next, Once: true, CreatedAt: now, UpdatedAt: now}
		if err := s.e.StoreTestSend(ctx, q, &stored, &d, RoundTime(leaseUntil)); err != nil {
			return err
		}
		stored.Deliveries = []hookd.Delivery{d}
		claim = hookd.Claim{Delivery: d, Payload: append(json.RawMessage(nil), stored.Payload...), Webhook: w}
		return nil
	})
	if err != nil {
		return nil, err
	}
	*e = stored
	return &claim, nil
}
