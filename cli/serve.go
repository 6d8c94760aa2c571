package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/seal"
	"github.com/hookd/hookd/sqlite"
)

const serveUsage = `serve [flags]

Runs the hookd server: the HTTP API and the delivery engine. With no flags it
keeps its data in ./hookd-data (an embedded SQLite database) and listens on
:8080. The admin API key is HOOKD_ADMIN_KEY, or else generated on first start,
printed once and kept in <data>/admin.key (mode 0600).

Webhooks reach public addresses only: loopback, private, link-local (cloud
metadata), unique-local, multicast and unspecified destinations are refused
when a webhook is created and again at every connection, and http:// URLs
and tls_verify false are refused, when a webhook is created and again at
every attempt. --allow-private, --allow-http and
--allow-insecure-tls open them one by one; --dev opens everything. Signing
secrets and webhook headers are encrypted at rest under HOOKD_ENCRYPTION_KEY
(base64 of 32 bytes; "new,old" while rotating), or else a key generated into
<data>/encryption.key (mode 0600); a --database shared by several processes
needs HOOKD_ENCRYPTION_KEY.`

// serveConfig is what `hookd serve` is told by flags and environment.
type serveConfig struct {
	addr            string
	data            string
	database        string
	dev             bool
	allowHTTP       bool
	allowPrivate    prefixList
	insecureTLS     bool
	maxWebhooks     int
	headerPrefix    string
	maxPayload      int
	workers         int
	perWebhook      int
	disableAfter    time.Duration
	retention       time.Duration
	shutdownTimeout time.Duration
	logLevel        string
	pprof           string
	lease           time.Duration
}

func runServe(ctx context.Context, args []string, out, errOut io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve", serveUsage, errOut)
	fs.StringVar(&c.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.data, "data", "./hookd-data", "data directory: the SQLite database, the admin key, the encryption key")
	fs.StringVar(&c.database, "database", "", "database URL: postgres://… for PostgreSQL, which several hookd processes may share; empty for the embedded SQLite in the data directory")
	fs.BoolVar(&c.dev, "dev", false, "development mode: allow http:// webhook URLs, private addresses and tls_verify false")
	fs.BoolVar(&c.allowHTTP, "allow-http", false, "allow http:// webhook URLs outside --dev")
	fs.Var(&c.allowPrivate, "allow-private", "CIDR ranges or addresses, comma-separated, that webhooks may reach although they are not public (such as 10.0.0.0/8,127.0.0.1)")
	fs.BoolVar(&c.insecureTLS, "allow-insecure-tls", false, "let webhooks set tls_verify false (TLS certificates are verified otherwise)")
	fs.IntVar(&c.maxWebhooks, "max-webhooks", httpapi.DefaultMaxWebhooks, "most webhooks in one workspace (a workspace's max_webhooks can only lower it)")
	fs.StringVar(&c.headerPrefix, "header-prefix", "X-Hookd", "prefix of hookd's own request headers (<P>-Event-Id, ...)")
	fs.IntVar(&c.maxPayload, "max-payload", 256<<10, "largest event payload in bytes")
	fs.IntVar(&c.workers, "workers", 256, "attempts in flight at once, over all webhooks")
	fs.IntVar(&c.perWebhook, "per-webhook", 32, "attempts in flight at once to one webhook")
	fs.DurationVar(&c.disableAfter, "disable-after", 5*24*time.Hour, "disable a webhook whose attempts all failed for this long")
	fs.DurationVar(&c.retention, "retention", 30*24*time.Hour, "purge finished deliveries, attempt logs and payloads older than this")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long attempts in flight may finish before they are handed back")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.pprof, "pprof", "", "debugging: serve net/http/pprof on this loopback address")
	fs.DurationVar(&c.lease, "lease", 3*time.Minute, "how long a claimed delivery stays reserved for this process before another may send it; over the longest webhook timeout (2m) unless --dev")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("serve takes no arguments, got %q", fs.Arg(0))
	}
	return serve(ctx, c, out, errOut)
}

