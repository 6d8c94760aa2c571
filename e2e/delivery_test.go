package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// TestFanOut publishes a mix of events to three webhooks with different
// patterns and channels: each receiver gets exactly its events, once each,
// signed.
func TestFanOut(t *testing.T) { forEachEngine(t, testFanOut) }

func testFanOut(t *testing.T, engine storeEngine) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, serverOptions{engine: engine})
	ws := s.setup(t, "ticket.created", "ticket.closed", "user.signup")

	all, tickets, signups := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	hooks := map[string]*client.Webhook{}
	for name, in := range map[string]client.WebhookInput{
		"all":     {URL: all.URL, Events: []string{"*"}},
		"tickets": {URL: tickets.URL, Events: []string{"ticket.*"}, Channels: []string{"eu"}},
		"signups": {URL: signups.URL, Events: []string{"user.signup"}},
	} {
		w, err := s.admin.CreateWebhook(ctx, ws, in)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		hooks[name] = w
	}

	events := []client.EventInput{
		{Type: "ticket.created", Payload: json.RawMessage(`{"n":1}`), Channels: []string{"eu"}},
		{Type: "ticket.closed", Payload: json.RawMessage(`{"n":2}`)},                         // no channel: not for "tickets"
		{Type: "user.signup", Payload: json.RawMessage(`{"n":3}`), Channels: []string{"us"}}, // "signups" has no channel filter
		{Type: "ticket.created", Payload: json.RawMessage(`{"n":4}`), Channels: []string{"us", "eu"}},
		{Type: "ticket.created", Payload: json.RawMessage(`{"n":5}`), Channels: []string{"us"}},
	}
	ids := map[string]int{} // event id -> n
	for i, e := range events {
		p, err := s.admin.Publish(ctx, ws, e)
		if err != nil {
			t.Fatal(err)
		}
		ids[p.ID] = i + 1
	}
	want := map[string][]int{"all": {1, 2, 3, 4, 5}, "tickets": {1, 4}, "signups": {3}}
	receivers := map[string]*receiver{"all": all, "tickets": tickets, "signups": signups}
	for name, rc := range receivers {
		waitFor(t, 10*time.Second, name+" to get its events", func() bool { return rc.count() >= len(want[name]) })
	}
	// Deliveries that should not happen would have had time to arrive by now:
	// the last expected one has.
	time.Sleep(200 * time.Millisecond)
	for name, rc := range receivers {
		var got []int
		for _, r := range rc.all() {
			verify(t, r, hooks[name].SigningSecret)
			got = append(got, ids[r.header.Get("X-Hookd-Event-Id")])
			if g, w := r.header.Get("Webhook-Id"), r.header.Get("X-Hookd-Event-Id"); g != w {
				t.Errorf("webhook-id %q; want the event id %q", g, w)
			}
			for _, h := range []string{"Content-Type", "User-Agent", "X-Hookd-Event-Type", "X-Hookd-Delivery-Id", "X-Hookd-Attempt", "Webhook-Timestamp", "Webhook-Signature"} {
				if r.header.Get(h) == "" {
					t.Errorf("%s: request without %s", name, h)
				}
			}
		}
		sort.Ints(got)
		if !equalInts(got, want[name]) {
			t.Errorf("%s got events %v; want %v", name, got, want[name])
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// publishOne publishes one event and returns its delivery to the webhook.
func publishOne(t *testing.T, s *server, ws, whk string) string {
	t.Helper()
	p, err := s.admin.Publish(context.Background(), ws, client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"order":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range p.Deliveries {
		if d.WebhookID == whk {
			return d.ID
		}
	}
	t.Fatalf("publish made no delivery for %s: %+v", whk, p.Deliveries)
	return ""
}

func TestRetries(t *testing.T) { forEachEngine(t, testRetries) }

func testRetries(t *testing.T, engine storeEngine) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, serverOptions{engine: engine})
	short := []string{"100ms", "200ms"}

	t.Run("fails twice then succeeds", func(t *testing.T) {
		t.Parallel()
		// A workspace each: the events of the subtests beside it must not
		// reach this one's receiver, which counts requests.
		ws := s.setup(t, "order.paid")
		rc := newReceiver(t, func(n int, _ http.ResponseWriter, _ *http.Request) int {
			if n <= 2 {
				return 500
			}
			return 200
		})
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, RetrySchedule: short})
		if err != nil {
			t.Fatal(err)
		}
		d := s.waitDelivery(t, ws, w.ID, publishOne(t, s, ws, w.ID), hookd.DeliverySucceeded, 10*time.Second)
		if d.Attempts != 3 || len(d.AttemptLog) != 3 {
			t.Fatalf("attempts %d, log %d; want 3", d.Attempts, len(d.AttemptLog))
		}
		for i, a := range d.AttemptLog {
			wantStatus := []int{500, 500, 200}[i]
			if a.Number != i+1 || a.Response == nil || a.Response.Status != wantStatus || a.Trigger != hookd.TriggerScheduled {
				t.Errorf("attempt %d: %+v; want number %d, status %d, scheduled", i, a, i+1, wantStatus)
			}
		}
		if *d.LastStatusCode != 200 || d.NextAttemptAt != nil {
			t.Errorf("last status %v, next attempt %v; want 200 and none", *d.LastStatusCode, d.NextAttemptAt)
		}
		for i, r := range rc.all() {
			if attemptHeader(r) != i+1 {
				t.Errorf("request %d has X-Hookd-Attempt %d", i+1, attemptHeader(r))
			}
		}
	})

	t.Run("always fails, then manual retry and recover", func(t *testing.T) {
		t.Parallel()
		ws := s.setup(t, "order.paid")
		var healthy atomic.Bool
		rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) int {
			if healthy.Load() {
				return 200
			}
			return 503
		})
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, RetrySchedule: short})
		if err != nil {
			t.Fatal(err)
		}
		since := time.Now().Add(-time.Second)
		first := publishOne(t, s, ws, w.ID)
		second := publishOne(t, s, ws, w.ID)
		for _, id := range []string{first, second} {
			d := s.waitDelivery(t, ws, w.ID, id, hookd.DeliveryFailed, 10*time.Second)
			if d.Attempts != 3 {
				t.Fatalf("failed after %d attempts; want 1 + len(schedule) = 3", d.Attempts)
			}
		}
		healthy.Store(true)

		if err := s.admin.RetryDelivery(ctx, ws, w.ID, first); err != nil {
			t.Fatal(err)
		}
		d := s.waitDelivery(t, ws, w.ID, first, hookd.DeliverySucceeded, 10*time.Second)
		if last := d.AttemptLog[len(d.AttemptLog)-1]; d.Attempts != 4 || last.Trigger != hookd.TriggerManual {
			t.Errorf("after manual retry: %d attempts, last trigger %q; want 4 and manual", d.Attempts, last.Trigger)
		}

		n, err := s.admin.Recover(ctx, ws, w.ID, since, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("recover requeued %d; want 1 (the other one succeeded)", n)
		}
		s.waitDelivery(t, ws, w.ID, second, hookd.DeliverySucceeded, 10*time.Second)
		list, err := s.admin.Deliveries(ctx, ws, w.ID, url.Values{"status": {"failed"}})
		if err != nil || len(list.Data) != 0 {
			t.Errorf("failed deliveries after recover: %v, %v; want none", list, err)
		}
	})

	t.Run("410 disables the webhook", func(t *testing.T) {
		t.Parallel()
		ws := s.setup(t, "order.paid")
		rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) int { return http.StatusGone })
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, RetrySchedule: short})
		if err != nil {
			t.Fatal(err)
		}
		d := s.waitDelivery(t, ws, w.ID, publishOne(t, s, ws, w.ID), hookd.DeliveryFailed, 10*time.Second)
		if d.Attempts != 1 {
			t.Errorf("attempts %d; want 1: a 410 is not retried", d.Attempts)
		}
		got, err := s.admin.Webhook(ctx, ws, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != hookd.WebhookDisabled || !strings.Contains(got.DisabledReason, "410") {
			t.Errorf("webhook %s (%q); want disabled for 410", got.Status, got.DisabledReason)
		}
		p, err := s.admin.Publish(ctx, ws, client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Deliveries {
			if d.WebhookID == w.ID {
				t.Errorf("a disabled webhook got a new delivery")
			}
		}
		if _, err := s.admin.UpdateWebhook(ctx, ws, w.ID, client.WebhookInput{Status: hookd.WebhookActive}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.admin.Webhook(ctx, ws, w.ID); got.Status != hookd.WebhookActive || got.DisabledReason != "" {
			t.Errorf("after PATCH status active: %s (%q)", got.Status, got.DisabledReason)
		}
	})

	t.Run("a timeout is recorded as such", func(t *testing.T) {
		t.Parallel()
		ws := s.setup(t, "order.paid")
		release := make(chan struct{})
		rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return 200
		})
		defer close(release)
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, TimeoutSeconds: 1, RetrySchedule: []string{"1h"}})
		if err != nil {
			t.Fatal(err)
		}
		dlv := publishOne(t, s, ws, w.ID)
		var d *hookd.Delivery
		waitFor(t, 10*time.Second, "the attempt to time out", func() bool {
			d, _ = s.admin.Delivery(ctx, ws, w.ID, dlv)
			return d != nil && d.Attempts == 1
		})
		a := d.AttemptLog[0]
		if !strings.Contains(a.Error, "timeout") || a.Response != nil || a.DurationMS < 900 {
			t.Errorf("attempt: error %q, response %v, %d ms; want a timeout after about 1 s", a.Error, a.Response, a.DurationMS)
		}
		if d.Status != hookd.DeliveryPending || d.NextAttemptAt == nil {
			t.Errorf("delivery %s, next %v; want pending with a retry", d.Status, d.NextAttemptAt)
		}
	})

	t.Run("Retry-After is honoured", func(t *testing.T) {
		t.Parallel()
		ws := s.setup(t, "order.paid")
		rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) int {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				return http.StatusTooManyRequests
			}
			return 200
		})
		// Without Retry-After the retry would come after 600 ms ±20%.
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, RetrySchedule: []string{"600ms"}})
		if err != nil {
			t.Fatal(err)
		}
		s.waitDelivery(t, ws, w.ID, publishOne(t, s, ws, w.ID), hookd.DeliverySucceeded, 10*time.Second)
		reqs := rc.all()
		if gap := reqs[1].at.Sub(reqs[0].at); gap < 950*time.Millisecond || gap > 3*time.Second {
			t.Errorf("retry came %s after a 429 with Retry-After: 1; want about 1 s", gap)
		}
	})
}

