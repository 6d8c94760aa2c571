package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestOverview(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testOverview)
}

func testOverview(t *testing.T, engine storeEngine) {
	e := newEnvOn(t, engine)
	ws := e.workspace("A", nil)
	key := e.key(ws)
	e.eventType("ticket.created", nil)
	failing := e.webhook(ws, map[string]any{"url": "https://a.example/1"})["id"].(string)
	disabled := e.webhook(ws, map[string]any{"url": "https://a.example/2"})["id"].(string)
	events := "/v1/workspaces/" + ws + "/events"
	e.must(http.StatusAccepted, "POST", events, key, `{"type":"ticket.created","payload":{}}`)

	// The first webhook fails and is retried later; the second succeeds.
	ctx := t.Context()
	now := e.clock.Now()
	claims, err := e.store.ClaimDue(ctx, hookd.ClaimRequest{Now: now, LeaseUntil: now.Add(time.Minute), Limit: 10})
	if err != nil || len(claims) != 2 {
		t.Fatalf("ClaimDue: got %d claims, %v; want 2", len(claims), err)
	}
	var recs []hookd.AttemptRecord
	for _, c := range claims {
		code, next := 200, now.Add(time.Hour)
		rec := hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Webhook.ID, LastStatusCode: &code, Now: now,
			Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: now, Request: hookd.AttemptRequest{Method: "POST", URL: c.Webhook.URL}},
			Status:  hookd.DeliverySucceeded, Succeeded: true, ScheduledAttempts: 1}
		if c.Webhook.ID == failing {
			code = 500
			rec.Status, rec.Succeeded, rec.NextAttemptAt = hookd.DeliveryPending, false, &next
		}
		recs = append(recs, rec)
	}
	if err := e.store.RecordAttempts(ctx, recs); err != nil {
		t.Fatalf("RecordAttempts: %v", err)
	}
	// One more event: a delivery to each, due now; then the second is
	// disabled, which fails its delivery.
	e.must(http.StatusAccepted, "POST", events, key, `{"type":"ticket.created","payload":{}}`)
	e.must(http.StatusOK, "PATCH", "/v1/workspaces/"+ws+"/webhooks/"+disabled, key, `{"status":"disabled"}`)

	var o struct {
		Minutes []struct {
			Start     time.Time `json:"start"`
			Succeeded int       `json:"succeeded"`
			Failed    int       `json:"failed"`
		} `json:"minutes"`
		Pending    int              `json:"pending"`
		Due        int              `json:"due"`
		Workspaces int              `json:"workspaces"`
		Webhooks   int              `json:"webhooks"`
		Troubled   []map[string]any `json:"troubled"`
	}
	r := e.must(http.StatusOK, "GET", "/v1/overview", adminKey, nil)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q; want application/json", ct)
	}
	r.decode(t, &o)
	if len(o.Minutes) != hookd.OverviewMinutes {
		t.Fatalf("minutes: got %d; want %d", len(o.Minutes), hookd.OverviewMinutes)
	}
	last := o.Minutes[len(o.Minutes)-1]
	if want := now.Truncate(time.Minute); !last.Start.Equal(want) || last.Succeeded != 1 || last.Failed != 1 {
		t.Errorf("last minute: got %+v; want start %v, 1 succeeded, 1 failed", last, want)
	}
	if first := o.Minutes[0].Start; !first.Equal(now.Truncate(time.Minute).Add(-59 * time.Minute)) {
		t.Errorf("first minute starts at %v; want 59 minutes before the last", first)
	}
	if o.Pending != 2 || o.Due != 1 || o.Workspaces != 1 || o.Webhooks != 2 {
		t.Errorf("got pending %d, due %d, %d workspaces, %d webhooks; want 2, 1, 1, 2", o.Pending, o.Due, o.Workspaces, o.Webhooks)
	}
	if len(o.Troubled) != 2 || o.Troubled[0]["id"] != failing || o.Troubled[1]["id"] != disabled {
		t.Fatalf("troubled: got %v; want %s (failing) then %s (disabled)", o.Troubled, failing, disabled)
	}
	since, err := time.Parse(time.RFC3339Nano, o.Troubled[0]["failing_since"].(string))
	if err != nil || !since.Equal(now) {
		t.Errorf("failing_since: got %v (%v); want %v", o.Troubled[0]["failing_since"], err, now)
	}
	if v, ok := o.Troubled[1]["failing_since"]; !ok || v != nil {
		t.Errorf("failing_since of the disabled webhook: got %v (present %v); want null", v, ok)
	}
	// Each is shown as GET webhook shows it, plus failing_since.
	for _, w := range o.Troubled {
		got := e.must(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+w["id"].(string), adminKey, nil).object(t)
		got["failing_since"] = w["failing_since"]
		if string(mustJSON(t, got)) != string(mustJSON(t, w)) {
			t.Errorf("troubled webhook:\ngot  %s\nwant %s", mustJSON(t, w), mustJSON(t, got))
		}
	}

	// The admin key only.
	if p := e.must(http.StatusForbidden, "GET", "/v1/overview", key, nil).problem(t); p.Status != http.StatusForbidden {
		t.Errorf("workspace key: %+v", p)
	}
	e.must(http.StatusUnauthorized, "GET", "/v1/overview", "", nil).problem(t)
}
