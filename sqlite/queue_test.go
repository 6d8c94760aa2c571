package sqlite

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/storetest"
)

func TestQueuedID(t *testing.T) {
	t.Parallel()
	event := hookd.NewID(hookd.PrefixEvent, t0)
	for _, idx := range []int{0, 1, 31, 32, 1023, 32767, 32768, 1 << 20} {
		id := queuedID(event, idx)
		gotEvent, gotIdx, ok := parseQueuedID(id)
		if !ok || gotEvent != event || gotIdx != idx {
			t.Errorf("parseQueuedID(queuedID(%s, %d) = %s) = %s, %d, %v", event, idx, id, gotEvent, gotIdx, ok)
		}
	}
	if a, b := queuedID(event, 1), queuedID(event, 2); a >= b {
		t.Errorf("ids of one event do not sort by place: %s, %s", a, b)
	}
	for _, id := range []string{"", "dlv_", hookd.NewID(hookd.PrefixDelivery, t0), "whk_" + event[4:] + "000",
		"dlv_" + event[4:] + "00", "dlv_" + event[4:] + "0!0", "dlv_" + event[4:] + "00000000"} {
		if e, idx, ok := parseQueuedID(id); ok {
			t.Errorf("parseQueuedID(%q) = %s, %d, true; want not a queued id", id, e, idx)
		}
	}
}

// claimAll claims every due delivery (up to 100) a second after t0, with
// a lease until an hour after t0.
func claimAll(t *testing.T, s *Store) []hookd.Claim {
	t.Helper()
	return claimSome(t, s, 100)
}

// claimSome claims as claimAll does, up to limit deliveries, none of those
// excluded.
func claimSome(t *testing.T, s *Store, limit int, exclude ...string) []hookd.Claim {
	t.Helper()
	claims, err := s.ClaimDue(t.Context(), hookd.ClaimRequest{Now: t0.Add(time.Second), LeaseUntil: t0.Add(time.Hour),
		Limit: limit, PerWebhook: limit, Exclude: exclude})
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return claims
}

// successes returns the records of a successful attempt (200) a second
// after t0 for each of the claims.
func successes(claims ...hookd.Claim) []hookd.AttemptRecord {
	recs := make([]hookd.AttemptRecord, len(claims))
	for i, c := range claims {
		code := 200
		recs[i] = hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID,
			Status: hookd.DeliverySucceeded, Succeeded: true, LastStatusCode: &code, Now: t0.Add(time.Second),
			Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0.Add(time.Second),
				Response: &hookd.AttemptResponse{Status: 200}}}
	}
	return recs
}

// succeed records a successful attempt for each of the claims.
func succeed(t *testing.T, s *Store, claims ...hookd.Claim) {
	t.Helper()
	if err := s.RecordAttempts(t.Context(), successes(claims...)); err != nil {
		t.Fatalf("RecordAttempts: %v", err)
	}
}

