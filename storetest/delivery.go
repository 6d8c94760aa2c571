package storetest

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testRetryDelivery(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	waiting := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	gaveUp := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	done := f.publish(ws.ID, "ticket.created", nil, t0).Deliveries[0]
	f.claim(t0, 10, 10)
	f.record(
		failed(waiting.ID, t0, ptr(at(time.Hour)), 500),
		failed(gaveUp.ID, t0, nil, 500),
		succeeded(done.ID, t0),
	)
	now := at(time.Minute)
	for _, id := range []string{waiting.ID, gaveUp.ID, done.ID} {
		if err := f.s.RetryDelivery(f.ctx, ws.ID, w.ID, id, now); err != nil {
			t.Fatalf("RetryDelivery %s: %v", id, err)
		}
	}
	tests := []struct {
		name     string
		id       string
		wantOnce bool
	}{
		{"pending, waiting for a retry", waiting.ID, false},
		{"failed", gaveUp.ID, true},
		{"succeeded", done.ID, true},
	}
	for _, tt := range tests {
		got := f.delivery(ws.ID, w.ID, tt.id)
		if got.Status != hookd.DeliveryPending || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(now) ||
			!got.Manual || got.Once != tt.wantOnce || got.Attempts != 1 || got.ScheduledAttempts != 1 {
			t.Errorf("%s: got %+v; want pending, due %v, Manual, Once %v, attempts kept", tt.name, got, now, tt.wantOnce)
		}
	}
	claims := f.claim(now, 10, 10)
	if len(claims) != 3 {
		t.Fatalf("claim of retried deliveries: got %d; want 3", len(claims))
	}
	for _, c := range claims {
		if !c.Delivery.Manual {
			t.Errorf("claim %s: got Manual false; want true", c.Delivery.ID)
		}
	}

	// A second retry of a finished delivery still pending keeps its Once.
	if err := f.s.RetryDelivery(f.ctx, ws.ID, w.ID, gaveUp.ID, at(2*time.Minute)); err != nil {
		t.Fatalf("RetryDelivery again: %v", err)
	}
	if got := f.delivery(ws.ID, w.ID, gaveUp.ID); !got.Once || !got.Manual {
		t.Errorf("second retry: got Once %v Manual %v; want both true", got.Once, got.Manual)
	}

	wantCode(t, "RetryDelivery through another workspace", f.s.RetryDelivery(f.ctx, other.ID, w.ID, done.ID, now), hookd.ENOTFOUND)
	wantCode(t, "RetryDelivery through another webhook", f.s.RetryDelivery(f.ctx, ws.ID, "whk_other", done.ID, now), hookd.ENOTFOUND)
	wantCode(t, "RetryDelivery of a missing id", f.s.RetryDelivery(f.ctx, ws.ID, w.ID, "dlv_missing", now), hookd.ENOTFOUND)
}

func testRecoverDeliveries(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	w := f.webhook(ws.ID, "a", func(w *hookd.Webhook) { w.Events = []string{"ticket.*"} })
	bystander := f.webhook(ws.ID, "b", func(w *hookd.Webhook) { w.Events = []string{"user.*"} })
	var ds []hookd.Delivery
	for _, h := range []time.Duration{0, time.Hour, 2 * time.Hour, 2 * time.Hour} {
		ds = append(ds, f.publish(ws.ID, "ticket.created", nil, at(h)).Deliveries[0])
	}
	bd := f.publish(ws.ID, "user.created", nil, at(time.Hour))
	f.claim(at(3*time.Hour), 10, 10)
	var recs []hookd.AttemptRecord
	for _, d := range ds[:3] {
		rec := failed(d.ID, at(3*time.Hour), nil, 500)
		rec.ScheduledAttempts = 3
		recs = append(recs, rec)
	}
	recs = append(recs, succeeded(ds[3].ID, at(3*time.Hour)))
	for _, d := range bd.Deliveries {
		recs = append(recs, failed(d.ID, at(3*time.Hour), nil, 500))
	}
	f.record(recs...)

	now := at(4 * time.Hour)
	n, err := f.s.RecoverDeliveries(f.ctx, ws.ID, w.ID, at(30*time.Minute), at(2*time.Hour+time.Minute), now)
	if err != nil {
		t.Fatalf("RecoverDeliveries: %v", err)
	}
	if n != 2 {
		t.Fatalf("RecoverDeliveries: got %d; want 2", n)
	}
	tests := []struct {
		name       string
		d          hookd.Delivery
		wantStatus string
	}{
		{"failed before since", ds[0], hookd.DeliveryFailed},
		{"failed in range", ds[1], hookd.DeliveryPending},
		{"failed in range, later", ds[2], hookd.DeliveryPending},
		{"succeeded in range", ds[3], hookd.DeliverySucceeded},
	}
	for _, tt := range tests {
		got := f.delivery(ws.ID, w.ID, tt.d.ID)
		if got.Status != tt.wantStatus {
			t.Errorf("%s: got status %s; want %s", tt.name, got.Status, tt.wantStatus)
		}
		if tt.wantStatus == hookd.DeliveryPending && (got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(now) ||
			got.ScheduledAttempts != 0 || got.Manual || got.Once || got.Attempts != 1) {
			t.Errorf("%s: got %+v; want due %v with its whole schedule, attempts kept", tt.name, got, now)
		}
	}
	if got := f.delivery(ws.ID, bystander.ID, bd.Deliveries[0].ID); got.Status != hookd.DeliveryFailed {
		t.Errorf("another webhook's delivery: got %s; want failed", got.Status)
	}
	n, err = f.s.RecoverDeliveries(f.ctx, ws.ID, w.ID, t0, now, now)
	if err != nil || n != 1 {
		t.Fatalf("RecoverDeliveries again: got %d, %v; want 1 (the one before since), nil", n, err)
	}
	_, err = f.s.RecoverDeliveries(f.ctx, other.ID, w.ID, t0, now, now)
	wantCode(t, "RecoverDeliveries through another workspace", err, hookd.ENOTFOUND)
}

