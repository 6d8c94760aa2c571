package storetest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func testWorkspaces(t *testing.T, f *fixture) {
	ws := &hookd.Workspace{
		ID:   hookd.NewID(hookd.PrefixWorkspace, t0),
		Name: "acme",
		Settings: hookd.WorkspaceSettings{
			MaxWebhooks: 5,
			WebhookDefaults: &hookd.WebhookDefaults{
				TimeoutSeconds: ptr(10),
				RetrySchedule:  hookd.RetrySchedule{30 * time.Second, 24 * time.Hour},
				Signature:      &hookd.SignatureSpec{Scheme: hookd.SchemeSplit, HeaderPrefix: "X-Humiris", Header: "X-Sig", TimestampHeader: "X-Sig-Time"},
				RateLimit:      ptr(2.5),
			},
		},
		CreatedAt: t0,
		UpdatedAt: t0,
	}
	if err := f.s.CreateWorkspace(f.ctx, ws); err != nil {
		t.Fatalf("CreateWorkspace: %v", err)
	}
	got, err := f.s.Workspace(f.ctx, ws.ID)
	if err != nil {
		t.Fatalf("Workspace: %v", err)
	}
	wantEqual(t, "Workspace", got, ws)

	ws.Name = "acme 2"
	ws.Settings = hookd.WorkspaceSettings{MaxWebhooks: 1}
	ws.UpdatedAt = at(time.Minute)
	if err := f.s.UpdateWorkspace(f.ctx, ws); err != nil {
		t.Fatalf("UpdateWorkspace: %v", err)
	}
	got, err = f.s.Workspace(f.ctx, ws.ID)
	if err != nil {
		t.Fatalf("Workspace after update: %v", err)
	}
	wantEqual(t, "Workspace after update", got, ws)

	// A nil default schedule means the server's; an empty one, no retries.
	for _, tt := range []struct {
		name     string
		schedule hookd.RetrySchedule
	}{{"nil default schedule", nil}, {"empty default schedule", hookd.RetrySchedule{}}} {
		ws.Settings = hookd.WorkspaceSettings{WebhookDefaults: &hookd.WebhookDefaults{RetrySchedule: tt.schedule}}
		if err := f.s.UpdateWorkspace(f.ctx, ws); err != nil {
			t.Fatalf("%s: UpdateWorkspace: %v", tt.name, err)
		}
		got, err := f.s.Workspace(f.ctx, ws.ID)
		if err != nil {
			t.Fatalf("%s: Workspace: %v", tt.name, err)
		}
		if d := got.Settings.WebhookDefaults; d == nil || (d.RetrySchedule == nil) != (tt.schedule == nil) || len(d.RetrySchedule) != 0 {
			t.Errorf("%s: got defaults %+v; want retry schedule %#v", tt.name, d, tt.schedule)
		}
	}

	_, err = f.s.Workspace(f.ctx, "ws_missing")
	wantCode(t, "Workspace of a missing id", err, hookd.ENOTFOUND)
	err = f.s.UpdateWorkspace(f.ctx, &hookd.Workspace{ID: "ws_missing", Name: "x"})
	wantCode(t, "UpdateWorkspace of a missing id", err, hookd.ENOTFOUND)

	if err := f.s.DeleteWorkspace(f.ctx, ws.ID); err != nil {
		t.Fatalf("DeleteWorkspace: %v", err)
	}
	_, err = f.s.Workspace(f.ctx, ws.ID)
	wantCode(t, "Workspace after delete", err, hookd.ENOTFOUND)
	wantCode(t, "DeleteWorkspace twice", f.s.DeleteWorkspace(f.ctx, ws.ID), hookd.ENOTFOUND)
}

