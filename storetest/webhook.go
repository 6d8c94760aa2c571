package storetest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testWebhooks(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	since := at(-time.Hour)
	w := f.webhook(ws.ID, "full", func(w *hookd.Webhook) {
		w.Events = []string{"ticket.*", "user.created"}
		w.Channels = []string{"eu", "tenant:42"}
		w.Method = hookd.MethodPut
		w.RateLimit = ptr(12.5)
		w.TLSVerify = false
		w.FailingSince = &since
		w.Signature = hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, HeaderPrefix: "X-Acme", Header: "X-Hub-Signature-256"}
	})
	got := f.getWebhook(ws.ID, w.ID)
	wantEqual(t, "Webhook", got, w)

	_, err := f.s.Webhook(f.ctx, other.ID, w.ID)
	wantCode(t, "Webhook from another workspace", err, hookd.ENOTFOUND)
	_, err = f.s.Webhook(f.ctx, ws.ID, "whk_missing")
	wantCode(t, "Webhook of a missing id", err, hookd.ENOTFOUND)
	err = f.s.CreateWebhook(f.ctx, newWebhook("ws_missing", "orphan"), 0)
	wantCode(t, "CreateWebhook in a missing workspace", err, hookd.ENOTFOUND)

	// UpdateWebhook writes every field.
	upd := *got
	upd.Name = "renamed"
	upd.Description = ""
	upd.URL = "https://example.org/new"
	upd.Method = hookd.MethodPost
	upd.Events = []string{"*"}
	upd.Channels = nil
	upd.Headers = map[string]string{"X-Team": "ops"}
	upd.TimeoutSeconds = 5
	upd.RetrySchedule = hookd.RetrySchedule{time.Second, 5 * time.Second, 30 * time.Second}
	upd.Signature = hookd.SignatureSpec{Scheme: hookd.SchemeSplit, HeaderPrefix: "X-Hume-AI-Webhook", Header: "X-Sig", TimestampHeader: "X-Sig-Time"}
	upd.TLSVerify = true
	upd.RateLimit = nil
	upd.Secrets = []hookd.Secret{{Value: "whsec_cm90YXRlZA"}, {Value: "whsec_bmV3", ExpiresAt: ptr(at(time.Hour))}}
	upd.FailingSince = nil
	now := at(time.Minute)
	if err := f.s.UpdateWebhook(f.ctx, &upd, now); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	upd.UpdatedAt = now
	wantEqual(t, "Webhook after update", f.getWebhook(ws.ID, w.ID), &upd)

	moved := upd
	moved.WorkspaceID = other.ID
	wantCode(t, "UpdateWebhook through another workspace", f.s.UpdateWebhook(f.ctx, &moved, now), hookd.ENOTFOUND)
	missing := newWebhook(ws.ID, "missing")
	wantCode(t, "UpdateWebhook of a missing id", f.s.UpdateWebhook(f.ctx, missing, now), hookd.ENOTFOUND)
}

// testWebhookNilAndEmpty checks that nil and empty lists stay apart: nil
// channels means every channel, empty means none.
func testWebhookNilAndEmpty(t *testing.T, f *fixture) {
	ws := f.workspace()
	tests := []struct {
		name     string
		channels []string
		schedule hookd.RetrySchedule
		headers  map[string]string
	}{
		{"nil", nil, nil, nil},
		{"empty", []string{}, hookd.RetrySchedule{}, map[string]string{}},
		{"set", []string{"a"}, hookd.RetrySchedule{time.Second}, map[string]string{"a": "b"}},
	}
	for _, tt := range tests {
		w := f.webhook(ws.ID, tt.name, func(w *hookd.Webhook) {
			w.Channels, w.RetrySchedule, w.Headers = tt.channels, tt.schedule, tt.headers
		})
		got := f.getWebhook(ws.ID, w.ID)
		if (got.Channels == nil) != (tt.channels == nil) || len(got.Channels) != len(tt.channels) {
			t.Errorf("%s: got channels %#v; want %#v", tt.name, got.Channels, tt.channels)
		}
		if (got.RetrySchedule == nil) != (tt.schedule == nil) || len(got.RetrySchedule) != len(tt.schedule) {
			t.Errorf("%s: got retry schedule %#v; want %#v", tt.name, got.RetrySchedule, tt.schedule)
		}
		if len(got.Headers) != len(tt.headers) {
			t.Errorf("%s: got headers %#v; want %#v", tt.name, got.Headers, tt.headers)
		}
	}
}

