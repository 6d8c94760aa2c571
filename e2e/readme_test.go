package e2e

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestREADMEQuickstart runs the README's quickstart as a newcomer pastes
// it, in a copy of the source tree; only its two ports are swapped for free
// ones.
func TestREADMEQuickstart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hookd and runs the quickstart; skipped with -short")
	}
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- quickstart:begin -->")
	block, _, ok2 := strings.Cut(rest, "<!-- quickstart:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no quickstart markers")
	}
	script := strings.TrimSpace(block)
	script = strings.TrimPrefix(script, "```sh")
	script = strings.TrimSuffix(script, "```")
	script = strings.ReplaceAll(script, "127.0.0.1:8080", "127.0.0.1:"+freePort(t))
	script = strings.ReplaceAll(script, "127.0.0.1:9000", "127.0.0.1:"+freePort(t))

	dir := t.TempDir()
	copyTree(t, "..", dir)
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	// The script starts a server and a receiver in the background; if it
	// fails before its last line stops them, this stops its whole process
	// group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	t.Cleanup(func() {
		if cmd.Process != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	done := make(chan struct{})
	var out []byte
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(4 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the quickstart did not finish within 4 minutes")
	}
	t.Logf("quickstart output:\n%s", out)
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "hookd.log"))
		t.Fatalf("the quickstart failed: %v\nhookd.log:\n%s", err, log)
	}
	received, _ := os.ReadFile(filepath.Join(dir, "receiver.log"))
	if n := strings.Count(string(received), `"T-42"`); n != 2 {
		t.Errorf("the receiver printed the event %d times; want 2 (the delivery and its retry):\n%s", n, received)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if n := len(lines); n < 3 || lines[n-3] != "2" {
		t.Errorf("the deliveries show command should print 2 attempts; output ends %q", lines[max(0, n-3):])
	}
	if last := lines[len(lines)-1]; !portalLink.MatchString(last) {
		t.Errorf("the last command should print a portal link; it printed %q", last)
	}
}

// portalLink is what hookd portal prints.
var portalLink = regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/ui/portal/[A-Za-z0-9_-]{43}$`)

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// copyTree copies the source files of the module at src into dst, as a
// fresh clone would have them (no .git, no build output, no data).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		name := d.Name()
		if d.IsDir() && rel != "." && (strings.HasPrefix(name, ".") || name == "hookd-data" || name == "quickstart-data") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() || (rel == "hookd") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
