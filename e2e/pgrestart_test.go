package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// privatePostgres is a PostgreSQL server of one test's own, which it may
// stop and start: the shared test server must never restart under the
// other tests.
type privatePostgres struct {
	t      *testing.T
	bin    string // the directory of initdb and pg_ctl
	dir    string // holds the data directory, the socket and the log
	port   int
	asUser string // run the server as this user ("" for the current one)
}

// postgresBin returns the directory of initdb and pg_ctl: from PATH, else
// the newest of Debian's /usr/lib/postgresql/<version>/bin.
func postgresBin() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	if len(dirs) == 0 {
		return ""
	}
	return filepath.Dir(dirs[0])
}

// pgVersion reads the major version in /usr/lib/postgresql/<v>/bin/initdb.
func pgVersion(path string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return v
}

// startPrivatePostgres initdbs a new cluster in a temporary directory and
// starts it on a free loopback port. As root, the server runs as the
// postgres user (PostgreSQL refuses to run as root). Without initdb the
// test skips, or fails under CI=true. The server is stopped and its files
// removed when the test ends.
func startPrivatePostgres(t *testing.T) *privatePostgres {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		msg := "this test needs PostgreSQL's initdb and pg_ctl (Debian: apt-get install postgresql), in PATH or /usr/lib/postgresql/*/bin"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	pg := &privatePostgres{t: t, bin: bin}
	if os.Geteuid() == 0 {
		pg.asUser = "postgres"
	}
	// Not t.TempDir: its parents are private to the current user, and the
	// server may run as another.
	dir, err := os.MkdirTemp("", "hookd-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if pg.asUser != "" {
		if out, err := exec.Command("chown", pg.asUser+":", dir).CombinedOutput(); err != nil {
			t.Fatalf("chown %s: %v\n%s", dir, err, out)
		}
	}
	pg.run("initdb", "--pgdata", filepath.Join(dir, "data"), "--username", "postgres", "--auth", "trust",
		"--encoding", "UTF8", "--no-sync")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pg.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	pg.start()
	t.Cleanup(func() {
		// Whatever state the test left it in.
		_ = pg.command("pg_ctl", "--pgdata", filepath.Join(pg.dir, "data"), "--mode", "immediate", "stop").Run()
	})
	return pg
}

