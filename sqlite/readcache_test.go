package sqlite

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestReadCache checks that the cached workspace and catalogue names follow
// every write, and that a caller changing what it was given changes nothing
// for the next.
func TestReadCache(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	now := time.Now()
	five := 5
	ws := &hookd.Workspace{Name: "a", CreatedAt: now, UpdatedAt: now,
		Settings: hookd.WorkspaceSettings{MaxWebhooks: 3, WebhookDefaults: &hookd.WebhookDefaults{TimeoutSeconds: &five}}}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	got, err := s.Workspace(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	*got.Settings.WebhookDefaults.TimeoutSeconds = 99 // the caller's copy
	got.Name = "changed"
	again, err := s.Workspace(ctx, ws.ID)
	if err != nil || again.Name != "a" || *again.Settings.WebhookDefaults.TimeoutSeconds != 5 ||
		again.Settings.WebhookDefaults.RetrySchedule != nil {
		t.Fatalf("second read: %+v, %v; want the stored workspace", again, err)
	}
	ws.Name, ws.Settings.MaxWebhooks = "b", 7
	if err := s.UpdateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Workspace(ctx, ws.ID); err != nil || got.Name != "b" || got.Settings.MaxWebhooks != 7 {
		t.Fatalf("after the update: %+v, %v", got, err)
	}
	if err := s.DeleteWorkspace(ctx, ws.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Workspace(ctx, ws.ID); hookd.ErrorCode(err) != hookd.ENOTFOUND {
		t.Fatalf("after the delete: %v; want ENOTFOUND", err)
	}

	if names, err := s.EventTypeNames(ctx); err != nil || len(names) != 0 {
		t.Fatalf("names: %v, %v; want none", names, err)
	}
	if err := s.CreateEventType(ctx, &hookd.EventType{Name: "order.paid", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	names, err := s.EventTypeNames(ctx)
	if err != nil || len(names) != 1 || names[0] != "order.paid" {
		t.Fatalf("names after create: %v, %v", names, err)
	}
	names[0] = "changed"
	if err := s.DeleteEventType(ctx, "order.paid"); err != nil {
		t.Fatal(err)
	}
	if names, err := s.EventTypeNames(ctx); err != nil || len(names) != 0 {
		t.Fatalf("names after delete: %v, %v; want none", names, err)
	}
}
