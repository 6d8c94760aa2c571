package sqlite

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// benchWebhooks is how many webhooks share the backlog.
const benchWebhooks = 10

// loadBacklog opens a store in a temp dir with a workspace of
// benchWebhooks webhooks and events enough for pending deliveries, all
// due, published through Publish in batches of hookd.MaxBatchEvents events.
// It returns the store and the workspace's id.
func loadBacklog(b *testing.B, pending int) (*Store, string) {
	b.Helper()
	ctx := b.Context()
	s, _ := openTemp(b)
	ws := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, t0), Name: "bench", CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		b.Fatalf("CreateWorkspace: %v", err)
	}
	for i := range benchWebhooks {
		w := &hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook, t0), WorkspaceID: ws.ID, Name: fmt.Sprint("w", i),
			URL: "https://example.com/hook", Method: hookd.MethodPost, Events: []string{"*"}, TimeoutSeconds: 30,
			RetrySchedule: hookd.DefaultRetrySchedule, Status: hookd.WebhookActive,
			Secrets: []hookd.Secret{{Value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}, TLSVerify: true,
			CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateWebhook(ctx, w, 0); err != nil {
			b.Fatalf("CreateWebhook: %v", err)
		}
	}
	start := time.Now()
	events := pending / benchWebhooks
	publishBatches(b, s, events, t0.Add(-time.Hour), func(int) string { return ws.ID })
	b.Logf("loaded %d pending deliveries (%d events) in %v", events*benchWebhooks, events, time.Since(start).Round(time.Millisecond))
	return s, ws.ID
}

// publishBatches publishes n events at now through Publish, in batches of
// hookd.MaxBatchEvents events, the i-th to the workspace workspaceOf(i),
// and returns how many deliveries they made.
func publishBatches(b *testing.B, s *Store, n int, now time.Time, workspaceOf func(i int) string) int {
	b.Helper()
	payload := json.RawMessage(`{"id":"tkt_123","subject":"Printer on fire","priority":"high","tags":["hardware","urgent"]}`)
	deliveries := 0
	for done := 0; done < n; {
		batch := make([]*hookd.Event, min(hookd.MaxBatchEvents, n-done))
		for i := range batch {
			batch[i] = &hookd.Event{WorkspaceID: workspaceOf(done + i), Type: "ticket.created", Payload: payload}
		}
		if err := s.Publish(b.Context(), batch, now); err != nil {
			b.Fatalf("Publish: %v", err)
		}
		for _, e := range batch {
			deliveries += len(e.Deliveries)
		}
		done += len(batch)
	}
	return deliveries
}

// BenchmarkClaimRecord measures the delivery hot path against a backlog:
// claim a batch of 256 due deliveries, then record an attempt for each (one
// in ten fails and is due again later, the rest succeed). The cost per
// delivery must not grow with the backlog.
func BenchmarkClaimRecord(b *testing.B) {
	for _, pending := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("pending=%d", pending), func(b *testing.B) {
			s, _ := loadBacklog(b, pending)
			ctx := b.Context()
			const batch = 256
			now := t0
			delivered := 0
			b.ResetTimer()
			for b.Loop() {
				now = now.Add(time.Millisecond)
				claims, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: now, LeaseUntil: now.Add(time.Minute),
					Limit: batch, PerWebhook: 64})
				if err != nil {
					b.Fatalf("ClaimDue: %v", err)
				}
				if len(claims) != batch {
					b.Fatalf("ClaimDue: got %d claims; want %d (backlog exhausted? use a shorter -benchtime)", len(claims), batch)
				}
				recs := make([]hookd.AttemptRecord, len(claims))
				for i, c := range claims {
					code := 200
					recs[i] = hookd.AttemptRecord{
						DeliveryID: c.Delivery.ID,
						WebhookID:  c.Webhook.ID,
						Attempt: hookd.Attempt{
							Trigger: hookd.TriggerScheduled, StartedAt: now, DurationMS: 12,
							Request: hookd.AttemptRequest{Method: "POST", URL: c.Webhook.URL,
								Headers: map[string]string{"Webhook-Id": c.Delivery.EventID}},
							Response: &hookd.AttemptResponse{Status: code, Body: "ok"},
						},
						Status:            hookd.DeliverySucceeded,
						ScheduledAttempts: c.Delivery.ScheduledAttempts + 1,
						LastStatusCode:    &code,
						Succeeded:         true,
						Now:               now,
					}
					if i%10 == 0 {
						code := 503
						next := now.Add(5 * time.Second)
						recs[i].Status, recs[i].Succeeded = hookd.DeliveryPending, false
						recs[i].NextAttemptAt, recs[i].LastStatusCode = &next, &code
						recs[i].Attempt.Response = &hookd.AttemptResponse{Status: code, Body: "busy"}
					}
				}
				if err := s.RecordAttempts(ctx, recs); err != nil {
					b.Fatalf("RecordAttempts: %v", err)
				}
				delivered += len(claims)
			}
			b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "deliveries/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(delivered), "ns/delivery")
		})
	}
}

// BenchmarkPublish measures Publish of one event fanned out to
// benchWebhooks webhooks, each call its own durable transaction.
func BenchmarkPublish(b *testing.B) {
	s, ws := loadBacklog(b, 0)
	ctx := b.Context()
	payload := json.RawMessage(`{"id":"tkt_123","subject":"Printer on fire"}`)
	for b.Loop() {
		e := &hookd.Event{WorkspaceID: ws, Type: "ticket.created", Payload: payload}
		if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
			b.Fatalf("Publish: %v", err)
		}
	}
}

// BenchmarkPublishParallel measures Publish of one event fanned out to
// benchWebhooks webhooks from 32 goroutines at once, as concurrent API
// requests make it.
func BenchmarkPublishParallel(b *testing.B) {
	s, ws := loadBacklog(b, 0)
	ctx := b.Context()
	payload := json.RawMessage(`{"id":"tkt_123","subject":"Printer on fire"}`)
	b.SetParallelism(16) // 16 × GOMAXPROCS goroutines
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			e := &hookd.Event{WorkspaceID: ws, Type: "ticket.created", Payload: payload}
			if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
				b.Errorf("Publish: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
