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

// The harness of the page tests: a site (hookd's API, delivery engine and
// UI over SQLite in a temp dir, on 127.0.0.1, wired as hookd serve wires
// them), receivers whose answers a test sets, and browsers with cookie
// jars that sign in through the pages.

// testAdminKey is the admin key of every test site.
const testAdminKey = "web-test-admin-key-0123456789abcdef"

// site is one hookd serving the API and the UI over real HTTP.
type site struct {
	t   *testing.T
	url string
	ui  *handler
}

// newSite starts a hookd over a fresh SQLite database whose engine sends
// at once and may reach loopback over http; everything stops when t
// ends.
func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	engine, err := delivery.New(delivery.Config{Store: store, Logger: quiet, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("delivery engine: %v", err)
	}
	api, err := httpapi.New(httpapi.Config{Store: store, Engine: engine, AdminKey: testAdminKey,
		AllowHTTP: true, AllowInsecureTLS: true, Logger: quiet, Version: "test"})
	if err != nil {
		t.Fatalf("httpapi: %v", err)
	}
	ui, err := New(Config{API: api, Store: store, SessionKey: bytes.Repeat([]byte("k"), 32), Logger: quiet})
	if err != nil {
		t.Fatalf("web: %v", err)
	}
	if err := engine.Start(ctx); err != nil {
		t.Fatalf("start engine: %v", err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		engine.Stop(stop)
	})
	mux := http.NewServeMux() // as cli's siteHandler
	mux.Handle("/ui/", ui)
	mux.Handle("/ui", ui)
	mux.Handle("/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &site{t: t, url: srv.URL, ui: ui.(*handler)}
}

// apiAs calls the API with key: body as JSON unless nil (with "<" as it
// is, as most clients send it), and a success's answer decoded into out
// unless nil. It returns the status and the body.
func (s *site) apiAs(key, method, path string, body, out any) (int, string) {
	s.t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
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
	req.Header.Set("Authorization", "Bearer "+key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, string(b)
}

// api is apiAs with the admin key.
func (s *site) api(method, path string, body, out any) (int, string) {
	s.t.Helper()
	return s.apiAs(testAdminKey, method, path, body, out)
}

// mustAPI is api that fails the test unless the answer has status want.
func (s *site) mustAPI(want int, method, path string, body, out any) string {
	s.t.Helper()
	status, b := s.api(method, path, body, out)
	if status != want {
		s.t.Fatalf("%s %s: status %d; want %d. Body: %s", method, path, status, want, b)
	}
	return b
}

// workspace creates a workspace and returns its id.
func (s *site) workspace(name string) string {
	s.t.Helper()
	var ws hookd.Workspace
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces", map[string]any{"name": name}, &ws)
	return ws.ID
}

// eventType adds a type to the catalogue, with example (JSON) unless it
// is "".
func (s *site) eventType(name, description, example string) {
	s.t.Helper()
	body := map[string]any{"name": name, "description": description}
	if example != "" {
		body["example"] = json.RawMessage(example)
	}
	s.mustAPI(http.StatusCreated, "POST", "/v1/event-types", body, nil)
}

// addWebhook creates a webhook of ws to url for events, with one attempt
// and no retries, and returns its id.
func (s *site) addWebhook(ws, name, url string, events ...string) string {
	s.t.Helper()
	var w hookd.Webhook
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/webhooks", map[string]any{
		"name": name, "url": url, "events": events, "retry_schedule": []string{},
	}, &w)
	return w.ID
}

// webhook returns a webhook as the API has it.
func (s *site) webhook(ws, id string) hookd.Webhook {
	s.t.Helper()
	var w hookd.Webhook
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+id, nil, &w)
	return w
}

// secret returns a webhook's signing secret.
func (s *site) secret(ws, id string) string {
	s.t.Helper()
	var out struct {
		SigningSecret string `json:"signing_secret"`
	}
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+id+"/secret", nil, &out)
	return out.SigningSecret
}

// publish publishes events to ws in one batch and returns their ids.
func (s *site) publish(ws string, events ...map[string]any) []string {
	s.t.Helper()
	var out struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	s.mustAPI(http.StatusAccepted, "POST", "/v1/workspaces/"+ws+"/events/batch", map[string]any{"events": events}, &out)
	ids := make([]string, len(out.Data))
	for i, e := range out.Data {
		ids[i] = e.ID
	}
	return ids
}

// delivery returns a delivery of webhook whk.
func (s *site) delivery(ws, whk, dlv string) hookd.Delivery {
	s.t.Helper()
	var d hookd.Delivery
	s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/deliveries/"+dlv, nil, &d)
	return d
}

