package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/postgres/pgtest"
)

// TestClusterSessions runs two hookd processes on one PostgreSQL database:
// a portal link made through one opens through the other, once only, and
// the session cookies (portal and operator) that one process set are
// honoured by the other, as behind a load balancer.
func TestClusterSessions(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two real hookd processes; skipped with -short")
	}
	ctx := context.Background()
	procs := startCluster(t, pgtest.Database(t), 2)
	a, b := procs[0], procs[1]
	admin := client.New(a.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "cluster-ui"})
	if err != nil {
		t.Fatal(err)
	}
	var link struct {
		URL string `json:"url"`
	}
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/portal", Body: map[string]any{}}, &link); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(base, path, cookie string) (int, string, []*http.Cookie) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Cookies()
	}
	sessionOf := func(cookies []*http.Cookie) string {
		for _, c := range cookies {
			if c.Name == "hookd_session" && c.Value != "" {
				return c.Name + "=" + c.Value
			}
		}
		t.Fatal("no session cookie was set")
		return ""
	}

	// The link, made through a, opens through b and lands on the webhooks.
	status, _, cookies := get(b.URL, u.Path, "")
	if status != http.StatusSeeOther {
		t.Fatalf("open the portal link through the second process: %d", status)
	}
	portal := sessionOf(cookies)
	wantPage := "/ui/workspaces/" + ws.ID + "/webhooks"
	for _, p := range procs {
		if status, body, _ := get(p.URL, wantPage, portal); status != http.StatusOK || !strings.Contains(body, "Webhooks") {
			t.Errorf("webhook list through %s with the portal session: %d", p.URL, status)
		}
	}
	// Used once: through a, it is refused, and sets no session.
	status, body, cookies := get(a.URL, u.Path, "")
	if status != http.StatusGone || !strings.Contains(body, "already used") {
		t.Errorf("the used link through the first process: %d\n%.300s", status, body)
	}
	for _, c := range cookies {
		if c.Name == "hookd_session" && c.Value != "" {
			t.Errorf("a used link set a session cookie")
		}
	}

	// The operator signs in through a; b honours the session.
	status, body, cookies = get(a.URL, "/ui/login", "")
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("sign-in page: %d", status)
	}
	form := url.Values{"csrf": {m[1]}, "key": {adminKey}}
	req, _ := http.NewRequest("POST", a.URL+"/ui/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	operator := sessionOf(resp.Cookies())
	if status, body, _ := get(b.URL, "/ui/workspaces", operator); status != http.StatusOK || !strings.Contains(body, "cluster-ui") {
		t.Errorf("workspaces through the second process with the operator's session: %d", status)
	}
}
