package sqlite

import (
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/storetest"
)

// publishAt publishes one ticket.created event at now.
func publishAt(t *testing.T, s *Store, workspaceID string, now time.Time) *hookd.Event {
	t.Helper()
	e := &hookd.Event{WorkspaceID: workspaceID, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
	if err := s.Publish(t.Context(), []*hookd.Event{e}, now); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	return e
}

// setWebhookStatus updates the webhook id of the workspace to status at
// now, with the reason "by hand" when it disables the webhook.
func setWebhookStatus(t *testing.T, s *Store, workspaceID, id, status string, now time.Time) {
	t.Helper()
	w, err := s.Webhook(t.Context(), workspaceID, id)
	if err != nil {
		t.Fatalf("Webhook: %v", err)
	}
	w.Status = status
	if status == hookd.WebhookDisabled {
		w.DisabledReason = "by hand"
	}
	if err := s.UpdateWebhook(t.Context(), w, now); err != nil {
		t.Fatalf("UpdateWebhook to %s: %v", status, err)
	}
}

// addWebhook makes one more active webhook of the workspace for events.
func addWebhook(t *testing.T, s *Store, workspaceID string, events ...string) *hookd.Webhook {
	t.Helper()
	w := &hookd.Webhook{WorkspaceID: workspaceID, URL: "https://example.com/2",
		Method: hookd.MethodPost, Events: events, TimeoutSeconds: 30, Status: hookd.WebhookActive,
		Secrets: []hookd.Secret{{Value: "whsec_eA"}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWebhook(t.Context(), w, 0); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	return w
}

// ReleaseClaims called while a claim is between its copy of the leases and
// its reading of the webhook's queued deliveries: were it not to wait for
// the claim, the claim would skip the released delivery as leased and move
// the scanned mark past it, and the next record the durable cursor: the
// delivery would never be sent, nor listed after a restart.
func TestQueuedReleaseDuringClaim(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := t.Context()
	ws, w, first := seed(t, s)
	publishAt(t, s, ws.ID, t0)
	publishAt(t, s, ws.ID, t0)
	claims := claimAll(t, s)
	if len(claims) != 3 {
		t.Fatalf("claimed %d; want 3", len(claims))
	}
	slices.SortFunc(claims, func(a, b hookd.Claim) int { return strings.Compare(a.Delivery.ID, b.Delivery.ID) })
	lost := claims[0].Delivery.ID
	if claims[0].Delivery.EventID != first.ID {
		t.Fatalf("first claim is not of the first event")
	}

	// Hold every reader connection: the next ClaimDue copies the leases,
	// then waits for a connection to begin its snapshot.
	conns := make([]*sql.Conn, readerConns)
	for i := range conns {
		c, err := s.reader.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	waits := s.reader.Stats().WaitCount
	type result struct {
		claims []hookd.Claim
		err    error
	}
	done := make(chan result, 1)
	go func() {
		c, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: t0.Add(time.Second), LeaseUntil: t0.Add(time.Hour),
			Limit: 100, PerWebhook: 100})
		done <- result{c, err}
	}()
	for s.reader.Stats().WaitCount == waits {
		time.Sleep(time.Millisecond)
	}
	// The claim has copied the leases (lost is leased in its copy); the
	// release waits for the claim to end.
	released := make(chan error, 1)
	go func() { released <- s.ReleaseClaims(ctx, []string{lost}) }()
	time.Sleep(20 * time.Millisecond)
	for _, c := range conns {
		c.Close()
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("ClaimDue: %v", r.err)
	}
	if err := <-released; err != nil {
		t.Fatalf("ReleaseClaims: %v", err)
	}
	got := storetest.ClaimIDs(r.claims)
	t.Logf("claim racing the release got %v", got)
	// The two others finish.
	succeed(t, s, claims[1], claims[2])
	again := storetest.ClaimIDs(claimAll(t, s))
	t.Logf("claim after the records got %v", again)
	if !slices.Contains(got, lost) && !slices.Contains(again, lost) {
		t.Errorf("released delivery %s is never claimed again", lost)
	}

	// After a restart: the cursor passed it.
	s2 := reopen(t, s, path)
	if after := storetest.ClaimIDs(claimAll(t, s2)); !slices.Contains(got, lost) && !slices.Contains(again, lost) &&
		!slices.Contains(after, lost) {
		t.Errorf("after reopening, released delivery %s is still not claimed (got %v)", lost, after)
	}
	if _, err := s2.Delivery(ctx, ws.ID, w.ID, lost); err != nil {
		t.Errorf("Delivery(%s) after reopening: %v; want it pending", lost, err)
	}
	e, err := s2.Event(ctx, ws.ID, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Deliveries) != 1 {
		t.Errorf("event %s lists %d deliveries; want 1 (pending)", first.ID, len(e.Deliveries))
	}
}

// A webhook disabled (its queued deliveries failed, cursor moved to the
// last event) keeps its old in-memory scanned mark. Purge, while it is
// disabled, deletes the failed rows below the cursor; once it is enabled
// again, claims read from the stale mark and send the failed deliveries
// again.
func TestQueuedReenableAfterPurge(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, _ := seed(t, s)
	w2 := addWebhook(t, s, ws.ID, "*") // keeps the events alive (its deliveries stay queued)
	publishAt(t, s, ws.ID, t0)
	publishAt(t, s, ws.ID, t0)

	// One delivery of w goes out and succeeds; its other two stay queued.
	one := claimSome(t, s, 1, w2.ID)
	if len(one) != 1 || one[0].Delivery.WebhookID != w.ID {
		t.Fatalf("claimed %v; want one delivery of w", storetest.ClaimIDs(one))
	}
	succeed(t, s, one...)

	// Disabled: the two queued deliveries fail. Enabled again.
	setWebhookStatus(t, s, ws.ID, w.ID, hookd.WebhookDisabled, t0.Add(time.Second))
	list, _, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: w.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		t.Logf("after disable: %s %s", d.ID, d.Status)
	}
	// While it is disabled, purge deletes the failed rows (below the
	// cursor); then it is enabled again.
	if _, err := s.Purge(ctx, hookd.PurgeRequest{Before: t0.Add(24 * time.Hour), IdempotencyBefore: t0}); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	setWebhookStatus(t, s, ws.ID, w.ID, hookd.WebhookActive, t0.Add(2*time.Second))
	if got := claimSome(t, s, 100, w2.ID); len(got) != 0 {
		t.Errorf("after purge, claimed %v: deliveries that failed when w was disabled are sent again", storetest.ClaimIDs(got))
	}
}

// A queued delivery in flight when its webhook is disabled gets a failed
// row; purge may delete that row and the event. The attempt's record then
// inserts a row for a missing event: the foreign key fails and the whole
// batch (other deliveries' records with it) is refused.
func TestQueuedRecordAfterDisableAndPurge(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, _ := seed(t, s)
	ws2 := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, t0), Name: "other", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWorkspace(ctx, ws2); err != nil {
		t.Fatal(err)
	}
	other := addWebhook(t, s, ws2.ID, "*")
	publishAt(t, s, ws2.ID, t0)
	claims := claimAll(t, s)
	if len(claims) != 2 {
		t.Fatalf("claimed %d; want 2", len(claims))
	}
	setWebhookStatus(t, s, ws.ID, w.ID, hookd.WebhookDisabled, t0.Add(time.Second))
	if _, err := s.Purge(ctx, hookd.PurgeRequest{Before: t0.Add(24 * time.Hour), IdempotencyBefore: t0}); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	// Both attempts come back in one batch.
	slices.SortFunc(claims, func(a, b hookd.Claim) int {
		return strings.Compare(b.Delivery.WebhookID, a.Delivery.WebhookID) // w's last
	})
	if claims[0].Delivery.WebhookID != other.ID {
		claims[0], claims[1] = claims[1], claims[0]
	}
	if err := s.RecordAttempts(ctx, successes(claims...)); err != nil {
		t.Errorf("RecordAttempts: %v; want nil (the purged delivery skipped, the other recorded)", err)
	}
	d, err := s.Delivery(ctx, ws2.ID, other.ID, claims[0].Delivery.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != hookd.DeliverySucceeded {
		t.Errorf("the other workspace's delivery is %s after its record; want succeeded", d.Status)
	}
}

// Pages of ListDeliveries mixing rows (succeeded, retrying) and queued
// deliveries, with and without a status filter, add up to the whole list,
// newest first, without repeats.
// Both ways of reading the queue (through its index when a few events
// wait, by id when many do) list the same deliveries.
func TestQueuedListPages(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, _ := seed(t, s)
	w2 := addWebhook(t, s, ws.ID, "ticket.*")
	for i := range 14 {
		typ := "ticket.created"
		if i%3 == 0 {
			typ = "user.created"
		}
		e := &hookd.Event{WorkspaceID: ws.ID, Type: typ, Payload: json.RawMessage(`{}`)}
		if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
			t.Fatal(err)
		}
	}
	claims := claimSome(t, s, 7, w2.ID)
	slices.SortFunc(claims, func(a, b hookd.Claim) int { return strings.Compare(a.Delivery.ID, b.Delivery.ID) })
	succeed(t, s, claims[0], claims[3])
	retry := t0.Add(time.Hour)
	var recs []hookd.AttemptRecord
	for _, c := range []hookd.Claim{claims[1], claims[5]} {
		recs = append(recs, hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID,
			Status: hookd.DeliveryPending, NextAttemptAt: &retry, ScheduledAttempts: 1, Now: t0.Add(time.Second),
			Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0.Add(time.Second)}})
	}
	if err := s.RecordAttempts(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"", hookd.DeliveryPending, hookd.DeliverySucceeded} {
		for _, hook := range []string{w.ID, w2.ID} {
			all, next, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: hook,
				Status: status, Page: hookd.Page{Limit: 250}})
			if err != nil || next != "" {
				t.Fatalf("ListDeliveries: %v, %q", err, next)
			}
			// Read by id, the queue gives the same deliveries.
			s.fewQueued = 1
			other, _, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: hook,
				Status: status, Page: hookd.Page{Limit: 250}})
			s.fewQueued = defaultFewQueued
			if err != nil || !slices.EqualFunc(all, other, func(a, b hookd.Delivery) bool { return a.ID == b.ID }) {
				t.Errorf("status %q hook %s: %d deliveries through the queue's index, %d by id (%v)", status, hook, len(all), len(other), err)
			}
			var paged []string
			cursor := ""
			for range 100 {
				page, next, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: hook,
					Status: status, Page: hookd.Page{Limit: 3, Cursor: cursor}})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range page {
					paged = append(paged, d.ID)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			var want []string
			for _, d := range all {
				want = append(want, d.ID)
			}
			if !slices.IsSortedFunc(want, func(a, b string) int { return strings.Compare(b, a) }) {
				t.Errorf("status %q hook %s: not newest first: %v", status, hook, want)
			}
			if !slices.Equal(paged, want) {
				t.Errorf("status %q hook %s: pages\n %v\nwant\n %v", status, hook, paged, want)
			}
			t.Logf("status %q hook %s: %d deliveries", status, hook, len(want))
		}
	}
}

