package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testPublishMatching(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	names := webhookNames{}
	add := func(workspaceID, name string, events, channels []string, status string) {
		w := f.webhook(workspaceID, name, func(w *hookd.Webhook) {
			w.Events, w.Channels, w.Status = events, channels, status
		})
		names[w.ID] = name
	}
	add(ws.ID, "all", []string{"*"}, nil, hookd.WebhookActive)
	add(ws.ID, "ticket-prefix", []string{"ticket.*"}, nil, hookd.WebhookActive)
	add(ws.ID, "ticket-exact", []string{"ticket.created"}, nil, hookd.WebhookActive)
	add(ws.ID, "user-exact", []string{"user.created"}, nil, hookd.WebhookActive)
	add(ws.ID, "several", []string{"user.*", "ticket.created"}, nil, hookd.WebhookActive)
	add(ws.ID, "chan-a", []string{"*"}, []string{"a"}, hookd.WebhookActive)
	add(ws.ID, "chan-ab", []string{"*"}, []string{"a", "b"}, hookd.WebhookActive)
	add(ws.ID, "chan-none", []string{"*"}, []string{}, hookd.WebhookActive)
	add(ws.ID, "disabled", []string{"*"}, nil, hookd.WebhookDisabled)
	add(other.ID, "other-workspace", []string{"*"}, nil, hookd.WebhookActive)

	tests := []struct {
		typ      string
		channels []string
		want     string // webhook names, sorted
	}{
		{"ticket.created", nil, "all,several,ticket-exact,ticket-prefix"},
		{"ticket.sla.breached", []string{"b"}, "all,chan-ab,ticket-prefix"},
		{"user.created", []string{"a"}, "all,chan-a,chan-ab,several,user-exact"},
		{"user.deleted", []string{"c"}, "all,several"},
		{"ticketing.created", nil, "all"},
		{"ticket", []string{"a", "b"}, "all,chan-a,chan-ab"},
	}
	for _, tt := range tests {
		e := f.publish(ws.ID, tt.typ, tt.channels, t0)
		if got := names.of(e.Deliveries); got != tt.want {
			t.Errorf("%s on %v: got deliveries to %q; want %q", tt.typ, tt.channels, got, tt.want)
		}
		stored, err := f.s.Event(f.ctx, ws.ID, e.ID)
		if err != nil {
			t.Fatalf("Event: %v", err)
		}
		if got := names.of(stored.Deliveries); got != tt.want {
			t.Errorf("%s on %v, stored: got deliveries to %q; want %q", tt.typ, tt.channels, got, tt.want)
		}
	}
}

