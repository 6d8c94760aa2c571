package web

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
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
)

// opAdminKey is the admin key of the operator tests' servers.
const opAdminKey = "admin-key-of-the-operator-tests"

// opEnv is hookd in this process, as hookd serve wires it (the API and the
// UI on one listener, a real delivery engine, SQLite on disk), with a
// browser: an HTTP client with a cookie jar that does not follow
// redirects, so that tests see them.
type opEnv struct {
	t      *testing.T
	srv    *httptest.Server
	store  hookd.Store
	ui     *handler
	client *http.Client
	// csrf is the token of the client's CSRF cookie, read from a page.
	csrf string
}

// newOpEnv starts hookd on 127.0.0.1 over a new SQLite file.
func newOpEnv(t *testing.T) *opEnv {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := delivery.New(delivery.Config{Store: store, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: opAdminKey, AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := New(Config{API: api, Store: store, SessionKey: bytes.Repeat([]byte("k"), 32)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux() // as cli's siteHandler
	mux.Handle("/ui/", ui)
	mux.Handle("/ui", ui)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		stopCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		engine.Stop(stopCtx)
		store.Close()
	})
	return &opEnv{t: t, srv: srv, store: store, ui: ui.(*handler), client: newBrowser(t)}
}

// newBrowser returns a client with an empty cookie jar that does not
// follow redirects.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// opPage is one answer of the UI.
type opPage struct {
	status   int
	body     string
	location string
	header   http.Header
}

// get fetches path from the UI.
func (e *opEnv) get(path string) opPage {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(req)
}

// post submits a form to path with the CSRF token (fetched once from the
// sign-in page).
func (e *opEnv) post(path string, form url.Values) opPage {
	e.t.Helper()
	if e.csrf == "" {
		e.csrf = csrfOf(e.t, e.get("/ui/login").body)
	}
	f := url.Values{"csrf": {e.csrf}}
	for k, v := range form {
		f[k] = v
	}
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(f.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.send(req)
}

func (e *opEnv) send(req *http.Request) opPage {
	e.t.Helper()
	res, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return opPage{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

// follow fetches the page p redirects to, which must be a 303.
func (e *opEnv) follow(p opPage) opPage {
	e.t.Helper()
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("status %d; want a 303 redirect. Body:\n%s", p.status, p.body)
	}
	return e.get(p.location)
}

// signIn signs the client in as the operator.
func (e *opEnv) signIn() {
	e.t.Helper()
	p := e.post("/ui/login", url.Values{"key": {opAdminKey}})
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("sign in: status %d; want 303. Body:\n%s", p.status, p.body)
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form of body.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf input in:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// api calls the HTTP API with key and decodes the answer into out (unless
// nil); it returns the status and the body.
func (e *opEnv) api(method, path, key string, body, out any) (int, string) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return res.StatusCode, string(b)
}

// mustAPI is api that fails the test unless the answer has status want.
func (e *opEnv) mustAPI(want int, method, path string, body, out any) string {
	e.t.Helper()
	status, b := e.api(method, path, opAdminKey, body, out)
	if status != want {
		e.t.Fatalf("%s %s: status %d; want %d. Body: %s", method, path, status, want, b)
	}
	return b
}

// workspace creates a workspace through the API.
func (e *opEnv) workspace(name string) hookd.Workspace {
	e.t.Helper()
	var ws hookd.Workspace
	e.mustAPI(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": name}, &ws)
	return ws
}

// routeMissing reports whether the API answered method path with its 404
// for a route it does not serve (another helper's route not merged yet).
func (e *opEnv) routeMissing(method, path string) bool {
	e.t.Helper()
	status, body := e.api(method, path, opAdminKey, map[string]any{}, nil)
	return status == http.StatusNotFound && strings.Contains(body, "no such route")
}

// wantContains fails the test unless body holds every one of subs.
func wantContains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: no %q in the page:\n%s", what, s, body)
		}
	}
}

// wantNoInlineStyle fails the test when body has a style attribute or
// element, which the CSP would block.
func wantNoInlineStyle(t *testing.T, what, body string) {
	t.Helper()
	if m := regexp.MustCompile(`(?i)<style|\sstyle=`).FindString(body); m != "" {
		t.Errorf("%s: the page has %q: the CSP forbids inline styles", what, m)
	}
}
