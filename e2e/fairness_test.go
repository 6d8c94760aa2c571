package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
)

// TestWorkspaceFairness: one workspace's webhooks that never answer, or
// that are rate-limited to one request in ten seconds, however many, must
// not delay another workspace's healthy webhook. Workspace A fills the
// engine with deliveries to its bad webhooks; then workspace B publishes at
// 10 events a second, and every delivery to B must arrive at once (p50 ≤
// 50 ms, the slowest ≤ 1 s), with the engine's defaults (256 workers, 32
// per webhook).
func TestWorkspaceFairness(t *testing.T) { forEachEngine(t, testWorkspaceFairness) }

func testWorkspaceFairness(t *testing.T, engine storeEngine) {
	t.Parallel()
	rate := 0.1
	for _, tc := range []struct {
		name  string
		hooks int
		dead  bool // else rate-limited, at an instant receiver
	}{
		{"8 dead", 8, true},
		{"100 dead", 100, true},
		{"8 throttled", 8, false},
		{"100 throttled", 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := startServer(t, serverOptions{engine: engine})
			wsA, wsB := s.setup(t, "order.paid"), s.setup(t, "order.paid")

			stuck := make(chan struct{})
			bad := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
				if tc.dead {
					select {
					case <-stuck:
					case <-r.Context().Done():
					}
				}
				return 200
			})
			t.Cleanup(func() { close(stuck) })
			for range tc.hooks {
				in := client.WebhookInput{URL: bad.URL, TimeoutSeconds: 30}
				if !tc.dead {
					in.RateLimit = &rate
				}
				if _, err := s.admin.CreateWebhook(ctx, wsA, in); err != nil {
					t.Fatal(err)
				}
			}
			batch := make([]client.EventInput, 100)
			for i := range batch {
				batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"i":` + itoa(i) + `}`)}
			}
			if _, err := s.admin.PublishBatch(ctx, wsA, batch); err != nil {
				t.Fatal(err)
			}
			// A's bad webhooks take what they can: every worker when dead.
			busy := min(256, tc.hooks*32)
			if !tc.dead {
				busy = tc.hooks // one request each, the rest wait 10 s
			}
			waitFor(t, 30*time.Second, "workspace A's webhooks to be busy", func() bool { return bad.count() >= busy })

			var mu sync.Mutex
			arrived := map[string]time.Time{}
			good := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
				mu.Lock()
				arrived[r.Header.Get("X-Hookd-Event-Id")] = time.Now()
				mu.Unlock()
				return 200
			})
			if _, err := s.admin.CreateWebhook(ctx, wsB, client.WebhookInput{URL: good.URL}); err != nil {
				t.Fatal(err)
			}
			const events = 20
			published := map[string]time.Time{}
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for range events {
				<-tick.C
				at := time.Now()
				p, err := s.admin.Publish(ctx, wsB, client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"b":1}`)})
				if err != nil {
					t.Fatal(err)
				}
				published[p.ID] = at
			}
			waitFor(t, 30*time.Second, "workspace B's deliveries", func() bool { return good.count() >= events })

			mu.Lock()
			defer mu.Unlock()
			var lat []time.Duration
			for id, at := range published {
				lat = append(lat, arrived[id].Sub(at))
			}
			slices.Sort(lat)
			p50, worst := lat[len(lat)/2], lat[len(lat)-1]
			t.Logf("B's latency beside A's %s webhooks: p50 %s, slowest %s; A's receiver got %d requests",
				tc.name, p50.Round(time.Microsecond), worst.Round(time.Microsecond), bad.count())
			if p50 > 50*time.Millisecond || worst > time.Second {
				t.Errorf("B's latency: p50 %s, slowest %s; want ≤ 50 ms and ≤ 1 s", p50, worst)
			}
		})
	}
}