func testListWorkspaces(t *testing.T, f *fixture) {
	var ids []string
	for range 7 {
		ids = append(ids, f.workspace().ID)
	}
	// Newest first: the reverse of creation order.
	var want []string
	for i := len(ids) - 1; i >= 0; i-- {
		want = append(want, ids[i])
	}
	var (
		got    []string
		cursor string
		pages  int
	)
	for {
		page, next, err := f.s.ListWorkspaces(f.ctx, hookd.Page{Limit: 3, Cursor: cursor})
		if err != nil {
			t.Fatalf("ListWorkspaces: %v", err)
		}
		pages++
		if len(page) > 3 {
			t.Fatalf("page %d: got %d items; want at most 3", pages, len(page))
		}
		for _, ws := range page {
			got = append(got, ws.ID)
		}
		if next == "" {
			break
		}
		if next != page[len(page)-1].ID {
			t.Fatalf("page %d: got next cursor %q; want the last id %q", pages, next, page[len(page)-1].ID)
		}
		cursor = next
	}
	wantEqual(t, "ids over all pages", got, want)
	if pages != 3 {
		t.Fatalf("got %d pages; want 3", pages)
	}

	// A page that ends exactly at the last item has no next cursor.
	page, next, err := f.s.ListWorkspaces(f.ctx, hookd.Page{Limit: 7})
	if err != nil || len(page) != 7 || next != "" {
		t.Fatalf("Limit 7 of 7: got %d items, next %q, err %v; want 7, \"\", nil", len(page), next, err)
	}
}

func testPageLimits(t *testing.T, f *fixture) {
	ws := f.workspace()
	events := make([]*hookd.Event, hookd.MaxPageLimit+10)
	for i := range events {
		events[i] = &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: json.RawMessage(`{}`)}
	}
	if err := f.s.Publish(f.ctx, events, t0); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	tests := []struct {
		name     string
		page     hookd.Page
		wantLen  int
		wantNext bool
	}{
		{"zero limit is the default", hookd.Page{}, hookd.DefaultPageLimit, true},
		{"negative limit is the default", hookd.Page{Limit: -4}, hookd.DefaultPageLimit, true},
		{"limit over the cap", hookd.Page{Limit: 100000}, hookd.MaxPageLimit, true},
		{"garbage cursor after every id", hookd.Page{Limit: 5, Cursor: "zzzz-not-an-id"}, 5, true},
		{"garbage cursor before every id", hookd.Page{Limit: 5, Cursor: "0'; DROP TABLE events; --"}, 0, false},
	}
	for _, tt := range tests {
		got, next, err := f.s.ListEvents(f.ctx, hookd.EventFilter{WorkspaceID: ws.ID, Page: tt.page})
		if err != nil {
			t.Fatalf("%s: ListEvents: %v", tt.name, err)
		}
		if len(got) != tt.wantLen || (next != "") != tt.wantNext {
			t.Errorf("%s: got %d items, next %q; want %d, next set %v", tt.name, len(got), next, tt.wantLen, tt.wantNext)
		}
	}
}

func testAPIKeys(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	hash := sha256.Sum256([]byte("hk_secret"))
	k := &hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: ws.ID, Name: "ci", Hash: hash[:], CreatedAt: t0}
	if err := f.s.CreateAPIKey(f.ctx, k); err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	got, err := f.s.APIKeyByHash(f.ctx, hash[:])
	if err != nil {
		t.Fatalf("APIKeyByHash: %v", err)
	}
	wantEqual(t, "APIKeyByHash", got, k)

	dup := &hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: other.ID, Name: "dup", Hash: hash[:], CreatedAt: t0}
	wantCode(t, "CreateAPIKey with a hash that exists", f.s.CreateAPIKey(f.ctx, dup), hookd.ECONFLICT)
	orphan := &hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: "ws_missing", Name: "x", Hash: []byte("other"), CreatedAt: t0}
	wantCode(t, "CreateAPIKey in a missing workspace", f.s.CreateAPIKey(f.ctx, orphan), hookd.ENOTFOUND)

	unknown := sha256.Sum256([]byte("hk_unknown"))
	_, err = f.s.APIKeyByHash(f.ctx, unknown[:])
	wantCode(t, "APIKeyByHash of an unknown hash", err, hookd.ENOTFOUND)

	wantCode(t, "DeleteAPIKey from another workspace", f.s.DeleteAPIKey(f.ctx, other.ID, k.ID), hookd.ENOTFOUND)
	if _, err := f.s.APIKeyByHash(f.ctx, hash[:]); err != nil {
		t.Fatalf("APIKeyByHash after a refused delete: %v", err)
	}
	if err := f.s.DeleteAPIKey(f.ctx, ws.ID, k.ID); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	_, err = f.s.APIKeyByHash(f.ctx, hash[:])
	wantCode(t, "APIKeyByHash after delete", err, hookd.ENOTFOUND)
	wantCode(t, "DeleteAPIKey twice", f.s.DeleteAPIKey(f.ctx, ws.ID, k.ID), hookd.ENOTFOUND)
}

