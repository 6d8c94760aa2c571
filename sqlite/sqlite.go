package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// readerConns is the size of the read-only connection pool.
const readerConns = 4

// Store is hookd.Store on a SQLite database file. It is safe for concurrent
// use. Make one with Open and release it with Close.
type Store struct {
	// Shared holds the methods whose SQL is the same on both engines.
	sqlstore.Shared

	writer *sql.DB // one connection: every write, in BEGIN IMMEDIATE transactions
	reader *sql.DB // read-only connections

	stmts statements
	// readerStmts are the statements the shared code runs outside a
	// transaction, prepared on first use (engine.go).
	readerStmts stmtCache
	// cache keeps workspaces and the catalogue's names (readcache.go).
	cache      readCache
	claimStmts claimStatements // the claim queries, prepared on the reader pool
	// fewQueued is how many queued events a delivery list reads through
	// the queue's index (defaultFewQueued); with more, it reads them by id.
	fewQueued  int
	publishing publishQueue

	// claimTurn rotates the webhook ClaimDue starts with.
	claimTurn atomic.Uint64
	// claiming makes ClaimDue calls one at a time: each takes its copy of
	// the leases before its snapshot, and no other claim may lease
	// between the two.
	claiming sync.Mutex
	// leases are the delivery leases, in memory: one process owns the file.
	leases leaseTable
	// queue is how far claims have read the queued deliveries (queue.go).
	queue queue
	// payloads holds the payloads claims read last; guarded by claiming.
	payloads payloadCache
	// backlog fails the backlogs of disabled webhooks (backlog.go).
	backlog sqlstore.Worker
	// storage says whether writes fail for a full disk or a read-only
	// file (Ping fails meanwhile).
	storage *hookd.StorageState
}

var _ hookd.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file (mode 0600) and
// its directory when missing, applies the migrations it has not applied yet,
// and releases every delivery lease, so that deliveries a crashed process
// held are due again at once. It returns an error when the file cannot be
// opened or a migration fails.
//
// A write that fails because the disk is full (SQLITE_FULL, or writing or
// syncing a file fails) or the database is read-only (SQLITE_READONLY)
// returns an ESTORAGE error, and Ping fails from then until a write
// commits again; slog.Default() hears of each change, once.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	writer, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	s := &Store{writer: writer, storage: hookd.NewStorageState(nil), fewQueued: defaultFewQueued}
	s.Shared = sqlstore.NewShared(engine{s}, &dialect)
	if err := s.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	// Only pending deliveries are ever leased: this reads the pending ones.
	if _, err := writer.ExecContext(ctx, `UPDATE deliveries INDEXED BY deliveries_due SET lease_expires_at = 0
		WHERE status = 'pending' AND lease_expires_at <> 0`); err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite: release leases: %w", err)
	}
	reader, err := sql.Open("sqlite", readerDSN(path))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	reader.SetMaxOpenConns(readerConns)
	reader.SetMaxIdleConns(readerConns)
	reader.SetConnMaxLifetime(0)
	reader.SetConnMaxIdleTime(0)
	s.reader = reader
	s.readerStmts.db = reader
	if err := reader.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := s.stmts.prepare(ctx, writer); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := s.claimStmts.prepare(ctx, reader); err != nil {
		s.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	s.publishing.start(s)
	s.backlog.Start(s.failMarked, backlogRetry, func(error) {})
	return s, nil
}

// createFile makes path's directory and, when the file is missing, an empty
// file that only its owner can read: it will hold signing secrets.
func createFile(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// fileURI writes path as the file part of an SQLite URI filename.
func fileURI(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path)
}

// writerDSN opens the writer with a page cache of 8 MB (cache_size is in
// KiB when negative). It held 32 MB before, which cost 44 MB of RSS and
// bought nothing: the drain of 1,000,000 pending deliveries ran at the same
// rate (BENCHMARKS.md), the operating system's page cache serving the rest.
func writerDSN(path string) string {
	return fileURI(path) + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=cache_size(-8000)" +
		"&_pragma=temp_store(MEMORY)&_txlock=immediate"
}

