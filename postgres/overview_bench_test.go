package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// Overview's benchmark: the operator's page reads it once per render.
const (
	overviewWorkspaces = 100
	overviewWebhooks   = 1000 // 10 per workspace; 50 failing, 50 disabled
)

var benchT0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// loadOverview opens a store on a new schema with overviewWebhooks
// webhooks across overviewWorkspaces workspaces and deliveries delivery
// rows, one in a hundred pending (half of those due), and returns it with
// the number of pending deliveries.
func loadOverview(b *testing.B, deliveries int) (*postgres.Store, int) {
	b.Helper()
	ctx := b.Context()
	u := pgtest.Schema(b)
	s, err := postgres.Open(ctx, postgres.Config{URL: u})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	var workspaces []string
	for i := range overviewWorkspaces {
		ws := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, benchT0), Name: fmt.Sprint("ws", i),
			CreatedAt: benchT0, UpdatedAt: benchT0}
		if err := s.CreateWorkspace(ctx, ws); err != nil {
			b.Fatalf("CreateWorkspace: %v", err)
		}
		workspaces = append(workspaces, ws.ID)
	}
	perWorkspace := overviewWebhooks / overviewWorkspaces
	for i := range overviewWebhooks {
		w := &hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook, benchT0), WorkspaceID: workspaces[i/perWorkspace],
			Name: fmt.Sprint("w", i), URL: "https://example.com/hook", Method: hookd.MethodPost, Events: []string{"*"},
			TimeoutSeconds: 30, RetrySchedule: hookd.DefaultRetrySchedule, Status: hookd.WebhookActive,
			Secrets: []hookd.Secret{{Value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}, TLSVerify: true,
			CreatedAt: benchT0, UpdatedAt: benchT0.Add(time.Duration(i) * time.Second)}
		switch i % 20 {
		case 1:
			since := benchT0.Add(-time.Hour)
			w.FailingSince = &since
		case 2:
			w.Status, w.DisabledReason = hookd.WebhookDisabled, "the endpoint answered 410 Gone"
		}
		if err := s.CreateWebhook(ctx, w, 0); err != nil {
			b.Fatalf("CreateWebhook: %v", err)
		}
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
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
			[]any{events, benchT0.Add(-24 * time.Hour)}},
		{`INSERT INTO deliveries (id, workspace_id, event_id, webhook_id, event_type, status, attempts,
				scheduled_attempts, manual, once, next_attempt_at, last_status_code, created_at, updated_at)
			SELECT 'dlv_' || substr(e.id, 5) || lpad(w.k::text, 4, '0'), e.workspace_id, e.id, w.id, e.type,
				CASE x WHEN 0 THEN 'pending' WHEN 1 THEN 'failed' ELSE 'succeeded' END, 1, 1, false, false,
				CASE x WHEN 0 THEN $1::timestamptz + ((hashtext(e.id) % 60) * interval '1 s') END, 200, e.created_at, e.created_at
			FROM events AS e
			JOIN (SELECT id, workspace_id, row_number() OVER (ORDER BY id) AS k FROM webhooks) AS w ON w.workspace_id = e.workspace_id
			CROSS JOIN LATERAL (SELECT abs(hashtext(e.id || w.id)) % 100 AS x) AS r`,
			[]any{benchT0}},
		{`INSERT INTO attempt_minutes (minute, shard, succeeded, failed)
			SELECT $1::timestamptz - m * interval '1 minute', sh, 50, 2
			FROM generate_series(0, 1439) AS m, generate_series(0, 15) AS sh`,
			[]any{benchT0.Truncate(time.Minute)}},
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
			ctx := b.Context()
			var o *hookd.Overview
			for b.Loop() {
				var err error
				if o, err = s.Overview(ctx, benchT0); err != nil {
					b.Fatalf("Overview: %v", err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/overview")
			if o.Pending != pending || len(o.Troubled) != hookd.OverviewTroubled || o.Webhooks != overviewWebhooks ||
				o.Minutes[len(o.Minutes)-1].Succeeded != 50*16 {
				b.Fatalf("overview: pending %d, %d troubled, %d webhooks, last minute %+v; want %d, %d, %d, 800 succeeded",
					o.Pending, len(o.Troubled), o.Webhooks, o.Minutes[len(o.Minutes)-1], pending, hookd.OverviewTroubled,
					overviewWebhooks)
			}
		})
	}
}
