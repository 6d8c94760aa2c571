// Package sqlite is hookd's default storage engine: it implements
// hookd.Store on one SQLite database file, with the pure-Go driver
// modernc.org/sqlite (no cgo), so that hookd runs as a single binary with
// nothing else to install.
//
// Open creates or opens the file, applies the embedded migrations (numbered
// files in migrations/, each in its own transaction, recorded in the
// schema_migrations table) and voids the delivery leases a previous process
// left behind: in SQLite mode one hookd process owns the file.
//
// The database runs in WAL mode with synchronous=FULL, so a write is durable
// when its method returns. Writes go through one connection (SQLite has a
// single writer; queueing in Go avoids SQLITE_BUSY), reads through a small
// pool of read-only connections that WAL lets run beside the writer.
//
// Delivery claims read a partial index of pending deliveries per webhook in
// due order, so the cost of a claim follows the number of deliveries claimed
// and of active webhooks, not the size of the backlog.
package sqlite