func testListWebhooks(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	var want []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		want = append([]string{f.webhook(ws.ID, name, nil).ID}, want...)
	}
	f.webhook(other.ID, "elsewhere", nil)
	var (
		got    []string
		cursor string
	)
	for {
		page, next, err := f.s.ListWebhooks(f.ctx, ws.ID, hookd.Page{Limit: 2, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListWebhooks: %v", err)
		}
		for _, w := range page {
			got = append(got, w.ID)
			if w.WorkspaceID != ws.ID {
				t.Fatalf("ListWebhooks: got webhook %s of workspace %s; want only %s", w.ID, w.WorkspaceID, ws.ID)
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	wantEqual(t, "webhook ids, newest first", got, want)

	page, next, err := f.s.ListWebhooks(f.ctx, ws.ID, hookd.Page{Limit: 1})
	if err != nil || len(page) != 1 || !deepEqualWebhook(page[0], f.getWebhook(ws.ID, want[0])) || next != want[0] {
		t.Fatalf("first page of 1: got %d items, next %q, err %v; want the newest webhook, next %q", len(page), next, err, want[0])
	}
	_, _, err = f.s.ListWebhooks(f.ctx, "ws_missing", hookd.Page{})
	wantCode(t, "ListWebhooks of a missing workspace", err, hookd.ENOTFOUND)
}

func deepEqualWebhook(a hookd.Webhook, b *hookd.Webhook) bool {
	return show(a) == show(b)
}

func testMaxWebhooks(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	tests := []struct {
		workspace string
		max       int
		wantCode  string
	}{
		{ws.ID, 2, ""},
		{ws.ID, 2, ""},
		{ws.ID, 2, hookd.ELIMIT},
		{ws.ID, 3, ""},
		{ws.ID, 0, ""}, // no cap
		{ws.ID, 4, hookd.ELIMIT},
		{other.ID, 1, ""},
		{other.ID, 1, hookd.ELIMIT},
	}
	for i, tt := range tests {
		err := f.s.CreateWebhook(f.ctx, newWebhook(tt.workspace, "w"), tt.max)
		wantCode(t, fmt.Sprintf("CreateWebhook #%d (max %d)", i, tt.max), err, tt.wantCode)
		if tt.wantCode == hookd.ELIMIT {
			if msg := hookd.ErrorMessage(err); !strings.Contains(msg, "max_webhooks") {
				t.Errorf("ELIMIT message: got %q; want it to name max_webhooks", msg)
			}
		}
	}
	page, _, err := f.s.ListWebhooks(f.ctx, ws.ID, hookd.Page{})
	if err != nil || len(page) != 4 {
		t.Fatalf("webhooks stored: got %d (err %v); want 4", len(page), err)
	}
}

// testMaxWebhooksConcurrent checks that the count and the insert are atomic.
func testMaxWebhooksConcurrent(t *testing.T, f *fixture) {
	ws := f.workspace()
	const max, tries = 3, 12
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, full int
		other    []error
	)
	for range tries {
		wg.Go(func() {
			err := f.s.CreateWebhook(f.ctx, newWebhook(ws.ID, "w"), max)
			mu.Lock()
			defer mu.Unlock()
			switch hookd.ErrorCode(err) {
			case "":
				ok++
			case hookd.ELIMIT:
				full++
			default:
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if ok != max || full != tries-max || len(other) > 0 {
		t.Fatalf("got %d created, %d refused, errors %v; want %d created, %d refused", ok, full, other, max, tries-max)
	}
}

func testUpdateWebhookDisable(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "a", nil)
	keep := f.webhook(ws.ID, "b", nil)
	var events []*hookd.Event
	for range 3 {
		events = append(events, f.publish(ws.ID, "ticket.created", nil, t0))
	}
	// One of w's deliveries succeeds, one waits for a retry, one is new.
	done := deliveryFor(t, events[0], w.ID)
	f.claim(t0, 100, 100)
	f.record(succeeded(done.ID, t0))
	f.record(failed(deliveryFor(t, events[1], w.ID).ID, t0, ptr(at(time.Minute)), 500))

	disabled := *f.getWebhook(ws.ID, w.ID)
	if disabled.FailingSince == nil {
		t.Fatalf("FailingSince: got nil after a failure; want it set")
	}
	disabled.Status = hookd.WebhookDisabled
	disabled.DisabledReason = "disabled by the user"
	now := at(2 * time.Minute)
	if err := f.s.UpdateWebhook(f.ctx, &disabled, now); err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	for _, d := range f.deliveries(ws.ID, w.ID) {
		want := hookd.DeliveryFailed
		if d.ID == done.ID {
			want = hookd.DeliverySucceeded
		}
		if d.Status != want || d.NextAttemptAt != nil {
			t.Errorf("delivery %s after disable: got status %s next %v; want %s, nil", d.ID, d.Status, d.NextAttemptAt, want)
		}
	}
	for _, d := range f.deliveries(ws.ID, keep.ID) {
		if d.Status != hookd.DeliveryPending {
			t.Errorf("delivery %s of the other webhook: got status %s; want pending", d.ID, d.Status)
		}
	}
	e := f.publish(ws.ID, "ticket.created", nil, now)
	if len(e.Deliveries) != 1 || e.Deliveries[0].WebhookID != keep.ID {
		t.Fatalf("publish after disable: got deliveries to %v; want only the active webhook", deliveryWebhooks(e.Deliveries))
	}

	enabled := *f.getWebhook(ws.ID, w.ID)
	if enabled.DisabledReason != "disabled by the user" {
		t.Fatalf("DisabledReason: got %q; want %q", enabled.DisabledReason, "disabled by the user")
	}
	enabled.Status = hookd.WebhookActive
	if err := f.s.UpdateWebhook(f.ctx, &enabled, at(3*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook enable: %v", err)
	}
	got := f.getWebhook(ws.ID, w.ID)
	if got.Status != hookd.WebhookActive || got.FailingSince != nil {
		t.Fatalf("after enable: got status %s failing since %v; want active, nil", got.Status, got.FailingSince)
	}
	e = f.publish(ws.ID, "ticket.created", nil, at(3*time.Minute))
	if len(e.Deliveries) != 2 {
		t.Fatalf("publish after enable: got %d deliveries; want 2", len(e.Deliveries))
	}
}

// deliveryFor returns e's delivery to the webhook.
func deliveryFor(t *testing.T, e *hookd.Event, webhookID string) hookd.Delivery {
	t.Helper()
	for _, d := range e.Deliveries {
		if d.WebhookID == webhookID {
			return d
		}
	}
	t.Fatalf("event %s: no delivery to webhook %s", e.ID, webhookID)
	return hookd.Delivery{}
}

func deliveryWebhooks(ds []hookd.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.WebhookID)
	}
	return out
}

func testDeleteWebhook(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	gone := f.webhook(ws.ID, "gone", nil)
	stays := f.webhook(ws.ID, "stays", nil)
	e := f.publish(ws.ID, "ticket.created", nil, t0)
	var goneDelivery hookd.Delivery
	for _, d := range e.Deliveries {
		if d.WebhookID == gone.ID {
			goneDelivery = d
		}
	}
	claims := f.claim(t0, 10, 10)
	f.record(failed(ClaimIDs(claims)[0], t0, ptr(t0), 500), failed(ClaimIDs(claims)[1], t0, ptr(t0), 500))

	wantCode(t, "DeleteWebhook from another workspace", f.s.DeleteWebhook(f.ctx, other.ID, gone.ID), hookd.ENOTFOUND)
	if err := f.s.DeleteWebhook(f.ctx, ws.ID, gone.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	_, err := f.s.Webhook(f.ctx, ws.ID, gone.ID)
	wantCode(t, "Webhook after delete", err, hookd.ENOTFOUND)
	_, err = f.s.Delivery(f.ctx, ws.ID, gone.ID, goneDelivery.ID)
	wantCode(t, "Delivery of a deleted webhook", err, hookd.ENOTFOUND)
	wantCode(t, "DeleteWebhook twice", f.s.DeleteWebhook(f.ctx, ws.ID, gone.ID), hookd.ENOTFOUND)

	got, err := f.s.Event(f.ctx, ws.ID, e.ID)
	if err != nil {
		t.Fatalf("Event after DeleteWebhook: %v", err)
	}
	if len(got.Deliveries) != 1 || got.Deliveries[0].WebhookID != stays.ID {
		t.Fatalf("event deliveries: got %v; want only the remaining webhook's", deliveryWebhooks(got.Deliveries))
	}
	claims = f.claim(at(time.Minute), 10, 10)
	if len(claims) != 1 || claims[0].Webhook.ID != stays.ID {
		t.Fatalf("claims after DeleteWebhook: got %d; want the remaining webhook's one", len(claims))
	}
}

func testDeleteWorkspace(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	var keys [][]byte
	for _, w := range []*hookd.Workspace{ws, other} {
		hash := []byte("hash of " + w.ID)
		keys = append(keys, hash)
		if err := f.s.CreateAPIKey(f.ctx, &hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: w.ID,
			Name: "k", Hash: hash, CreatedAt: t0}); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
	}
	w := f.webhook(ws.ID, "a", nil)
	ow := f.webhook(other.ID, "b", nil)
	e := f.publish(ws.ID, "ticket.created", nil, t0)
	oe := f.publish(other.ID, "ticket.created", nil, t0)
	claims := f.claim(t0, 10, 10)
	var recs []hookd.AttemptRecord
	for _, c := range claims {
		recs = append(recs, failed(c.Delivery.ID, t0, ptr(at(time.Second)), 503))
	}
	f.record(recs...)

	if err := f.s.DeleteWorkspace(f.ctx, ws.ID); err != nil {
		t.Fatalf("DeleteWorkspace: %v", err)
	}
	_, err := f.s.APIKeyByHash(f.ctx, keys[0])
	wantCode(t, "APIKeyByHash of a deleted workspace", err, hookd.ENOTFOUND)
	_, err = f.s.Webhook(f.ctx, ws.ID, w.ID)
	wantCode(t, "Webhook of a deleted workspace", err, hookd.ENOTFOUND)
	_, err = f.s.Event(f.ctx, ws.ID, e.ID)
	wantCode(t, "Event of a deleted workspace", err, hookd.ENOTFOUND)
	_, err = f.s.Delivery(f.ctx, ws.ID, w.ID, e.Deliveries[0].ID)
	wantCode(t, "Delivery of a deleted workspace", err, hookd.ENOTFOUND)
	_, _, err = f.s.ListEvents(f.ctx, hookd.EventFilter{WorkspaceID: ws.ID})
	wantCode(t, "ListEvents of a deleted workspace", err, hookd.ENOTFOUND)

	// The other workspace is untouched.
	if _, err := f.s.APIKeyByHash(f.ctx, keys[1]); err != nil {
		t.Fatalf("APIKeyByHash of the other workspace: %v", err)
	}
	d := f.delivery(other.ID, ow.ID, oe.Deliveries[0].ID)
	if d.Attempts != 1 || len(d.AttemptLog) != 1 {
		t.Fatalf("other workspace's delivery: got %d attempts, %d logged; want 1, 1", d.Attempts, len(d.AttemptLog))
	}
	claims = f.claim(at(time.Minute), 10, 10)
	if len(claims) != 1 || claims[0].Delivery.ID != oe.Deliveries[0].ID {
		t.Fatalf("claims after DeleteWorkspace: got %v; want only %s", ClaimIDs(claims), oe.Deliveries[0].ID)
	}
}
