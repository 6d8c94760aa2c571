package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlite"
)

// The helpers of the delivery log, event and catalogue tests: a whole
// hookd (SQLite in a temp dir, the API, the delivery engine, the UI) on
// 127.0.0.1, a receiver, and browsers with cookie jars.

const dlAdminKey = "test-admin-key-delivery-pages-0123456789"

// dlSite is one hookd serving the API and the UI over real HTTP.
type dlSite struct {
	t   *testing.T
	url string
	ui  *handler
}

// newDLSite starts a hookd whose engine sends at once, over a fresh
// SQLite database; everything stops when t ends.
func newDLSite(t *testing.T) *dlSite {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	engine, err := delivery.New(delivery.Config{Store: store, Logger: logger, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("delivery engine: %v", err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: dlAdminKey, AllowHTTP: true, AllowInsecureTLS: true, Logger: logger, Version: "test"})
	if err != nil {
		t.Fatalf("httpapi: %v", err)
	}
	ui, err := New(Config{API: api, Store: store, SessionKey: bytes.Repeat([]byte("k"), 32), Logger: logger})
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	mux := http.NewServeMux() // as cli's siteHandler
	mux.Handle("/ui/", ui)
	mux.Handle("/ui", ui)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	if err := engine.Start(context.WithoutCancel(ctx)); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		engine.Stop(stopCtx)
	})
	return &dlSite{t: t, url: srv.URL, ui: ui.(*handler)}
}

// api calls the API with the admin key and decodes the answer into out;
// it fails the test on any status but want.
func (s *dlSite) api(method, path string, body, out any, want int) {
	s.t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		// As most clients send it: "<" as it is, not as \u003c.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			s.t.Fatal(err)
		}
		rd = &buf
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+dlAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s = %d; want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// workspace creates a workspace and returns its id.
func (s *dlSite) workspace(name string) string {
	var ws hookd.Workspace
	s.api("POST", "/v1/workspaces", map[string]any{"name": name}, &ws, http.StatusCreated)
	return ws.ID
}

// eventType adds a type to the catalogue.
func (s *dlSite) eventType(name string) {
	s.api("POST", "/v1/event-types", map[string]any{"name": name, "description": "The " + name + " event."}, nil, http.StatusCreated)
}

// webhook creates a webhook of ws to url for events, with one attempt and
// no retries, and returns its id.
func (s *dlSite) webhook(ws, name, url string, events ...string) string {
	var w hookd.Webhook
	s.api("POST", "/v1/workspaces/"+ws+"/webhooks", map[string]any{
		"name": name, "url": url, "events": events, "retry_schedule": []string{},
	}, &w, http.StatusCreated)
	return w.ID
}

// publish publishes events to ws in one batch and returns their ids.
func (s *dlSite) publish(ws string, events ...map[string]any) []string {
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.api("POST", "/v1/workspaces/"+ws+"/events/batch", map[string]any{"events": events}, &out, http.StatusAccepted)
	ids := make([]string, len(out.Data))
	for i, e := range out.Data {
		ids[i] = e.ID
	}
	return ids
}

