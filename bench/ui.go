package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hookd/hookd/client"
)

// UI is what the ui phase measured: how long the web UI's heaviest pages
// take to render, from request to the last byte, on loopback.
type UI struct {
	// Deliveries is how many deliveries the measured webhook's log holds.
	Deliveries int `json:"deliveries"`
	// FirstPage is the log's first page; DeepPage the page DeepOffset
	// deliveries into it.
	FirstPage  Timing `json:"first_page"`
	DeepPage   Timing `json:"deep_page"`
	DeepOffset int    `json:"deep_offset"`
	// Overview is the operator's overview with OverviewWebhooks webhooks,
	// OverviewTroubled of them failing or disabled.
	Overview         Timing `json:"overview"`
	OverviewWebhooks int    `json:"overview_webhooks"`
	OverviewTroubled int    `json:"overview_troubled"`
}

// Timing is the spread of one page's render times.
type Timing struct {
	Requests int     `json:"requests"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	Maxms    float64 `json:"max_ms"`
}

// uiWebhooks is how many webhooks the overview is measured with.
const uiWebhooks = 1000

// uiRequests is how many times each page is timed, after uiWarmups.
const (
	uiRequests = 30
	uiWarmups  = 3
)

// ui loads Backlog deliveries into one webhook's log (delivered to the
// receiver), adds webhooks up to 1,000 across ten workspaces (some failing,
// some disabled), signs in to the UI with the admin key, and times the
// delivery log's first page, a page halfway into it, and the overview.
func (r *runner) ui(ctx context.Context, rep *Report) error {
	cfg := *r.cfg
	cfg.ServeArgs = append(slices.Clone(cfg.ServeArgs), "--per-webhook", "256")
	rr := *r
	rr.cfg = &cfg
	f, err := rr.setup(ctx, specs(1, hookSpec{}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	u := &UI{Deliveries: r.cfg.Backlog}
	start := time.Now()
	if _, err := r.publishBatches(ctx, f, u.Deliveries); err != nil {
		return err
	}
	if _, _, err := waitCount(ctx, f.routes, int64(u.Deliveries), time.Minute); err != nil {
		return err
	}
	r.cfg.Log("ui: %d deliveries made in %.1fs; adding webhooks", u.Deliveries, time.Since(start).Seconds())
	if u.OverviewTroubled, err = r.uiWebhooks(ctx, f); err != nil {
		return err
	}
	u.OverviewWebhooks = uiWebhooks

	b, err := signIn(ctx, f.srv)
	if err != nil {
		return err
	}
	logPath := "/ui/workspaces/" + f.ws + "/webhooks/" + f.hooks[0] + "/deliveries"
	apiPath := "/v1/workspaces/" + f.ws + "/webhooks/" + f.hooks[0] + "/deliveries"

	var first struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := f.srv.api.Do(ctx, client.Request{Method: "GET", Path: apiPath}, &first); err != nil || len(first.Data) == 0 {
		return fmt.Errorf("list deliveries: %v (%d)", err, len(first.Data))
	}
	if u.FirstPage, err = b.time(ctx, logPath, first.Data[0].ID); err != nil {
		return fmt.Errorf("first page: %w", err)
	}
	cursor, firstID, err := r.walk(ctx, f, apiPath, u.Deliveries/2)
	if err != nil {
		return err
	}
	u.DeepOffset = u.Deliveries / 2
	if u.DeepPage, err = b.time(ctx, logPath+"?cursor="+url.QueryEscape(cursor), firstID); err != nil {
		return fmt.Errorf("deep page: %w", err)
	}
	if u.Overview, err = b.time(ctx, "/ui/", "failing"); err != nil {
		return fmt.Errorf("overview: %w", err)
	}
	rep.UI = u
	r.cfg.Log("ui: delivery log first page p50 %.1f ms, deep page p50 %.1f ms, overview p50 %.1f ms",
		u.FirstPage.P50ms, u.DeepPage.P50ms, u.Overview.P50ms)
	return nil
}

// uiWebhooks adds webhooks across ten workspaces, up to uiWebhooks in all:
// one in twenty fails (it points at a closed port and gets one event), one
// in twenty is disabled. It returns how many are failing or disabled.
func (r *runner) uiWebhooks(ctx context.Context, f *fixture) (int, error) {
	healthy := r.rcv.url(r.rcv.newRoute())
	troubled := 0
	remaining := uiWebhooks - 1
	for w := range 10 {
		ws, err := f.srv.api.CreateWorkspace(ctx, client.WorkspaceInput{Name: fmt.Sprintf("bench-ui-%d", w)})
		if err != nil {
			return 0, fmt.Errorf("create workspace: %w", err)
		}
		n := remaining / (10 - w)
		remaining -= n
		for i := range n {
			in := client.WebhookInput{Name: fmt.Sprintf("ui-%d-%d", w, i), URL: healthy, Events: []string{"*"}, RetrySchedule: []string{"1h"}}
			if i%20 == 1 {
				in.URL = "http://127.0.0.1:1/closed"
			}
			if i%20 == 2 {
				in.Status = "disabled"
			}
			if _, err := f.srv.api.CreateWebhook(ctx, ws.ID, in); err != nil {
				return 0, fmt.Errorf("create webhook: %w", err)
			}
			if i%20 == 1 || i%20 == 2 {
				troubled++
			}
		}
		body := `{"type":"` + eventType + `","payload":{"n":1}}`
		if err := f.srv.api.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/events", Body: []byte(body)}, nil); err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
	}
	// The failing webhooks' first attempts are refused at once; give the
	// engine a moment to record them.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var o struct {
			Troubled []any `json:"troubled"`
		}
		if err := f.srv.api.Do(ctx, client.Request{Method: "GET", Path: "/v1/overview"}, &o); err != nil {
			return 0, fmt.Errorf("overview: %w", err)
		}
		if len(o.Troubled) >= troubled || len(o.Troubled) >= 100 {
			return troubled, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return 0, errors.New("the failing webhooks' attempts were not recorded within 30s")
}

// walk pages through the API's list at path, 250 at a time, until offset,
// and returns the cursor of the page there and that page's first id.
func (r *runner) walk(ctx context.Context, f *fixture, path string, offset int) (string, string, error) {
	cursor := ""
	for seen := 0; ; {
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
			NextCursor *string `json:"next_cursor"`
		}
		p := path + "?limit=250"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := f.srv.api.Do(ctx, client.Request{Method: "GET", Path: p}, &page); err != nil {
			return "", "", fmt.Errorf("walk the log: %w", err)
		}
		if seen >= offset && cursor != "" {
			if len(page.Data) == 0 {
				return "", "", errors.New("walk the log: an empty page")
			}
			return cursor, page.Data[0].ID, nil
		}
		if page.NextCursor == nil {
			return "", "", fmt.Errorf("walk the log: it ended after %d deliveries", seen+len(page.Data))
		}
		seen += len(page.Data)
		cursor = *page.NextCursor
	}
}

// browser is a signed-in UI session.
type browser struct {
	hc   *http.Client
	base string
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in to the UI with the admin key, as a person would.
func signIn(ctx context.Context, srv *server) (*browser, error) {
	jar, _ := cookiejar.New(nil)
	b := &browser{base: srv.url, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	body, status, err := b.get(ctx, "/ui/login")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("sign-in page: %d %v", status, err)
	}
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		return nil, errors.New("sign-in page: no CSRF token")
	}
	form := url.Values{"csrf": {m[1]}, "key": {srv.key}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/ui/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in: answered %d, want 303", resp.StatusCode)
	}
	return b, nil
}

func (b *browser) get(ctx context.Context, path string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), resp.StatusCode, err
}

// time fetches path uiWarmups times, then uiRequests times timed; each
// answer must be a 200 that contains want.
func (b *browser) time(ctx context.Context, path, want string) (Timing, error) {
	var ds []float64
	for i := range uiWarmups + uiRequests {
		start := time.Now()
		body, status, err := b.get(ctx, path)
		d := time.Since(start)
		if err != nil {
			return Timing{}, err
		}
		if status != http.StatusOK || !strings.Contains(body, want) {
			return Timing{}, fmt.Errorf("GET %s answered %d without %q", path, status, want)
		}
		if i >= uiWarmups {
			ds = append(ds, float64(d.Microseconds())/1000)
		}
	}
	sort.Float64s(ds)
	return Timing{Requests: len(ds), P50ms: ds[len(ds)/2], P95ms: ds[len(ds)*95/100], Maxms: ds[len(ds)-1]}, nil
}
