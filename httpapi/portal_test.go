package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// portalAnswer is the answer to POST …/portal.
type portalAnswer struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	ReadOnly  bool      `json:"read_only"`
}

// portalURL matches a link of the env's public URL; its group is the token.
var portalURL = regexp.MustCompile(`^https://hooks\.example\.com/ui/portal/([A-Za-z0-9_-]{43})$`)

// TestPortalLinks creates portal links with the admin key and with a
// workspace key, and redeems them through the store as the web UI will:
// each link is absolute, single use, of its workspace, and lives as long
// as asked.
func TestPortalLinks(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testPortalLinks)
}

func testPortalLinks(t *testing.T, engine storeEngine) {
	e := newEnvOn(t, engine, func(c *httpapi.Config) { c.PublicURL = "https://hooks.example.com/" })
	wsA, wsB := e.workspace("A", nil), e.workspace("B", nil)
	keyA := e.key(wsA)
	ctx := context.Background()

	tests := []struct {
		name     string
		key      string
		body     any
		life     time.Duration
		readOnly bool
	}{
		{"admin key, no body", adminKey, nil, time.Hour, false},
		{"admin key, empty object", adminKey, `{}`, time.Hour, false},
		{"workspace key, read-only for 15m", keyA, map[string]any{"expires_in": "15m", "read_only": true}, 15 * time.Minute, true},
		{"the longest life", keyA, map[string]any{"expires_in": "168h", "read_only": false}, 168 * time.Hour, false},
		{"a second", adminKey, map[string]any{"expires_in": "1s"}, time.Second, false},
	}
	var tokens []string
	for _, tt := range tests {
		before := e.clock.Now()
		r := e.must(http.StatusCreated, "POST", "/v1/workspaces/"+wsA+"/portal", tt.key, tt.body)
		after := e.clock.Now()
		var a portalAnswer
		r.decode(t, &a)
		m := portalURL.FindStringSubmatch(a.URL)
		if m == nil {
			t.Fatalf("%s: url %q; want https://hooks.example.com/ui/portal/ and 43 base64url characters", tt.name, a.URL)
		}
		token := m[1]
		if slices.Contains(tokens, token) {
			t.Fatalf("%s: token %q was given before", tt.name, token)
		}
		tokens = append(tokens, token)
		if a.ExpiresAt.Before(before.Add(tt.life).Truncate(time.Microsecond)) || a.ExpiresAt.After(after.Add(tt.life)) || a.ExpiresAt.Location() != time.UTC {
			t.Errorf("%s: expires_at %s; want %s after the request, in UTC", tt.name, a.ExpiresAt, tt.life)
		}
		if a.ReadOnly != tt.readOnly {
			t.Errorf("%s: read_only %v; want %v", tt.name, a.ReadOnly, tt.readOnly)
		}

		// The web UI redeems the token once.
		l, err := e.store.RedeemPortalLink(ctx, httpapi.PortalTokenHash(token), after)
		if err != nil {
			t.Fatalf("%s: RedeemPortalLink: %v", tt.name, err)
		}
		if l.WorkspaceID != wsA || l.ReadOnly != tt.readOnly || !l.ExpiresAt.Equal(a.ExpiresAt) {
			t.Errorf("%s: stored link %+v; want workspace %s, read_only %v, expiring at %s", tt.name, *l, wsA, tt.readOnly, a.ExpiresAt)
		}
		if _, err := e.store.RedeemPortalLink(ctx, httpapi.PortalTokenHash(token), after); !errors.Is(err, hookd.ErrPortalLinkUsed) {
			t.Errorf("%s: second redemption: got %v; want %v", tt.name, err, hookd.ErrPortalLinkUsed)
		}
	}

	// From its expiry on, a link is refused.
	var a portalAnswer
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+wsB+"/portal", adminKey, `{"expires_in":"2m"}`).decode(t, &a)
	token := portalURL.FindStringSubmatch(a.URL)[1]
	if _, err := e.store.RedeemPortalLink(ctx, httpapi.PortalTokenHash(token), a.ExpiresAt); !errors.Is(err, hookd.ErrPortalLinkExpired) {
		t.Errorf("redemption at expiry: got %v; want %v", err, hookd.ErrPortalLinkExpired)
	}
	// Nor does it outlive its workspace.
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+wsB+"/portal", adminKey, nil).decode(t, &a)
	token = portalURL.FindStringSubmatch(a.URL)[1]
	e.must(http.StatusNoContent, "DELETE", "/v1/workspaces/"+wsB, adminKey, nil)
	if _, err := e.store.RedeemPortalLink(ctx, httpapi.PortalTokenHash(token), e.clock.Now()); hookd.ErrorCode(err) != hookd.ENOTFOUND {
		t.Errorf("link of a deleted workspace: got %v; want %s", err, hookd.ENOTFOUND)
	}
}