// deliveries returns every delivery of a webhook that the API lists for
// query, newest first, walking its pages.
func (s *site) deliveries(ws, whk string, query url.Values) []hookd.Delivery {
	s.t.Helper()
	var all []hookd.Delivery
	q := url.Values{"limit": {"250"}}
	for k, v := range query {
		q[k] = v
	}
	for range 100 {
		var l list[hookd.Delivery]
		s.mustAPI(http.StatusOK, "GET", "/v1/workspaces/"+ws+"/webhooks/"+whk+"/deliveries?"+q.Encode(), nil, &l)
		all = append(all, l.Data...)
		if l.NextCursor == nil {
			return all
		}
		q.Set("cursor", *l.NextCursor)
	}
	s.t.Fatal("more than 100 pages of deliveries")
	return nil
}

// waitFor polls check until it reports true, for at most 15 seconds: the
// engine's attempts land asynchronously.
func (s *site) waitFor(what string, check func() bool) {
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

// settled waits until the webhook has want deliveries and none of them
// is pending, and returns them.
func (s *site) settled(ws, whk string, want int) []hookd.Delivery {
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

// portalLink makes a single-use portal link of ws through the API and
// returns its path.
func (s *site) portalLink(ws string, readOnly bool) string {
	s.t.Helper()
	var link struct {
		URL string `json:"url"`
	}
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/portal", map[string]any{"read_only": readOnly}, &link)
	u, err := url.Parse(link.URL)
	if err != nil || !strings.HasPrefix(u.Path, "/ui/portal/") {
		s.t.Fatalf("portal link %q: want a URL of /ui/portal/…", link.URL)
	}
	return u.Path
}

// receiver is a webhook endpoint on 127.0.0.1 that records each request
// and answers as the test sets: 200 {"ok":true} until told otherwise.
type receiver struct {
	// url is the endpoint, for a webhook's url.
	url string
	srv *httptest.Server
	// arrived gets a value for each request (but those that find it
	// full), for a test to wait on.
	arrived chan struct{}

	mu     sync.Mutex
	got    []received
	status int
	header http.Header
	body   string
	// failing makes every answer failAnswer, as does failingType for
	// the events of that type.
	failing     bool
	failingType string
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
}

// The hostile parts of a failing receiver's answer: a 500 with HTML in
// its body and a header.
const (
	evilBody   = `<img src=x onerror=alert(1)>`
	evilHeader = `<b onmouseover=alert(2)>x</b>`
)

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{arrived: make(chan struct{}, 64), status: http.StatusOK, header: http.Header{}, body: `{"ok":true}`}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b})
		status, header, body := rc.status, rc.header.Clone(), rc.body
		if rc.failing || (rc.failingType != "" && r.Header.Get("X-Hookd-Event-Type") == rc.failingType) {
			status, header, body = http.StatusInternalServerError, http.Header{"X-Debug": {evilHeader}}, evilBody
		}
		rc.mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
		select {
		case rc.arrived <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(rc.srv.Close)
	rc.url = rc.srv.URL + "/hook"
	return rc
}

// answer makes the receiver answer status with a body of contentType.
func (rc *receiver) answer(status int, contentType, body string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.status, rc.body = status, body
	rc.header.Set("Content-Type", contentType)
}

// setHeader adds a header to the receiver's answers.
func (rc *receiver) setHeader(name, value string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.header.Set(name, value)
}

// fail makes every answer, or none, a 500 with evilBody and evilHeader.
func (rc *receiver) fail(on bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.failing = on
}

// failType makes the answers to events of type typ 500s with evilBody
// and evilHeader.
func (rc *receiver) failType(typ string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.failingType = typ
}

// requests returns what the receiver got so far.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// close stops the receiver: requests to it get no answer.
func (rc *receiver) close() { rc.srv.Close() }

// browser is a browser on a site: a cookie jar, and the CSRF token of the
// forms of the last page that had one. It follows no redirects, so that
// tests see them; submit follows one as a browser does after a form.
type browser struct {
	t    *testing.T
	s    *site
	c    *http.Client
	csrf string
}