// A crash with queued deliveries in flight and recorded out of order:
// after reopening, exactly the unrecorded ones are claimed again.
func TestQueuedCrashRecordedOutOfOrder(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t)
	ctx := t.Context()
	ws, w, first := seed(t, s)
	events := []*hookd.Event{first}
	for range 9 {
		e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{"n": 1}`)}
		if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		events = append(events, e)
	}
	claims := claimAll(t, s)
	if len(claims) != 10 {
		t.Fatalf("claimed %d; want 10", len(claims))
	}
	slices.SortFunc(claims, func(a, b hookd.Claim) int { return strings.Compare(a.Delivery.ID, b.Delivery.ID) })
	done := []hookd.Claim{claims[3], claims[5], claims[9]}
	succeed(t, s, done...)
	var cursor int64
	if err := s.reader.QueryRowContext(ctx, `SELECT cursor FROM webhooks WHERE id = ?`, w.ID).Scan(&cursor); err != nil {
		t.Fatal(err)
	}
	var firstSeq int64
	if err := s.reader.QueryRowContext(ctx, `SELECT seq FROM events WHERE id = ?`, events[0].ID).Scan(&firstSeq); err != nil {
		t.Fatal(err)
	}
	if cursor >= firstSeq {
		t.Fatalf("cursor %d passed the first event in flight (seq %d)", cursor, firstSeq)
	}
	s2 := reopen(t, s, path) // a crash: nothing released
	again := claimAll(t, s2)
	var want []string
	for i, c := range claims {
		if i != 3 && i != 5 && i != 9 {
			want = append(want, c.Delivery.ID)
		}
	}
	slices.Sort(want)
	if got := storetest.ClaimIDs(again); !slices.Equal(got, want) {
		t.Fatalf("claimed after reopen:\n got  %v\n want %v", got, want)
	}
	succeed(t, s2, again...)
	if left := claimAll(t, s2); len(left) != 0 {
		t.Fatalf("claimed after every record: %v", storetest.ClaimIDs(left))
	}
	list, _, err := s2.ListDeliveries(ctx, hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: w.ID})
	if err != nil {
		t.Fatalf("ListDeliveries: %v", err)
	}
	if len(list) != 10 {
		t.Fatalf("listed %d deliveries; want 10", len(list))
	}
	for _, d := range list {
		if d.Status != hookd.DeliverySucceeded || d.Attempts != 1 {
			t.Errorf("delivery %s: %s after %d attempts; want succeeded after 1", d.ID, d.Status, d.Attempts)
		}
	}
}

// A queued delivery handed back is claimed again, before or after the
// deliveries read past it.
func TestQueuedReleased(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t)
	ctx := t.Context()
	ws, _, _ := seed(t, s)
	for range 4 {
		e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
		if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
			t.Fatalf("Publish: %v", err)
		}
	}
	claims := claimAll(t, s)
	if len(claims) != 5 {
		t.Fatalf("claimed %d; want 5", len(claims))
	}
	back := []string{claims[1].Delivery.ID, claims[3].Delivery.ID}
	if err := s.ReleaseClaims(ctx, back); err != nil {
		t.Fatalf("ReleaseClaims: %v", err)
	}
	slices.Sort(back)
	if got := storetest.ClaimIDs(claimAll(t, s)); !slices.Equal(got, back) {
		t.Fatalf("claimed after release: got %v; want %v", got, back)
	}
}

// A database made by schema version 1 (a row for every delivery) keeps its
// deliveries through the migration to queued deliveries, and their attempts
// through the migration of attempt logs into delivery rows.
func TestMigrateVersion1(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	at := micros(t0)
	path := oldDatabase(t, 1,
		`INSERT INTO workspaces VALUES ('ws_1', 'acme', '{}', 0, 0)`,
		`INSERT INTO webhooks (id, workspace_id, name, description, url, method, events, timeout_seconds,
			signature_scheme, header_prefix, tls_verify, status, disabled_reason, secrets, created_at, updated_at)
			VALUES ('whk_1', 'ws_1', '', '', 'https://example.com/', 'POST', '["*"]', 30, 'standard', '', 1,
			'active', '', '[{"value":"whsec_eA"}]', 0, 0)`,
		`INSERT INTO events VALUES ('evt_1', 'ws_1', 'ticket.created', X'7B7D', NULL, '', `+strconv.FormatInt(at, 10)+`)`,
		`INSERT INTO deliveries VALUES ('dlv_1', 'ws_1', 'evt_1', 'whk_1', 'ticket.created', 'pending', 0, 0, 0, 0, `+
			strconv.FormatInt(at, 10)+`, 0, NULL, `+strconv.FormatInt(at, 10)+`, `+strconv.FormatInt(at, 10)+`)`,
		`INSERT INTO deliveries VALUES ('dlv_2', 'ws_1', 'evt_1', 'whk_1', 'ticket.created', 'failed', 2, 1, 0, 0, NULL, 0,
			500, `+strconv.FormatInt(at, 10)+`, `+strconv.FormatInt(at, 10)+`)`,
		// Inserted out of number order: the log keeps number order.
		`INSERT INTO attempts VALUES ('dlv_2', 2, 'manual', `+strconv.FormatInt(at+2, 10)+`, 7,
			'{"method":"POST","url":"https://example.com/","headers":{"X-Hookd-Attempt":"2"}}',
			'{"status":500,"headers":{"Content-Length":"4"},"body":"oops"}', '')`,
		`INSERT INTO attempts VALUES ('dlv_2', 1, 'scheduled', `+strconv.FormatInt(at+1, 10)+`, 30000,
			'{"method":"POST","url":"https://example.com/","headers":{"X-Hookd-Attempt":"1"}}', NULL,
			'timeout: no answer within 30s')`)

	s := openPath(t, path)
	e, err := s.Event(ctx, "ws_1", "evt_1")
	if err != nil || len(e.Deliveries) != 2 || e.Deliveries[0].ID != "dlv_1" || e.Deliveries[1].ID != "dlv_2" {
		t.Fatalf("Event after migrating: %+v, %v; want its deliveries dlv_1 and dlv_2", e, err)
	}
	d, err := s.Delivery(ctx, "ws_1", "whk_1", "dlv_2")
	if err != nil {
		t.Fatalf("Delivery after migrating: %v", err)
	}
	wantLog := []hookd.Attempt{
		{Number: 1, Trigger: hookd.TriggerScheduled, StartedAt: t0.Add(time.Microsecond), DurationMS: 30000,
			Request: hookd.AttemptRequest{Method: "POST", URL: "https://example.com/", Headers: map[string]string{"X-Hookd-Attempt": "1"}},
			Error:   "timeout: no answer within 30s"},
		{Number: 2, Trigger: hookd.TriggerManual, StartedAt: t0.Add(2 * time.Microsecond), DurationMS: 7,
			Request:  hookd.AttemptRequest{Method: "POST", URL: "https://example.com/", Headers: map[string]string{"X-Hookd-Attempt": "2"}},
			Response: &hookd.AttemptResponse{Status: 500, Headers: map[string]string{"Content-Length": "4"}, Body: "oops"}},
	}
	if !reflect.DeepEqual(d.AttemptLog, wantLog) {
		t.Fatalf("attempt log after migrating:\n got %+v\nwant %+v", d.AttemptLog, wantLog)
	}
	next := &hookd.Event{WorkspaceID: "ws_1", Type: "ticket.created", Payload: json.RawMessage(`{}`)}
	if err := s.Publish(ctx, []*hookd.Event{next}, t0); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	want := []string{"dlv_1", next.Deliveries[0].ID}
	slices.Sort(want)
	if got := storetest.ClaimIDs(claimAll(t, s)); !slices.Equal(got, want) {
		t.Fatalf("claimed: got %v; want %v", got, want)
	}
}

// The payload cache keeps what was put last, up to its size, and drops
// the oldest half beyond.
func TestPayloadCache(t *testing.T) {
	t.Parallel()
	var c payloadCache
	big := json.RawMessage(strings.Repeat("x", payloadCacheBytes/8))
	for i := range 12 {
		c.put(strconv.Itoa(i), big)
	}
	if _, ok := c.get("11"); !ok {
		t.Error("the last payload put is gone")
	}
	if _, ok := c.get("0"); ok {
		t.Error("the first payload is still kept past the cache's size")
	}
	c.put("nil", nil)
	if v, ok := c.get("nil"); !ok || v != nil {
		t.Errorf("a null payload: got %q, %v; want nil, true", v, ok)
	}
}
