package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/storetest"
)

// loadOverview opens a store with the webhooks of storetest.SeedOverview,
// deliveries delivery rows of which one in a hundred is pending (half of
// those due), attempt counts for every minute of a day, and queued
// deliveries not yet attempted (published, no rows) in ten workspaces.
func loadOverview(b *testing.B, deliveries, queued int) (*Store, int) {
	b.Helper()
	ctx := b.Context()
	s, _ := openTemp(b)
	start := time.Now()
	workspaces := storetest.SeedOverview(b, s, t0)
	perEvent := storetest.OverviewWebhooks / storetest.OverviewWorkspaces
	// Delivery rows, written in SQL: events without a fanout (every
	// delivery has its row), each fanned out to its workspace's webhooks.
	events := deliveries / perEvent
	log := `[{"trigger":"scheduled","started_at":1772600767000000,"duration_ms":12,"request":{"method":"POST","url":"https://example.com/hook","headers":[["Content-Type","application/json"]]},"response":{"status":200,"headers":[],"body":"ok"},"error":""}]`
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`CREATE TEMP TABLE ws_list AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id FROM workspaces`, nil},
		{`INSERT INTO events (id, workspace_id, type, payload, channels, idempotency_key, fanout, created_at)
			WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
			SELECT printf('evt_%026d', i), (SELECT id FROM ws_list WHERE k = i % ?), 'ticket.created',
				CAST('{"id":"tkt_123","subject":"Printer on fire"}' AS BLOB), NULL, '', NULL, ? + i * 1000 FROM n`,
			[]any{events, storetest.OverviewWorkspaces, micros(t0.Add(-24 * time.Hour))}},
		{`INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status, attempts,
				scheduled_attempts, manual, once, next_attempt_at, lease_expires_at, last_status_code, created_at, updated_at, log)
			SELECT printf('dlv_%s%04d', substr(e.id, 5), w.rowid), e.workspace_id, e.id, w.id, e.type,
				CASE (e.seq * 31 + w.rowid * 17) % 100 WHEN 0 THEN 'pending' WHEN 1 THEN 'failed' ELSE 'succeeded' END,
				1, 1, 0, 0, CASE (e.seq * 31 + w.rowid * 17) % 100 WHEN 0 THEN ? + (e.seq % 120 - 60) * 1000000 END,
				0, 200, e.created_at, e.created_at, ?
			FROM events AS e JOIN webhooks AS w ON w.workspace_id = e.workspace_id`,
			[]any{micros(t0), log}},
		{`INSERT INTO attempt_minutes (minute, succeeded, failed)
			WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 1440)
			SELECT ? - i * 60000000, 500, 20 FROM n`, []any{micros(t0.Truncate(time.Minute))}},
		{`UPDATE webhooks SET cursor = (SELECT coalesce(max(seq), 0) FROM events)`, nil},
	} {
		if _, err := s.writer.ExecContext(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("%s: %v", q.sql, err)
		}
	}
	// Queued deliveries: published, not yet attempted, in ten workspaces.
	published := publishBatches(b, s, queued/perEvent, t0.Add(-time.Minute), func(i int) string { return workspaces[i%10] })
	for _, q := range []string{`ANALYZE`, `PRAGMA wal_checkpoint(TRUNCATE)`} {
		if _, err := s.writer.ExecContext(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	var pending int
	if err := s.writer.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE status = 'pending'`).Scan(&pending); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d delivery rows (%d pending, %d events), %d queued deliveries in %v", events*perEvent, pending, events,
		published, time.Since(start).Round(time.Millisecond))
	return s, pending + published
}

// BenchmarkOverview measures Overview over 1,000 webhooks, with delivery
// rows (1% pending) and deliveries queued in SQLite's event rows.
func BenchmarkOverview(b *testing.B) {
	for _, size := range []struct{ rows, queued int }{
		{100_000, 0}, {1_000_000, 0}, {1_000_000, 10_000}, {1_000_000, 100_000},
	} {
		b.Run(fmt.Sprintf("rows=%d/queued=%d", size.rows, size.queued), func(b *testing.B) {
			s, pending := loadOverview(b, size.rows, size.queued)
			for _, q := range []string{sqlOverviewTotals, sqlBehindWebhooks, sqlOverviewQueue, sqlRowsAboveCursor, sqlTroubled} {
				logPlan(b, s, q)
			}
			storetest.BenchmarkOverview(b, s, t0, pending, 500)
		})
	}
}

// logPlan logs SQLite's plan for the query q, its parameters all 0.
func logPlan(b *testing.B, s *Store, q string) {
	b.Helper()
	n := strings.Count(q, "?")
	for i := 9; i > 0; i-- {
		if strings.Contains(q, fmt.Sprintf("?%d", i)) {
			n = i
			break
		}
	}
	args := make([]any, n)
	for i := range args {
		args[i] = 0
	}
	rows, err := s.reader.QueryContext(b.Context(), `EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		b.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			b.Fatal(err)
		}
		plan.WriteString("\n  " + detail)
	}
	b.Logf("plan of %.50q…:%s", q, plan.String())
}
