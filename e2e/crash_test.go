package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// hookdBinary builds cmd/hookd once per test run and returns its path.
func hookdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hookd-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "hookd")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/hookd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is a `hookd serve` started as a real process.
type process struct {
	cmd    *exec.Cmd
	URL    string
	stdout *syncBuffer // what it printed
	stderr *syncBuffer // its log, also copied to the test's stderr
}

// syncBuffer is a bytes.Buffer that a process writes while a test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startProcess runs `hookd serve` on 127.0.0.1:0 with the data directory
// and returns once it listens.
func startProcess(t *testing.T, data string, extra ...string) *process {
	t.Helper()
	p := spawnProcess(t, data, extra...)
	line := p.waitLine(t, "listening on ", 30*time.Second)
	_, after, _ := strings.Cut(line, "listening on ")
	p.URL = strings.Fields(after)[0]
	return p
}

// spawnProcess starts `hookd serve` on 127.0.0.1:0 (with --dev, a 5s
// shutdown timeout, the test's admin and encryption keys, then extra) and
// returns at once. It is killed when the test ends if it still runs.
func spawnProcess(t *testing.T, data string, extra ...string) *process {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--dev", "--shutdown-timeout", "5s"}, extra...)
	cmd := exec.Command(hookdBinary(t), args...)
	cmd.Env = append(os.Environ(), "HOOKD_ADMIN_KEY="+adminKey, "HOOKD_ENCRYPTION_KEY="+encryptionKey)
	p := &process{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout = p.stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, p.stderr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return p
}

// waitLine waits up to d for p to print a whole line that holds marker,
// and returns that line.
func (p *process) waitLine(t *testing.T, marker string, d time.Duration) string {
	t.Helper()
	var found string
	waitFor(t, d, fmt.Sprintf("hookd serve to print %q", marker), func() bool {
		lines := strings.Split(p.stdout.String(), "\n")
		for _, line := range lines[:len(lines)-1] { // whole lines only
			if strings.Contains(line, marker) {
				found = line
				return true
			}
		}
		return false
	})
	return found
}

// TestCrashSafety publishes 2,000 events to two webhooks, SIGKILLs the
// server while deliveries are in flight and starts it again on the same
// data directory: every event reaches both webhooks at least once, and the
// delivery log agrees with what the receivers saw.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()

	// Receivers answer after 5 ms, so that attempts are in flight at the kill.
	type seen struct {
		mu       sync.Mutex
		events   map[string]int  // event id -> requests
		attempts map[string]bool // delivery id/attempt number
	}
	newSeen := func() *seen { return &seen{events: map[string]int{}, attempts: map[string]bool{}} }
	seens := []*seen{newSeen(), newSeen()}
	var rcs []*receiver
	for _, sn := range seens {
		sn := sn
		rcs = append(rcs, newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
			time.Sleep(5 * time.Millisecond)
			sn.mu.Lock()
			sn.events[r.Header.Get("X-Hookd-Event-Id")]++
			sn.attempts[r.Header.Get("X-Hookd-Delivery-Id")+"/"+r.Header.Get("X-Hookd-Attempt")] = true
			sn.mu.Unlock()
			return 200
		}))
	}

	p := startProcess(t, data, "--per-webhook", "4")
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "order.paid", "", nil); err != nil {
		t.Fatal(err)
	}
	var hooks []string
	for _, rc := range rcs {
		w, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL, RetrySchedule: []string{"100ms", "200ms", "400ms"}})
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, w.ID)
	}
	const events = 2000
	published := map[string]bool{}
	for b := 0; b < events/1000; b++ {
		batch := make([]client.EventInput, 1000)
		for i := range batch {
			batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(fmt.Sprintf(`{"batch":%d,"i":%d}`, b, i))}
		}
		out, err := admin.PublishBatch(ctx, ws.ID, batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out {
			published[e.ID] = true
		}
	}
	if len(published) != events {
		t.Fatalf("published %d distinct events; want %d", len(published), events)
	}

	received := func() int { return rcs[0].count() + rcs[1].count() }
	waitFor(t, 60*time.Second, "some deliveries before the kill", func() bool { return received() >= 300 })
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.cmd.Wait()
	atKill := received()
	t.Logf("killed with %d of %d requests received", atKill, 2*events)
	if atKill >= 2*events {
		t.Fatalf("everything arrived before the kill; the test proves nothing")
	}

	p = startProcess(t, data)
	admin = client.New(p.URL, adminKey)
	waitFor(t, 90*time.Second, "every event at both webhooks after the restart", func() bool {
		for _, sn := range seens {
			sn.mu.Lock()
			n := len(sn.events)
			sn.mu.Unlock()
			if n < events {
				return false
			}
		}
		return true
	})
	for i, sn := range seens {
		for id := range sn.events {
			if !published[id] {
				t.Errorf("receiver %d got an event nobody published: %s", i, id)
			}
		}
	}

	// The delivery log: every delivery succeeded, and each of its recorded
	// attempts is one the receiver saw.
	for i, whk := range hooks {
		var all []hookd.Delivery
		cursor := ""
		for {
			q := url.Values{"limit": {"250"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			page, err := admin.Deliveries(ctx, ws.ID, whk, q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Data...)
			if page.NextCursor == nil {
				break
			}
			cursor = *page.NextCursor
		}
		if len(all) != events {
			t.Fatalf("webhook %d has %d deliveries; want %d", i, len(all), events)
		}
		waitFor(t, 30*time.Second, "every delivery to be recorded as succeeded", func() bool {
			list, err := admin.Deliveries(ctx, ws.ID, whk, url.Values{"status": {"pending"}})
			return err == nil && len(list.Data) == 0
		})
		sn := seens[i]
		for _, d := range all {
			full, err := admin.Delivery(ctx, ws.ID, whk, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if full.Status != hookd.DeliverySucceeded {
				t.Errorf("delivery %s is %s; want succeeded", d.ID, full.Status)
			}
			sn.mu.Lock()
			if sn.events[full.EventID] == 0 {
				t.Errorf("delivery %s succeeded but receiver %d never saw event %s", d.ID, i, full.EventID)
			}
			for _, a := range full.AttemptLog {
				if a.Response != nil && !sn.attempts[fmt.Sprintf("%s/%d", d.ID, a.Number)] {
					t.Errorf("attempt %d of %s is logged with status %d but receiver %d never got it", a.Number, d.ID, a.Response.Status, i)
				}
			}
			sn.mu.Unlock()
		}
	}
}

// TestGracefulShutdown sends SIGTERM while attempts are in flight: they
// finish and are recorded, the queued deliveries are handed back unsent,
// the process exits cleanly, and after a restart every event arrives
// exactly once.
func TestGracefulShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	data := t.TempDir()
	var mu sync.Mutex
	got := map[string]int{}
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		got[r.Header.Get("X-Hookd-Event-Id")]++
		mu.Unlock()
		return 200
	})
	p := startProcess(t, data, "--per-webhook", "4")
	admin := client.New(p.URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "graceful"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "order.paid", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL}); err != nil {
		t.Fatal(err)
	}
	const events = 40
	batch := make([]client.EventInput, events)
	for i := range batch {
		batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}
	}
	if _, err := admin.PublishBatch(ctx, ws.ID, batch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "attempts in flight", func() bool { return rc.count() >= 4 })
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("hookd exited with %v after SIGTERM; want a clean exit", err)
	}
	t.Logf("stopped in %s with %d of %d requests made", time.Since(start).Round(time.Millisecond), rc.count(), events)
	if rc.count() >= events {
		t.Fatal("everything arrived before the shutdown; the test proves nothing")
	}

	startProcess(t, data)
	waitFor(t, 30*time.Second, "every event after the restart", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == events
	})
	time.Sleep(500 * time.Millisecond) // a duplicate would have arrived by now
	mu.Lock()
	defer mu.Unlock()
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s arrived %d times; a graceful stop must not resend what finished", id, n)
		}
	}
}
