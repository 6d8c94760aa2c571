package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testClaimDue(t *testing.T, f *fixture) {
	ws := f.workspace()
	a := f.webhook(ws.ID, "a", nil)
	b := f.webhook(ws.ID, "b", nil)
	published := map[string]hookd.Delivery{}
	payloads := map[string]string{}
	for range 3 {
		e := f.publish(ws.ID, "ticket.created", nil, t0)
		for _, d := range e.Deliveries {
			published[d.ID] = d
			payloads[d.ID] = string(e.Payload)
		}
	}
	if claims := f.claim(at(-time.Second), 10, 10); len(claims) != 0 {
		t.Fatalf("claim before due: got %d; want 0", len(claims))
	}
	claims := f.claim(t0, 10, 10)
	if len(claims) != 6 {
		t.Fatalf("claim: got %d; want 6", len(claims))
	}
	shared := map[string]*hookd.Webhook{}
	for _, c := range claims {
		want, ok := published[c.Delivery.ID]
		if !ok {
			t.Fatalf("claimed unknown delivery %s", c.Delivery.ID)
		}
		wantEqual(t, "claimed delivery", c.Delivery, want)
		if string(c.Payload) != payloads[c.Delivery.ID] {
			t.Errorf("claim payload: got %q; want %q", c.Payload, payloads[c.Delivery.ID])
		}
		if c.Webhook == nil || c.Webhook.ID != c.Delivery.WebhookID {
			t.Fatalf("claim webhook: got %v; want %s", c.Webhook, c.Delivery.WebhookID)
		}
		if p, ok := shared[c.Webhook.ID]; ok && p != c.Webhook {
			t.Errorf("claims of webhook %s: got distinct *Webhook values; want one shared", c.Webhook.ID)
		}
		shared[c.Webhook.ID] = c.Webhook
	}
	wantEqual(t, "claim webhook a", shared[a.ID], f.getWebhook(ws.ID, a.ID))
	wantEqual(t, "claim webhook b", shared[b.ID], f.getWebhook(ws.ID, b.ID))

	// Leased until t0+1h: not claimed again before then.
	for _, now := range []time.Time{t0, at(time.Minute), at(59 * time.Minute)} {
		if again := f.claim(now, 10, 10); len(again) != 0 {
			t.Fatalf("claim at %v during the lease: got %v; want none", now, ClaimIDs(again))
		}
	}
	again := f.claim(at(time.Hour+time.Second), 10, 10)
	wantEqual(t, "claim after the lease ran out", ClaimIDs(again), ClaimIDs(claims))

	_, err := f.s.ClaimDue(f.ctx, hookd.ClaimRequest{Now: at(3 * time.Hour), LeaseUntil: at(4 * time.Hour), Limit: 0, PerWebhook: 5})
	if err != nil {
		t.Fatalf("ClaimDue with Limit 0: %v", err)
	}
}

// countByWebhook counts claims per webhook id.
func countByWebhook(cs []hookd.Claim) map[string]int {
	n := map[string]int{}
	for _, c := range cs {
		n[c.Delivery.WebhookID]++
	}
	return n
}

func testClaimLimits(t *testing.T, f *fixture) {
	ws := f.workspace()
	a := f.webhook(ws.ID, "a", nil)
	b := f.webhook(ws.ID, "b", nil)
	for range 5 {
		f.publish(ws.ID, "ticket.created", nil, t0)
	}
	steps := []struct {
		name       string
		limit, per int
		exclude    []string
		wantA      int
		wantB      int
	}{
		{"limit 4 over two webhooks", 4, 4, nil, 2, 2},
		{"two per webhook", 10, 2, nil, 2, 2},
		{"excluding a", 10, 10, []string{a.ID}, 0, 1},
		{"the rest", 10, 10, nil, 1, 0},
		{"nothing left", 10, 10, nil, 0, 0},
	}
	seen := map[string]bool{}
	for _, st := range steps {
		claims := f.claim(t0, st.limit, st.per, st.exclude...)
		n := countByWebhook(claims)
		if n[a.ID] != st.wantA || n[b.ID] != st.wantB {
			t.Fatalf("%s: got %d of a, %d of b; want %d, %d", st.name, n[a.ID], n[b.ID], st.wantA, st.wantB)
		}
		for _, c := range claims {
			if seen[c.Delivery.ID] {
				t.Fatalf("%s: delivery %s claimed twice under one lease", st.name, c.Delivery.ID)
			}
			seen[c.Delivery.ID] = true
		}
	}
}

