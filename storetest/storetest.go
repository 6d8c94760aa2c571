// Package storetest is the conformance suite of hookd.Store: every storage
// engine (SQLite and PostgreSQL) runs the same tests through Exercise, so
// that the engines behave alike where the delivery engine and the HTTP API
// can see it. It also holds the tests and benchmarks that each engine runs
// with its own setup around them (a crash, rows written in SQL), and the
// helpers those share. The package knows nothing of any engine.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// Exercise runs the suite against the stores newStore makes. newStore is
// called once per subtest, from that subtest, and must return a new, empty
// store that is closed when the test ends (t.Cleanup). Subtests run in
// parallel, so stores must not share state.
func Exercise(t *testing.T, newStore func(t *testing.T) hookd.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Ping", testPing},
		{"Workspaces", testWorkspaces},
		{"ListWorkspaces", testListWorkspaces},
		{"PageLimits", testPageLimits},
		{"APIKeys", testAPIKeys},
		{"ListAPIKeys", testListAPIKeys},
		{"EventTypes", testEventTypes},
		{"Webhooks", testWebhooks},
		{"WebhookNilAndEmpty", testWebhookNilAndEmpty},
		{"ListWebhooks", testListWebhooks},
		{"MaxWebhooks", testMaxWebhooks},
		{"MaxWebhooksConcurrent", testMaxWebhooksConcurrent},
		{"UpdateWebhookDisable", testUpdateWebhookDisable},
		{"DisableLargeBacklog", testDisableLargeBacklog},
		{"DisableRacingPublish", testDisableRacingPublish},
		{"DeleteWebhook", testDeleteWebhook},
		{"DeleteWorkspace", testDeleteWorkspace},
		{"PublishMatching", testPublishMatching},
		{"PublishFields", testPublishFields},
		{"PublishIdempotent", testPublishIdempotent},
		{"PublishAllOrNothing", testPublishAllOrNothing},
		{"PublishTest", testPublishTest},
		{"Events", testEvents},
		{"ClaimDue", testClaimDue},
		{"ClaimLimits", testClaimLimits},
		{"ClaimExcludesWorkspaces", testClaimExcludesWorkspaces},
		{"ClaimRateWindow", testClaimRateWindow},
		{"ClaimSkipsDisabled", testClaimSkipsDisabled},
		{"ClaimFairness", testClaimFairness},
		{"ClaimRoundRobin", testClaimRoundRobin},
		{"RecordAttempts", testRecordAttempts},
		{"RecordAttemptsBatch", testRecordAttemptsBatch},
		{"FailingStreak", testFailingStreak},
		{"RecordDisables", testRecordDisables},
		{"RecordDeleted", testRecordDeleted},
		{"Overview", testOverview},
		{"ReleaseClaims", testReleaseClaims},
		{"RetryDelivery", testRetryDelivery},
		{"RecoverDeliveries", testRecoverDeliveries},
		{"ListDeliveries", testListDeliveries},
		{"Purge", testPurge},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"PortalLinks", testPortalLinks},
		{"PortalLinkRace", testPortalLinkRace},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, &fixture{t: t, s: newStore(t), ctx: t.Context()})
		})
	}
}

// t0 is the suite's clock origin; tests move time from it.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// fixture builds the state a test needs, failing the test on any error.
type fixture struct {
	t   *testing.T
	s   hookd.Store
	ctx context.Context
}

func (f *fixture) workspace() *hookd.Workspace {
	f.t.Helper()
	ws := &hookd.Workspace{
		ID:        hookd.NewID(hookd.PrefixWorkspace, t0),
		Name:      "acme",
		CreatedAt: t0,
		UpdatedAt: t0,
	}
	if err := f.s.CreateWorkspace(f.ctx, ws); err != nil {
		f.t.Fatalf("CreateWorkspace: %v", err)
	}
	return ws
}

// newWebhook returns a webhook of the workspace with every field set.
func newWebhook(workspaceID, name string) *hookd.Webhook {
	expires := t0.Add(24 * time.Hour)
	return &hookd.Webhook{
		ID:             hookd.NewID(hookd.PrefixWebhook, t0),
		WorkspaceID:    workspaceID,
		Name:           name,
		Description:    "the " + name + " endpoint",
		URL:            "https://example.com/" + name,
		Method:         hookd.MethodPost,
		Events:         []string{"*"},
		Headers:        map[string]string{"Authorization": "Bearer secret"},
		TimeoutSeconds: 30,
		RetrySchedule:  hookd.RetrySchedule{5 * time.Second, 5 * time.Minute},
		Signature:      hookd.SignatureSpec{Scheme: hookd.SchemeStandard, HeaderPrefix: "X-Acme"},
		TLSVerify:      true,
		Status:         hookd.WebhookActive,
		Secrets: []hookd.Secret{
			{Value: "whsec_bmV3"},
			{Value: "whsec_b2xk", ExpiresAt: &expires},
		},
		CreatedAt: t0,
		UpdatedAt: t0,
	}
}

// webhook creates a webhook of the workspace; edit changes it first.
func (f *fixture) webhook(workspaceID, name string, edit func(w *hookd.Webhook)) *hookd.Webhook {
	f.t.Helper()
	w := newWebhook(workspaceID, name)
	if edit != nil {
		edit(w)
	}
	if err := f.s.CreateWebhook(f.ctx, w, 0); err != nil {
		f.t.Fatalf("CreateWebhook %s: %v", name, err)
	}
	return w
}

