// Package sqlite is hookd's default storage engine: it implements
// hookd.Store on one SQLite database file, with the pure-Go driver
// modernc.org/sqlite (no cgo), so that hookd runs as a single binary with
// nothing else to install.
//
// Open creates or opens the file, applies the embedded migrations (numbered
// files in migrations/, each in its own transaction, recorded in the
// schema_migrations table, by the runner in internal/sqlstore) and voids
// the delivery leases a previous process left behind: in SQLite mode one
// hookd process owns the file.
//
// What both engines do alike (workspaces, keys, the event catalogue,
// portal links, reading webhooks and events, row mapping, the migration
// runner, idempotency, list pages, streaks, the backlog worker) is
// internal/sqlstore's: Store embeds sqlstore.Shared, and engine.go adapts
// database/sql to it, with SQLite's dialect (? placeholders, times as Unix
// microseconds, flags as 0/1, JSON as text). This package holds what only
// SQLite does: the single writer and its group commit (event.go), the
// event-row fan-out queue (queue.go, claim_queued.go), the in-memory
// leases, and the SQL of those paths.
//
// The database runs in WAL mode with synchronous=FULL, so a write is durable
// when its method returns. Writes go through one connection (SQLite has a
// single writer; queueing in Go avoids SQLITE_BUSY), reads through a small
// pool of read-only connections that WAL lets run beside the writer.
//
// Publishing writes one row per event, listing the webhooks it fans out to;
// each delivery gets its own row when its first attempt is recorded (or it
// is retried by hand, or failed by a disable). Until then it is queued, and
// every read (lists, events, a delivery by id) shows it as pending with no
// attempts, under the id it keeps once written. queue.go has the details:
// a durable cursor per webhook, an event seq that never goes back, below
// which every delivery has its row. A delivery's attempt log is a JSON
// array in its row, appended to by each record: recording an attempt
// writes that one row.
//
// Disabling a webhook fails its pending deliveries in batches, each a
// write transaction of its own, writing the rows of the queued ones and
// moving the cursor past them (backlog.go): a store's worker finishes, at
// Open, the batches a crash cut short.
//
// Delivery claims read a partial index of pending delivery rows per webhook
// in due order, then the webhook's queued deliveries in event order from
// where the last claim stopped, so the cost of a claim follows the number of
// deliveries claimed and of active webhooks, not the size of the backlog.
//
// The delivery path is split by what each part does: claim.go (ClaimDue:
// which webhooks are due, their shares, and their delivery rows),
// claim_queued.go (the queued deliveries a claim reads from the event
// queue), payload_cache.go (the payloads claims read last), lease.go (the
// leases, in memory), record.go (RecordAttempts: rows, logs, failing
// streaks, disables, cursors) and release.go (ReleaseClaims).
package sqlite
