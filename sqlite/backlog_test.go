package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestDisableResumedAfterCrash leaves two webhooks as a process that died
// just after disabling them leaves them: disabled, their backlogs (more
// than one batch, queued deliveries and delivery rows) marked as to be
// failed and still pending. A store that opens the file then finishes the
// work: enabling one fails its backlog first, and the backlog worker fails
// the other's by itself.
func TestDisableResumedAfterCrash(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := t.Context()
	ws, w, _ := seed(t, s)
	other := *w
	other.ID = hookd.NewID(hookd.PrefixWebhook, t0)
	if err := s.CreateWebhook(ctx, &other, 0); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	for n := range 7 {
		events := make([]*hookd.Event, hookd.MaxBatchEvents)
		for i := range events {
			events[i] = &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d,"i":%d}`, n, i))}
		}
		if err := s.Publish(ctx, events, t0); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	// Some deliveries have rows, waiting for a retry.
	claims, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 40, PerWebhook: 20})
	if err != nil || len(claims) != 40 {
		t.Fatalf("ClaimDue: got %d claims, %v; want 40", len(claims), err)
	}
	for _, c := range claims {
		next := t0.Add(time.Minute)
		rec := hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID, Status: hookd.DeliveryPending,
			NextAttemptAt: &next, ScheduledAttempts: 1, Now: t0,
			Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Error: "refused"}}
		if err := s.RecordAttempts(ctx, []hookd.AttemptRecord{rec}); err != nil {
			t.Fatalf("RecordAttempts: %v", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// What the disabling transaction commits, but the first batch.
	db, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE webhooks SET status = 'disabled', disabled_reason = 'gone', failing_at = ?`,
		micros(t0.Add(time.Minute))); err != nil {
		t.Fatalf("disable: %v", err)
	}
	db.Close()

	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	enabled, err := s2.Webhook(ctx, ws.ID, w.ID)
	if err != nil {
		t.Fatalf("Webhook: %v", err)
	}
	enabled.Status = hookd.WebhookActive
	if err := s2.UpdateWebhook(ctx, enabled, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook enable: %v", err)
	}
	got, err := s2.ClaimDue(ctx, hookd.ClaimRequest{Now: t0.Add(time.Hour), LeaseUntil: t0.Add(2 * time.Hour), Limit: 100, PerWebhook: 100})
	if err != nil || len(got) != 0 {
		t.Fatalf("ClaimDue after enabling: got %d claims, %v; want none: every delivery was made before the disable", len(got), err)
	}
	pending := func(webhookID string) int {
		page, _, err := s2.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: webhookID,
			Status: hookd.DeliveryPending, Page: hookd.Page{Limit: 1}})
		if err != nil {
			t.Fatalf("ListDeliveries: %v", err)
		}
		return len(page)
	}
	if pending(w.ID) != 0 {
		t.Fatalf("the enabled webhook has pending deliveries made before its disable")
	}
	// The worker, which started at Open, fails the other backlog: wait
	// for it, 30 s at most.
	for deadline := time.Now().Add(30 * time.Second); pending(other.ID) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the disabled webhook still has pending deliveries 30 s after Open")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