// testClaimExcludesWorkspaces checks that a claim leaves out the
// deliveries of the workspaces it excludes, and only those.
func testClaimExcludesWorkspaces(t *testing.T, f *fixture) {
	wsA, wsB := f.workspace(), f.workspace()
	a := f.webhook(wsA.ID, "a", nil)
	b := f.webhook(wsB.ID, "b", nil)
	for range 3 {
		f.publish(wsA.ID, "ticket.created", nil, t0)
		f.publish(wsB.ID, "ticket.created", nil, t0)
	}
	claim := func(excludeWS ...string) map[string]int {
		claims, err := f.s.ClaimDue(f.ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: at(time.Hour), Limit: 10, PerWebhook: 10,
			ExcludeWorkspaces: excludeWS})
		if err != nil {
			t.Fatalf("ClaimDue: %v", err)
		}
		return countByWebhook(claims)
	}
	if n := claim(wsA.ID); n[a.ID] != 0 || n[b.ID] != 3 {
		t.Fatalf("excluding workspace A: got %d of A, %d of B; want 0, 3", n[a.ID], n[b.ID])
	}
	if n := claim(wsB.ID); n[a.ID] != 3 || n[b.ID] != 0 {
		t.Fatalf("excluding workspace B: got %d of A, %d of B; want 3, 0 (B's are leased)", n[a.ID], n[b.ID])
	}
}

// testClaimRateWindow checks that a rate-limited webhook gets no more than
// its rate allows in the claim's RateWindow (at least one), while a webhook
// without a limit beside it gets its full share.
func testClaimRateWindow(t *testing.T, f *fixture) {
	ws := f.workspace()
	slow, fast := 2.0, 0.1
	limited := f.webhook(ws.ID, "two a second", func(w *hookd.Webhook) { w.RateLimit = &slow })
	slower := f.webhook(ws.ID, "one in ten seconds", func(w *hookd.Webhook) { w.RateLimit = &fast })
	free := f.webhook(ws.ID, "no limit", nil)
	for range 6 {
		f.publish(ws.ID, "ticket.created", nil, t0)
	}
	claims, err := f.s.ClaimDue(f.ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: at(time.Hour), Limit: 30, PerWebhook: 10,
		RateWindow: time.Second})
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	n := countByWebhook(claims)
	if n[limited.ID] != 2 || n[slower.ID] != 1 || n[free.ID] != 6 {
		t.Fatalf("claimed %d at 2/s, %d at 0.1/s, %d without a limit; want 2, 1 and 6", n[limited.ID], n[slower.ID], n[free.ID])
	}
}

