package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/postgres/pgtest"
)

// TestWorkspaceFairness: one workspace's webhooks that never answer, or
// that are rate-limited to one request in ten seconds, however many, must
// not delay another workspace's healthy webhook. Workspace A fills the
// engine with deliveries to its bad webhooks; then workspace B publishes at
// 10 events a second, and every delivery to B must arrive at once (p50 ≤
// 50 ms, the slowest ≤ 1 s), with the engine's defaults (256 workers, 32
// per webhook).
//
// It runs alone (not in parallel), so that its timing is its own: beside
// the rest of the package under -race, the CPU that 60,000 deliveries to
// 600 dead webhooks leave to B's is what the test would measure.
func TestWorkspaceFairness(t *testing.T) {
	for _, engine := range engines {
		for _, tc := range fairnessCases {
			t.Run(string(engine)+"/"+tc.name, func(t *testing.T) {
				s := startServer(t, serverOptions{engine: engine})
				checkFairness(t, tc, s.admin, []*client.Client{s.admin}, 1)
			})
		}
	}
}

// TestClusterFairness does the same with three hookd processes on one
// PostgreSQL database: A's bad webhooks take workers in every process, and
// B publishes through each in turn.
//
// It runs alone (not in parallel), so that its timing is its own.
func TestClusterFairness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three real hookd processes; skipped with -short")
	}
	for _, tc := range fairnessCases {
		t.Run(tc.name, func(t *testing.T) {
			procs := startCluster(t, pgtest.Database(t), 3)
			var clients []*client.Client
			for _, p := range procs {
				clients = append(clients, client.New(p.URL, adminKey))
			}
			checkFairness(t, tc, clients[0], clients, len(procs))
		})
	}
}

// fairnessCase is workspace A's bad webhooks: how many, and whether they
// never answer or are rate-limited (to one request in ten seconds) at an
// instant receiver.
type fairnessCase struct {
	name  string
	hooks int
	dead  bool
}

var fairnessCases = []fairnessCase{
	{"8 dead", 8, true},
	{"100 dead", 100, true},
	// More dead webhooks than workers: one attempt each would fill the
	// engine, but those beyond its share leave room for B.
	{"600 dead", 600, true},
	{"8 throttled", 8, false},
	{"100 throttled", 100, false},
}

// checkFairness makes workspaces A and B through admin, fills A's bad
// webhooks with a backlog, then publishes to B's healthy webhook through
// each of publishers in turn, at 10 events a second, and checks B's
// latency. engines is how many delivery engines serve the API (each takes
// a share of A's backlog).
func checkFairness(t *testing.T, tc fairnessCase, admin *client.Client, publishers []*client.Client, engines int) {
	t.Helper()
	ctx := context.Background()
	rate := 0.1
	var ws [2]string
	for i := range ws {
		w, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: t.Name()})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w.ID
	}
	wsA, wsB := ws[0], ws[1]
	if _, err := admin.CreateEventType(ctx, "order.paid", "", json.RawMessage(`{"example":true}`)); err != nil {
		if p, ok := err.(*client.Problem); !ok || p.Status != http.StatusConflict {
			t.Fatal(err)
		}
	}

	stuck := make(chan struct{})
	var hanging atomic.Int64
	bad := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		if tc.dead {
			hanging.Add(1)
			defer hanging.Add(-1)
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
		if _, err := admin.CreateWebhook(ctx, wsA, in); err != nil {
			t.Fatal(err)
		}
	}
	batch := make([]client.EventInput, 100)
	for i := range batch {
		batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"i":` + itoa(i) + `}`)}
	}
	if _, err := admin.PublishBatch(ctx, wsA, batch); err != nil {
		t.Fatal(err)
	}
	// A's bad webhooks take what they can: every worker of every engine
	// when dead, one request each when throttled (the rest wait 10 s).
	if tc.dead {
		busy := int64(min(256, tc.hooks*32) * engines)
		waitFor(t, 30*time.Second, "workspace A's dead webhooks to hold every worker", func() bool { return hanging.Load() >= busy })
	} else {
		waitFor(t, 30*time.Second, "workspace A's throttled webhooks to send", func() bool { return bad.count() >= tc.hooks })
	}

	var mu sync.Mutex
	arrived := map[string]time.Time{}
	good := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		mu.Lock()
		arrived[r.Header.Get("X-Hookd-Event-Id")] = time.Now()
		mu.Unlock()
		return 200
	})
	if _, err := admin.CreateWebhook(ctx, wsB, client.WebhookInput{URL: good.URL}); err != nil {
		t.Fatal(err)
	}
	const events = 20
	published := map[string]time.Time{}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := range events {
		<-tick.C
		at := time.Now()
		p, err := publishers[i%len(publishers)].Publish(ctx, wsB, client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"b":1}`)})
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
}
