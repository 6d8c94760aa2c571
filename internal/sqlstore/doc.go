// Package sqlstore holds the SQL code that hookd's two storage engines,
// sqlite and postgres, share: what is the same on both is written here
// once, over a small interface (Tx, Row) that both database/sql and pgx
// satisfy through an adapter of a few lines in each engine. The SQL text
// stays with each engine (placeholders, types and plans differ), and so
// does what genuinely differs: SQLite's single writer and event queue,
// PostgreSQL's leases, LISTEN/NOTIFY and send slots.
//
// Now here: the migration runner (Migrations, Runner), what a stored
// idempotency key means (IdempotencyKey.Reserve) and list pages
// (PageLimit, Cut).
package sqlstore
