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
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/sqlite"
)

const whAdminKey = "web-test-admin-key-0123456789abcdef"

// whSite (the webhook pages' test helpers, wh…) is hookd's API and web UI on 127.0.0.1 over a SQLite store in a
// temp dir, with a real delivery engine, wired as hookd serve wires them.
type whSite struct {
	t     *testing.T
	URL   string
	ui    *handler
	store hookd.Store
}

// newWHSite starts a site, stopped when t ends.
func newWHSite(t *testing.T) *whSite {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	engine, err := delivery.New(delivery.Config{Store: store, PollInterval: 50 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: whAdminKey,
		AllowHTTP: true, AllowInsecureTLS: true, Logger: quiet, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ui, err := New(Config{API: api, Store: store, SessionKey: []byte("web-test-session-key-0123456789abcdef"), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux() // as cli's siteHandler
	mux.Handle("/ui/", ui)
	mux.Handle("/", api)
	ts := httptest.NewServer(mux)
	if err := engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ts.Close()
		stop, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		engine.Stop(stop)
		store.Close()
	})
	return &whSite{t: t, URL: ts.URL, ui: ui.(*handler), store: store}
}

// call calls the API with the admin key: body as JSON unless nil, the
// answer decoded into out unless nil. It returns the status.
func (s *whSite) call(method, path string, body, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+whAdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

// mustCall is call that fails the test on an answer other than want.
func (s *whSite) mustCall(want int, method, path string, body, out any) {
	s.t.Helper()
	if got := s.call(method, path, body, out); got != want {
		s.t.Fatalf("%s %s: status %d; want %d", method, path, got, want)
	}
}

// workspace makes a workspace and returns its id.
func (s *whSite) workspace(name string) string {
	s.t.Helper()
	var ws hookd.Workspace
	s.mustCall(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": name}, &ws)
	return ws.ID
}

// eventType adds a catalogue entry.
func (s *whSite) eventType(name, description, example string) {
	s.t.Helper()
	s.mustCall(http.StatusCreated, "POST", "/v1/event-types", map[string]any{"name": name, "description": description, "example": json.RawMessage(example)}, nil)
}

// webhook returns the webhook through the API.
func (s *whSite) webhook(ws, id string) hookd.Webhook {
	s.t.Helper()
	var w hookd.Webhook
	s.mustCall(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+id, nil, &w)
	return w
}

// whBrowser is one browser's cookies on a whSite. It does not follow
// redirects, so that tests see them.
type whBrowser struct {
	t *testing.T
	s *whSite
	c *http.Client
}

func (s *whSite) whBrowser() *whBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &whBrowser{t: s.t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// admin returns a browser signed in with the admin key, through the
// sign-in form.
func (s *whSite) admin() *whBrowser {
	s.t.Helper()
	b := s.whBrowser()
	p := b.submit("/ui/login", "/ui/login", url.Values{"key": {whAdminKey}})
	if p.status != http.StatusSeeOther {
		s.t.Fatalf("sign in: status %d: %s", p.status, p.text())
	}
	return b
}

// portal returns a browser with a portal session of workspace ws, as a
// portal link would give it.
func (s *whSite) portal(ws string, readOnly bool) *whBrowser {
	s.t.Helper()
	b := s.whBrowser()
	u, _ := url.Parse(s.URL + "/ui/")
	v := s.ui.encodeSession(session{WorkspaceID: ws, ReadOnly: readOnly, Expires: time.Now().Add(time.Hour).Unix()})
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: v, Path: "/ui/"}})
	return b
}

// whPage is an answer to a browser.
type whPage struct {
	status   int
	location string
	body     string
}

// text returns the page's body with tags dropped and entities decoded,
// white space collapsed: what a reader sees, for error messages.
func (p whPage) text() string {
	s := regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(p.body, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// has reports whether the page's visible text contains s.
func (p whPage) has(s string) bool { return strings.Contains(p.text(), s) }

func (b *whBrowser) do(req *http.Request) whPage {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return whPage{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(body)}
}

// get opens path.
func (b *whBrowser) get(path string) whPage {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// mustGet opens path and fails the test unless it answers 200.
func (b *whBrowser) mustGet(path string) whPage {
	b.t.Helper()
	p := b.get(path)
	if p.status != http.StatusOK {
		b.t.Fatalf("GET %s: status %d: %s", path, p.status, p.text())
	}
	return p
}

// follow opens the page a redirect points to.
func (b *whBrowser) follow(p whPage) whPage {
	b.t.Helper()
	if p.status != http.StatusSeeOther || p.location == "" {
		b.t.Fatalf("not a redirect: status %d: %s", p.status, p.text())
	}
	return b.mustGet(p.location)
}

var whCSRFRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post sends form to path with the CSRF token of the page from (any page has
// one, in its sign-out form).
func (b *whBrowser) post(from whPage, path string, form url.Values) whPage {
	b.t.Helper()
	m := whCSRFRE.FindStringSubmatch(from.body)
	if m == nil {
		b.t.Fatalf("POST %s: no CSRF token on the whPage", path)
	}
	v := url.Values{}
	for k, vs := range form {
		v[k] = vs
	}
	v.Set("csrf", html.UnescapeString(m[1]))
	req, err := http.NewRequest("POST", b.s.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit opens formPage and posts form to action from it.
func (b *whBrowser) submit(formPage, action string, form url.Values) whPage {
	b.t.Helper()
	return b.post(b.get(formPage), action, form)
}

// whFormValues returns the values the first <form> posting to action would
// send as it stands: its inputs (ticked checkboxes and radios only),
// selected options and textareas. Good enough for hookd's own pages.
func whFormValues(t *testing.T, p whPage, action string) url.Values {
	t.Helper()
	start := strings.Index(p.body, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form posting to %s on the whPage: %s", action, p.text())
	}
	end := strings.Index(p.body[start:], "</form>")
	f := p.body[start : start+end]
	attr := func(tag, name string) (string, bool) {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return "", regexp.MustCompile(`\s` + name + `[\s>]`).MatchString(tag)
		}
		return html.UnescapeString(m[1]), true
	}
	v := url.Values{}
	for _, tag := range regexp.MustCompile(`<input[^>]*>`).FindAllString(f, -1) {
		name, _ := attr(tag, "name")
		typ, _ := attr(tag, "type")
		value, _ := attr(tag, "value")
		if name == "" || name == "csrf" {
			continue
		}
		if typ == "checkbox" || typ == "radio" {
			if _, on := attr(tag, "checked"); !on {
				continue
			}
			if value == "" && typ == "checkbox" {
				value = "on"
			}
		}
		v.Add(name, value)
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(f, -1) {
		v.Add(m[1], html.UnescapeString(strings.TrimPrefix(m[2], "\n")))
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(f, -1) {
		opts := regexp.MustCompile(`<option[^>]*value="([^"]*)"[^>]*>`).FindAllStringSubmatch(m[2], -1)
		chosen := ""
		for i, o := range opts {
			if i == 0 || strings.Contains(o[0], " selected") {
				chosen = html.UnescapeString(o[1])
			}
		}
		v.Add(m[1], chosen)
	}
	return v
}

// whReceiver is a webhook endpoint on 127.0.0.1 that records each request
// and answers as answer says.
type whReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []whReceived
	status int
	header http.Header
	body   string
}

// whReceived is one request a receiver got.
type whReceived struct {
	header http.Header
	body   []byte
}

func newWHReceiver(t *testing.T, status int, contentType, body string) *whReceiver {
	rc := &whReceiver{status: status, header: http.Header{"Content-Type": {contentType}}, body: body}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, whReceived{header: r.Header.Clone(), body: b})
		status, header, body := rc.status, rc.header, rc.body
		rc.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// requests returns what the receiver got so far.
func (rc *whReceiver) requests() []whReceived {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]whReceived(nil), rc.got...)
}