// browser returns a browser with no cookies.
func (s *site) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &browser{t: s.t, s: s, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// admin returns a browser signed in with the admin key.
func (s *site) admin() *browser {
	s.t.Helper()
	b := s.browser()
	b.signInAdmin()
	return b
}

// portal returns a browser signed into ws's portal the way its users
// are: through a portal link made with the API, opened in the browser.
func (s *site) portal(ws string, readOnly bool) *browser {
	s.t.Helper()
	b := s.browser()
	if p := b.get(s.portalLink(ws, readOnly)); p.status != http.StatusSeeOther || p.location != "/ui/workspaces/"+ws+"/webhooks" {
		s.t.Fatalf("open a portal link: status %d to %q; want 303 to the webhook list: %s", p.status, p.location, p.text())
	}
	return b
}

// signInAdmin signs b in with the admin key through the sign-in form.
func (b *browser) signInAdmin() {
	b.t.Helper()
	b.get("/ui/login")
	if p := b.post("/ui/login", url.Values{"key": {testAdminKey}}); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in: status %d; want 303: %s", p.status, p.text())
	}
}

// reply is the site's answer to a browser.
type reply struct {
	status   int
	location string
	header   http.Header
	body     string
}

var tagRE = regexp.MustCompile(`(?s)<[^>]*>`)

// text returns the page with tags dropped, entities decoded and white
// space collapsed: what a reader sees, for checks and failure messages.
func (p reply) text() string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(p.body, " "))), " ")
}

// has reports whether the page's visible text contains s.
func (p reply) has(s string) bool { return strings.Contains(p.text(), s) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) reply {
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
	if m := csrfRE.FindSubmatch(body); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(body)}
}

// get opens path.
func (b *browser) get(path string) reply {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.s.url+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// mustGet opens path and fails the test unless it answers 200.
func (b *browser) mustGet(path string) reply {
	b.t.Helper()
	p := b.get(path)
	if p.status != http.StatusOK {
		b.t.Fatalf("GET %s: status %d; want 200: %s", path, p.status, excerpt(p.body))
	}
	return p
}

// post submits form to path with the CSRF token of the last page (the
// sign-in page's when there was none yet: every page of a browser carries
// the same token).
func (b *browser) post(path string, form url.Values) reply {
	b.t.Helper()
	if b.csrf == "" {
		b.get("/ui/login")
	}
	v := url.Values{}
	for k, vs := range form {
		v[k] = vs
	}
	v.Set("csrf", b.csrf)
	return b.postRaw(path, v)
}

// postRaw submits form to path as it is, CSRF token or not.
func (b *browser) postRaw(path string, form url.Values) reply {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts form to path and, when the answer is a redirect, opens the
// page it points to, as a browser does after a form.
func (b *browser) submit(path string, form url.Values) reply {
	b.t.Helper()
	p := b.post(path, form)
	if p.status != http.StatusSeeOther {
		return p
	}
	return b.get(p.location)
}

// follow opens the page p redirects to; p must be a 303 and the page must
// answer 200.
func (b *browser) follow(p reply) reply {
	b.t.Helper()
	if p.status != http.StatusSeeOther || p.location == "" {
		b.t.Fatalf("status %d; want a 303 redirect: %s", p.status, excerpt(p.body))
	}
	return b.mustGet(p.location)
}

// formValues returns the values the first <form> of p that posts to
// action would send as it stands: its inputs (ticked checkboxes and
// radios only), selected options and textareas. Good enough for hookd's
// own pages.
func formValues(t *testing.T, p reply, action string) url.Values {
	t.Helper()
	start := strings.Index(p.body, `action="`+action+`"`)
	if start < 0 {
		t.Fatalf("no form posting to %s on the page: %s", action, p.text())
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

// between returns the text of p's body between before and after, which
// must be there.
func between(t *testing.T, p reply, before, after string) string {
	t.Helper()
	_, rest, ok := strings.Cut(p.body, before)
	if !ok {
		t.Fatalf("no %q on the page", before)
	}
	v, _, ok := strings.Cut(rest, after)
	if !ok {
		t.Fatalf("no %q after %q on the page", after, before)
	}
	return v
}

// htmlText returns the text of an HTML fragment.
func htmlText(s string) string { return reply{body: s}.text() }

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

// wantContains fails the test unless body holds every one of subs.
func wantContains(t *testing.T, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: no %q in the page:\n%s", what, s, body)
		}
	}
}

var inlineStyleRE = regexp.MustCompile(`(?i)<style|\sstyle=`)

// wantNoInlineStyle fails the test when body has a style attribute or
// element, which the CSP would block.
func wantNoInlineStyle(t *testing.T, what, body string) {
	t.Helper()
	if m := inlineStyleRE.FindString(body); m != "" {
		t.Errorf("%s: the page has %q: the CSP forbids inline styles", what, m)
	}
}

// asJSONString writes v as JSON.
func asJSONString(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
