package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/jackc/pgx/v5"
)

// clusterLease is the lease of the cluster tests' processes: a killed
// process's deliveries are taken over this long after their claim.
const clusterLease = 10 * time.Second

// startCluster starts n `hookd serve` processes on one PostgreSQL database
// (dbURL), each on its own loopback port and sharing one data directory,
// with clusterLease and the flags extra. Process i connects with
// application_name hookd-<i>, so that a test can see its sessions.
func startCluster(t *testing.T, dbURL string, n int, extra ...string) []*process {
	t.Helper()
	data := t.TempDir()
	procs := make([]*process, n)
	for i := range procs {
		u := pgtest.WithParam(t, dbURL, "application_name", fmt.Sprintf("hookd-%d", i))
		procs[i] = startProcess(t, data, append([]string{"--database", u, "--lease", clusterLease.String()}, extra...)...)
	}
	return procs
}

// testDB is a connection to a test database, for what the API does not
// show: leases and sessions.
type testDB struct {
	t    *testing.T
	conn *pgx.Conn
}

// openTestDB connects to the database of u until the test ends.
func openTestDB(t *testing.T, u string) *testDB {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &testDB{t: t, conn: conn}
}

// count runs a query that returns one integer.
func (db *testDB) count(sql string, args ...any) int {
	db.t.Helper()
	var n int
	if err := db.conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		db.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// strings runs a query that returns one text column.
func (db *testDB) strings(sql string, args ...any) []string {
	db.t.Helper()
	rows, err := db.conn.Query(context.Background(), sql, args...)
	if err != nil {
		db.t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		db.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// clusterReceiver counts, per webhook, the events it got and every
// delivery id and attempt number pair.
type clusterReceiver struct {
	*receiver
	mu       sync.Mutex
	events   map[string]int // event id -> requests
	attempts map[string]int // delivery id/attempt -> requests
	delivery map[string]string
}

func newClusterReceiver(t *testing.T, delay time.Duration) *clusterReceiver {
	cr := &clusterReceiver{events: map[string]int{}, attempts: map[string]int{}, delivery: map[string]string{}}
	cr.receiver = newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		time.Sleep(delay) // so that attempts are in flight when a process dies
		dlv := r.Header.Get("X-Hookd-Delivery-Id")
		cr.mu.Lock()
		cr.events[r.Header.Get("X-Hookd-Event-Id")]++
		cr.attempts[dlv+"/"+r.Header.Get("X-Hookd-Attempt")]++
		cr.delivery[dlv+"/"+r.Header.Get("X-Hookd-Attempt")] = dlv
		cr.mu.Unlock()
		return 200
	})
	return cr
}

func (cr *clusterReceiver) distinctEvents() int {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return len(cr.events)
}

// TestCluster runs three hookd processes on one PostgreSQL database and
// publishes 10,000 events through all three to three webhooks (20,000
// deliveries), then SIGKILLs one process while deliveries are in flight.
// Every event reaches every matching webhook; an attempt arrives twice only
// if the killed process held its delivery's lease when it died (so
// duplicates are bounded by what one process holds at once); and once the
// dead process's leases run out the others deliver the rest, leaving
// nothing pending.
//
// It runs alone (not in parallel): it loads the machine, which would skew
// the timing of the tests beside it.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three real hookd processes; skipped with -short")
	}
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	const workers = 16 // per process
	procs := startCluster(t, dbURL, 3, "--workers", fmt.Sprint(workers), "--per-webhook", "8")
	db := openTestDB(t, dbURL)

	admin := client.New(procs[0].URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "cluster"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"order.paid", "order.refunded"} {
		if _, err := admin.CreateEventType(ctx, name, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	// Webhooks made through different processes: what one process
	// writes, the others see.
	patterns := [][]string{{"*"}, {"order.paid"}, {"order.refunded"}}
	rcs := make([]*clusterReceiver, len(patterns))
	for i, events := range patterns {
		rcs[i] = newClusterReceiver(t, 2*time.Millisecond)
		c := client.New(procs[i].URL, adminKey)
		if _, err := c.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rcs[i].URL, Events: events,
			TimeoutSeconds: 5, RetrySchedule: []string{"100ms", "200ms", "400ms"}}); err != nil {
			t.Fatal(err)
		}
	}

	// 10,000 events, in batches of 500, through the three processes at once.
	const events, batchSize = 10000, 500
	start := time.Now()
	types := map[string]string{} // event id -> type
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs = make(chan error, events/batchSize)
	)
	for b := range events / batchSize {
		c := client.New(procs[b%len(procs)].URL, adminKey)
		wg.Go(func() {
			batch := make([]client.EventInput, batchSize)
			for i := range batch {
				typ := []string{"order.paid", "order.refunded"}[i%2]
				batch[i] = client.EventInput{Type: typ, Payload: json.RawMessage(fmt.Sprintf(`{"batch":%d,"i":%d}`, b, i))}
			}
			out, err := c.PublishBatch(ctx, ws.ID, batch)
			if err != nil {
				errs <- fmt.Errorf("batch %d through process %d: %w", b, b%len(procs), err)
				return
			}
			mu.Lock()
			for _, e := range out {
				types[e.ID] = e.Type
			}
			mu.Unlock()
		})
		if b%len(procs) == len(procs)-1 {
			wg.Wait() // three batches at a time
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(types) != events {
		t.Fatalf("published %d distinct events; want %d", len(types), events)
	}
	t.Logf("published %d events through 3 processes in %s", events, time.Since(start).Round(time.Millisecond))

	// Kill process 0 while it holds leases and deliveries are under way.
	victim := procs[0]
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	owner := fmt.Sprintf("%s/%d/%%", host, victim.cmd.Process.Pid) // postgres.Config.Instance's default
	received := func() int { return rcs[0].count() + rcs[1].count() + rcs[2].count() }
	leased := func() int {
		return db.count(`SELECT count(*) FROM deliveries WHERE leased_by LIKE $1 AND status = 'pending'`, owner)
	}
	waitFor(t, 60*time.Second, "a quarter of the deliveries, the victim holding leases", func() bool {
		return received() >= 2*events/4 && leased() > 0
	})
	// Stop the victim and look again: between a look and the kill, its
	// records could end every lease it held. Stopped, it commits nothing
	// more once a commit already sent has landed.
	for try := 0; ; try++ {
		if err := victim.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if leased() > 0 {
			break
		}
		if try == 20 {
			t.Fatal("the stopped victim never held a lease")
		}
		if err := victim.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	killedAt := time.Now()
	atKill := received()
	// Once its sessions are gone, its transactions are settled: what it
	// leased is what it may have sent without recording.
	waitFor(t, 10*time.Second, "the killed process's sessions to end", func() bool {
		return db.count(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hookd-0'`) == 0
	})
	held := db.strings(`SELECT id FROM deliveries WHERE leased_by LIKE $1 AND status = 'pending'`, owner)
	t.Logf("killed process 0 with %d of %d requests received; it held %d leases", atKill, 2*events, len(held))
	if atKill >= 2*events {
		t.Fatal("everything arrived before the kill; the test proves nothing")
	}
	// A process holds at most 2 × --workers claims (queued, in flight, or
	// finished with the record waiting for room in the recorder's queue),
	// and the attempts whose records are queued (--workers) or in the
	// batch being written (what the queue held, and what the workers added
	// while it was drained: 2 × --workers) keep their leases too.
	if maxHeld := 5 * workers; len(held) == 0 || len(held) > maxHeld {
		t.Fatalf("the killed process held %d leases; want 1 to %d", len(held), maxHeld)
	}

	// Everything arrives: the survivors take the dead process's deliveries
	// once its leases run out.
	want := []int{events, events / 2, events / 2}
	waitFor(t, clusterLease+90*time.Second, "every event at every matching webhook", func() bool {
		for i, rc := range rcs {
			if rc.distinctEvents() < want[i] {
				return false
			}
		}
		return true
	})
	t.Logf("every event arrived %s after the kill", time.Since(killedAt).Round(time.Millisecond))
	waitFor(t, 30*time.Second, "no delivery left pending", func() bool {
		return db.count(`SELECT count(*) FROM deliveries WHERE status <> 'succeeded'`) == 0
	})
	if n := db.count(`SELECT count(*) FROM deliveries`); n != 2*events {
		t.Fatalf("deliveries stored: %d; want %d", n, 2*events)
	}

	// Each webhook got exactly its events, and a repeat only of an attempt
	// whose delivery the killed process held.
	duplicates := 0
	for i, rc := range rcs {
		rc.mu.Lock()
		if len(rc.events) != want[i] {
			t.Errorf("webhook %d (%v) got %d distinct events; want %d", i, patterns[i], len(rc.events), want[i])
		}
		for id := range rc.events {
			typ, ok := types[id]
			if !ok {
				t.Errorf("webhook %d got an event nobody published: %s", i, id)
			} else if patterns[i][0] != "*" && typ != patterns[i][0] {
				t.Errorf("webhook %d (%v) got event %s of type %s", i, patterns[i], id, typ)
			}
		}
		for pair, n := range rc.attempts {
			if n == 1 {
				continue
			}
			duplicates += n - 1
			if !slices.Contains(held, rc.delivery[pair]) {
				t.Errorf("webhook %d got attempt %s %d times, but the killed process did not hold it", i, pair, n)
			}
		}
		rc.mu.Unlock()
	}
	t.Logf("%d repeated attempts, all of deliveries the killed process held (%d)", duplicates, len(held))
	if duplicates > len(held) {
		t.Errorf("%d repeated attempts; want at most the %d leases the killed process held", duplicates, len(held))
	}
}

// TestClusterRateLimit: a webhook's rate limit holds across processes.
// Three processes deliver to a webhook limited to 10 requests a second;
// no second sees more than 10 of its requests start, although each
// process alone would send that many.
//
// It runs alone (not in parallel), so that its timing is its own.
func TestClusterRateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three real hookd processes; skipped with -short")
	}
	ctx := context.Background()
	dbURL := pgtest.Database(t)
	procs := startCluster(t, dbURL, 3)
	admin := client.New(procs[0].URL, adminKey)
	ws, err := admin.CreateWorkspace(ctx, client.WorkspaceInput{Name: "rate"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateEventType(ctx, "order.paid", "", nil); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	rate := 10.0
	if _, err := admin.CreateWebhook(ctx, ws.ID, client.WebhookInput{URL: rc.URL, RateLimit: &rate, TimeoutSeconds: 2}); err != nil {
		t.Fatal(err)
	}
	const events = 40
	for i := range events {
		c := client.New(procs[i%len(procs)].URL, adminKey)
		if _, err := c.Publish(ctx, ws.ID, client.EventInput{Type: "order.paid", Payload: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "every event", func() bool { return rc.count() >= events })
	reqs := rc.all()
	at := make([]time.Time, len(reqs))
	for i, r := range reqs {
		at[i] = r.at
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	// Requests start a slot (100ms) apart, so all of them span at least
	// (n-1)/rate; three processes limiting alone would take a third of that.
	if span, want := at[len(at)-1].Sub(at[0]), time.Duration(float64(len(at)-1)/rate*0.9*float64(time.Second)); span < want {
		t.Errorf("%d requests arrived within %s; want at least %s at %g/s", len(at), span, want, rate)
	}
	// Any 11 of them span about a second. A process that stalls on a busy
	// machine sends the slots it reserved and missed back to back, so the
	// window allows half of that.
	window := int(rate)
	for i := 0; i+window < len(at); i++ {
		if span := at[i+window].Sub(at[i]); span < 500*time.Millisecond {
			t.Errorf("requests %d to %d arrived within %s; want %d requests to span at least ~1s at %g/s",
				i+1, i+window+1, span, window+1, rate)
		}
	}
	t.Logf("%d requests over %s through 3 processes at %g/s", len(at), at[len(at)-1].Sub(at[0]).Round(time.Millisecond), rate)
}