func serve(ctx context.Context, c serveConfig, out, errOut io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return usageError("--log-level %q: use debug, info, warn or error", c.logLevel)
	}
	logger := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: level}))

	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if c.lease <= hookd.MaxTimeoutSeconds*time.Second && !c.dev {
		return usageError("--lease %s: must exceed the longest webhook timeout (%ds), or an attempt may outlive its lease and be sent twice (shorter leases are for tests, with --dev)", c.lease, hookd.MaxTimeoutSeconds)
	}
	if c.database == "" {
		// One process owns an SQLite database; processes that share
		// PostgreSQL may share a data directory too.
		unlock, err := lockDataDir(c.data)
		if err != nil {
			return err
		}
		defer unlock()
	}

	adminKey, err := loadAdminKey(c.data, out)
	if err != nil {
		return err
	}
	keys, err := loadEncryptionKeys(c.data, c.database != "", out)
	if err != nil {
		return err
	}

	var store hookd.Store
	switch {
	case c.database == "":
		store, err = sqlite.Open(ctx, filepath.Join(c.data, "hookd.db"))
	case strings.HasPrefix(c.database, "postgres://"), strings.HasPrefix(c.database, "postgresql://"):
		store, err = postgres.Open(ctx, postgres.Config{URL: c.database, Logger: logger})
	default:
		return usageError("--database %q: use a postgres:// URL, or leave it empty for the embedded SQLite", redactURL(c.database))
	}
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer store.Close()
	store = seal.New(store, keys, logger) // secrets and headers encrypted at rest
	if err := seal.CheckKey(ctx, store); err != nil {
		return err
	}
	policy := &egress.Policy{AllowAll: c.dev, AllowPrivate: c.allowPrivate, Resolver: net.DefaultResolver}
	insecureTLS := c.dev || c.insecureTLS
	allowHTTP := c.dev || c.allowHTTP

	engine, err := delivery.New(delivery.Config{
		Store:            store,
		Workers:          c.workers,
		PerWebhook:       c.perWebhook,
		DisableAfter:     c.disableAfter,
		HeaderPrefix:     c.headerPrefix,
		Version:          version(),
		Logger:           logger,
		Lease:            c.lease,
		Dial:             (&egress.Dialer{Policy: policy}).DialContext,
		RequireTLSVerify: !insecureTLS,
		RequireHTTPS:     !allowHTTP,
	})
	if err != nil {
		return err
	}
	api, err := httpapi.New(httpapi.Config{
		Store:            store,
		Engine:           engine,
		AdminKey:         adminKey,
		MaxPayloadBytes:  c.maxPayload,
		AllowHTTP:        allowHTTP,
		Egress:           policy,
		AllowInsecureTLS: insecureTLS,
		MaxWebhooks:      c.maxWebhooks,
		HeaderPrefix:     c.headerPrefix,
		Logger:           logger,
		Version:          version(),
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// A slow client cannot hold a connection for ever, nor send
		// headers without end.
		ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}

	paceGC(ctx)
	if err := engine.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if c.pprof != "" {
		if err := serveProfiles(ctx, c.pprof, logger); err != nil {
			return err
		}
	}
	go purgeLoop(ctx, store, c.retention, logger)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(out, "hookd %s listening on http://%s (data: %s)\n", version(), ln.Addr(), c.data)
	if c.dev {
		logger.Warn("development mode: http:// URLs, private addresses and tls_verify false are allowed; do not use in production")
	} else {
		logger.Info("webhooks reach public addresses only", "allow_private", c.allowPrivate.String(),
			"allow_http", c.allowHTTP, "allow_insecure_tls", c.insecureTLS)
	}

	select {
	case <-ctx.Done():
	case err = <-serveErr:
		logger.Error("http server stopped", "err", err)
	}
	logger.Info("shutting down: no new requests or claims; attempts in flight may finish", "within", c.shutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	engine.Stop(shutdownCtx)
	logger.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// lockDataDir takes an exclusive lock on dir, so that two hookd processes
// never share one SQLite database (each would void the other's leases).
func lockDataDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data directory %s is in use by another hookd process (use another --data, or PostgreSQL for several processes)", dir)
	}
	return func() { f.Close() }, nil
}

// loadAdminKey returns HOOKD_ADMIN_KEY, else the key kept in the data
// directory, else a new key that it keeps there and prints once.
func loadAdminKey(dir string, out io.Writer) (string, error) {
	if k := os.Getenv("HOOKD_ADMIN_KEY"); k != "" {
		if len(k) < 16 {
			return "", usageError("HOOKD_ADMIN_KEY must be at least 16 characters")
		}
		return k, nil
	}
	path := filepath.Join(dir, "admin.key")
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read admin key: %w", err)
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	key := "hk_admin_" + base64.RawURLEncoding.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save admin key: %w", err)
	}
	fmt.Fprintf(out, "Generated the admin API key (shown once; kept in %s):\n\n    %s\n\n", path, key)
	return key, nil
}

// purgeLoop deletes what is older than the retention period, hourly.
func purgeLoop(ctx context.Context, store hookd.Store, retention time.Duration, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		now := time.Now()
		n, err := store.Purge(ctx, hookd.PurgeRequest{Before: now.Add(-retention), IdempotencyBefore: now.Add(-24 * time.Hour)})
		if err != nil && ctx.Err() == nil {
			logger.Error("purge", "err", err)
		} else if n > 0 {
			logger.Info("purged old deliveries", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if at := strings.LastIndex(s, "@"); at > i {
			if colon := strings.Index(s[i+3:at], ":"); colon >= 0 {
				return s[:i+3+colon+1] + "xxxxx" + s[at:]
			}
		}
	}
	return s
}
