package e2e

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/postgres/pgtest"
)

// forward accepts connections on addr and joins each to one it opens to
// target, until the test ends: a database that comes up on addr.
func forward(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			track(in)
			track(out)
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(out, in); out.Close() }()
			go func() { defer wg.Done(); _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
}

// exited waits up to d for p to end and returns what Wait returned.
func exited(t *testing.T, p *process, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("hookd serve did not exit within %s", d)
		return nil
	}
}

// waitingURL waits for p to say that it waits for the database and returns
// where /healthz and /readyz answer meanwhile.
func waitingURL(t *testing.T, p *process) string {
	t.Helper()
	line := p.waitLine(t, "waiting for the database", 30*time.Second)
	_, after, ok := strings.Cut(line, "answer on ")
	if !ok {
		t.Fatalf("hookd serve printed %q; want where it answers", line)
	}
	return strings.TrimSpace(after)
}

// TestPostgresWait starts hookd with --database naming a loopback port on
// which nothing listens yet, as when a service and its database start
// together. hookd waits: it logs each failed try with the cause (and no
// password), /healthz answers 200 and /readyz 503 saying it waits for the
// database. Once the database answers on that port (a forwarder to the
// test server), hookd starts by itself: /readyz answers 200 and a
// workspace can be created.
func TestPostgresWait(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	ctx := context.Background()
	real, err := url.Parse(pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	password, _ := real.User.Password()
	later := *real
	later.Host = "127.0.0.1:" + freePort(t)
	p := spawnProcess(t, t.TempDir(), "--database", later.String(), "--database-wait", "2m")
	base := waitingURL(t, p)

	waitFor(t, 10*time.Second, "two failed tries in the log", func() bool {
		return strings.Count(p.stderr.String(), "the database does not answer yet") >= 2
	})
	if a := get(t, base, "/healthz"); a.status != http.StatusOK {
		t.Errorf("/healthz while waiting: %d %s; want 200 (the process is alive)", a.status, a.body)
	}
	a := get(t, base, "/readyz")
	if a.status != http.StatusServiceUnavailable || a.contentType != "application/problem+json" || !strings.Contains(a.body, "waiting for the database") {
		t.Errorf("/readyz while waiting: %d %s %s; want a 503 problem document that says it waits for the database", a.status, a.contentType, a.body)
	}
	admin := client.New(base, adminKey)
	var prob *client.Problem
	if _, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "too soon"}); !errors.As(err, &prob) || prob.Status != http.StatusServiceUnavailable {
		t.Errorf("create a workspace while waiting: %v; want a 503 problem document", err)
	}
	logged := p.stderr.String()
	if !strings.Contains(logged, "connection refused") || !strings.Contains(logged, later.Host) {
		t.Errorf("the log of the failed tries does not name the database and the cause:\n%s", logged)
	}

	forward(t, later.Host, real.Host)
	up := time.Now()
	waitFor(t, 15*time.Second, "/readyz to answer 200", func() bool { return get(t, base, "/readyz").status == http.StatusOK })
	t.Logf("ready %s after the database came up", time.Since(up).Round(time.Millisecond))
	p.waitLine(t, "listening on ", 5*time.Second)
	if _, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "after the wait"}); err != nil {
		t.Fatalf("create a workspace once the database answers: %v", err)
	}
	stopProcess(t, p)
	if password == "" {
		t.Log("the test database URL has no password: the log cannot be checked for one")
	} else if strings.Contains(p.stderr.String(), password) || strings.Contains(p.stdout.String(), password) {
		t.Errorf("hookd serve printed the database password")
	}
}

// TestPostgresWaitEnds: when --database-wait runs out, hookd serve exits
// non-zero with an error that names the database (without its password);
// a database that answers "no such database" ends the wait at once, with
// the reason; SIGTERM during the wait ends it promptly.
func TestPostgresWaitEnds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real binary; skipped with -short")
	}
	t.Parallel()
	nowhere := "postgres://hookd:s3cret-pw@127.0.0.1:" + freePort(t) + "/hookd?sslmode=disable"

	t.Run("the bound runs out", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		p := spawnProcess(t, t.TempDir(), "--database", nowhere, "--database-wait", "1s")
		exitedNonZero(t, p, start)
		logged := p.stderr.String()
		want := "hookd: open database " + strings.Replace(nowhere, "s3cret-pw", "xxxxx", 1) + ": no answer after "
		if !strings.Contains(logged, want) || !strings.Contains(logged, "within --database-wait 1s") {
			t.Errorf("stderr does not say which database did not answer in time (want %q):\n%s", want, logged)
		}
		if strings.Contains(logged, "s3cret-pw") {
			t.Errorf("stderr holds the database password:\n%s", logged)
		}
	})

	t.Run("SIGTERM while waiting", func(t *testing.T) {
		t.Parallel()
		p := spawnProcess(t, t.TempDir(), "--database", nowhere, "--database-wait", "5m")
		waitingURL(t, p)
		start := time.Now()
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := exited(t, p, 10*time.Second); err != nil {
			t.Errorf("hookd serve after SIGTERM while waiting: %v; want exit 0", err)
		}
		t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	})

	t.Run("no such database", func(t *testing.T) {
		t.Parallel()
		missing := pgtest.WithDatabase(t, pgtest.ServerURL(t), "hookd_no_such_database")
		start := time.Now()
		p := spawnProcess(t, t.TempDir(), "--database", missing, "--database-wait", "5m")
		exitedNonZero(t, p, start)
		logged := p.stderr.String()
		if !strings.Contains(logged, `database "hookd_no_such_database" does not exist`) || !strings.Contains(logged, "not tried again") {
			t.Errorf("stderr does not say that the database does not exist and why it was not tried again:\n%s", logged)
		}
	})
}

// exitedNonZero waits up to 30 s for p to exit and fails the test unless it
// exited with a non-zero status; it logs how long after start it took.
func exitedNonZero(t *testing.T, p *process, start time.Time) {
	t.Helper()
	err := exited(t, p, 30*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("hookd serve ended with %v; want a non-zero exit", err)
	}
	t.Logf("exited %d after %s", exit.ExitCode(), time.Since(start).Round(time.Millisecond))
}