// TestPortalLinkRefusals: a key of another workspace, an unknown
// workspace, a read-only session and no key get no link, each with its
// problem, and a link that was refused cannot be redeemed.
func TestPortalLinkRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wsA, wsB := e.workspace("A", nil), e.workspace("B", nil)
	keyA, keyB := e.key(wsA), e.key(wsB)
	path := "/v1/workspaces/" + wsA + "/portal"

	// B's key finds no workspace A: the same 404 as for one that does not exist.
	r := e.do("POST", path, keyB, nil)
	if r.status != http.StatusNotFound {
		t.Fatalf("B's key on A's portal: %d %s; want 404", r.status, r.body)
	}
	ghost := e.do("POST", "/v1/workspaces/ws_01NOTHERE/portal", keyB, nil)
	idPattern := regexp.MustCompile(`ws_[0-9A-Za-z]+`)
	if ghost.status != r.status || idPattern.ReplaceAllString(r.problem(t).Detail, "ID") != idPattern.ReplaceAllString(ghost.problem(t).Detail, "ID") {
		t.Errorf("B's key on A: %d %q; on nothing: %d %q: the answers tell A apart", r.status, r.problem(t).Detail, ghost.status, ghost.problem(t).Detail)
	}
	e.must(http.StatusNotFound, "POST", "/v1/workspaces/"+wsB+"/portal", keyA, nil)
	e.must(http.StatusNotFound, "POST", "/v1/workspaces/ws_01NOTHERE/portal", adminKey, nil)
	e.must(http.StatusUnauthorized, "POST", path, "", nil)
	e.must(http.StatusMethodNotAllowed, "GET", path, adminKey, nil)

	// A read-only session sees and changes nothing, so it makes no links
	// (which would open sessions that are not read-only).
	req := httptest.NewRequest("POST", path, strings.NewReader(`{"read_only":true}`))
	req = req.WithContext(httpapi.WithCaller(req.Context(), httpapi.Caller{WorkspaceID: wsA, ReadOnly: true}))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("read-only session: %d %s; want 403", rec.Code, rec.Body)
	}
	// A session that may write makes one.
	req = httptest.NewRequest("POST", path, nil)
	req = req.WithContext(httpapi.WithCaller(req.Context(), httpapi.Caller{WorkspaceID: wsA}))
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Errorf("portal session: %d %s; want 201", rec.Code, rec.Body)
	}
}

// TestPortalBadInput: each bad body gets a 422 (or 400) naming the field.
func TestPortalBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ws := e.workspace("A", nil)
	path := "/v1/workspaces/" + ws + "/portal"
	for _, tc := range []struct {
		body   string
		status int
		field  string
		detail string
	}{
		{`{"expires_in":"0s"}`, 422, "expires_in", `above "0s"`},
		{`{"expires_in":"-1h"}`, 422, "expires_in", `above "0s"`},
		{`{"expires_in":"168h0m1s"}`, 422, "expires_in", `at most "168h"`},
		{`{"expires_in":"9999h"}`, 422, "expires_in", `at most "168h"`},
		{`{"expires_in":"soon"}`, 422, "expires_in", "duration"},
		{`{"expires_in":3600}`, 422, "expires_in", `"1h"`},
		{`{"read_only":"yes"}`, 422, "read_only", ""},
		{`{"read_only":true,"workspace_id":"ws_1"}`, 422, "workspace_id", ""},
		{`[]`, 422, "", "object"},
		{`{"expires_in":`, 400, "", "malformed"},
	} {
		r := e.do("POST", path, adminKey, tc.body)
		if r.status != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.body, r.status, r.body, tc.status)
			continue
		}
		p := r.problem(t)
		if tc.field != "" && !slices.Contains(p.fields(), tc.field) {
			t.Errorf("%s: fields %q; want %q (detail %q)", tc.body, p.fields(), tc.field, p.Detail)
		}
		if !strings.Contains(p.Detail, tc.detail) {
			t.Errorf("%s: detail %q; want it to contain %q", tc.body, p.Detail, tc.detail)
		}
	}
}

// TestPublicURL: Config.PublicURL starts every link, without its trailing
// slash; New refuses one that is not an absolute http(s) URL without a
// path.
func TestPublicURL(t *testing.T) {
	t.Parallel()
	store := openStore(t, engineSQLite)
	ws := &hookd.Workspace{Name: "A", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := store.CreateWorkspace(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		publicURL string
		want      string // the links' start; "" for an error from New
	}{
		{"", "http://127.0.0.1:8080/ui/portal/"},
		{"https://hooks.example.com", "https://hooks.example.com/ui/portal/"},
		{"https://hooks.example.com/", "https://hooks.example.com/ui/portal/"},
		{"http://[::1]:8080", "http://[::1]:8080/ui/portal/"},
		{"ftp://hooks.example.com", ""},
		{"hooks.example.com", ""},
		{"/hooks", ""},
		{"https://", ""},
		{"https://hooks.example.com/hookd", ""},
		{"https://hooks.example.com?x=1", ""},
		{"https://hooks.example.com#top", ""},
		{"https://user:pw@hooks.example.com", ""},
	} {
		h, err := httpapi.New(httpapi.Config{Store: store, Engine: &fakeEngine{}, AdminKey: adminKey, PublicURL: tc.publicURL})
		if tc.want == "" {
			if err == nil || !strings.Contains(err.Error(), "PublicURL") {
				t.Errorf("PublicURL %q: New: got %v; want an error naming PublicURL", tc.publicURL, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("PublicURL %q: New: %v", tc.publicURL, err)
			continue
		}
		req := httptest.NewRequest("POST", "/v1/workspaces/"+ws.ID+"/portal", nil)
		req.Header.Set("Authorization", "Bearer "+adminKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated || !strings.Contains(rec.Body.String(), `"url":"`+tc.want) {
			t.Errorf("PublicURL %q: %d %s; want 201 with a url starting %s", tc.publicURL, rec.Code, rec.Body, tc.want)
		}
	}
}
