package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
)

const portalTestKey = "portal-test-admin-key-0123456789"

// startServe runs `hookd serve` in this process on 127.0.0.1:0 with a
// fresh data directory and args, and returns its address once it listens.
// It stops when the test ends.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("HOOKD_ADMIN_KEY", portalTestKey)
	t.Setenv("GOGC", "100") // leave the test process's collector alone
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-level", "error"}, args...), pw, io.Discard)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	listening := regexp.MustCompile(`listening on http://(\S+) `)
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if m := listening.FindStringSubmatch(lines.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			return m[1]
		}
	}
	cancel()
	t.Fatalf("serve ended before it listened: %v", <-done)
	return ""
}

// runPortalCLI runs `hookd portal args` against the server at addr with
// key, and returns its standard output, standard error and error.
func runPortalCLI(t *testing.T, addr, key string, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("HOOKD_URL", "http://"+addr)
	t.Setenv("HOOKD_KEY", key)
	t.Setenv("HOOKD_WORKSPACE", "")
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"portal"}, args...), &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestPortalCommand runs hookd serve and asks it for portal links with
// hookd portal: standard output holds the link alone, which starts with
// the server's public URL (by default its listening address) and leads to
// a link stored as asked.
func TestPortalCommand(t *testing.T) {
	addr := startServe(t)
	ctx := context.Background()
	admin := client.New("http://"+addr, portalTestKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateKey(ctx, ws.ID, "portal")
	if err != nil {
		t.Fatal(err)
	}

	link := regexp.MustCompile(`^http://` + regexp.QuoteMeta(addr) + `/ui/portal/[A-Za-z0-9_-]{43}\n$`)
	out, errOut, err := runPortalCLI(t, addr, portalTestKey, "--workspace", ws.ID)
	if err != nil || !link.MatchString(out) {
		t.Fatalf("hookd portal: %v; stdout %q (want the link alone, on %s); stderr %q", err, out, addr, errOut)
	}
	if !strings.Contains(errOut, "expires at ") || strings.Contains(errOut, "read-only") {
		t.Errorf("stderr %q; want when it expires, and no read-only", errOut)
	}

	// A workspace key, read-only, for 15 minutes; flags after others as typed.
	before := time.Now()
	out, errOut, err = runPortalCLI(t, addr, key.Key, "--read-only", "--expires-in", "15m", "--workspace", ws.ID)
	if err != nil || !link.MatchString(out) {
		t.Fatalf("hookd portal --read-only: %v; stdout %q; stderr %q", err, out, errOut)
	}
	if !strings.Contains(errOut, "read-only") {
		t.Errorf("stderr %q; want it to say read-only", errOut)
	}
	m := regexp.MustCompile(`expires at (\S+)`).FindStringSubmatch(errOut)
	if m == nil {
		t.Fatalf("stderr %q says no expiry", errOut)
	}
	expires, err := time.Parse(time.RFC3339, m[1])
	if err != nil {
		t.Fatal(err)
	}
	if d := expires.Sub(before); d < 15*time.Minute-time.Second || d > 15*time.Minute+time.Minute {
		t.Errorf("expires at %s, %s after the request; want 15m", expires, d)
	}

	// Refusals: before any request, or from the server.
	for _, tc := range []struct {
		name string
		key  string
		args []string
		code int
		want string
	}{
		{"no workspace", portalTestKey, nil, 2, "--workspace"},
		{"no life", portalTestKey, []string{"--workspace", ws.ID, "--expires-in", "0s"}, 2, "--expires-in"},
		{"too long a life", portalTestKey, []string{"--workspace", ws.ID, "--expires-in", "169h"}, 2, "168h"},
		{"not a duration", portalTestKey, []string{"--workspace", ws.ID, "--expires-in", "soon"}, 2, "expires-in"},
		{"an argument", portalTestKey, []string{"--workspace", ws.ID, "extra"}, 2, "no arguments"},
		{"no key", "", []string{"--workspace", ws.ID}, 2, "HOOKD_KEY"},
		{"unknown workspace", portalTestKey, []string{"--workspace", "ws_01NOTHERE"}, 1, "404"},
		{"another workspace's key", key.Key, []string{"--workspace", "ws_01NOTHERE"}, 1, "404"},
	} {
		out, errOut, err := runPortalCLI(t, addr, tc.key, tc.args...)
		if err == nil || ExitCode(err) != tc.code || !strings.Contains(err.Error()+errOut, tc.want) {
			t.Errorf("%s: error %v (exit %d), stderr %q; want exit %d naming %q", tc.name, err, ExitCode(err), errOut, tc.code, tc.want)
		}
		if out != "" {
			t.Errorf("%s: stdout %q; want nothing", tc.name, out)
		}
	}
}

// TestServePublicURL: --public-url starts the links, whatever the
// listening address.
func TestServePublicURL(t *testing.T) {
	addr := startServe(t, "--public-url", "https://Hooks.Example.com/", "--portal-frame-ancestors", "https://app.example.com,self")
	ctx := context.Background()
	ws, err := client.New("http://"+addr, portalTestKey).CreateWorkspace(ctx, client.WorkspaceInput{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runPortalCLI(t, addr, portalTestKey, "--workspace", ws.ID)
	if err != nil || !strings.HasPrefix(out, "https://hooks.example.com/ui/portal/") {
		t.Fatalf("hookd portal: %v; stdout %q; stderr %q; want a link of https://hooks.example.com", err, out, errOut)
	}
}

// TestServePortalFlags: serve refuses a bad --public-url or
// --portal-frame-ancestors, naming the flag, before it starts.
func TestServePortalFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--public-url", "ftp://hooks.example.com"}, "-public-url"},
		{[]string{"--public-url", "https://hooks.example.com/hookd"}, "-public-url"},
		{[]string{"--portal-frame-ancestors", "https://app.example.com;script-src *"}, "-portal-frame-ancestors"},
		{[]string{"--portal-frame-ancestors", "app.example.com"}, "-portal-frame-ancestors"},
	} {
		var errOut bytes.Buffer
		err := Run(context.Background(), append([]string{"serve"}, tc.args...), io.Discard, &errOut)
		if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %q: %v (exit %d); want a usage error naming %s", tc.args, err, ExitCode(err), tc.want)
		}
	}
	t.Setenv("HOOKD_PUBLIC_URL", "https://hooks.example.com?x=1")
	err := Run(context.Background(), []string{"serve"}, io.Discard, io.Discard)
	if err == nil || ExitCode(err) != 2 || !strings.Contains(err.Error(), "HOOKD_PUBLIC_URL") {
		t.Errorf("serve with HOOKD_PUBLIC_URL with a query: %v; want a usage error naming HOOKD_PUBLIC_URL", err)
	}
}

func TestPublicURLFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string // want "" for an error
	}{
		{"https://hooks.example.com", "https://hooks.example.com"},
		{"https://hooks.example.com/", "https://hooks.example.com"},
		{"HTTPS://Hooks.Example.COM:8443", "https://hooks.example.com:8443"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:8080/", "http://[::1]:8080"},
		{"http://[::1]", "http://[::1]"},
		{"", ""},
		{"hooks.example.com", ""},
		{"ftp://hooks.example.com", ""},
		{"https://", ""},
		{"https://hooks.example.com/ui", ""},
		{"https://hooks.example.com?x", ""},
		{"https://hooks.example.com/?", ""},
		{"https://hooks.example.com#x", ""},
		{"https://u:p@hooks.example.com", ""},
		{"https://*.example.com", ""},
		{"https://a;b.example.com", ""},
		{"https://-a.example.com", ""},
	} {
		var u publicURL
		err := u.Set(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("--public-url %q: got %q; want an error", tc.in, u)
		case tc.want != "" && (err != nil || string(u) != tc.want):
			t.Errorf("--public-url %q: got %q, %v; want %q", tc.in, u, err, tc.want)
		}
	}
}

func TestDefaultPublicURL(t *testing.T) {
	t.Parallel()
	listen := &net.TCPAddr{IP: net.IPv4zero, Port: 43210}
	for _, tc := range []struct {
		addr string
		want string
	}{
		{":8080", "http://127.0.0.1:43210"},
		{"0.0.0.0:8080", "http://127.0.0.1:43210"},
		{"[::]:8080", "http://127.0.0.1:43210"},
		{"127.0.0.1:0", "http://127.0.0.1:43210"},
		{"localhost:8080", "http://localhost:43210"},
		{"10.1.2.3:8080", "http://10.1.2.3:43210"},
		{"[::1]:8080", "http://[::1]:43210"},
		{"hooks.internal:9000", "http://hooks.internal:43210"},
	} {
		if got := defaultPublicURL(tc.addr, listen); got != tc.want {
			t.Errorf("defaultPublicURL(%q): got %q; want %q", tc.addr, got, tc.want)
		}
	}
	if got := defaultPublicURL("localhost:8080", nil); got != "http://localhost:8080" {
		t.Errorf("defaultPublicURL without a listener: got %q; want the port of the address", got)
	}
}

func TestFrameAncestorsFlag(t *testing.T) {
	t.Parallel()
	var l originList
	if err := l.Set(" https://App.Example.com , 'self',self,https://*.example.com,http://localhost:3000/,https://[::1]:8443"); err != nil {
		t.Fatal(err)
	}
	want := "https://app.example.com,'self','self',https://*.example.com,http://localhost:3000,https://[::1]:8443"
	if got := l.String(); got != want {
		t.Errorf("--portal-frame-ancestors: got %q; want %q", got, want)
	}
	if err := l.Set(""); err != nil || len(l) != 0 {
		t.Errorf("--portal-frame-ancestors '': got %q, %v; want none", l, err)
	}
	for _, bad := range []string{
		"app.example.com", "https://app.example.com/path", "https://app.example.com?x", "'none'", "*",
		"https://app.example.com; script-src *", "https://a'b.example.com", "https://*", "https://a.*.example.com",
		"ftp://app.example.com", "https://u@app.example.com", "data:", "https://app.example.com,nope",
	} {
		var l originList
		if err := l.Set(bad); err == nil {
			t.Errorf("--portal-frame-ancestors %q: got %q; want an error", bad, l)
		} else if !strings.Contains(err.Error(), "origin") {
			t.Errorf("--portal-frame-ancestors %q: error %q does not say what an origin is", bad, err)
		}
	}
}