func testListAPIKeys(t *testing.T, f *fixture) {
	ws, other := f.workspace(), f.workspace()
	var keys []hookd.APIKey // oldest first
	for i, name := range []string{"ci", "deploy", "support"} {
		hash := sha256.Sum256([]byte(fmt.Sprintf("hk_list_%s_%d", ws.ID, i)))
		k := hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: ws.ID, Name: name, Hash: hash[:], CreatedAt: at(time.Duration(i) * time.Second)}
		if err := f.s.CreateAPIKey(f.ctx, &k); err != nil {
			t.Fatalf("CreateAPIKey %s: %v", name, err)
		}
		keys = append(keys, k)
	}
	hash := sha256.Sum256([]byte("hk_list_other_" + other.ID))
	if err := f.s.CreateAPIKey(f.ctx, &hookd.APIKey{ID: hookd.NewID(hookd.PrefixKey, t0), WorkspaceID: other.ID, Name: "other", Hash: hash[:], CreatedAt: t0}); err != nil {
		t.Fatalf("CreateAPIKey other: %v", err)
	}

	first, next, err := f.s.ListAPIKeys(f.ctx, ws.ID, hookd.Page{Limit: 2})
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	wantEqual(t, "ListAPIKeys first page", first, []hookd.APIKey{keys[2], keys[1]})
	if next == "" {
		t.Fatalf("ListAPIKeys first page: no next cursor; want one")
	}
	rest, next, err := f.s.ListAPIKeys(f.ctx, ws.ID, hookd.Page{Limit: 2, Cursor: next})
	if err != nil {
		t.Fatalf("ListAPIKeys second page: %v", err)
	}
	wantEqual(t, "ListAPIKeys second page", rest, []hookd.APIKey{keys[0]})
	if next != "" {
		t.Errorf("ListAPIKeys second page: next %q; want none", next)
	}

	if err := f.s.DeleteAPIKey(f.ctx, ws.ID, keys[1].ID); err != nil {
		t.Fatalf("DeleteAPIKey: %v", err)
	}
	all, _, err := f.s.ListAPIKeys(f.ctx, ws.ID, hookd.Page{})
	if err != nil {
		t.Fatalf("ListAPIKeys after delete: %v", err)
	}
	wantEqual(t, "ListAPIKeys after delete", all, []hookd.APIKey{keys[2], keys[0]})

	empty := f.workspace()
	none, next, err := f.s.ListAPIKeys(f.ctx, empty.ID, hookd.Page{})
	if err != nil || len(none) != 0 || next != "" {
		t.Errorf("ListAPIKeys of a workspace without keys: got %v, %q, %v; want none", none, next, err)
	}
	_, _, err = f.s.ListAPIKeys(f.ctx, "ws_missing", hookd.Page{})
	wantCode(t, "ListAPIKeys of a missing workspace", err, hookd.ENOTFOUND)
}

