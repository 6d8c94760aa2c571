package postgres_test

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres/pgtest"
)

// TestDisableResumedAfterCrash leaves two webhooks as a process that died
// just after disabling them leaves them: disabled, their backlogs (more
// than one batch) marked as to be failed and still pending. A store that
// opens the database then finishes the work: enabling one fails its
// backlog first, and the backlog worker fails the other's by itself.
func TestDisableResumedAfterCrash(t *testing.T) {
	t.Parallel()
	s, u := openSchema(t)
	wsID, hooks := seed(t, s, 2, nil)
	for range 7 {
		publishN(t, s, wsID, hookd.MaxBatchEvents, t0)
	}
	s.Close()
	pgtest.Exec(t, u, `UPDATE webhooks SET status = 'disabled', disabled_reason = 'gone', failing_at = $1`, t0.Add(time.Minute))

	s2 := openURL(t, u)
	ctx := t.Context()
	w, err := s2.Webhook(ctx, wsID, hooks[0])
	if err != nil {
		t.Fatalf("Webhook: %v", err)
	}
	w.Status = hookd.WebhookActive
	if err := s2.UpdateWebhook(ctx, w, t0.Add(2*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook enable: %v", err)
	}
	if claims := claim(t, s2, t0.Add(time.Hour), time.Hour, 100, 100); len(claims) != 0 {
		t.Fatalf("claim after enabling: got %d deliveries made before the disable, such as %s; want none",
			len(claims), claims[0].Delivery.ID)
	}
	pending := func(webhookID string) int {
		page, _, err := s2.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: wsID, WebhookID: webhookID,
			Status: hookd.DeliveryPending, Page: hookd.Page{Limit: 1}})
		if err != nil {
			t.Fatalf("ListDeliveries: %v", err)
		}
		return len(page)
	}
	if pending(hooks[0]) != 0 {
		t.Fatalf("the enabled webhook has pending deliveries made before its disable")
	}
	// The worker, which started at Open, fails the other backlog: wait
	// for it, 30 s at most.
	for deadline := time.Now().Add(30 * time.Second); pending(hooks[1]) != 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the disabled webhook still has pending deliveries 30 s after Open")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
