package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Config configures Open. The zero value of each field but URL means its
// default.
type Config struct {
	// URL is the connection string, postgres://user:password@host:port/db
	// with libpq's parameters (sslmode, search_path, connect_timeout, …)
	// and pgxpool's (pool_max_conns, …). Required.
	URL string
	// Instance names this process in the leases it takes
	// (deliveries.leased_by): an operator can tell who holds a delivery,
	// and a process never voids a lease that another took after its own
	// ran out. It must differ between processes. Defaults to
	// "<hostname>/<pid>/<random>".
	Instance string
	// Logger receives what the store cannot return: the notification
	// listener losing its connection, and writes starting to fail for a
	// full disk or a read-only database, and succeeding again. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// Defaults applied to the connection string when it does not say.
const (
	// defaultMaxConns is the pool size: the API's requests, the engine's
	// claims and records, and the notification listener share it.
	defaultMaxConns = 16
	// defaultConnectTimeout bounds a connection attempt, so that a
	// database that does not answer makes requests fail (503) rather than
	// hang.
	defaultConnectTimeout = 5 * time.Second
)

// Store is hookd.Store on a PostgreSQL database that several hookd
// processes may share. It is safe for concurrent use. Make one with Open
// and release it with Close.
type Store struct {
	// Shared holds the methods whose SQL is the same on both engines.
	sqlstore.Shared

	pool     *pgxpool.Pool
	connCfg  *pgx.ConnConfig // for the listener's own connections
	instance string
	log      *slog.Logger
	// storage says whether writes fail for a full disk or a read-only
	// database (Ping fails meanwhile).
	storage *hookd.StorageState

	// claimTurn rotates the webhook ClaimDue starts with.
	claimTurn atomic.Uint64

	closeOnce sync.Once
	closing   chan struct{} // closed by Close: listeners end
	listeners sync.WaitGroup
	// backlog fails disabled webhooks' backlogs (backlog.go).
	backlog sqlstore.Worker
	// dueSoon asks for a hookd_due notification (notify.go).
	dueSoon chan struct{}
	// attempts are the attempt counts not yet written (overview.go).
	attempts attemptCounts
}

var (
	_ hookd.Store       = (*Store)(nil)
	_ hookd.DueNotifier = (*Store)(nil)
)

// Open connects to the database at cfg.URL and applies the migrations it
// has not applied yet, under an advisory lock so that processes starting
// together apply each migration once. Unlike the sqlite package's Open, it
// keeps every delivery lease: other processes may be sending those
// deliveries, and a lease a dead process left behind runs out by itself.
// It returns an error when the URL is malformed, the database cannot be
// reached or a migration fails.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URL == "" {
		return nil, errors.New("open postgres: empty URL")
	}
	poolCfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if !strings.Contains(cfg.URL, "pool_max_conns") {
		poolCfg.MaxConns = defaultMaxConns
	}
	if poolCfg.ConnConfig.ConnectTimeout == 0 {
		poolCfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	poolCfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUTC(c)
		return nil
	}
	if cfg.Instance == "" {
		cfg.Instance = defaultInstance()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{
		pool:     pool,
		connCfg:  poolCfg.ConnConfig,
		instance: cfg.Instance,
		log:      cfg.Logger,
		storage:  hookd.NewStorageState(cfg.Logger),
		closing:  make(chan struct{}),
	}
	s.Shared = sqlstore.NewShared(engine{s}, &dialect)
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	s.startBacklogWorker()
	s.startAttemptFlusher()
	s.startDueNotifier()
	return s, nil
}

// defaultInstance returns "<hostname>/<pid>/<random>": containers may
// share a hostname and a pid, hence the random part.
func defaultInstance() string {
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// registerUTC makes c scan timestamptz values in UTC, as the store hands
// times out.
func registerUTC(c *pgx.Conn) {
	c.TypeMap().RegisterType(&pgtype.Type{
		Name:  "timestamptz",
		OID:   pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
}

// Instance returns the name this store writes in the leases it takes.
func (s *Store) Instance() string { return s.instance }

// Ping reports whether the database answers and takes writes. It returns
// an EUNAVAILABLE error when the database does not answer, and the
// ESTORAGE error of the last write when that failed for a full disk or a
// read-only database and no write has committed since.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return &hookd.Error{Code: hookd.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return s.storage.Err()
}

// Close ends the notification subscriptions and the backlog worker (a
// disabled webhook's batches left are run by the next process to open the
// database) and closes the connections, waiting for the queries under way. It is safe to call more than once;
// calls after Close fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.backlog.Stop()
		s.listeners.Wait()
		s.pool.Close()
	})
	return nil
}

