package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// overview reads the store's overview at now.
func (f *fixture) overview(now time.Time) *hookd.Overview {
	f.t.Helper()
	o, err := f.s.Overview(f.ctx, now)
	if err != nil {
		f.t.Fatalf("Overview: %v", err)
	}
	return o
}

// minutesAt returns the Minutes of an overview at now with counts only in
// the minutes given (by their start).
func minutesAt(now time.Time, counts map[time.Time][2]int) []hookd.MinuteCount {
	last := now.Truncate(time.Minute)
	out := make([]hookd.MinuteCount, hookd.OverviewMinutes)
	for i := range out {
		start := last.Add(-time.Duration(hookd.OverviewMinutes-1-i) * time.Minute)
		c := counts[start]
		out[i] = hookd.MinuteCount{Start: start, Succeeded: c[0], Failed: c[1]}
	}
	return out
}

// troubledOf lists the ids and failing streaks of troubled webhooks.
func troubledOf(ws []hookd.TroubledWebhook) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		since := "-"
		if w.FailingSince != nil {
			since = w.FailingSince.UTC().Format(time.RFC3339Nano)
		}
		out[i] = w.ID + " " + w.Status + " " + since
	}
	return out
}

func troubled(w *hookd.Webhook, since *time.Time) string {
	s := "-"
	if since != nil {
		s = since.UTC().Format(time.RFC3339Nano)
	}
	return w.ID + " " + w.Status + " " + s
}

