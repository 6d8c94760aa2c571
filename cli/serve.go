package cli

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/delivery"
	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/seal"
	"github.com/hookd/hookd/sqlite"
	"github.com/hookd/hookd/web"
)

const serveUsage = `serve [flags]

Runs the hookd server: the HTTP API and the delivery engine. With no flags it
keeps its data in ./hookd-data (an embedded SQLite database) and listens on
:8080. The admin API key is HOOKD_ADMIN_KEY, or else generated on first start,
printed once and kept in <data>/admin.key (mode 0600).

Webhooks reach public addresses only: loopback, private, link-local (cloud
metadata), unique-local, multicast and unspecified destinations are refused
when a webhook is created and again at every connection, and http:// URLs
and tls_verify false are refused when a webhook is created and again at
every attempt. --allow-private, --allow-http and --allow-insecure-tls open
them one by one; --dev opens everything. Signing secrets and webhook
headers are encrypted at rest under HOOKD_ENCRYPTION_KEY (base64 of 32
bytes; "new,old" while rotating), or else a key generated into
<data>/encryption.key (mode 0600); a --database shared by several processes
needs HOOKD_ENCRYPTION_KEY.

A --database that does not answer yet at start is tried again (after
100ms, doubling up to 5s) for up to --database-wait, each failed try logged
with its cause; meanwhile /healthz answers 200 and /readyz 503. A wrong
password, a missing role or database, or the end of the wait stops hookd
with an error.

Portal links (hookd portal) start with --public-url, by default http:// and
the address hookd listens on (127.0.0.1 for every interface): behind a proxy
or a load balancer, set it to where browsers reach hookd, such as
https://hooks.example.com. --portal-frame-ancestors names the origins of
the apps that may show the portal in an <iframe>.`

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
	databaseWait    time.Duration
	logLevel        string
	pprof           string
	lease           time.Duration
	// publicURL starts portal links; empty until serve derives it from
	// the address it listens on.
	publicURL publicURL
	// frameAncestors are the origins that may show the portal in an
	// <iframe>: passed to web.Config.FrameAncestors.
	frameAncestors []string
}

func runServe(ctx context.Context, args []string, out, errOut io.Writer) error {
	var c serveConfig
	fs := newFlagSet("serve", serveUsage, errOut)
	fs.StringVar(&c.addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.data, "data", "./hookd-data", "data directory: the SQLite database, the admin key, the encryption key")
	fs.StringVar(&c.database, "database", "", "database URL: postgres://… for PostgreSQL, which several hookd processes may share; empty for the embedded SQLite in the data directory")
	fs.DurationVar(&c.databaseWait, "database-wait", 3*time.Minute, "how long to keep trying a --database that does not answer yet at start (0: try once); meanwhile /healthz answers 200 and /readyz 503")
	fs.BoolVar(&c.dev, "dev", false, "development mode: allow http:// webhook URLs, private addresses and tls_verify false")
	fs.BoolVar(&c.allowHTTP, "allow-http", false, "allow http:// webhook URLs outside --dev")
	fs.Var(&c.allowPrivate, "allow-private", "CIDR ranges or addresses, comma-separated, that webhooks may reach although they are not public (such as 10.0.0.0/8,127.0.0.1)")
	fs.BoolVar(&c.insecureTLS, "allow-insecure-tls", false, "let webhooks set tls_verify false (TLS certificates are verified otherwise)")
	fs.IntVar(&c.maxWebhooks, "max-webhooks", httpapi.DefaultMaxWebhooks, "most webhooks in one workspace (a workspace's max_webhooks can only lower it)")
	fs.StringVar(&c.headerPrefix, "header-prefix", "X-Hookd", "prefix of hookd's own request headers (<P>-Event-Id, ...)")
	fs.IntVar(&c.maxPayload, "max-payload", 256<<10, "largest event payload in bytes")
	fs.IntVar(&c.workers, "workers", 256, "attempts in flight at once, over all webhooks, shared fairly by workspace then webhook (up to twice it while others' dead endpoints hold the rest)")
	fs.IntVar(&c.perWebhook, "per-webhook", 32, "attempts in flight at once to one webhook")
	fs.DurationVar(&c.disableAfter, "disable-after", 5*24*time.Hour, "disable a webhook whose attempts all failed for this long")
	fs.DurationVar(&c.retention, "retention", 30*24*time.Hour, "purge finished deliveries, attempt logs and payloads older than this")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 30*time.Second, "on SIGINT/SIGTERM, how long attempts in flight may finish before they are handed back")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.pprof, "pprof", "", "debugging: serve net/http/pprof on this loopback address")
	fs.DurationVar(&c.lease, "lease", 3*time.Minute, "how long a claimed delivery stays reserved for this process before another may send it; over the longest webhook timeout (2m) unless --dev")
	fs.Var(&c.publicURL, "public-url", "the `URL` where browsers reach hookd, such as https://hooks.example.com: portal links start with it (default http:// and the listening address)")
	fs.Var((*originList)(&c.frameAncestors), "portal-frame-ancestors", "`origins` that may show the portal in an <iframe>, comma-separated, such as https://app.example.com ('self' for hookd's own)")
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
	slog.SetDefault(logger) // for the sqlite store, which logs there

	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if c.lease <= hookd.MaxTimeoutSeconds*time.Second && !c.dev {
		return usageError("--lease %s: must exceed the longest webhook timeout (%ds), or an attempt may outlive its lease and be sent twice (shorter leases are for tests, with --dev)", c.lease, hookd.MaxTimeoutSeconds)
	}
	if c.databaseWait < 0 {
		return usageError("--database-wait %s: must be 0 (try once) or more", c.databaseWait)
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

	// Listen at once, so that /healthz and /readyz answer while the
	// database is opened (PostgreSQL may still be starting).
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var handler atomic.Pointer[http.Handler]
	starting := httpapi.Starting(version(), "hookd is starting: waiting for the database")
	handler.Store(&starting)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		// A slow client cannot hold a connection for ever, nor send
		// headers without end.
		ReadTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	defer srv.Close() // after Shutdown, or on an early return
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	if c.publicURL == "" {
		c.publicURL = publicURL(defaultPublicURL(c.addr, ln.Addr()))
	}

	store, err := openStore(ctx, c, logger, func() {
		fmt.Fprintf(out, "hookd %s waiting for the database (up to %s); /healthz and /readyz answer on http://%s\n", version(), c.databaseWait, ln.Addr())
	})
	if err != nil {
		if ctx.Err() != nil {
			logger.Info("stopped while waiting for the database")
			return nil
		}
		return err
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
		PublicURL:        string(c.publicURL),
		Logger:           logger,
		Version:          version(),
	})
	if err != nil {
		return err
	}

	pub, _ := url.Parse(string(c.publicURL)) // checked by httpapi.New
	ui, err := web.New(web.Config{
		API:            api,
		Store:          store,
		SessionKey:     sessionKey(adminKey),
		PublicURL:      pub,
		FrameAncestors: c.frameAncestors,
		Logger:         logger,
	})
	if err != nil {
		return err
	}
	site := siteHandler(api, ui)

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
	handler.Store(&site)
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

