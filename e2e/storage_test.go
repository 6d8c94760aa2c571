package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and unmounts
// it when the test ends. It skips the test when mounting is not allowed
// (it needs root, as in CI).
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("this test fills a small filesystem: mount -t tmpfs failed (it needs root or CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// httpAnswer is one HTTP answer, read whole.
type httpAnswer struct {
	status      int
	contentType string
	problem     client.Problem
	body        []byte
}

// call sends method url with the admin key and body (nil for none).
func call(t *testing.T, method, u string, body any) httpAnswer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := httpAnswer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	if a.body, err = io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	if a.status >= 400 {
		_ = json.Unmarshal(a.body, &a.problem)
	}
	return a
}

// wantStorageProblem fails t unless a is a 507 problem document of type
// storage whose detail says full.
func wantStorageProblem(t *testing.T, what string, a httpAnswer) {
	t.Helper()
	if a.status != http.StatusInsufficientStorage || a.contentType != "application/problem+json" ||
		a.problem.Type != "https://hookd.dev/problems/storage" || !strings.Contains(a.problem.Detail, "full") {
		t.Fatalf("%s: got %d %s %s; want 507 application/problem+json of type storage saying full", what, a.status, a.contentType, a.body)
	}
}

// recordFailed starts the debug line of the engine's failed tries to
// record attempts.
const recordFailed = `level=DEBUG msg="record attempts"`

// errorLines counts the lines logged at error level.
func errorLines(log string) int { return strings.Count(log, "level=ERROR") }

// TestFullDisk runs the real binary on a small tmpfs and fills it: writes
// answer 507 saying the storage is full, /readyz 503, one error line is
// logged for the change rather than one per request, and once space is
// freed writes succeed again without a restart, with every acknowledged
// event and its delivery kept and the database sound.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the real binary and fills a filesystem; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	data := mountTmpfs(t, 16<<20)
	// The receiver answers with a body as large as the attempt log keeps,
	// so that recording attempts fills the disk too.
	big := bytes.Repeat([]byte("r"), hookd.MaxLoggedBody)
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) int {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(big)
		return 0
	})
	p := startProcess(t, data, "--log-level", "debug")
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "full"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "order.paid", "", nil); err != nil {
		t.Fatal(err)
	}
	w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL, RetrySchedule: []string{"100ms", "200ms"}})
	if err != nil {
		t.Fatal(err)
	}
	publishURL := p.URL + "/v1/workspaces/" + ws.ID + "/events"
	payload := json.RawMessage(`{"pad":"` + strings.Repeat("x", 8000) + `"}`)
	event := client.EventInput{Type: "order.paid", Payload: payload}

	// Leave about 1 MB free: a filler file takes the rest.
	var st syscall.Statfs_t
	if err := syscall.Statfs(data, &st); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(data, "filler")
	if err := os.WriteFile(filler, make([]byte, int64(st.Bavail)*st.Bsize-1<<20), 0o600); err != nil {
		t.Fatalf("write the filler: %v", err)
	}

	acked := map[string]bool{}
	var full httpAnswer
	for i := 0; i < 2000; i++ {
		a := call(t, "POST", publishURL, event)
		if a.status != http.StatusAccepted {
			full = a
			break
		}
		var out client.Published
		if err := json.Unmarshal(a.body, &out); err != nil || len(out.Deliveries) != 1 {
			t.Fatalf("publish %d: %s: %v", i, a.body, err)
		}
		acked[out.ID] = true
	}
	if len(acked) == 0 {
		t.Fatal("the first publish already failed: the test proves nothing")
	}
	wantStorageProblem(t, fmt.Sprintf("publish after %d acknowledged", len(acked)), full)
	for i := 0; i < 20; i++ {
		wantStorageProblem(t, "publish on the full disk", call(t, "POST", publishURL, event))
	}
	ready := call(t, "GET", p.URL+"/readyz", nil)
	if ready.status != http.StatusServiceUnavailable || ready.contentType != "application/problem+json" ||
		!strings.Contains(ready.problem.Detail, "full") {
		t.Errorf("/readyz on the full disk: got %d %s %s; want 503 application/problem+json saying full", ready.status, ready.contentType, ready.body)
	}
	if n := errorLines(p.stderr.String()); n != 1 {
		t.Errorf("error lines logged after %d failed publishes: got %d; want 1 (for the change):\n%s", 21, n, p.stderr.String())
	}

	// The engine records the attempts of the last acknowledged events
	// (their answers are large): it fails too, and keeps them.
	waitFor(t, 10*time.Second, "the engine to fail to record attempts on the full disk", func() bool {
		return strings.Contains(p.stderr.String(), recordFailed)
	})

	// Free the space: the next write succeeds, without a restart, and
	// after a streak of them the log says so.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < hookd.StorageRecoveredAfter; i++ {
		a := call(t, "POST", publishURL, event)
		if a.status != http.StatusAccepted {
			t.Fatalf("publish %d once space is free: got %d %s; want 202", i, a.status, a.body)
		}
		var out client.Published
		if err := json.Unmarshal(a.body, &out); err != nil {
			t.Fatal(err)
		}
		acked[out.ID] = true
		if i == 0 {
			if ready := call(t, "GET", p.URL+"/readyz", nil); ready.status != http.StatusOK {
				t.Errorf("/readyz once a write succeeded: got %d %s; want 200", ready.status, ready.body)
			}
		}
	}

	// Every acknowledged event is there, and its delivery succeeded: the
	// attempts made while the disk was full were recorded afterwards.
	for id := range acked {
		var e hookd.Event
		if err := admin.Do(ctx, client.Request{Method: "GET", Path: "/v1/workspaces/" + ws.ID + "/events/" + id}, &e); err != nil {
			t.Errorf("acknowledged event %s: %v", id, err)
		}
	}
	waitFor(t, 60*time.Second, "every delivery to succeed", func() bool {
		list, err := admin.Deliveries(ctx, ws.ID, w.ID, url.Values{"status": {"pending"}})
		return err == nil && len(list.Data) == 0
	})
	delivered := map[string]bool{}
	cursor := ""
	for {
		q := url.Values{"limit": {"250"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		page, err := admin.Deliveries(ctx, ws.ID, w.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Data {
			if d.Status != hookd.DeliverySucceeded {
				t.Errorf("delivery %s of event %s is %s; want succeeded", d.ID, d.EventID, d.Status)
			}
			delivered[d.EventID] = true
		}
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	for id := range acked {
		if !delivered[id] {
			t.Errorf("acknowledged event %s has no delivery", id)
		}
	}
	log := p.stderr.String()
	if n := errorLines(log); n != 1 {
		t.Errorf("error lines logged in all: got %d; want 1:\n%s", n, log)
	}
	// The engine met the full disk too (checked above), kept the records
	// it could not write and wrote them later (every delivery
	// succeeded), logging its tries at debug level only.
	tries := strings.Count(log, recordFailed)
	if !strings.Contains(log, "writes succeed again") {
		t.Errorf("the log does not say that writes succeed again:\n%s", log)
	}
	t.Logf("%d events acknowledged, 21 publishes answered 507, %d requests received, %d failed tries to record attempts", len(acked), rc.count(), tries)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("hookd serve after SIGTERM: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check: got %q, %v; want ok", check, err)
	}
}
