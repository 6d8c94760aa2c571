package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlite"
	"github.com/hookd/hookd/web"
)

const siteAdminKey = "web-test-admin-key-0123456789abcdef"

// site is the API and the UI over a SQLite store in a temp dir, with a real
// delivery engine, on a loopback server.
type site struct {
	t     *testing.T
	srv   *httptest.Server
	store hookd.Store
}

// newSite starts a site that lets webhooks reach loopback over http.
func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine, err := delivery.New(delivery.Config{Store: store, Logger: logger, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Stop(context.Background()) })
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: siteAdminKey, AllowHTTP: true, AllowInsecureTLS: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := web.New(web.Config{API: api, Store: store, SessionKey: bytes.Repeat([]byte("k"), 32), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/ui/", ui)
	mux.Handle("/", api)
	s := &site{t: t, store: store, srv: httptest.NewServer(mux)}
	t.Cleanup(s.srv.Close)
	return s
}

// apiCall calls the API with the admin key and decodes a 2xx answer into
// out; any other answer fails the test.
func (s *site) apiCall(method, path string, body, out any) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+siteAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		s.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// browser is a cookie jar on the site, following no redirects.
type browser struct {
	s  *site
	hc *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{s: s, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signInAdmin signs b in with the admin key through the sign-in form.
func (b *browser) signInAdmin() {
	b.s.t.Helper()
	resp, _ := b.post("/ui/login", url.Values{"key": {siteAdminKey}})
	if resp.StatusCode != http.StatusSeeOther {
		b.s.t.Fatalf("sign in: %d", resp.StatusCode)
	}
}

// portal makes a portal link of ws through the API and opens it in b.
func (b *browser) portal(ws string, readOnly bool) {
	b.s.t.Helper()
	var link struct {
		URL string `json:"url"`
	}
	b.s.apiCall("POST", "/v1/workspaces/"+ws+"/portal", map[string]any{"read_only": readOnly}, &link)
	u, err := url.Parse(link.URL)
	if err != nil {
		b.s.t.Fatal(err)
	}
	resp, _ := b.get(u.Path)
	if resp.StatusCode != http.StatusSeeOther {
		b.s.t.Fatalf("open portal link: %d", resp.StatusCode)
	}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.s.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// get fetches a page.
func (b *browser) get(path string) (*http.Response, string) {
	b.s.t.Helper()
	req, _ := http.NewRequest("GET", b.s.srv.URL+path, nil)
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token returns the CSRF token of the sign-in page (every page carries
// the same one for a browser).
func (b *browser) token() string {
	b.s.t.Helper()
	_, body := b.get("/ui/login")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		b.s.t.Fatal("no CSRF token on the sign-in page")
	}
	return m[1]
}

// post submits a form with the browser's CSRF token.
func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.s.t.Helper()
	form.Set("csrf", b.token())
	return b.postRaw(path, form)
}

// postRaw submits a form as it is.
func (b *browser) postRaw(path string, form url.Values) (*http.Response, string) {
	b.s.t.Helper()
	req, _ := http.NewRequest("POST", b.s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}