// TestDefaultScheduleMovedClock walks a webhook with the production retry
// schedule (about 28 hours) through all eight attempts by moving the clock.
func TestDefaultScheduleMovedClock(t *testing.T) { forEachEngine(t, testDefaultScheduleMovedClock) }

func testDefaultScheduleMovedClock(t *testing.T, engine storeEngine) {
	t.Parallel()
	ctx := context.Background()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s := startServer(t, serverOptions{now: clock.Now, engine: engine})
	ws := s.setup(t, "order.paid")
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) int { return 500 })
	w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL})
	if err != nil {
		t.Fatal(err)
	}
	dlv := publishOne(t, s, ws, w.ID)
	for n := 1; n <= len(hookd.DefaultRetrySchedule)+1; n++ {
		var d *hookd.Delivery
		waitFor(t, 10*time.Second, "attempt "+itoa(n), func() bool {
			d, err = s.admin.Delivery(ctx, ws, w.ID, dlv)
			return err == nil && d.Attempts == n
		})
		if n == len(hookd.DefaultRetrySchedule)+1 {
			if d.Status != hookd.DeliveryFailed || d.NextAttemptAt != nil {
				t.Fatalf("after %d attempts: %s, next %v; want failed", n, d.Status, d.NextAttemptAt)
			}
			break
		}
		if d.Status != hookd.DeliveryPending || d.NextAttemptAt == nil {
			t.Fatalf("after attempt %d: %s, next %v; want pending with a next attempt", n, d.Status, d.NextAttemptAt)
		}
		base := hookd.DefaultRetrySchedule[n-1]
		delay := d.NextAttemptAt.Sub(clock.Now())
		if delay < time.Duration(float64(base)*0.8) || delay > time.Duration(float64(base)*1.2) {
			t.Fatalf("after attempt %d: next in %s; want %s ±20%%", n, delay, base)
		}
		// Just before the retry is due nothing is sent.
		clock.Set(d.NextAttemptAt.Add(-time.Second))
		s.engine.Notify()
		time.Sleep(50 * time.Millisecond)
		if got := rc.count(); got != n {
			t.Fatalf("receiver got %d requests a second before retry %d was due; want %d", got, n, n)
		}
		clock.Set(*d.NextAttemptAt)
		s.engine.Notify()
	}
	if got := rc.count(); got != 8 {
		t.Errorf("receiver got %d requests; want 8", got)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestIsolation: one webhook that never answers (until its timeout) and
// nine healthy ones; the healthy ones still get their deliveries promptly.
func TestIsolation(t *testing.T) { forEachEngine(t, testIsolation) }

func testIsolation(t *testing.T, engine storeEngine) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, serverOptions{perWebhook: 8, engine: engine})
	ws := s.setup(t, "order.paid")
	stuck := make(chan struct{})
	hang := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) int {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
		return 200
	})
	t.Cleanup(func() { close(stuck) })
	if _, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: hang.URL, TimeoutSeconds: 60}); err != nil {
		t.Fatal(err)
	}
	var healthy []*receiver
	for range 9 {
		rc := newReceiver(t, nil)
		if _, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL}); err != nil {
			t.Fatal(err)
		}
		healthy = append(healthy, rc)
	}
	const events = 300
	batch := make([]client.EventInput, events)
	for i := range batch {
		batch[i] = client.EventInput{Type: "order.paid", Payload: json.RawMessage(`{"i":` + itoa(i) + `}`)}
	}
	start := time.Now()
	if _, err := s.admin.PublishBatch(ctx, ws, batch); err != nil {
		t.Fatal(err)
	}
	// 2,700 healthy deliveries, with the stuck webhook holding 8 attempts
	// open for 60 s: they must all arrive well before its first timeout
	// (under a second here; the bound leaves room for -race on a busy
	// machine, which slows this path about 16 times).
	waitFor(t, 45*time.Second, "the healthy webhooks to get every event", func() bool {
		for _, rc := range healthy {
			if rc.count() < events {
				return false
			}
		}
		return true
	})
	t.Logf("9 healthy webhooks got %d events each in %s while one hung", events, time.Since(start).Round(time.Millisecond))
	if got := hang.count(); got > 8 {
		t.Errorf("the hanging webhook got %d requests at once; want at most its cap of 8", got)
	}
}