// A webhook that none of the events published fans out to still has its
// cursor moved past them once claims have read them, so that lists and
// restarts need not read them again.
func TestQueuedCursorOfOtherWebhooksMoves(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, _, _ := seed(t, s) // its webhook takes every event
	invoices := addWebhook(t, s, ws.ID, "invoice.*")
	var last *hookd.Event
	for range 5 {
		last = publishAt(t, s, ws.ID, t0) // ticket.created: not for invoices
	}
	claims := claimAll(t, s)
	if len(claims) != 6 {
		t.Fatalf("claimed %d; want 6", len(claims))
	}
	succeed(t, s, claims...)
	var cursor, lastSeq int64
	if err := s.reader.QueryRowContext(ctx, `SELECT cursor FROM webhooks WHERE id = ?`, invoices.ID).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	if err := s.reader.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = ?`, last.ID).Scan(&lastSeq); err != nil {
		t.Fatal(err)
	}
	if cursor < lastSeq {
		t.Errorf("cursor of the webhook no event was for: %d; want at least the last event's seq %d", cursor, lastSeq)
	}
	list, _, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: invoices.ID})
	if err != nil || len(list) != 0 {
		t.Errorf("deliveries of the webhook no event was for: %d, %v; want none", len(list), err)
	}
}

// The record of a queued delivery handed back before it arrived (or whose
// lease ran out) still writes the delivery's row.
func TestQueuedRecordAfterRelease(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, _ := seed(t, s)
	claims := claimAll(t, s)
	if len(claims) != 1 {
		t.Fatalf("claimed %d; want 1", len(claims))
	}
	if err := s.ReleaseClaims(ctx, []string{claims[0].Delivery.ID}); err != nil {
		t.Fatalf("ReleaseClaims: %v", err)
	}
	succeed(t, s, claims[0])
	d, err := s.Delivery(ctx, ws.ID, w.ID, claims[0].Delivery.ID)
	if err != nil {
		t.Fatalf("Delivery: %v", err)
	}
	if d.Status != hookd.DeliverySucceeded || d.Attempts != 1 || len(d.AttemptLog) != 1 {
		t.Errorf("delivery after its record: %s, %d attempts, %d logged; want succeeded, 1, 1", d.Status, d.Attempts, len(d.AttemptLog))
	}
}

// A webhook whose id is part of another's is not sent the events that fan
// out to the other only: claims look for a webhook's id in a fanout as a
// substring, then check the fanout's ids one by one.
func TestQueuedIDInsideAnother(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ws, _, _ := seed(t, s) // its webhook takes every event
	short := &hookd.Webhook{ID: "whk_7", WorkspaceID: ws.ID, URL: "https://example.com/7", Method: hookd.MethodPost,
		Events: []string{"invoice.*"}, TimeoutSeconds: 30, Status: hookd.WebhookActive,
		Secrets: []hookd.Secret{{Value: "whsec_eA"}}, CreatedAt: t0, UpdatedAt: t0}
	long := *short
	long.ID, long.Events = "whk_77", []string{"*"}
	for _, w := range []*hookd.Webhook{short, &long} {
		if err := s.CreateWebhook(t.Context(), w, 0); err != nil {
			t.Fatalf("CreateWebhook %s: %v", w.ID, err)
		}
	}
	tickets := publishAt(t, s, ws.ID, t0) // for whk_77 and the seed's webhook, not whk_7
	invoice := &hookd.Event{WorkspaceID: ws.ID, Type: "invoice.paid", Payload: json.RawMessage(`{}`)}
	if err := s.Publish(t.Context(), []*hookd.Event{invoice}, t0); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	var got []string
	for _, c := range claimAll(t, s) {
		got = append(got, c.Delivery.WebhookID+" "+c.Delivery.EventID)
		if c.Webhook.ID != c.Delivery.WebhookID {
			t.Errorf("claim of %s: sent with webhook %s", c.Delivery.ID, c.Webhook.ID)
		}
	}
	for _, want := range []string{"whk_77 " + tickets.ID, "whk_7 " + invoice.ID, "whk_77 " + invoice.ID} {
		if !slices.Contains(got, want) {
			t.Errorf("claims %v; want among them %q", got, want)
		}
	}
	for _, g := range got {
		if g == "whk_7 "+tickets.ID {
			t.Errorf("claims %v: whk_7 claimed %s, an event not for it", got, tickets.ID)
		}
	}
}

// A queued delivery retried by hand gets its row while its event is still
// above the webhook's cursor: the list shows it once, from its row.
func TestQueuedListRetriedOnce(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, w, e := seed(t, s)
	later := publishAt(t, s, ws.ID, t0)
	id := e.Deliveries[0].ID
	if err := s.RetryDelivery(ctx, ws.ID, w.ID, id, t0.Add(time.Second)); err != nil {
		t.Fatalf("RetryDelivery: %v", err)
	}
	list, _, err := s.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: w.ID})
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	var got []string
	for _, d := range list {
		got = append(got, d.ID)
	}
	if want := []string{later.Deliveries[0].ID, id}; !slices.Equal(got, want) {
		t.Fatalf("listed %v; want %v, the retried one once", got, want)
	}
}
