package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// DisableResumedAfterCrash checks that a store finishes the disabling of
// webhooks that a process died in the middle of. It gives s a workspace
// and two webhooks, each with a backlog of more than one batch
// (hookd.MaxBatchEvents), 40 deliveries of which have been attempted and
// wait for a retry, and closes s as a crash would: without releasing
// anything. Then it calls restart, which must leave both webhooks as the
// disabling transaction leaves them before the first batch of their
// backlogs is failed (status 'disabled', disabled_reason 'gone',
// failing_at disabledAt, written in the engine's own SQL) and return a new
// store opened on the database of s. In that store, enabling one webhook
// fails its backlog first, and the backlog worker, started at Open, fails
// the other's by itself within 30 s.
func DisableResumedAfterCrash(t *testing.T, s hookd.Store, restart func(disabledAt time.Time) hookd.Store) {
	t.Helper()
	f := &fixture{t: t, s: s, ctx: t.Context()}
	ws := f.workspace()
	enabled := f.webhook(ws.ID, "enabled", nil)
	disabled := f.webhook(ws.ID, "disabled", nil)
	for n := range 7 {
		events := make([]*hookd.Event, hookd.MaxBatchEvents)
		for i := range events {
			events[i] = &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d,"i":%d}`, n, i))}
		}
		if err := s.Publish(f.ctx, events, t0); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	// Some deliveries have been attempted and wait for a retry (in
	// SQLite, they have rows while the rest are queued).
	claims, err := s.ClaimDue(f.ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: at(time.Hour), Limit: 40, PerWebhook: 20})
	if err != nil || len(claims) != 40 {
		t.Fatalf("ClaimDue: got %d claims, %v; want 40", len(claims), err)
	}
	for _, c := range claims {
		next := at(time.Minute)
		rec := hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID, Status: hookd.DeliveryPending,
			NextAttemptAt: &next, ScheduledAttempts: 1, Now: t0,
			Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Error: "refused"}}
		f.record(rec)
	}

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2 := restart(at(time.Minute))
	f = &fixture{t: t, s: s2, ctx: t.Context()}
	w := *f.getWebhook(ws.ID, enabled.ID)
	w.Status = hookd.WebhookActive
	if err := s2.UpdateWebhook(f.ctx, &w, at(2*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook enable: %v", err)
	}
	got, err := s2.ClaimDue(f.ctx, hookd.ClaimRequest{Now: at(time.Hour), LeaseUntil: at(2 * time.Hour), Limit: 100, PerWebhook: 100})
	if err != nil {
		t.Fatalf("ClaimDue after enabling: %v", err)
	}
	if len(got) != 0 {
		t.Fatalf("claim after enabling: got %d deliveries made before the disable, such as %s; want none",
			len(got), got[0].Delivery.ID)
	}
	pending := func(webhookID string) int {
		page, _, err := s2.ListDeliveries(f.ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: webhookID,
			Status: hookd.DeliveryPending, Page: hookd.Page{Limit: 1}})
		if err != nil {
			t.Fatalf("ListDeliveries: %v", err)
		}
		return len(page)
	}
	if pending(enabled.ID) != 0 {
		t.Fatalf("the enabled webhook has pending deliveries made before its disable")
	}
	for deadline := time.Now().Add(30 * time.Second); pending(disabled.ID) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the disabled webhook still has pending deliveries 30 s after Open")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