func testPublishFields(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	// Bytes that a re-encoding would change: the signature covers them.
	payload := json.RawMessage("{\"z\":1,  \"a\": [1, 2.50],\n \"u\":\"\\u00e9\"}")
	now := t0.Add(123456789 * time.Nanosecond) // kept to the microsecond
	given := &hookd.Event{ID: hookd.NewID(hookd.PrefixEvent, t0), WorkspaceID: ws.ID, Type: "ticket.created",
		Payload: payload, Channels: []string{}}
	blank := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: payload}
	givenID := given.ID
	if err := f.s.Publish(f.ctx, []*hookd.Event{given, blank}, now); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if given.ID != givenID {
		t.Errorf("given ID: got %s; want %s kept", given.ID, givenID)
	}
	if len(blank.ID) < 5 || blank.ID[:4] != hookd.PrefixEvent {
		t.Errorf("filled ID: got %q; want an evt_ id", blank.ID)
	}
	wantNow := now.Truncate(time.Microsecond)
	for _, e := range []*hookd.Event{given, blank} {
		if !e.CreatedAt.Equal(wantNow) {
			t.Errorf("CreatedAt: got %v; want %v", e.CreatedAt, wantNow)
		}
		if len(e.Deliveries) != 1 {
			t.Fatalf("Deliveries: got %d; want 1", len(e.Deliveries))
		}
		d := e.Deliveries[0]
		if len(d.ID) < 5 || d.ID[:4] != hookd.PrefixDelivery || d.EventID != e.ID || d.WebhookID != w.ID ||
			d.WorkspaceID != ws.ID || d.EventType != "ticket.created" || d.Status != hookd.DeliveryPending ||
			d.Attempts != 0 || d.ScheduledAttempts != 0 || d.Manual || d.Once || d.LastStatusCode != nil ||
			d.NextAttemptAt == nil || !d.NextAttemptAt.Equal(wantNow) || !d.CreatedAt.Equal(wantNow) {
			t.Errorf("delivery: got %+v; want a new pending delivery of %s to %s due at %v", d, e.ID, w.ID, wantNow)
		}
		stored, err := f.s.Event(f.ctx, ws.ID, e.ID)
		if err != nil {
			t.Fatalf("Event: %v", err)
		}
		if string(stored.Payload) != string(payload) {
			t.Errorf("stored payload: got %q; want the exact bytes %q", stored.Payload, payload)
		}
		wantEqual(t, "stored event", stored, e)
	}
	stored, _ := f.s.Event(f.ctx, ws.ID, given.ID)
	if stored.Channels == nil {
		t.Errorf("empty channels: got nil back; want empty")
	}
	stored, _ = f.s.Event(f.ctx, ws.ID, blank.ID)
	if stored.Channels != nil {
		t.Errorf("nil channels: got %#v back; want nil", stored.Channels)
	}

	err := f.s.Publish(f.ctx, []*hookd.Event{{WorkspaceID: "ws_missing", Type: "x", Payload: payload}}, now)
	wantCode(t, "Publish to a missing workspace", err, hookd.ENOTFOUND)
	if err := f.s.Publish(f.ctx, nil, now); err != nil {
		t.Errorf("Publish of nothing: got %v; want nil", err)
	}
}

func testPublishIdempotent(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	f.webhook(ws.ID, "a", nil)
	f.webhook(ws.ID, "b", nil)
	f.webhook(other.ID, "c", nil)
	publish := func(workspaceID, key, payload string, now time.Time) *hookd.Event {
		t.Helper()
		e := &hookd.Event{WorkspaceID: workspaceID, Type: "ticket.created", Payload: json.RawMessage(payload), IdempotencyKey: key}
		if err := f.s.Publish(f.ctx, []*hookd.Event{e}, now); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		return e
	}
	first := publish(ws.ID, "key-1", `{"n":1}`, t0)
	again := publish(ws.ID, "key-1", `{"n":2}`, at(23*time.Hour))
	wantEqual(t, "repeat within 24h", again, first)
	if n := countEvents(t, f, ws.ID); n != 1 {
		t.Fatalf("events after a repeat: got %d; want 1", n)
	}

	elsewhere := publish(other.ID, "key-1", `{"n":3}`, at(time.Hour))
	if elsewhere.ID == first.ID || len(elsewhere.Deliveries) != 1 {
		t.Fatalf("same key in another workspace: got event %s with %d deliveries; want a new event with 1", elsewhere.ID, len(elsewhere.Deliveries))
	}
	fresh := publish(ws.ID, "key-2", `{"n":4}`, at(time.Hour))
	if fresh.ID == first.ID {
		t.Fatalf("another key: got the first event back; want a new one")
	}
	later := publish(ws.ID, "key-1", `{"n":5}`, at(25*time.Hour))
	if later.ID == first.ID || string(later.Payload) != `{"n":5}` || len(later.Deliveries) != 2 {
		t.Fatalf("repeat after 24h: got event %s; want a new event with 2 deliveries", later.ID)
	}
	again = publish(ws.ID, "key-1", `{"n":6}`, at(26*time.Hour))
	if again.ID != later.ID {
		t.Fatalf("repeat of the renewed key: got %s; want %s", again.ID, later.ID)
	}

	// Within one batch, the second use of a key returns the first event.
	a := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`), IdempotencyKey: "batch"}
	b := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{"x":1}`), IdempotencyKey: "batch"}
	if err := f.s.Publish(f.ctx, []*hookd.Event{a, b}, at(27*time.Hour)); err != nil {
		t.Fatalf("Publish batch: %v", err)
	}
	wantEqual(t, "second event of a batch with the same key", b, a)
	if n := countEvents(t, f, ws.ID); n != 4 {
		t.Fatalf("events: got %d; want 4", n)
	}
}