// TestRetriesOnTime checks that every retry starts within 100 ms of its due
// time, with the engine's poll at its default of 1 s: retries of several
// deliveries fall due at times of their own, and each must wake the engine.
// The promise holds under light load, so the test runs alone: not in
// parallel with the other tests of the package.
func TestRetriesOnTime(t *testing.T) {
	for _, engine := range engines {
		t.Run(string(engine), func(t *testing.T) { testRetriesOnTime(t, engine) })
	}
}

func testRetriesOnTime(t *testing.T, engine storeEngine) {
	ctx := context.Background()
	// No jitter (0.5 is the middle of the ±20%): each retry is due exactly
	// its scheduled delay after the answer to the attempt before it.
	s := startServer(t, serverOptions{engine: engine, poll: time.Second, rand: func() float64 { return 0.5 }})
	ws := s.setup(t, "order.paid")
	const (
		deliveries = 6
		delay      = 300 * time.Millisecond
		retries    = 3
		late       = 100 * time.Millisecond
	)
	var mu sync.Mutex
	arrived := map[string][]time.Time{}  // per delivery: when each attempt came
	answered := map[string][]time.Time{} // ... and when it was answered
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		id := r.Header.Get("X-Hookd-Delivery-Id")
		mu.Lock()
		arrived[id] = append(arrived[id], time.Now())
		mu.Unlock()
		w.WriteHeader(http.StatusInternalServerError)
		w.(http.Flusher).Flush()
		mu.Lock()
		answered[id] = append(answered[id], time.Now())
		mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	schedule := make([]string, retries)
	for i := range schedule {
		schedule[i] = delay.String()
	}
	w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, RetrySchedule: schedule})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, deliveries)
	for i := range ids {
		// Spread the first attempts so that the retries fall due apart.
		ids[i] = publishOne(t, s, ws, w.ID)
		time.Sleep(delay / deliveries)
	}
	for _, id := range ids {
		s.waitDelivery(t, ws, w.ID, id, hookd.DeliveryFailed, 20*time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	var worst time.Duration
	for _, id := range ids {
		if len(arrived[id]) != 1+retries {
			t.Fatalf("delivery %s: %d attempts; want %d", id, len(arrived[id]), 1+retries)
		}
		for n := 1; n <= retries; n++ {
			due := answered[id][n-1].Add(delay)
			lateBy := arrived[id][n].Sub(due)
			worst = max(worst, lateBy)
			if lateBy > late || lateBy < -late {
				t.Errorf("delivery %s: retry %d started %s after its due time; want within %s", id, n, lateBy.Round(time.Millisecond), late)
			}
		}
	}
	t.Logf("latest retry: %s after its due time", worst.Round(time.Millisecond))
}