// publish publishes one event of the type at now and returns it.
func (f *fixture) publish(workspaceID, typ string, channels []string, now time.Time) *hookd.Event {
	f.t.Helper()
	e := &hookd.Event{
		WorkspaceID: workspaceID,
		Type:        typ,
		Payload:     json.RawMessage(fmt.Sprintf(`{"type": %q, "n":  1}`, typ)),
		Channels:    channels,
	}
	if err := f.s.Publish(f.ctx, []*hookd.Event{e}, now); err != nil {
		f.t.Fatalf("Publish %s: %v", typ, err)
	}
	return e
}

// claim claims with a lease of one hour.
func (f *fixture) claim(now time.Time, limit, perWebhook int, exclude ...string) []hookd.Claim {
	f.t.Helper()
	claims, err := f.s.ClaimDue(f.ctx, hookd.ClaimRequest{
		Now: now, LeaseUntil: now.Add(time.Hour), Limit: limit, PerWebhook: perWebhook, Exclude: exclude,
	})
	if err != nil {
		f.t.Fatalf("ClaimDue: %v", err)
	}
	return claims
}

func (f *fixture) delivery(workspaceID, webhookID, id string) *hookd.Delivery {
	f.t.Helper()
	d, err := f.s.Delivery(f.ctx, workspaceID, webhookID, id)
	if err != nil {
		f.t.Fatalf("Delivery %s: %v", id, err)
	}
	return d
}

func (f *fixture) getWebhook(workspaceID, id string) *hookd.Webhook {
	f.t.Helper()
	w, err := f.s.Webhook(f.ctx, workspaceID, id)
	if err != nil {
		f.t.Fatalf("Webhook %s: %v", id, err)
	}
	return w
}

func (f *fixture) record(recs ...hookd.AttemptRecord) {
	f.t.Helper()
	if err := f.s.RecordAttempts(f.ctx, recs); err != nil {
		f.t.Fatalf("RecordAttempts: %v", err)
	}
}

// deliveries lists every delivery of the webhook, newest first.
func (f *fixture) deliveries(workspaceID, webhookID string) []hookd.Delivery {
	f.t.Helper()
	var all []hookd.Delivery
	filter := hookd.DeliveryFilter{WorkspaceID: workspaceID, WebhookID: webhookID, Page: hookd.Page{Limit: hookd.MaxPageLimit}}
	for {
		page, next, err := f.s.ListDeliveries(f.ctx, filter)
		if err != nil {
			f.t.Fatalf("ListDeliveries: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		filter.Cursor = next
	}
}

// failed returns a record of a failed attempt that leaves d pending, due
// again at next (or failed when next is nil).
func failed(deliveryID string, started time.Time, next *time.Time, code int) hookd.AttemptRecord {
	status := hookd.DeliveryPending
	if next == nil {
		status = hookd.DeliveryFailed
	}
	c := code
	return hookd.AttemptRecord{
		DeliveryID: deliveryID,
		Attempt: hookd.Attempt{
			Trigger:    hookd.TriggerScheduled,
			StartedAt:  started,
			DurationMS: 15,
			Request: hookd.AttemptRequest{Method: "POST", URL: "https://example.com/hook",
				Headers: map[string]string{"Webhook-Id": "evt_x", "Authorization": "[redacted]"}},
			Response: &hookd.AttemptResponse{Status: code, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "no"},
		},
		Status:            status,
		NextAttemptAt:     next,
		ScheduledAttempts: 1,
		LastStatusCode:    &c,
		Now:               started.Add(15 * time.Millisecond),
	}
}

// succeeded returns a record of a successful attempt.
func succeeded(deliveryID string, started time.Time) hookd.AttemptRecord {
	rec := failed(deliveryID, started, nil, 200)
	rec.Status = hookd.DeliverySucceeded
	rec.Succeeded = true
	rec.Attempt.Response.Body = "ok"
	return rec
}

func ptr[T any](v T) *T { return &v }

// wantCode fails the test unless err carries the code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := hookd.ErrorCode(err); got != code {
		t.Fatalf("%s: got error code %q (%v); want %q", what, got, err, code)
	}
}

// wantEqual fails the test unless got and want are deeply equal.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\ngot  %s\nwant %s", what, show(got), show(want))
	}
}

// show prints v with the fields JSON leaves out.
func show(v any) string { return fmt.Sprintf("%+v", deref(v)) }

func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return v
	}
	return rv.Interface()
}

// ids returns the IDs of deliveries, sorted.
func deliveryIDs(ds []hookd.Delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	sort.Strings(out)
	return out
}

// ClaimIDs returns the ids of the claimed deliveries, sorted, for
// comparing claims in tests.
func ClaimIDs(cs []hookd.Claim) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Delivery.ID
	}
	sort.Strings(out)
	return out
}

// webhookNames maps webhook ids to names for readable messages.
type webhookNames map[string]string

func (n webhookNames) of(ds []hookd.Delivery) string {
	var names []string
	for _, d := range ds {
		names = append(names, n[d.WebhookID])
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

func testPing(t *testing.T, f *fixture) {
	if err := f.s.Ping(f.ctx); err != nil {
		t.Fatalf("Ping: got %v; want nil", err)
	}
}