func testListDeliveries(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	w2 := f.webhook(ws.ID, "b", func(w *hookd.Webhook) { w.Events = []string{"user.*"} })
	var ds []hookd.Delivery
	for i, typ := range []string{"ticket.created", "user.created", "ticket.created", "user.created", "ticket.created"} {
		e := f.publish(ws.ID, typ, nil, at(time.Duration(i)*time.Minute))
		ds = append(ds, deliveryFor(t, e, w.ID))
	}
	f.claim(at(10*time.Minute), 10, 10)
	f.record(succeeded(ds[0].ID, at(10*time.Minute)), succeeded(ds[1].ID, at(10*time.Minute)))
	var rest []string
	for _, d := range ds[2:] {
		rest = append(rest, d.ID)
	}
	if err := f.s.ReleaseClaims(f.ctx, rest); err != nil {
		t.Fatalf("ReleaseClaims: %v", err)
	}

	ids := func(is ...int) []string {
		var out []string
		for _, i := range is {
			out = append(out, ds[i].ID)
		}
		return out
	}
	tests := []struct {
		name   string
		filter hookd.DeliveryFilter
		want   []string
	}{
		{"all, newest first", hookd.DeliveryFilter{}, ids(4, 3, 2, 1, 0)},
		{"succeeded", hookd.DeliveryFilter{Status: hookd.DeliverySucceeded}, ids(1, 0)},
		{"pending", hookd.DeliveryFilter{Status: hookd.DeliveryPending}, ids(4, 3, 2)},
		{"failed", hookd.DeliveryFilter{Status: hookd.DeliveryFailed}, nil},
		{"by event type", hookd.DeliveryFilter{EventType: "user.created"}, ids(3, 1)},
		{"since", hookd.DeliveryFilter{Since: ptr(at(3 * time.Minute))}, ids(4, 3)},
		{"until", hookd.DeliveryFilter{Until: ptr(at(time.Minute))}, ids(0)},
		{"type and status", hookd.DeliveryFilter{EventType: "ticket.created", Status: hookd.DeliveryPending}, ids(4, 2)},
		{"first page", hookd.DeliveryFilter{Page: hookd.Page{Limit: 2}}, ids(4, 3)},
		{"next page", hookd.DeliveryFilter{Page: hookd.Page{Limit: 2, Cursor: ds[3].ID}}, ids(2, 1)},
		{"last page", hookd.DeliveryFilter{Page: hookd.Page{Limit: 2, Cursor: ds[1].ID}}, ids(0)},
	}
	for _, tt := range tests {
		tt.filter.WorkspaceID, tt.filter.WebhookID = ws.ID, w.ID
		page, next, err := f.s.ListDeliveries(f.ctx, tt.filter)
		if err != nil {
			t.Fatalf("%s: ListDeliveries: %v", tt.name, err)
		}
		var got []string
		for _, d := range page {
			got = append(got, d.ID)
			if len(d.AttemptLog) != 0 {
				t.Errorf("%s: delivery %s: got an attempt log in a list; want none", tt.name, d.ID)
			}
		}
		wantEqual(t, tt.name, got, tt.want)
		if tt.filter.Limit == 2 && tt.name != "last page" && next != got[len(got)-1] {
			t.Errorf("%s: got next %q; want %q", tt.name, next, got[len(got)-1])
		}
		if tt.name == "last page" && next != "" {
			t.Errorf("last page: got next %q; want \"\"", next)
		}
	}

	d := f.delivery(ws.ID, w.ID, ds[0].ID)
	if len(d.AttemptLog) != 1 || d.AttemptLog[0].Number != 1 {
		t.Fatalf("single view: got attempt log %+v; want one attempt numbered 1", d.AttemptLog)
	}
	_, err := f.s.Delivery(f.ctx, ws.ID, w2.ID, ds[0].ID)
	wantCode(t, "Delivery through another webhook", err, hookd.ENOTFOUND)
	_, err = f.s.Delivery(f.ctx, other.ID, w.ID, ds[0].ID)
	wantCode(t, "Delivery through another workspace", err, hookd.ENOTFOUND)
	_, _, err = f.s.ListDeliveries(f.ctx, hookd.DeliveryFilter{WorkspaceID: other.ID, WebhookID: w.ID})
	wantCode(t, "ListDeliveries through another workspace", err, hookd.ENOTFOUND)
}
