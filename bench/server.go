package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hookd/hookd/client"
)

// server is a `hookd serve` process on a fresh data directory.
type server struct {
	cmd    *exec.Cmd
	url    string
	key    string
	dir    string
	api    *client.Client
	stderr *tailBuffer
	exited chan struct{}
}

// startServer runs `hookd serve` on 127.0.0.1:0 in a new temp directory
// and returns once it listens.
func startServer(ctx context.Context, cfg *Config) (*server, error) {
	dir, err := os.MkdirTemp("", "hookd-bench-")
	if err != nil {
		return nil, err
	}
	keyBytes := make([]byte, 16)
	_, _ = rand.Read(keyBytes)
	key := "hk_bench_" + hex.EncodeToString(keyBytes)
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--dev",
		"--workers", strconv.Itoa(cfg.Concurrency), "--shutdown-timeout", "2s", "--log-level", "warn"}
	if cfg.Database != "" {
		args = append(args, "--database", cfg.Database)
	}
	args = append(args, cfg.ServeArgs...)
	cmd := exec.Command(cfg.Executable, args...)
	cmd.Env = append(os.Environ(), "HOOKD_ADMIN_KEY="+key)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &server{cmd: cmd, key: key, dir: dir, stderr: &tailBuffer{max: 8 << 10}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start hookd serve: %w", err)
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, after, ok := strings.Cut(sc.Text(), "listening on "); ok {
				select {
				case found <- strings.Fields(after)[0]:
				default:
				}
			}
		}
	}()
	select {
	case s.url = <-found:
	case <-s.exited:
		s.cleanup()
		return nil, fmt.Errorf("hookd serve exited at start: %s", strings.TrimSpace(s.stderr.String()))
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, fmt.Errorf("hookd serve did not say where it listens within 30s")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
	s.api = client.New(s.url, key)
	s.api.HTTPClient = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}}
	return s, nil
}

// stop ends the process (SIGTERM, then SIGKILL after 10 s) and removes its
// data directory.
func (s *server) stop() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	s.cleanup()
}

func (s *server) cleanup() { os.RemoveAll(s.dir) }

// memory returns the process's peak resident set (VmHWM) and its current
// one (VmRSS), in bytes, from /proc/<pid>/status.
func (s *server) memory() (peak, now int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if name == "VmHWM" {
			peak = kb << 10
		} else {
			now = kb << 10
		}
	}
	return peak, now, nil
}

// resetPeak sets the process's VmHWM to its current RSS, through
// /proc/<pid>/clear_refs (Linux 4.0 and later).
func (s *server) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// cpuTime returns the CPU time the process has used so far, user and
// system, from /proc/<pid>/stat (in clock ticks of 1/100 s, USER_HZ).
func (s *server) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses and may
	// hold anything: state is field 3, utime 14 and stime 15.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("read /proc/%d/stat: unexpected format", s.cmd.Process.Pid)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read /proc/%d/stat: %w", s.cmd.Process.Pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