func testClaimSkipsDisabled(t *testing.T, f *fixture) {
	ws := f.workspace()
	a := f.webhook(ws.ID, "a", nil)
	b := f.webhook(ws.ID, "b", nil)
	e := f.publish(ws.ID, "ticket.created", nil, t0)
	da, db := deliveryFor(t, e, a.ID), deliveryFor(t, e, b.ID)
	f.claim(t0, 10, 10)
	f.record(failed(da.ID, t0, nil, 500), failed(db.ID, t0, nil, 500))

	w := *f.getWebhook(ws.ID, a.ID)
	w.Status = hookd.WebhookDisabled
	if err := f.s.UpdateWebhook(f.ctx, &w, at(time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	for _, d := range []hookd.Delivery{da, db} {
		if err := f.s.RetryDelivery(f.ctx, ws.ID, d.WebhookID, d.ID, at(2*time.Minute)); err != nil {
			t.Fatalf("RetryDelivery: %v", err)
		}
	}
	claims := f.claim(at(2*time.Minute), 10, 10)
	wantEqual(t, "claims with a disabled", ClaimIDs(claims), []string{db.ID})

	w = *f.getWebhook(ws.ID, a.ID)
	w.Status = hookd.WebhookActive
	if err := f.s.UpdateWebhook(f.ctx, &w, at(3*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	claims = f.claim(at(3*time.Minute), 10, 10)
	wantEqual(t, "claims after enabling", ClaimIDs(claims), []string{da.ID})
}

// testClaimFairness checks that a webhook with a large backlog does not
// crowd out the others: when the limit leaves room, every webhook with due
// deliveries gets some.
func testClaimFairness(t *testing.T, f *fixture) {
	ws := f.workspace()
	busy := f.webhook(ws.ID, "busy", nil)
	for range 30 {
		f.publish(ws.ID, "ticket.created", nil, at(-time.Hour))
	}
	quiet := f.webhook(ws.ID, "quiet", nil)
	f.publish(ws.ID, "ticket.created", nil, t0) // busy and quiet
	some := f.webhook(ws.ID, "some", nil)
	for range 2 {
		f.publish(ws.ID, "ticket.created", nil, t0) // all three
	}
	// Due: busy 33, quiet 3, some 2.
	tests := []struct {
		limit, per int
		wantTotal  int
	}{
		{10, 10, 10},
		{6, 6, 6},
		{3, 3, 3},
	}
	for _, tt := range tests {
		claims := f.claim(at(time.Minute), tt.limit, tt.per)
		n := countByWebhook(claims)
		shared := map[string]*hookd.Webhook{}
		for _, c := range claims {
			if p, ok := shared[c.Delivery.WebhookID]; ok && p != c.Webhook {
				t.Errorf("limit %d: claims of webhook %s got distinct *Webhook values; want one shared", tt.limit, c.Delivery.WebhookID)
			}
			shared[c.Delivery.WebhookID] = c.Webhook
		}
		if len(claims) != tt.wantTotal {
			t.Errorf("limit %d: got %d claims; want %d", tt.limit, len(claims), tt.wantTotal)
		}
		for _, w := range []*hookd.Webhook{busy, quiet, some} {
			if n[w.ID] == 0 {
				t.Errorf("limit %d: got no claim for %s (claims per webhook %v); want every due webhook served", tt.limit, w.Name, n)
			}
			if n[w.ID] > tt.per {
				t.Errorf("limit %d: got %d claims for %s; want at most %d", tt.limit, n[w.ID], w.Name, tt.per)
			}
		}
		// Hand them back, so that each case starts from the same state.
		var ids []string
		for _, c := range claims {
			ids = append(ids, c.Delivery.ID)
		}
		if err := f.s.ReleaseClaims(f.ctx, ids); err != nil {
			t.Fatalf("ReleaseClaims: %v", err)
		}
	}
}

// testClaimRoundRobin checks that no webhook is always served first: with
// room for one delivery per call, consecutive calls serve every webhook.
func testClaimRoundRobin(t *testing.T, f *fixture) {
	ws := f.workspace()
	names := webhookNames{}
	for _, name := range []string{"a", "b", "c"} {
		names[f.webhook(ws.ID, name, nil).ID] = name
	}
	for range 4 {
		f.publish(ws.ID, "ticket.created", nil, t0)
	}
	for round := range 3 {
		served := map[string]int{}
		for range 3 {
			claims := f.claim(t0, 1, 1)
			if len(claims) != 1 {
				t.Fatalf("round %d: got %d claims; want 1", round, len(claims))
			}
			served[names[claims[0].Delivery.WebhookID]]++
		}
		if len(served) != 3 {
			t.Fatalf("round %d: got webhooks served %v in three calls; want each of a, b, c once", round, served)
		}
	}
}

func testRecordAttempts(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	e := f.publish(ws.ID, "ticket.created", nil, t0)
	d := e.Deliveries[0]
	var log []hookd.Attempt
	logged := func(rec hookd.AttemptRecord) {
		a := rec.Attempt
		a.Number = len(log) + 1
		log = append(log, a)
	}
	f.claim(t0, 1, 1)

	// A failed attempt, due again in 5s.
	rec := failed(d.ID, t0, ptr(at(5*time.Second)), 500)
	f.record(rec)
	logged(rec)
	got := f.delivery(ws.ID, w.ID, d.ID)
	want := d
	want.Attempts, want.ScheduledAttempts = 1, 1
	want.NextAttemptAt, want.LastStatusCode = ptr(at(5*time.Second)), ptr(500)
	want.UpdatedAt = rec.Now
	want.AttemptLog = log
	wantEqual(t, "after a failed attempt", got, &want)

	// The lease is released: the delivery is claimed when due, not after
	// the hour-long lease.
	if claims := f.claim(at(4*time.Second), 1, 1); len(claims) != 0 {
		t.Fatalf("claim before the retry is due: got %d; want 0", len(claims))
	}
	claims := f.claim(at(5*time.Second), 1, 1)
	if len(claims) != 1 || claims[0].Delivery.Attempts != 1 || claims[0].Delivery.ScheduledAttempts != 1 {
		t.Fatalf("claim of the retry: got %+v; want the delivery with 1 attempt", claims)
	}

	// No answer at all: no response, no status code.
	rec = failed(d.ID, at(5*time.Second), ptr(at(5*time.Minute)), 0)
	rec.Attempt.Response = nil
	rec.Attempt.Error = "dial tcp 203.0.113.9:443: connect: connection refused"
	rec.LastStatusCode = nil
	rec.ScheduledAttempts = 2
	f.record(rec)
	logged(rec)
	got = f.delivery(ws.ID, w.ID, d.ID)
	if got.LastStatusCode != nil || got.Attempts != 2 || got.ScheduledAttempts != 2 {
		t.Fatalf("after an attempt without answer: got %+v; want 2 attempts, no status code", got)
	}
	wantEqual(t, "attempt log", got.AttemptLog, log)

	// A manual retry: the claim says so, the record clears it.
	if err := f.s.RetryDelivery(f.ctx, ws.ID, w.ID, d.ID, at(time.Minute)); err != nil {
		t.Fatalf("RetryDelivery: %v", err)
	}
	claims = f.claim(at(time.Minute), 1, 1)
	if len(claims) != 1 || !claims[0].Delivery.Manual || claims[0].Delivery.Once {
		t.Fatalf("claim of a manual retry: got %+v; want Manual and not Once", claims)
	}
	rec = failed(d.ID, at(time.Minute), ptr(at(5*time.Minute)), 502)
	rec.Attempt.Trigger = hookd.TriggerManual
	rec.ScheduledAttempts = 2
	f.record(rec)
	logged(rec)
	got = f.delivery(ws.ID, w.ID, d.ID)
	if got.Manual || got.Once || got.Attempts != 3 || got.Status != hookd.DeliveryPending {
		t.Fatalf("after the manual attempt: got %+v; want pending, 3 attempts, Manual and Once cleared", got)
	}

	// Success ends it.
	f.claim(at(5*time.Minute), 1, 1)
	rec = succeeded(d.ID, at(5*time.Minute))
	rec.ScheduledAttempts = 3
	f.record(rec)
	logged(rec)
	got = f.delivery(ws.ID, w.ID, d.ID)
	want = d
	want.Status = hookd.DeliverySucceeded
	want.Attempts, want.ScheduledAttempts = 4, 3
	want.NextAttemptAt, want.LastStatusCode = nil, ptr(200)
	want.UpdatedAt = rec.Now
	want.AttemptLog = log
	wantEqual(t, "after success", got, &want)
	if claims := f.claim(at(time.Hour), 10, 10); len(claims) != 0 {
		t.Fatalf("claim of a finished delivery: got %d; want 0", len(claims))
	}
	if err := f.s.RecordAttempts(f.ctx, nil); err != nil {
		t.Fatalf("RecordAttempts of nothing: got %v; want nil", err)
	}
}

func testRecordAttemptsBatch(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	d1 := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	d2 := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	f.claim(t0, 10, 10)
	f.record(
		failed(d1.ID, t0, ptr(t0), 500),
		succeeded(d2.ID, t0),
		succeeded(d1.ID, at(time.Second)),
	)
	tests := []struct {
		id          string
		wantStatus  string
		wantNumbers []int
	}{
		{d1.ID, hookd.DeliverySucceeded, []int{1, 2}},
		{d2.ID, hookd.DeliverySucceeded, []int{1}},
	}
	for _, tt := range tests {
		got := f.delivery(ws.ID, w.ID, tt.id)
		var numbers []int
		for _, a := range got.AttemptLog {
			numbers = append(numbers, a.Number)
		}
		if got.Status != tt.wantStatus || got.Attempts != len(tt.wantNumbers) || fmt.Sprint(numbers) != fmt.Sprint(tt.wantNumbers) {
			t.Errorf("delivery %s: got status %s, %d attempts numbered %v; want %s, %v", tt.id, got.Status, got.Attempts, numbers, tt.wantStatus, tt.wantNumbers)
		}
	}
	if fs := f.getWebhook(ws.ID, w.ID).FailingSince; fs != nil {
		t.Errorf("FailingSince after a batch ending in success: got %v; want nil", fs)
	}
}

func testFailingStreak(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	d := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	fail := func(m int) hookd.AttemptRecord {
		return failed(d.ID, at(time.Duration(m)*time.Minute), ptr(t0), 500)
	}
	ok := func(m int) hookd.AttemptRecord { return succeeded(d.ID, at(time.Duration(m)*time.Minute)) }
	steps := []struct {
		name  string
		batch []hookd.AttemptRecord
		want  *time.Time // FailingSince after the batch
	}{
		{"first failure starts the streak", []hookd.AttemptRecord{fail(1)}, ptr(at(time.Minute))},
		{"a second failure keeps its start", []hookd.AttemptRecord{fail(2)}, ptr(at(time.Minute))},
		{"success ends it", []hookd.AttemptRecord{ok(3)}, nil},
		{"in one batch, the failures after the last success count",
			[]hookd.AttemptRecord{fail(4), ok(5), fail(6), fail(7)}, ptr(at(6 * time.Minute))},
		{"success then failure in one batch restarts it", []hookd.AttemptRecord{ok(8), fail(9)}, ptr(at(9 * time.Minute))},
		{"failures keep the running streak", []hookd.AttemptRecord{fail(10), fail(11)}, ptr(at(9 * time.Minute))},
		{"a batch ending in success ends it", []hookd.AttemptRecord{fail(12), ok(13)}, nil},
	}
	for _, st := range steps {
		f.record(st.batch...)
		got := f.getWebhook(ws.ID, w.ID).FailingSince
		if (got == nil) != (st.want == nil) || got != nil && !got.Equal(*st.want) {
			t.Fatalf("%s: got FailingSince %v; want %v", st.name, deref(got), deref(st.want))
		}
	}
}

func testRecordDisables(t *testing.T, f *fixture) {
	ws := f.workspace()
	gone := f.webhook(ws.ID, "gone", nil)
	fine := f.webhook(ws.ID, "fine", nil)
	var events []*hookd.Event
	for range 3 {
		events = append(events, f.publish(ws.ID, "ticket.created", nil, t0))
	}
	f.claim(t0, 10, 10)
	d := deliveryFor(t, events[0], gone.ID)
	rec := failed(d.ID, t0, nil, 410)
	rec.DisableReason = "the endpoint answered 410 Gone"
	f.record(rec)

	w := f.getWebhook(ws.ID, gone.ID)
	if w.Status != hookd.WebhookDisabled || w.DisabledReason != rec.DisableReason {
		t.Fatalf("webhook: got status %s reason %q; want disabled, %q", w.Status, w.DisabledReason, rec.DisableReason)
	}
	got := f.delivery(ws.ID, gone.ID, d.ID)
	if got.Status != hookd.DeliveryFailed || got.Attempts != 1 || got.LastStatusCode == nil || *got.LastStatusCode != 410 {
		t.Fatalf("recorded delivery: got %+v; want failed after 1 attempt with 410", got)
	}
	for _, e := range events[1:] {
		got := f.delivery(ws.ID, gone.ID, deliveryFor(t, e, gone.ID).ID)
		if got.Status != hookd.DeliveryFailed || got.NextAttemptAt != nil || got.Attempts != 0 {
			t.Errorf("other delivery of the disabled webhook: got %+v; want failed, no next attempt", got)
		}
		other := f.delivery(ws.ID, fine.ID, deliveryFor(t, e, fine.ID).ID)
		if other.Status != hookd.DeliveryPending {
			t.Errorf("delivery of the healthy webhook: got %s; want pending", other.Status)
		}
	}
	e := f.publish(ws.ID, "ticket.created", nil, at(time.Minute))
	if len(e.Deliveries) != 1 || e.Deliveries[0].WebhookID != fine.ID {
		t.Fatalf("publish after the disable: got deliveries to %v; want only %s", deliveryWebhooks(e.Deliveries), fine.ID)
	}

	// The recorded delivery gets the state its record gives, even pending;
	// the webhook's other pending deliveries fail.
	later := f.webhook(ws.ID, "later", nil)
	e1 := f.publish(ws.ID, "ticket.created", nil, at(2*time.Minute))
	e2 := f.publish(ws.ID, "ticket.created", nil, at(2*time.Minute))
	f.claim(at(2*time.Minute), 10, 10, fine.ID)
	rec = failed(deliveryFor(t, e1, later.ID).ID, at(2*time.Minute), ptr(at(time.Hour)), 503)
	rec.DisableReason = "failing for 5 days"
	f.record(rec)
	got = f.delivery(ws.ID, later.ID, deliveryFor(t, e1, later.ID).ID)
	if got.Status != hookd.DeliveryPending || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(at(time.Hour)) {
		t.Errorf("recorded delivery: got %s due %v; want pending due %v", got.Status, got.NextAttemptAt, at(time.Hour))
	}
	got = f.delivery(ws.ID, later.ID, deliveryFor(t, e2, later.ID).ID)
	if got.Status != hookd.DeliveryFailed {
		t.Errorf("other delivery: got %s; want failed", got.Status)
	}
}

func testRecordDeleted(t *testing.T, f *fixture) {
	ws := f.workspace()
	gone := f.webhook(ws.ID, "gone", nil)
	stays := f.webhook(ws.ID, "stays", nil)
	e := f.publish(ws.ID, "ticket.created", nil, t0)
	f.claim(t0, 10, 10)
	if err := f.s.DeleteWebhook(f.ctx, ws.ID, gone.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	kept := deliveryFor(t, e, stays.ID)
	f.record(
		failed(deliveryFor(t, e, gone.ID).ID, t0, ptr(at(time.Second)), 500),
		failed("dlv_01NEVEREXISTED0000000000", t0, nil, 500),
		succeeded(kept.ID, t0),
	)
	got := f.delivery(ws.ID, stays.ID, kept.ID)
	if got.Status != hookd.DeliverySucceeded || got.Attempts != 1 {
		t.Fatalf("delivery recorded beside deleted ones: got %s with %d attempts; want succeeded with 1", got.Status, got.Attempts)
	}
}

func testReleaseClaims(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	for range 3 {
		f.publish(ws.ID, "ticket.created", nil, t0)
	}
	claims := f.claim(at(time.Minute), 10, 10)
	ids := ClaimIDs(claims)
	if err := f.s.ReleaseClaims(f.ctx, append(ids, "dlv_unknown")); err != nil {
		t.Fatalf("ReleaseClaims: %v", err)
	}
	again := f.claim(at(time.Minute), 10, 10)
	wantEqual(t, "claim after release", ClaimIDs(again), ids)
	for _, c := range again {
		if c.Delivery.NextAttemptAt == nil || !c.Delivery.NextAttemptAt.Equal(t0) || c.Delivery.Attempts != 0 {
			t.Errorf("released delivery: got next %v, %d attempts; want %v, 0", c.Delivery.NextAttemptAt, c.Delivery.Attempts, t0)
		}
	}
	if ds := f.deliveries(ws.ID, w.ID); len(ds) != 3 {
		t.Fatalf("deliveries: got %d; want 3", len(ds))
	}
	if err := f.s.ReleaseClaims(f.ctx, nil); err != nil {
		t.Fatalf("ReleaseClaims of nothing: got %v; want nil", err)
	}
}

// testConcurrent publishes and delivers from several goroutines at once:
// every delivery is claimed exactly once while its lease runs.
func testConcurrent(t *testing.T, f *fixture) {
	ws := f.workspace()
	var hooks []*hookd.Webhook
	for _, name := range []string{"a", "b", "c"} {
		hooks = append(hooks, f.webhook(ws.ID, name, nil))
	}
	const publishers, batches, perBatch = 4, 10, 5
	want := publishers * batches * perBatch * len(hooks)
	var (
		wg        sync.WaitGroup
		published atomic.Bool
		mu        sync.Mutex
		seen      = map[string]bool{}
		errs      = make(chan error, 100)
	)
	var pub sync.WaitGroup
	for p := range publishers {
		pub.Go(func() {
			for i := range batches {
				var batch []*hookd.Event
				for j := range perBatch {
					batch = append(batch, &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created",
						Payload: []byte(fmt.Sprintf(`{"p":%d,"i":%d,"j":%d}`, p, i, j))})
				}
				if err := f.s.Publish(f.ctx, batch, t0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() { pub.Wait(); published.Store(true) })
	for range 3 {
		wg.Go(func() {
			for {
				done := published.Load()
				claims, err := f.s.ClaimDue(f.ctx, hookd.ClaimRequest{Now: at(time.Second), LeaseUntil: at(time.Hour), Limit: 16, PerWebhook: 8})
				if err != nil {
					errs <- err
					return
				}
				var recs []hookd.AttemptRecord
				mu.Lock()
				for _, c := range claims {
					if seen[c.Delivery.ID] {
						mu.Unlock()
						errs <- fmt.Errorf("delivery %s claimed twice", c.Delivery.ID)
						return
					}
					seen[c.Delivery.ID] = true
					recs = append(recs, succeeded(c.Delivery.ID, at(time.Second)))
				}
				mu.Unlock()
				if len(recs) > 0 {
					if err := f.s.RecordAttempts(f.ctx, recs); err != nil {
						errs <- err
						return
					}
				}
				if len(claims) == 0 {
					if done {
						return
					}
					time.Sleep(time.Millisecond) // let the publishers in
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != want {
		t.Fatalf("claimed: got %d deliveries; want %d", len(seen), want)
	}
	for _, w := range hooks {
		for _, d := range f.deliveries(ws.ID, w.ID) {
			if d.Status != hookd.DeliverySucceeded || d.Attempts != 1 {
				t.Fatalf("delivery %s: got %s after %d attempts; want succeeded after 1", d.ID, d.Status, d.Attempts)
			}
		}
	}
}