// Pauses between tries to open a database that does not answer yet: the
// first, doubled after each try up to the last.
const (
	firstDatabasePause = 100 * time.Millisecond
	maxDatabasePause   = 5 * time.Second
)

// openStore opens the store c names: the embedded SQLite database in the
// data directory, or PostgreSQL at c.database. While PostgreSQL does not
// answer (postgres.Unavailable: nothing listens yet, the host is not up,
// the server is starting), it tries again for up to c.databaseWait,
// pausing firstDatabasePause and doubling up to maxDatabasePause, logging
// each failed try with its cause; waiting is called at the first. An error
// that waiting cannot mend (a malformed URL, a wrong password, a role or
// database that does not exist, a failed migration) ends it at once, as
// ctx's end does.
func openStore(ctx context.Context, c serveConfig, logger *slog.Logger, waiting func()) (hookd.Store, error) {
	switch {
	case c.database == "":
		store, err := sqlite.Open(ctx, filepath.Join(c.data, "hookd.db"))
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return store, nil
	case !strings.HasPrefix(c.database, "postgres://") && !strings.HasPrefix(c.database, "postgresql://"):
		return nil, usageError("--database %q: use a postgres:// URL, or leave it empty for the embedded SQLite", redactURL(c.database))
	}
	name := redactURL(c.database)
	deadline := time.Now().Add(c.databaseWait)
	pause := firstDatabasePause
	for try := 1; ; try++ {
		store, err := postgres.Open(ctx, postgres.Config{URL: c.database, Logger: logger})
		switch {
		case err == nil:
			if try > 1 {
				logger.Info("the database answers", "database", name, "tries", try)
			}
			return store, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		// The cause, without the words meant for API users.
		if he := (*hookd.Error)(nil); errors.As(err, &he) && he.Err != nil {
			err = he.Err
		}
		if !postgres.Unavailable(err) {
			return nil, fmt.Errorf("open database %s: %w (not tried again: waiting would not mend it)", name, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("open database %s: no answer after %d tries within --database-wait %s: %w", name, try, c.databaseWait, err)
		}
		if try == 1 {
			waiting()
		}
		pause = min(pause, left).Round(time.Millisecond)
		logger.Warn("the database does not answer yet; trying again", "database", name, "try", try, "retry_in", pause, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, maxDatabasePause)
	}
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

// siteHandler serves the web UI under /ui/ and the API everywhere else; a
// browser asking for / is sent to the UI.
func siteHandler(api, ui http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/ui/", ui)
	mux.Handle("/ui", ui)
	mux.Handle("/", api)
	mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusSeeOther))
	return mux
}

// sessionKey derives the key that signs the web UI's cookies from the admin
// key, so that every process that shares the admin key (and the database)
// honours the others' sessions, and a new admin key signs everyone out.
func sessionKey(adminKey string) []byte {
	m := hmac.New(sha256.New, []byte(adminKey))
	m.Write([]byte("hookd web session key"))
	return m.Sum(nil)
}