// querier is what pgx.Tx and *pgxpool.Pool have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// maxTxTries bounds how often a transaction that lost a deadlock or a
// serialization conflict is run again.
const maxTxTries = 3

// write runs fn in one read-committed transaction, named op in errors, and
// runs it again (up to maxTxTries times) when PostgreSQL aborts it for a
// deadlock or a serialization failure: fn must leave no trace outside the
// transaction until write returns nil. Errors from fn that are
// *hookd.Error pass unchanged; connection failures become EUNAVAILABLE, a
// full disk or a read-only database ESTORAGE; others are wrapped with op.
// Its outcome sets or clears s.storage.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	err := s.transact(ctx, op, fn)
	s.storage.Observe(err)
	return err
}

// transact is write without the storage state: it runs fn in one
// transaction, again after a deadlock or a serialization failure.
func (s *Store) transact(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	for try := 1; ; try++ {
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
		if err == nil {
			return nil
		}
		if try < maxTxTries && (isConflict(err) || errors.Is(err, errRetry)) {
			continue
		}
		return wrap(op, err)
	}
}

// read runs fn in one read-only repeatable-read transaction, so that its
// queries see one snapshot of the database.
func (s *Store) read(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error { return fn(ctx, tx) })
	if err != nil {
		return wrap(op, err)
	}
	return nil
}

// PostgreSQL error codes the store tells apart.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
	codeBadCharacter        = "22021" // character_not_in_repertoire: a NUL, or bytes that are not UTF-8
	codeUntranslatable      = "22P05"
	codeDiskFull            = "53100"
	codeReadOnly            = "25006" // read_only_sql_transaction: a standby, or default_transaction_read_only
)

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool { return pgCode(err) == codeUniqueViolation }

func isConflict(err error) bool {
	c := pgCode(err)
	return c == codeSerialization || c == codeDeadlock
}

// errUnavailable is the message of EUNAVAILABLE errors.
const errUnavailable = "the database is unavailable; try again later"

// wrap prefixes err with op unless it is a domain error, which is meant for
// the user as it is. A full disk or a read-only database becomes an
// ESTORAGE error (507 in the API), a connection failure an EUNAVAILABLE
// one (503), text that PostgreSQL cannot store an EINVALID one.
func wrap(op string, err error) error {
	var he *hookd.Error
	if errors.As(err, &he) {
		return err
	}
	cause := fmt.Errorf("%s: %w", op, err)
	switch pgCode(err) {
	case codeDiskFull:
		return hookd.StorageFull(cause)
	case codeReadOnly:
		return hookd.StorageReadOnly(cause)
	}
	switch {
	case Unavailable(err):
		return &hookd.Error{Code: hookd.EUNAVAILABLE, Message: errUnavailable, Err: cause}
	case pgCode(err) == codeBadCharacter || pgCode(err) == codeUntranslatable:
		return &hookd.Error{Code: hookd.EINVALID, Message: "text must be UTF-8 without NUL characters", Err: cause}
	}
	return cause
}

// Unavailable reports whether err says that the database could not be
// reached or went away: a refused or broken connection, a timeout, a
// server shutting down, starting up, out of connections or memory (but
// not out of disk: that is ESTORAGE). A query that failed this way may be
// tried again once the database is back.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53") && pe.Code != codeDiskFull, // insufficient resources: too many connections, out of memory
			strings.HasPrefix(pe.Code, "57P"):                           // admin or crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connectErr), errors.As(err, &netErr),
		pgconn.SafeToRetry(err), pgconn.Timeout(err),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// Times are stored as timestamptz, to the microsecond.

// cleanText makes s storable in a text column: valid UTF-8 without NUL
// characters. It is for text hookd writes from what others sent (an
// attempt's error), never for what a user asked to store.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// mustAffect returns err, or notFound when the statement changed no row.
func mustAffect(tag pgconn.CommandTag, err error, notFound error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return notFound
	}
	return nil
}
