package e2e

// Helpers of the browser flows (browser_portal_test.go,
// browser_operator_test.go, browser_escaping_test.go): the real hookd
// binary, a receiver whose answer the test switches, and the tab steps
// that the flows share on top of the harness's.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hookd/hookd/client"
)

// flowServer is `hookd serve --dev` started as a process, with a client
// holding the admin key.
type flowServer struct {
	*process
	admin *client.Client
}

// startFlowServer starts the real binary on a fresh data dir.
func startFlowServer(t *testing.T) *flowServer {
	t.Helper()
	p := startProcess(t, t.TempDir())
	return &flowServer{process: p, admin: client.New(p.URL, adminKey)}
}

// catalogueType is an event type of the flows' catalogue.
type catalogueType struct {
	name, description, example string
}

// flowCatalogue is the catalogue the flows create: three types, each
// with a description and an example.
var flowCatalogue = []catalogueType{
	{"invoice.paid", "An invoice was paid in full.", `{"invoice_id":"in_1001","amount":4200,"currency":"EUR","paid_at":"2025-01-31T10:00:00Z"}`},
	{"invoice.overdue", "An invoice is past its due date and still unpaid.", `{"invoice_id":"in_1002","amount":990,"currency":"EUR","due_at":"2025-01-15"}`},
	{"customer.created", "A customer signed up.", `{"customer_id":"cus_77","email":"ada@example.com","plan":"team"}`},
}

// createCatalogue creates types in the event catalogue (admin key).
func (s *flowServer) createCatalogue(t *testing.T, types []catalogueType) {
	t.Helper()
	for _, et := range types {
		if _, err := s.admin.CreateEventType(context.Background(), et.name, et.description, json.RawMessage(et.example)); err != nil {
			t.Fatalf("create event type %s: %v", et.name, err)
		}
	}
}

// createWorkspace creates a workspace by API and returns its id.
func (s *flowServer) createWorkspace(t *testing.T, name string) string {
	t.Helper()
	ws, err := s.admin.CreateWorkspace(context.Background(), client.WorkspaceInput{Name: name})
	if err != nil {
		t.Fatalf("create workspace %s: %v", name, err)
	}
	return ws.ID
}

// portalLink asks the API for a portal link into ws; expiresIn "" is the
// default life.
func (s *flowServer) portalLink(t *testing.T, ws string, readOnly bool, expiresIn string) string {
	t.Helper()
	body := map[string]any{"read_only": readOnly}
	if expiresIn != "" {
		body["expires_in"] = expiresIn
	}
	var link struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expires_at"`
		ReadOnly  bool      `json:"read_only"`
	}
	err := s.admin.Do(context.Background(), client.Request{Method: "POST", Path: "/v1/workspaces/" + ws + "/portal", Body: body}, &link)
	if err != nil {
		t.Fatalf("create a portal link into %s: %v", ws, err)
	}
	if !strings.HasPrefix(link.URL, s.URL+"/ui/portal/") || link.ReadOnly != readOnly {
		t.Fatalf("portal link %+v; want a %s/ui/portal/… URL, read_only %v", link, s.URL, readOnly)
	}
	return link.URL
}

// publish publishes an event by API and returns it.
func (s *flowServer) publish(t *testing.T, ws, typ, payload string) *client.Published {
	t.Helper()
	p, err := s.admin.Publish(context.Background(), ws, client.EventInput{Type: typ, Payload: json.RawMessage(payload)})
	if err != nil {
		t.Fatalf("publish %s: %v", typ, err)
	}
	return p
}

// deliveryOf returns the id of the delivery of event p to webhook whk.
func deliveryOf(t *testing.T, p *client.Published, whk string) string {
	t.Helper()
	for _, d := range p.Deliveries {
		if d.WebhookID == whk {
			return d.ID
		}
	}
	t.Fatalf("event %s (%s) has no delivery to webhook %s: %+v", p.ID, p.Type, whk, p.Deliveries)
	return ""
}

// waitStatus waits (bounded) until the API says delivery dlv is want.
func (s *flowServer) waitStatus(t *testing.T, ws, whk, dlv, want string) {
	t.Helper()
	waitFor(t, 20*time.Second, fmt.Sprintf("delivery %s to be %s", dlv, want), func() bool {
		d, err := s.admin.Delivery(context.Background(), ws, whk, dlv)
		if err != nil {
			t.Fatal(err)
		}
		return d.Status == want
	})
}

// secret is the webhook's signing secret, as the API shows it.
func (s *flowServer) secret(t *testing.T, ws, whk string) string {
	t.Helper()
	var out struct {
		SigningSecret string `json:"signing_secret"`
	}
	if err := s.admin.Do(context.Background(), client.Request{Method: "GET", Path: "/v1/workspaces/" + ws + "/webhooks/" + whk + "/secret"}, &out); err != nil {
		t.Fatal(err)
	}
	return out.SigningSecret
}

// reply is what a switchReceiver answers.
type reply struct {
	status int
	body   string
	header map[string]string
}

// switchReceiver is a receiver on 127.0.0.1 whose answer (status, body,
// headers) the test sets, and switches, while it runs.
type switchReceiver struct {
	*receiver
	mu  sync.Mutex
	ans reply
}