func countEvents(t *testing.T, f *fixture, workspaceID string) int {
	t.Helper()
	events, _, err := f.s.ListEvents(f.ctx, hookd.EventFilter{WorkspaceID: workspaceID, Page: hookd.Page{Limit: hookd.MaxPageLimit}})
	if err != nil {
		t.Fatalf("ListEvents: %v", err)
	}
	return len(events)
}

func testPublishAllOrNothing(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	dupID := hookd.NewID(hookd.PrefixEvent, t0)
	tests := []struct {
		name  string
		batch []*hookd.Event
	}{
		{"second event in a missing workspace", []*hookd.Event{
			{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)},
			{WorkspaceID: "ws_missing", Type: "ticket.created", Payload: json.RawMessage(`{}`)},
		}},
		{"two events with one id", []*hookd.Event{
			{ID: dupID, WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)},
			{ID: dupID, WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)},
		}},
	}
	for _, tt := range tests {
		if err := f.s.Publish(f.ctx, tt.batch, t0); err == nil {
			t.Fatalf("%s: got nil error; want the batch refused", tt.name)
		}
		if n := countEvents(t, f, ws.ID); n != 0 {
			t.Errorf("%s: got %d events stored; want 0", tt.name, n)
		}
		if ds := f.deliveries(ws.ID, w.ID); len(ds) != 0 {
			t.Errorf("%s: got %d deliveries stored; want 0", tt.name, len(ds))
		}
	}
	if claims := f.claim(t0, 10, 10); len(claims) != 0 {
		t.Fatalf("claims after refused batches: got %d; want 0", len(claims))
	}

	// Concurrent calls: a refused call does not take others down with it.
	const calls = 20
	errs := make([]error, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			workspace := ws.ID
			if i%2 == 1 {
				workspace = "ws_missing"
			}
			e := &hookd.Event{WorkspaceID: workspace, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
			errs[i] = f.s.Publish(f.ctx, []*hookd.Event{e}, t0)
		})
	}
	wg.Wait()
	for i, err := range errs {
		want := ""
		if i%2 == 1 {
			want = hookd.ENOTFOUND
		}
		wantCode(t, fmt.Sprintf("concurrent Publish #%d", i), err, want)
	}
	if n := countEvents(t, f, ws.ID); n != calls/2 {
		t.Fatalf("events after concurrent calls: got %d; want %d", n, calls/2)
	}
}

func testPublishTest(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	target := f.webhook(ws.ID, "target", func(w *hookd.Webhook) { w.Events = []string{"user.*"} })
	bystander := f.webhook(ws.ID, "bystander", nil)
	payload := json.RawMessage(`{"test":  true}`)
	e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: payload}
	lease := at(time.Minute)
	claim, err := f.s.PublishTest(f.ctx, e, target.ID, t0, lease)
	if err != nil {
		t.Fatalf("PublishTest: %v", err)
	}
	d := claim.Delivery
	if d.WebhookID != target.ID || d.EventID != e.ID || !d.Once || d.Status != hookd.DeliveryPending || d.Attempts != 0 {
		t.Fatalf("test delivery: got %+v; want a pending single-attempt delivery of %s to %s", d, e.ID, target.ID)
	}
	if string(claim.Payload) != string(payload) || claim.Webhook == nil || claim.Webhook.ID != target.ID {
		t.Fatalf("test claim: got payload %q webhook %v; want %q and %s", claim.Payload, claim.Webhook, payload, target.ID)
	}
	wantEqual(t, "claim webhook", claim.Webhook, f.getWebhook(ws.ID, target.ID))
	if len(e.Deliveries) != 1 || e.ID == "" {
		t.Fatalf("event: got id %q, %d deliveries; want an id and 1", e.ID, len(e.Deliveries))
	}
	if ds := f.deliveries(ws.ID, bystander.ID); len(ds) != 0 {
		t.Fatalf("bystander: got %d deliveries; want 0", len(ds))
	}
	if claims := f.claim(at(30*time.Second), 10, 10); len(claims) != 0 {
		t.Fatalf("ClaimDue during the test lease: got %v; want none", ClaimIDs(claims))
	}
	rec := failed(d.ID, t0, nil, 500)
	rec.Attempt.Trigger = hookd.TriggerTest
	f.record(rec)
	got := f.delivery(ws.ID, target.ID, d.ID)
	if got.Status != hookd.DeliveryFailed || got.Attempts != 1 || got.Once || len(got.AttemptLog) != 1 ||
		got.AttemptLog[0].Trigger != hookd.TriggerTest {
		t.Fatalf("test delivery after its attempt: got %+v; want failed after 1 test attempt", got)
	}

	_, err = f.s.PublishTest(f.ctx, &hookd.Event{WorkspaceID: other.ID, Type: "x", Payload: payload}, target.ID, t0, lease)
	wantCode(t, "PublishTest through another workspace", err, hookd.ENOTFOUND)
	_, err = f.s.PublishTest(f.ctx, &hookd.Event{WorkspaceID: ws.ID, Type: "x", Payload: payload}, "whk_missing", t0, lease)
	wantCode(t, "PublishTest to a missing webhook", err, hookd.ENOTFOUND)
}

