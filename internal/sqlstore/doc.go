// Package sqlstore holds what hookd's two storage engines, sqlite and
// postgres, share: what is the same on both is written here once. It runs
// statements through a small interface (Querier, Rows, Row) that
// database/sql and pgx both satisfy through an adapter of a few lines in
// each engine (engine.go), and writes its SQL for either through a Dialect:
// the placeholders ("?" or "$n") and the types the engines store
// differently (times as Unix microseconds or timestamptz, flags as 0/1 or
// boolean, JSON as text or json).
//
// Where each kind of code lives:
//   - query.go: Querier, Rows, Dialect and Args (one query text for both
//     engines), Collect, MustAffect.
//   - value.go: scan destinations that read either engine's form of a time,
//     a flag or a JSON column (TimeDest, BoolDest, JSONDest), RoundTime,
//     NewID.
//   - rows.go: row mapping: each table's columns and the scans and
//     arguments of workspaces, event types, webhooks, events and
//     deliveries.
//   - shared.go: Shared, the hookd.Store methods whose SQL is the same on
//     both engines, which each engine's Store embeds, over the Engine
//     interface; workspace.go, catalogue.go, portal.go, webhook.go,
//     event.go and idempotency.go hold them, with the pieces the engines'
//     own methods share (WebhookCap, WriteWebhook, FillDeliveries,
//     WrittenDeliveries, Worker, IdempotencyKey.Reserve).
//   - migrate.go: the migration runner over each engine's embedded,
//     numbered .sql files.
//   - page.go: list pages (PageLimit, Cut).
//   - claim.go: what claims and records decide the same way on both
//     engines (ClaimShare, Streaks, TallyMinutes); worker.go: the backlog
//     Worker both engines run, and FailMarked.
//
// What genuinely differs stays in each engine, and is the difference:
// SQLite's single writer with its group commit, its event-row fan-out
// queue and in-memory leases; PostgreSQL's FOR UPDATE SKIP LOCKED leases,
// LISTEN/NOTIFY, shared send slots and advisory locks. So does the SQL of
// those paths, and of each engine's schema.
package sqlstore
