package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/storetest"
	"github.com/jackc/pgx/v5"
)

// loadOverview opens a store on a new schema with the webhooks of
// storetest.SeedOverview and deliveries delivery rows, one in a hundred
// pending (half of those due), and 16 shards of attempt counts for every
// minute of a day, and returns it with the number of pending deliveries.
func loadOverview(b *testing.B, deliveries int) (*postgres.Store, int) {
	b.Helper()
	ctx := b.Context()
	s, u := openSchema(b)
	start := time.Now()
	storetest.SeedOverview(b, s, t0)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	perWorkspace := storetest.OverviewWebhooks / storetest.OverviewWorkspaces
	events := deliveries / perWorkspace
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO events (id, workspace_id, type, payload, channels, idempotency_key, created_at)
			SELECT 'evt_' || lpad(i::text, 26, '0'), ws.id, 'ticket.created',
				'{"id":"tkt_123","subject":"Printer on fire"}'::bytea, NULL, '', $2::timestamptz + i * interval '1 ms'
			FROM generate_series(0, $1 - 1) AS i
			JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM workspaces) AS ws ON ws.k = i % 100`,
			[]any{events, t0.Add(-24 * time.Hour)}},
		{`INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status, attempts,
				scheduled_attempts, manual, once, next_attempt_at, last_status_code, created_at, updated_at)
			SELECT 'dlv_' || substr(e.id, 5) || lpad(w.k::text, 4, '0'), e.workspace_id, e.id, w.id, e.type,
				CASE x WHEN 0 THEN 'pending' WHEN 1 THEN 'failed' ELSE 'succeeded' END, 1, 1, false, false,
				CASE x WHEN 0 THEN $1::timestamptz + ((hashtext(e.id) % 60) * interval '1 s') END, 200, e.created_at, e.created_at
			FROM events AS e
			JOIN (SELECT id, workspace_id, row_number() OVER (ORDER BY id) AS k FROM webhooks) AS w ON w.workspace_id = e.workspace_id
			CROSS JOIN LATERAL (SELECT abs(hashtext(e.id || w.id)) % 100 AS x) AS r`,
			[]any{t0}},
		{`INSERT INTO attempt_minutes (minute, shard, succeeded, failed)
			SELECT $1::timestamptz - m * interval '1 minute', sh, 50, 2
			FROM generate_series(0, 1439) AS m, generate_series(0, 15) AS sh`,
			[]any{t0.Truncate(time.Minute)}},
		{`VACUUM ANALYZE`, nil},
	} {
		if _, err := conn.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("%s: %v", q.sql, err)
		}
	}
	var pending int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE status = 'pending'`).Scan(&pending); err != nil {
		b.Fatal(err)
	}
	var plan string
	rows, err := conn.Query(ctx, `EXPLAIN SELECT count(*), count(*) FILTER (WHERE next_attempt_at <= now())
		FROM deliveries WHERE status = 'pending'`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			b.Fatal(err)
		}
		plan += "\n  " + line
	}
	b.Logf("loaded %d delivery rows (%d pending) in %v; pending count plan:%s", events*perWorkspace, pending,
		time.Since(start).Round(time.Millisecond), plan)
	return s, pending
}

// BenchmarkOverview measures Overview over 1,000 webhooks and delivery
// rows of which 1% are pending.
func BenchmarkOverview(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			s, pending := loadOverview(b, rows)
			storetest.BenchmarkOverview(b, s, t0, pending, 50*16)
		})
	}
}