func testEvents(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	f.webhook(ws.ID, "a", nil)
	f.webhook(ws.ID, "b", func(w *hookd.Webhook) { w.Events = []string{"user.*"} })
	var events []*hookd.Event
	for i, typ := range []string{"ticket.created", "user.created", "ticket.created", "user.deleted", "ticket.created"} {
		events = append(events, f.publish(ws.ID, typ, nil, at(time.Duration(i)*time.Minute)))
	}
	f.publish(other.ID, "ticket.created", nil, t0)

	got, err := f.s.Event(f.ctx, ws.ID, events[1].ID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	wantEqual(t, "Event", got, events[1])
	_, err = f.s.Event(f.ctx, other.ID, events[1].ID)
	wantCode(t, "Event from another workspace", err, hookd.ENOTFOUND)
	_, err = f.s.Event(f.ctx, ws.ID, "evt_missing")
	wantCode(t, "Event of a missing id", err, hookd.ENOTFOUND)
	_, _, err = f.s.ListEvents(f.ctx, hookd.EventFilter{WorkspaceID: "ws_missing"})
	wantCode(t, "ListEvents of a missing workspace", err, hookd.ENOTFOUND)

	idx := func(is ...int) []*hookd.Event {
		var out []*hookd.Event
		for _, i := range is {
			out = append(out, events[i])
		}
		return out
	}
	tests := []struct {
		name   string
		filter hookd.EventFilter
		want   []*hookd.Event
	}{
		{"all, newest first", hookd.EventFilter{}, idx(4, 3, 2, 1, 0)},
		{"by type", hookd.EventFilter{Type: "ticket.created"}, idx(4, 2, 0)},
		{"since", hookd.EventFilter{Since: ptr(at(2 * time.Minute))}, idx(4, 3, 2)},
		{"until", hookd.EventFilter{Until: ptr(at(2 * time.Minute))}, idx(1, 0)},
		{"since and until", hookd.EventFilter{Since: ptr(at(time.Minute)), Until: ptr(at(3 * time.Minute))}, idx(2, 1)},
		{"type and since", hookd.EventFilter{Type: "user.created", Since: ptr(at(2 * time.Minute))}, nil},
		{"first page", hookd.EventFilter{Page: hookd.Page{Limit: 2}}, idx(4, 3)},
		{"a later page", hookd.EventFilter{Page: hookd.Page{Limit: 2, Cursor: events[3].ID}}, idx(2, 1)},
	}
	for _, tt := range tests {
		tt.filter.WorkspaceID = ws.ID
		page, _, err := f.s.ListEvents(f.ctx, tt.filter)
		if err != nil {
			t.Fatalf("%s: ListEvents: %v", tt.name, err)
		}
		if len(tt.want) == 0 {
			if len(page) != 0 {
				t.Errorf("%s: got %d events; want none", tt.name, len(page))
			}
			continue
		}
		var want []hookd.Event
		for _, e := range tt.want {
			want = append(want, *e)
		}
		wantEqual(t, tt.name, page, want)
	}
}