// deliveries returns every delivery of a webhook that the API lists for
// query, newest first, walking its pages.
func (s *dlSite) deliveries(ws, whk string, query url.Values) []hookd.Delivery {
	var all []hookd.Delivery
	q := url.Values{"limit": {"250"}}
	for k, v := range query {
		q[k] = v
	}
	for range 100 {
		var l list[hookd.Delivery]
		s.api("GET", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/deliveries?"+q.Encode(), nil, &l, http.StatusOK)
		all = append(all, l.Data...)
		if l.NextCursor == nil {
			return all
		}
		q.Set("cursor", *l.NextCursor)
	}
	s.t.Fatal("more than 100 pages of deliveries")
	return nil
}

// waitFor polls the API through check until it reports true, for at most
// 15 seconds: the engine's attempts land asynchronously.
func (s *dlSite) waitFor(what string, check func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !check() {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// settled waits until no delivery of the webhook is pending.
func (s *dlSite) settled(ws, whk string, want int) []hookd.Delivery {
	s.t.Helper()
	var all []hookd.Delivery
	s.waitFor("deliveries to finish", func() bool {
		all = s.deliveries(ws, whk, nil)
		if len(all) != want {
			return false
		}
		for _, d := range all {
			if d.Status == hookd.DeliveryPending {
				return false
			}
		}
		return true
	})
	return all
}

// dlReceiver is a webhook endpoint on 127.0.0.1 whose answer the test
// sets.
type dlReceiver struct {
	url string
	// fail makes every answer a 500 with HTML in its body and headers.
	fail atomic.Bool
	// failType makes answers to events of this type 500s.
	failType atomic.Value
	hits     atomic.Int64
}

// Hostile parts of a failing receiver's answer.
const (
	dlEvilBody   = `<img src=x onerror=alert(1)>`
	dlEvilHeader = `<b onmouseover=alert(2)>x</b>`
)

func newDLReceiver(t *testing.T) *dlReceiver {
	r := &dlReceiver{}
	r.failType.Store("")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		_, _ = io.Copy(io.Discard, req.Body)
		if r.fail.Load() || req.Header.Get("X-Hookd-Event-Type") == r.failType.Load().(string) {
			w.Header().Set("X-Debug", dlEvilHeader)
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, dlEvilBody)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/hook"
	return r
}

// dlBrowser is a browser: a cookie jar, and the CSRF token of its last
// page. It follows redirects, as a browser does after a form.
type dlBrowser struct {
	t    *testing.T
	site *dlSite
	c    *http.Client
	csrf string
}

func (s *dlSite) browser() *dlBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &dlBrowser{t: s.t, site: s, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// operator returns a browser signed in with the admin key through the
// sign-in form.
func (s *dlSite) operator() *dlBrowser {
	b := s.browser()
	b.get("/ui/login")
	// Land on the catalogue: the overview is another part's.
	if status, body := b.post("/ui/login", url.Values{"key": {dlAdminKey}, "next": {"/ui/event-types"}}); status != http.StatusOK || strings.Contains(body, `id="key"`) {
		s.t.Fatalf("sign in = %d, still on the sign-in page", status)
	}
	return b
}

// portal returns a browser with a portal session of workspace ws, as a
// portal link would leave it.
func (s *dlSite) portal(ws string, readOnly bool) *dlBrowser {
	b := s.browser()
	u, _ := url.Parse(s.url + "/ui/")
	v := s.ui.encodeSession(session{WorkspaceID: ws, ReadOnly: readOnly, Expires: time.Now().Add(time.Hour).Unix()})
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: v, Path: "/ui/"}})
	return b
}

// do sends req and returns the final status and body, keeping the page's
// CSRF token.
func (b *dlBrowser) do(req *http.Request) (int, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfInput.FindSubmatch(body); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return resp.StatusCode, string(body)
}

// get opens a page.
func (b *dlBrowser) get(path string) (int, string) {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.site.url+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form with the CSRF token of the last page.
func (b *dlBrowser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if b.csrf == "" {
		b.get("/ui/login") // any page gives the token
	}
	form.Set("csrf", b.csrf)
	req, err := http.NewRequest("POST", b.site.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// mustGet opens a page that must answer want.
func (b *dlBrowser) mustGet(path string, want int) string {
	b.t.Helper()
	status, body := b.get(path)
	if status != want {
		b.t.Fatalf("GET %s = %d; want %d\n%s", path, status, want, excerpt(body))
	}
	return body
}

// excerpt returns the main part of a page, for failure messages.
func excerpt(page string) string {
	if i := strings.Index(page, `<main`); i >= 0 {
		page = page[i:]
	}
	if len(page) > 3000 {
		page = page[:3000] + "…"
	}
	return page
}

// links returns the unescaped targets of the links on page that match re's
// first group.
func links(page string, re *regexp.Regexp) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

var olderLink = regexp.MustCompile(`<a class="button" href="([^"]+)" rel="next">`)

// older returns the page's "Older →" link, or "".
func older(page string) string {
	if l := links(page, olderLink); len(l) > 0 {
		return l[0]
	}
	return ""
}
