package storetest

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testPurge(t *testing.T, f *fixture) {
	ws := f.workspace()
	a := f.webhook(ws.ID, "a", func(w *hookd.Webhook) { w.Events = []string{"ticket.*"} })
	b := f.webhook(ws.ID, "b", func(w *hookd.Webhook) { w.Events = []string{"ticket.*"} })
	finished := f.publish(ws.ID, "ticket.created", nil, t0)            // a succeeded, b failed
	halfDone := f.publish(ws.ID, "ticket.created", nil, t0)            // a succeeded, b pending
	unmatched := f.publish(ws.ID, "user.created", nil, t0)             // no deliveries
	recent := f.publish(ws.ID, "ticket.created", nil, at(2*time.Hour)) // after the cut
	f.claim(at(3*time.Hour), 10, 10)
	f.record(
		succeeded(deliveryFor(t, finished, a.ID).ID, at(3*time.Hour)),
		failed(deliveryFor(t, finished, b.ID).ID, at(3*time.Hour), nil, 500),
		succeeded(deliveryFor(t, halfDone, a.ID).ID, at(3*time.Hour)),
		failed(deliveryFor(t, halfDone, b.ID).ID, at(3*time.Hour), ptr(at(4*time.Hour)), 500),
		succeeded(deliveryFor(t, recent, a.ID).ID, at(3*time.Hour)),
		succeeded(deliveryFor(t, recent, b.ID).ID, at(3*time.Hour)),
	)
	for _, k := range []struct {
		key string
		at  time.Time
	}{{"old", t0}, {"new", at(2 * time.Hour)}} {
		if _, err := f.s.ReserveIdempotencyKey(f.ctx, ws.ID, k.key, "fp", k.at); err != nil {
			t.Fatalf("ReserveIdempotencyKey: %v", err)
		}
	}

	n, err := f.s.Purge(f.ctx, hookd.PurgeRequest{Before: at(time.Hour), IdempotencyBefore: at(time.Hour)})
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	if n != 3 {
		t.Fatalf("Purge: got %d deliveries deleted; want 3", n)
	}
	tests := []struct {
		name           string
		event          *hookd.Event
		wantDeliveries []string // nil: the event is gone
	}{
		{"finished event", finished, nil},
		{"event with a pending delivery", halfDone, []string{deliveryFor(t, halfDone, b.ID).ID}},
		{"event without deliveries", unmatched, nil},
		{"recent event", recent, deliveryIDs(recent.Deliveries)},
	}
	for _, tt := range tests {
		got, err := f.s.Event(f.ctx, ws.ID, tt.event.ID)
		if tt.wantDeliveries == nil {
			wantCode(t, tt.name, err, hookd.ENOTFOUND)
			continue
		}
		if err != nil {
			t.Fatalf("%s: Event: %v", tt.name, err)
		}
		wantEqual(t, tt.name+" deliveries", deliveryIDs(got.Deliveries), tt.wantDeliveries)
	}
	_, err = f.s.Delivery(f.ctx, ws.ID, a.ID, deliveryFor(t, finished, a.ID).ID)
	wantCode(t, "purged delivery", err, hookd.ENOTFOUND)

	// A purged key is new again; a kept one still answers.
	if resp, err := f.s.ReserveIdempotencyKey(f.ctx, ws.ID, "old", "other", at(3*time.Hour)); err != nil || resp != nil {
		t.Errorf("purged key: got %v, %v; want nil, nil", resp, err)
	}
	_, err = f.s.ReserveIdempotencyKey(f.ctx, ws.ID, "new", "other", at(3*time.Hour))
	wantCode(t, "kept key", err, hookd.ECONFLICT)

	// The pending delivery left is still delivered.
	claims := f.claim(at(4*time.Hour), 10, 10)
	wantEqual(t, "claims after purge", ClaimIDs(claims), []string{deliveryFor(t, halfDone, b.ID).ID})
}

func testIdempotencyKeys(t *testing.T, f *fixture) {
	const scope = "ws_1 POST /v1/workspaces/ws_1/webhooks"
	type step struct {
		name     string
		do       func() (*hookd.IdempotentResponse, error)
		want     *hookd.IdempotentResponse
		wantCode string
	}
	reserve := func(scope, key, fp string, now time.Time) func() (*hookd.IdempotentResponse, error) {
		return func() (*hookd.IdempotentResponse, error) {
			return f.s.ReserveIdempotencyKey(f.ctx, scope, key, fp, now)
		}
	}
	save := func(key string, resp hookd.IdempotentResponse) func() (*hookd.IdempotentResponse, error) {
		return func() (*hookd.IdempotentResponse, error) {
			return nil, f.s.SaveIdempotentResponse(f.ctx, scope, key, resp)
		}
	}
	release := func(key string) func() (*hookd.IdempotentResponse, error) {
		return func() (*hookd.IdempotentResponse, error) {
			return nil, f.s.ReleaseIdempotencyKey(f.ctx, scope, key)
		}
	}
	answer := &hookd.IdempotentResponse{Status: 201, Body: []byte(`{"id":"whk_1"}`)}
	steps := []step{
		{"a new key", reserve(scope, "k", "fp1", t0), nil, ""},
		{"the same request while it runs", reserve(scope, "k", "fp1", t0), nil, hookd.ECONFLICT},
		{"another request while it runs", reserve(scope, "k", "fp2", t0), nil, hookd.ECONFLICT},
		{"the key in another scope", reserve("other scope", "k", "fp2", t0), nil, ""},
		{"save the answer", save("k", *answer), nil, ""},
		{"the same request again", reserve(scope, "k", "fp1", at(time.Hour)), answer, ""},
		{"another request with the key", reserve(scope, "k", "fp2", at(time.Hour)), nil, hookd.ECONFLICT},
		{"the same request after 24h", reserve(scope, "k", "fp1", at(25*time.Hour)), nil, ""},
		{"release it", release("k"), nil, ""},
		{"a released key is new", reserve(scope, "k", "fp3", at(25*time.Hour)), nil, ""},
		{"release an unknown key", release("unknown"), nil, ""},
		{"an empty answer", save("k", hookd.IdempotentResponse{Status: 204}), nil, ""},
		{"the empty answer again", reserve(scope, "k", "fp3", at(26*time.Hour)),
			&hookd.IdempotentResponse{Status: 204, Body: []byte{}}, ""},
	}
	for _, st := range steps {
		got, err := st.do()
		wantCode(t, st.name, err, st.wantCode)
		if st.wantCode != "" {
			continue
		}
		if (got == nil) != (st.want == nil) || got != nil && (got.Status != st.want.Status || string(got.Body) != string(st.want.Body)) {
			t.Fatalf("%s: got %+v; want %+v", st.name, deref(got), deref(st.want))
		}
	}
}