func testOverview(t *testing.T, f *fixture) {
	now := at(10 * time.Minute) // 05:16:07; its minute starts at 05:16:00
	early := now.Add(-3 * time.Minute)

	empty := f.overview(now)
	wantEqual(t, "empty store: minutes", empty.Minutes, minutesAt(now, nil))
	if empty.Pending != 0 || empty.Due != 0 || empty.Workspaces != 0 || empty.Webhooks != 0 || len(empty.Troubled) != 0 {
		t.Fatalf("empty store: got %+v; want nothing counted", *empty)
	}

	ws1, ws2 := f.workspace(), f.workspace()
	updated := func(d time.Duration) func(w *hookd.Webhook) {
		return func(w *hookd.Webhook) { w.UpdatedAt = at(d) }
	}
	a := f.webhook(ws1.ID, "a", updated(0))
	b := f.webhook(ws1.ID, "b", updated(time.Second))
	c := f.webhook(ws2.ID, "c", updated(2*time.Second))
	d := f.webhook(ws2.ID, "d", func(w *hookd.Webhook) {
		w.UpdatedAt, w.Status, w.DisabledReason = at(3*time.Second), hookd.WebhookDisabled, "by hand"
	})
	e := f.webhook(ws2.ID, "e", updated(4*time.Second))
	// Disabled after a failing streak, which it keeps: it counts as disabled.
	streak := at(-time.Hour)
	g := f.webhook(ws2.ID, "g", func(w *hookd.Webhook) {
		w.UpdatedAt, w.Status, w.DisabledReason, w.FailingSince = at(5*time.Second), hookd.WebhookDisabled, "failing", &streak
	})

	// Published and not yet claimed: pending and due (SQLite has no
	// delivery rows for them yet).
	e1 := f.publish(ws1.ID, "ticket.created", nil, t0) // a1, b1
	e2 := f.publish(ws2.ID, "ticket.created", nil, t0) // c2, e2
	o := f.overview(now)
	if o.Pending != 4 || o.Due != 4 {
		t.Fatalf("after publishing 4 deliveries: got pending %d, due %d; want 4, 4", o.Pending, o.Due)
	}
	if o.Workspaces != 2 || o.Webhooks != 6 {
		t.Fatalf("totals: got %d workspaces, %d webhooks; want 2, 6", o.Workspaces, o.Webhooks)
	}
	if got := f.overview(at(-time.Minute)); got.Pending != 4 || got.Due != 0 {
		t.Fatalf("before they are due: got pending %d, due %d; want 4, 0", got.Pending, got.Due)
	}

	if claims := f.claim(early, 10, 10); len(claims) != 4 {
		t.Fatalf("first claim: got %d claims; want 4", len(claims))
	}
	// One batch across two minutes, with a record of a delivery that does
	// not exist (not counted).
	f.record(
		succeeded(deliveryFor(t, e1, a.ID).ID, early),
		failed(deliveryFor(t, e1, b.ID).ID, early, ptr(at(70*time.Minute)), 500), // pending, not due
		failed(deliveryFor(t, e2, c.ID).ID, early, ptr(at(9*time.Minute)), 503),  // pending, due
		failed(deliveryFor(t, e2, e.ID).ID, now, nil, 500),                       // failed
		failed("dlv_01NEVEREXISTED0000000000", now, nil, 500),
	)

	// Two more events for ws1, claimed; one delivery of a is recorded while
	// the one before it is still in flight.
	f.publish(ws1.ID, "ticket.created", nil, at(9*time.Minute))        // a3, b3
	e3b := f.publish(ws1.ID, "ticket.created", nil, at(9*time.Minute)) // a3b, b3b
	if claims := f.claim(now, 10, 10); len(claims) != 5 {
		t.Fatalf("second claim: got %v; want c2, a3, b3, a3b, b3b", ClaimIDs(claims))
	}
	f.record(succeeded(deliveryFor(t, e3b, a.ID).ID, now))
	// Published for later: pending, not due.
	f.publish(ws1.ID, "ticket.created", nil, at(20*time.Minute)) // a4, b4

	// Test attempts count; attempts outside the window do not show.
	for _, started := range []time.Time{now, now.Add(-59 * time.Minute), now.Add(-60 * time.Minute), now.Add(time.Minute)} {
		ev := &hookd.Event{WorkspaceID: ws1.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
		claim, err := f.s.PublishTest(f.ctx, ev, a.ID, now, now.Add(time.Hour))
		if err != nil {
			t.Fatalf("PublishTest: %v", err)
		}
		rec := succeeded(claim.Delivery.ID, started)
		rec.Attempt.Trigger = hookd.TriggerTest
		f.record(rec)
	}

	o = f.overview(now)
	minute := func(tm time.Time) time.Time { return tm.Truncate(time.Minute) }
	wantEqual(t, "minutes", o.Minutes, minutesAt(now, map[time.Time][2]int{
		minute(early):                      {1, 2},
		minute(now):                        {2, 1},
		minute(now.Add(-59 * time.Minute)): {1, 0},
	}))
	if got := o.Minutes[len(o.Minutes)-1].Start; !got.Equal(time.Date(2026, 3, 4, 5, 16, 0, 0, time.UTC)) {
		t.Fatalf("last minute starts at %v; want 05:16:00 UTC", got)
	}
	// Pending: b1 (later), c2 (due, leased), a3, b3, b3b (queued in
	// SQLite, due, leased), a4, b4 (later).
	if o.Pending != 7 || o.Due != 4 {
		t.Fatalf("pending %d, due %d; want 7, 4", o.Pending, o.Due)
	}
	if o.Workspaces != 2 || o.Webhooks != 6 {
		t.Fatalf("totals: got %d workspaces, %d webhooks; want 2, 6", o.Workspaces, o.Webhooks)
	}
	// Failing (active with a streak), most recently updated first, then
	// disabled.
	wantEqual(t, "troubled", troubledOf(o.Troubled), []string{
		troubled(e, &now), troubled(c, &early), troubled(b, &early), troubled(g, &streak), troubled(d, nil),
	})
	got := o.Troubled[0].Webhook
	want := f.getWebhook(ws2.ID, e.ID)
	wantEqual(t, "troubled webhook", &got, want)

	// Failing webhooks stay first; at most OverviewTroubled are listed.
	var disabled []*hookd.Webhook
	for i := range hookd.OverviewTroubled {
		disabled = append(disabled, f.webhook(ws2.ID, fmt.Sprint("off", i), func(w *hookd.Webhook) {
			w.UpdatedAt, w.Status, w.DisabledReason = at(time.Minute+time.Duration(i)*time.Second), hookd.WebhookDisabled, "off"
		}))
	}
	o = f.overview(now)
	wantList := []string{troubled(e, &now), troubled(c, &early), troubled(b, &early)}
	for i := len(disabled) - 1; len(wantList) < hookd.OverviewTroubled; i-- {
		wantList = append(wantList, troubled(disabled[i], nil))
	}
	wantEqual(t, "troubled, capped", troubledOf(o.Troubled), wantList)
	if o.Webhooks != 6+hookd.OverviewTroubled {
		t.Fatalf("webhooks: got %d; want %d", o.Webhooks, 6+hookd.OverviewTroubled)
	}

	// Purge drops the counts of minutes before IdempotencyBefore.
	if _, err := f.s.Purge(f.ctx, hookd.PurgeRequest{Before: at(-24 * time.Hour), IdempotencyBefore: now.Add(-2 * time.Minute)}); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	wantEqual(t, "minutes after purge", f.overview(now).Minutes, minutesAt(now, map[time.Time][2]int{minute(now): {2, 1}}))
}