// URL is the server's postgres database.
func (pg *privatePostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

func (pg *privatePostgres) start() {
	pg.t.Helper()
	pg.run("pg_ctl", "--pgdata", filepath.Join(pg.dir, "data"), "--log", filepath.Join(pg.dir, "log"),
		"--wait", "--timeout", "60",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", pg.port, pg.dir), "start")
}

// stop shuts the server down the way an operator restarting it does:
// connections are ended, the data is flushed.
func (pg *privatePostgres) stop() {
	pg.t.Helper()
	pg.run("pg_ctl", "--pgdata", filepath.Join(pg.dir, "data"), "--mode", "fast", "--wait", "stop")
}

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.asUser != "" {
		return exec.Command("runuser", append([]string{"-u", pg.asUser, "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (pg *privatePostgres) run(name string, args ...string) {
	pg.t.Helper()
	cmd := pg.command(name, args...)
	cmd.Dir = pg.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		pg.t.Fatalf("%s %s: %v\n%s\nserver log:\n%s", name, strings.Join(args, " "), err, out, log)
	}
}

// answer is a status code and the content type it came with.
type answer struct {
	status      int
	contentType string
	body        string
}

// get asks path of the server without a key.
func get(t *testing.T, base, path string) answer {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// outage is how long TestPostgresRestart keeps PostgreSQL down.
const outage = 2 * time.Second

// TestPostgresRestart restarts PostgreSQL in the middle of a run. While it
// is down hookd stays up, /readyz says not ready, and publishing answers
// 503 with a problem document instead of accepting what it cannot store;
// once it is back, hookd is ready again by itself and delivers every
// event it accepted, before and after, and nothing it refused.
func TestPostgresRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL server and a real hookd process; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	pg := startPrivatePostgres(t)
	p := startProcess(t, t.TempDir(), "--database", pg.URL(), "--lease", "10s")
	admin := client.New(p.URL, adminKey)

	var (
		mu   sync.Mutex
		seen = map[string]int{}
	)
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		time.Sleep(20 * time.Millisecond) // deliveries are still under way when the server stops
		mu.Lock()
		seen[r.Header.Get("X-Hookd-Event-Id")]++
		mu.Unlock()
		return 200
	})
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(seen)
	}
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "restart"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "order.paid", "", nil); err != nil {
		t.Fatal(err)
	}
	w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL, RetrySchedule: []string{"100ms", "200ms", "400ms", "1s", "2s"}})
	if err != nil {
		t.Fatal(err)
	}
	accepted := map[string]bool{}
	publish := func(n int, tag string) {
		t.Helper()
		batch := make([]client.EventInput, n)
		for i := range batch {
			batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(fmt.Sprintf(`{"%s":%d}`, tag, i))}
		}
		out, err := admin.PublishBatch(ctx, ws.ID, batch)
		if err != nil {
			t.Fatalf("publish %s: %v", tag, err)
		}
		for _, e := range out {
			accepted[e.ID] = true
		}
	}
	publish(300, "before")
	waitFor(t, 30*time.Second, "deliveries under way", func() bool { return rc.count() >= 20 })

	pg.stop()
	stoppedAt := time.Now()
	atStop := rc.count()
	waitFor(t, 10*time.Second, "/readyz to say not ready", func() bool { return get(t, p.URL, "/readyz").status == http.StatusServiceUnavailable })
	if a := get(t, p.URL, "/readyz"); a.contentType != "application/problem+json" || !strings.Contains(a.body, "unavailable") {
		t.Errorf("/readyz while the database is down: %d %s %s; want a problem document", a.status, a.contentType, a.body)
	}
	if a := get(t, p.URL, "/healthz"); a.status != http.StatusOK {
		t.Errorf("/healthz while the database is down: %d; want 200 (the process is alive)", a.status)
	}
	// Publishes are refused, each with a problem document: single, batch,
	// and with an Idempotency-Key.
	for i, r := range []client.Request{
		{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/events", Body: client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"during":1}`)}},
		{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/events/batch", Body: map[string]any{"events": []client.EventInput{{Type: "order.paid", Payload: json.RawMessage(`{"during":2}`)}}}},
		{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/events", Body: client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"during":3}`)},
			Header: map[string]string{"Idempotency-Key": "during-the-outage"}},
	} {
		err := admin.Do(ctx, r, nil)
		p, ok := err.(*client.Problem)
		if !ok || p.Status != http.StatusServiceUnavailable || !strings.HasSuffix(p.Type, "/unavailable") || p.Detail == "" {
			t.Errorf("publish #%d while the database is down: got %v; want a 503 problem document of type …/unavailable", i, err)
		}
	}
	if _, err := admin.Webhook(ctx, ws.ID, w.ID); err == nil || err.(*client.Problem).Status != http.StatusServiceUnavailable {
		t.Errorf("read while the database is down: got %v; want 503", err)
	}

	// Stay down a while, for hookd's claims and records to fail and be
	// tried again (the engine polls every second).
	time.Sleep(time.Until(stoppedAt.Add(outage)))
	pg.start()
	t.Logf("PostgreSQL was down for %s; %d of 300 requests had arrived at the stop", time.Since(stoppedAt).Round(time.Millisecond), atStop)
	waitFor(t, 30*time.Second, "/readyz to say ready again", func() bool { return get(t, p.URL, "/readyz").status == http.StatusOK })
	// The key of the refused publish was not kept: it works now.
	var retried client.Published
	if err := admin.Do(ctx, client.Request{Method: "POST", Path: "/v1/workspaces/" + ws.ID + "/events",
		Body:   client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"during":3}`)},
		Header: map[string]string{"Idempotency-Key": "during-the-outage"}}, &retried); err != nil {
		t.Fatalf("publish with the refused request's Idempotency-Key after the restart: %v", err)
	}
	accepted[retried.ID] = true
	publish(100, "after")
	total := len(accepted)
	waitFor(t, 60*time.Second, "every accepted event", func() bool { return distinct() >= total })
	waitFor(t, 30*time.Second, "every delivery recorded as succeeded", func() bool {
		list, err := admin.Deliveries(ctx, ws.ID, w.ID, url.Values{"status": {"pending"}})
		return err == nil && len(list.Data) == 0
	})
	mu.Lock()
	defer mu.Unlock()
	for id := range seen {
		if !accepted[id] {
			t.Errorf("the receiver got event %s, which hookd did not accept", id)
		}
	}
	if len(seen) != total {
		t.Errorf("the receiver got %d distinct events; want the %d accepted", len(seen), total)
	}
	failed, err := admin.Deliveries(ctx, ws.ID, w.ID, url.Values{"status": {hookd.DeliveryFailed}})
	if err != nil || len(failed.Data) != 0 {
		t.Errorf("failed deliveries: %v, %v; want none", failed, err)
	}
}