func testEventTypes(t *testing.T, f *fixture) {
	var created []*hookd.EventType
	for _, name := range []string{"user.created", "ticket.created", "ticket.sla.breached"} {
		et := &hookd.EventType{
			Name:        name,
			Description: "when " + name,
			// Odd spacing and key order: the bytes must come back as given.
			Example:   json.RawMessage(fmt.Sprintf(`{"z": 1,   "name":%q, "a": [ ]}`, name)),
			CreatedAt: t0,
			UpdatedAt: t0,
		}
		if err := f.s.CreateEventType(f.ctx, et); err != nil {
			t.Fatalf("CreateEventType %s: %v", name, err)
		}
		created = append(created, et)
	}
	dup := &hookd.EventType{Name: "ticket.created", CreatedAt: t0, UpdatedAt: t0}
	err := f.s.CreateEventType(f.ctx, dup)
	wantCode(t, "CreateEventType with a name that exists", err, hookd.ECONFLICT)

	got, err := f.s.EventType(f.ctx, "user.created")
	if err != nil {
		t.Fatalf("EventType: %v", err)
	}
	wantEqual(t, "EventType", got, created[0])
	if string(got.Example) != string(created[0].Example) {
		t.Fatalf("example bytes: got %q; want %q", got.Example, created[0].Example)
	}
	_, err = f.s.EventType(f.ctx, "nope.nope")
	wantCode(t, "EventType of a missing name", err, hookd.ENOTFOUND)

	// Name order, with the last name as cursor.
	page, next, err := f.s.ListEventTypes(f.ctx, hookd.Page{Limit: 2})
	if err != nil {
		t.Fatalf("ListEventTypes: %v", err)
	}
	if got, want := typeNames(page), "ticket.created,ticket.sla.breached"; got != want || next != "ticket.sla.breached" {
		t.Fatalf("first page: got %s next %q; want %s next %q", got, next, want, "ticket.sla.breached")
	}
	page, next, err = f.s.ListEventTypes(f.ctx, hookd.Page{Limit: 2, Cursor: next})
	if err != nil {
		t.Fatalf("ListEventTypes page 2: %v", err)
	}
	if got, want := typeNames(page), "user.created"; got != want || next != "" {
		t.Fatalf("second page: got %s next %q; want %s next \"\"", got, next, want)
	}
	names, err := f.s.EventTypeNames(f.ctx)
	if err != nil {
		t.Fatalf("EventTypeNames: %v", err)
	}
	wantEqual(t, "EventTypeNames", names, []string{"ticket.created", "ticket.sla.breached", "user.created"})

	upd := *created[1]
	upd.Description = "changed"
	upd.Example = json.RawMessage(`[1,2]`)
	upd.UpdatedAt = at(time.Hour)
	if err := f.s.UpdateEventType(f.ctx, &upd); err != nil {
		t.Fatalf("UpdateEventType: %v", err)
	}
	got, err = f.s.EventType(f.ctx, upd.Name)
	if err != nil {
		t.Fatalf("EventType after update: %v", err)
	}
	wantEqual(t, "EventType after update", got, &upd)
	wantCode(t, "UpdateEventType of a missing name",
		f.s.UpdateEventType(f.ctx, &hookd.EventType{Name: "nope.nope"}), hookd.ENOTFOUND)

	if err := f.s.DeleteEventType(f.ctx, "ticket.created"); err != nil {
		t.Fatalf("DeleteEventType: %v", err)
	}
	_, err = f.s.EventType(f.ctx, "ticket.created")
	wantCode(t, "EventType after delete", err, hookd.ENOTFOUND)
	wantCode(t, "DeleteEventType twice", f.s.DeleteEventType(f.ctx, "ticket.created"), hookd.ENOTFOUND)
}

func typeNames(ets []hookd.EventType) string {
	var names []string
	for _, et := range ets {
		names = append(names, et.Name)
	}
	return strings.Join(names, ",")
}
