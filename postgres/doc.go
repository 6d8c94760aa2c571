// Package postgres is hookd's storage engine for running several hookd
// processes against one PostgreSQL database: it implements hookd.Store
// (and hookd.DueNotifier) with pgx, behind the same interface and the
// same conformance suite (storetest) as the sqlite package. PostgreSQL is
// the only coordinator: there is no leader, no Redis, no consensus of
// hookd's own.
//
// Open connects through a pgxpool and applies the embedded migrations
// (numbered files in migrations/, each in its own transaction, recorded in
// schema_migrations, by the runner in internal/sqlstore) under a
// PostgreSQL advisory lock, so that processes starting together migrate
// once.
//
// What both engines do alike (workspaces, keys, the event catalogue,
// portal links, reading webhooks and events, row mapping, the migration
// runner, idempotency, list pages, streaks, the backlog worker) is
// internal/sqlstore's: Store embeds sqlstore.Shared, and engine.go adapts
// pgx to it, with PostgreSQL's dialect ($n placeholders, timestamptz,
// boolean, json). This package holds what only PostgreSQL does: the
// leases below, LISTEN/NOTIFY, the shared send slots, the advisory locks,
// and the SQL of those paths.
//
// Work is split with row leases. ClaimDue locks the due deliveries it
// takes with FOR UPDATE SKIP LOCKED, so that concurrent claims from other
// processes step over them rather than wait, and writes a lease
// (lease_expires_at, leased_by) in the same transaction. The lease keeps
// the delivery from every other claim until the attempt is recorded or the
// lease runs out; Open never clears leases (unlike SQLite's), so the
// deliveries of a process that died are taken over by the others once its
// leases run out. The lease must outlast the attempt, which is why the
// engine's lease exceeds the longest webhook timeout.
//
// State that one SQLite process keeps holds across processes here:
// idempotency keys (of requests, and of events, whose concurrent publishes
// serialize on an advisory lock per key), max_webhooks (counted under the
// workspace's row lock), failing streaks and auto-disable (in the webhook
// row), and webhook rate limits: the claim of a rate-limited webhook
// reserves send slots, 1/rate apart, in the webhook_send_slots row shared
// by every process, and gives each claim its slot as hookd.Claim.NotBefore,
// which the engine waits for. The per-webhook cap on attempts in flight is
// per process.
//
// A publish reads the workspace's active webhooks and then inserts their
// deliveries; it holds the workspace's advisory lock shared meanwhile, and
// a disable takes it exclusive, so that no publish inserts deliveries for a
// webhook whose disable has already failed its pending ones. A disable
// fails the webhook's backlog in batches, each a transaction of its own
// (backlog.go); every process runs a worker that finishes the batches a
// crashed process left.
//
// Writes that make deliveries due (RetryDelivery, RecoverDeliveries,
// ReleaseClaims, enabling a webhook) NOTIFY hookd_due in their
// transaction, Publish once its transaction has committed (notify.go);
// SubscribeDue LISTENs on a connection of its own, so that idle engines in
// every process wake at once.
//
// Errors that mean the database cannot be reached (refused or broken
// connections, timeouts, a server shutting down or starting up) are
// hookd.EUNAVAILABLE, which the API answers with 503; the pool connects
// again by itself once the server is back. A full disk (53100) or a read-only
// database (25006, as on a standby) is hookd.ESTORAGE, which the API
// answers with 507, and Ping fails from then until a write commits again.
package postgres