func readerDSN(path string) string {
	return fileURI(path) + "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)" +
		"&_pragma=query_only(1)"
}

// Ping reports whether the database answers a query on a read connection
// and takes writes. It returns an EUNAVAILABLE error when the query fails,
// and the ESTORAGE error of the last write when that failed for lack of
// storage and no write has committed since.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.reader.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return &hookd.Error{Code: hookd.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return s.storage.Err()
}

// Close waits for the Publish calls under way and for the batch of a
// disabled webhook's backlog under way (the rest is failed after the next
// Open), then closes the prepared statements and both connection pools. It is safe to call more than once;
// calls after Close fail.
func (s *Store) Close() error {
	s.publishing.stop()
	s.backlog.Stop()
	s.stmts.close()
	s.claimStmts.close()
	s.readerStmts.close()
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	return errors.Join(errs...)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// write runs fn in one write transaction, named op in errors. Errors from
// fn that are *hookd.Error pass unchanged; a full disk or a read-only
// database becomes an ESTORAGE error; others are wrapped with op. Its
// outcome sets or clears s.storage.
//
// fn gets ctx without its cancellation: the driver would otherwise start a
// goroutine to watch ctx for every statement, which costs more than a
// statement of the hot path. An ended ctx still rolls the transaction back
// (database/sql watches it) once the running statement returns.
func (s *Store) write(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	err := s.transact(ctx, fn)
	if err != nil {
		err = wrap(op, err)
	}
	s.storage.Observe(err)
	return err
}

// transact runs fn in one write transaction.
func (s *Store) transact(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(context.WithoutCancel(ctx), tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn in one read transaction, so that its queries see one
// snapshot of the database. Like write, it hands fn ctx without its
// cancellation.
func (s *Store) read(ctx context.Context, op string, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	if err := fn(context.WithoutCancel(ctx), tx); err != nil {
		return wrap(op, err)
	}
	return nil
}

// wrap prefixes err with op unless it is a domain error, which is meant for
// the user as it is. A full disk or a read-only database becomes an
// ESTORAGE error (507 in the API).
func wrap(op string, err error) error {
	var he *hookd.Error
	if errors.As(err, &he) {
		return err
	}
	cause := fmt.Errorf("%s: %w", op, err)
	var se *sqlitedriver.Error
	if !errors.As(err, &se) {
		return cause
	}
	switch code := se.Code(); {
	case code&0xff == sqlite3.SQLITE_FULL,
		// Writing or syncing a file fails: what a full disk can also
		// look like (ENOSPC, EDQUOT), besides SQLITE_FULL.
		code == sqlite3.SQLITE_IOERR_WRITE, code == sqlite3.SQLITE_IOERR_FSYNC,
		code == sqlite3.SQLITE_IOERR_DIR_FSYNC, code == sqlite3.SQLITE_IOERR_TRUNCATE,
		code == sqlite3.SQLITE_IOERR_SHMSIZE:
		return hookd.StorageFull(cause)
	case code&0xff == sqlite3.SQLITE_READONLY:
		return hookd.StorageReadOnly(cause)
	}
	return cause
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlitedriver.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isForeignKeyViolation reports whether err is a FOREIGN KEY constraint
// failure.
func isForeignKeyViolation(err error) bool {
	var se *sqlitedriver.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// Times are stored as Unix microseconds.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

func nullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

func bool2int(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// createdBetween adds to q the conditions of a list's since (inclusive) and
// until (exclusive) filters, where they are set.
func createdBetween(q string, args []any, since, until *time.Time) (string, []any) {
	if since != nil {
		q += ` AND created_at >= ?`
		args = append(args, micros(*since))
	}
	if until != nil {
		q += ` AND created_at < ?`
		args = append(args, micros(*until))
	}
	return q, args
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// idArgs turns ids into query arguments.
func idArgs(ids []string) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// workspaceExists returns ENOTFOUND when the workspace does not exist.
func workspaceExists(ctx context.Context, q querier, id string) error {
	return sqlstore.WorkspaceExists(ctx, sqlQuerier{q: q}, &dialect, id)
}