// newSwitchReceiver starts a receiver that answers a.
func newSwitchReceiver(t *testing.T, a reply) *switchReceiver {
	t.Helper()
	sr := &switchReceiver{ans: a}
	sr.receiver = newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) int {
		sr.mu.Lock()
		a := sr.ans
		sr.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
		return 0
	})
	return sr
}

// set switches the receiver's answer.
func (sr *switchReceiver) set(a reply) {
	sr.mu.Lock()
	defer sr.mu.Unlock()
	sr.ans = a
}

// chooseAndWait sets the <select> sel to value and fires its change
// event, as a user's pick does, and waits for the page that its
// data-autosubmit loads.
func (tb *tab) chooseAndWait(sel, value string) int {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, browserStep)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.SetValue(chromedp.CSS(sel), value)) // which fires input and change
	if err != nil {
		tb.t.Fatalf("browser: choose %q in %s and wait for the next page: %v (on %s)", value, sel, err, tb.where())
	}
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}

// count is how many elements sel matches now.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return tabRun(tb, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel))))
}

// wantNone fails the test if any element matches one of sels: the
// controls a page must not show.
func (tb *tab) wantNone(sels ...string) {
	tb.t.Helper()
	for _, sel := range sels {
		if n := tb.count(sel); n > 0 {
			tb.t.Errorf("page %s shows %d of %s; want none", tb.where(), n, sel)
		}
	}
}

// wantSome fails the test unless an element matches each of sels.
func (tb *tab) wantSome(sels ...string) {
	tb.t.Helper()
	for _, sel := range sels {
		if tb.count(sel) == 0 {
			tb.t.Errorf("page %s shows no %s", tb.where(), sel)
		}
	}
}

// tick ticks the checkbox sel, by a click as a user does, and fails
// unless it is ticked after.
func (tb *tab) tick(sel string) {
	tb.t.Helper()
	tb.click(sel)
	if !tabRun(tb, "read whether "+sel+" is ticked", chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%s).checked`, jsString(sel)))) {
		tb.t.Fatalf("clicking %s did not tick it", sel)
	}
}

// postResult is the answer to a POST the page's script sent.
type postResult struct {
	Status int    `json:"status"`
	Text   string `json:"text"`
}

// forcePost sends, from the page (its origin, its cookies), a POST of form
// to path with the CSRF token of the page's first form, as a forged form
// would, and returns the answer without following a redirect (which gives
// status 0). It is how a test finds that the server, not only the page,
// refuses a change.
func (tb *tab) forcePost(path string, form url.Values) postResult {
	tb.t.Helper()
	return tb.post(path, form, true)
}

// forcePostWithout is forcePost without the CSRF token.
func (tb *tab) forcePostWithout(path string) postResult {
	tb.t.Helper()
	return tb.post(path, nil, false)
}

// post sends forcePost's POST, with the page's CSRF token if withCSRF.
func (tb *tab) post(path string, form url.Values, withCSRF bool) postResult {
	tb.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	fields, _ := json.Marshal(form)
	js := fmt.Sprintf(`(async () => {
		const csrf = %t ? document.querySelector('input[name="csrf"]') : null;
		const body = new URLSearchParams();
		for (const [k, vs] of Object.entries(%s)) for (const v of vs) body.append(k, v);
		if (csrf) body.set("csrf", csrf.value);
		const r = await fetch(%s, {method: "POST", body, credentials: "same-origin", redirect: "manual"});
		return {status: r.status, text: r.type === "opaqueredirect" ? "" : await r.text()};
	})()`, withCSRF, fields, jsString(path))
	return tabRun(tb, "POST "+path+" from the page", chromedp.Evaluate[postResult](js, chromedp.EvalAwaitPromise))
}

// reloadUntil reloads the tab's page until cond holds, at most 50 times,
// 200 ms apart (10 s in all), and fails the test if it never does.
func (tb *tab) reloadUntil(what string, cond func() bool) {
	tb.t.Helper()
	const tries = 50
	for i := 0; i < tries; i++ {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond) // the server has no signal a page can wait on
		tb.do("reload", chromedp.Reload())
	}
	if !cond() {
		tb.t.Fatalf("after %d reloads of %s: still not %s; the page's text:\n%s", tries, tb.where(), what, tail(tb.pageText(), 2000))
	}
}

// pathAfter returns the path segment that follows marker in the tab's
// URL, such as a webhook's id after "/webhooks/".
func (tb *tab) pathAfter(marker string) string {
	tb.t.Helper()
	loc := tb.location()
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatal(err)
	}
	_, rest, ok := strings.Cut(u.Path, marker)
	if !ok || rest == "" {
		tb.t.Fatalf("location %s has no %s…", loc, marker)
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// wantPath fails the test unless the tab's URL has the path path.
func (tb *tab) wantPath(path string) {
	tb.t.Helper()
	loc := tb.location()
	u, err := url.Parse(loc)
	if err != nil || u.Path != path {
		tb.t.Errorf("location %s; want path %s", loc, path)
	}
}

// wantStatus fails the test unless status is want.
func wantStatus(t *testing.T, what string, status, want int) {
	t.Helper()
	if status != want {
		t.Errorf("%s: HTTP %d; want %d", what, status, want)
	}
}
