package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

// eventType is the catalogue entry every benchmark event uses.
const eventType = "bench.event"

// Report is what Run measured. A phase that was not run, or failed, is nil;
// Errors says why a phase failed.
type Report struct {
	Started     time.Time `json:"started"`
	Database    string    `json:"database"` // "sqlite" or "postgres"
	Events      int       `json:"events"`
	Webhooks    int       `json:"webhooks"`
	Payload     int       `json:"payload_bytes"`
	Concurrency int       `json:"concurrency"`
	CPUs        int       `json:"cpus"`
	GoVersion   string    `json:"go_version"`

	Ceiling   *Ceiling   `json:"ceiling,omitempty"`
	EndToEnd  *EndToEnd  `json:"end_to_end,omitempty"`
	Publish   *Publish   `json:"publish,omitempty"`
	Single    *Single    `json:"single,omitempty"`
	Steady    *Steady    `json:"steady,omitempty"`
	Latency   *Latency   `json:"latency,omitempty"`
	Isolation *Isolation `json:"isolation,omitempty"`
	Memory    *Memory    `json:"memory,omitempty"`
	Disable   *Disable   `json:"disable,omitempty"`
	Hostile   *Hostile   `json:"hostile,omitempty"`
	UI        *UI        `json:"ui,omitempty"`

	// SignaturesVerified and SignaturesInvalid count the sampled signature
	// checks of the receiver: one request in 64.
	SignaturesVerified int64    `json:"signatures_verified"`
	SignaturesInvalid  int64    `json:"signatures_invalid"`
	Errors             []string `json:"errors,omitempty"`
}

// Ceiling is the receiver's rate with plain Go HTTP POSTs and no hookd.
type Ceiling struct {
	Requests  int64   `json:"requests"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
}

// EndToEnd is the delivery rate from the first publish to the last arrival.
type EndToEnd struct {
	Deliveries int64   `json:"deliveries"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	// RatioToCeiling is PerSecond over the ceiling's rate.
	RatioToCeiling float64 `json:"ratio_to_ceiling"`
	PeakRSS        int64   `json:"peak_rss_bytes"`
	// CPUPerDelivery is the CPU time hookd serve used over the run, per
	// delivery, in microseconds: steadier than the rate on a busy machine.
	CPUPerDelivery float64 `json:"cpu_us_per_delivery"`
}

// Publish is the rate at which hookd accepts events durably, each fanned out
// to Webhooks deliveries, while nothing is delivered (the receiver holds its
// answers).
type Publish struct {
	BatchEvents     int64   `json:"batch_events"`
	BatchSize       int     `json:"batch_size"`
	BatchPerSecond  float64 `json:"batch_per_second"`
	SingleEvents    int64   `json:"single_events"`
	SingleClients   int     `json:"single_clients"`
	SinglePerSecond float64 `json:"single_per_second"`
}

// Latency is the time from a publish's 202 to the delivery's arrival at
// the receiver, at a fixed offered rate.
type Latency struct {
	OfferedPerSecond  int     `json:"offered_per_second"`
	AcceptedPerSecond float64 `json:"accepted_per_second"`
	Webhooks          int     `json:"webhooks"`
	Deliveries        int     `json:"deliveries"`
	Missing           int     `json:"missing"`
	P50ms             float64 `json:"p50_ms"`
	P99ms             float64 `json:"p99_ms"`
	Maxms             float64 `json:"max_ms"`
}

// Isolation is the healthy webhooks' rate while a tenth of the webhooks
// never answer, against the all-healthy end-to-end rate.
type Isolation struct {
	Hanging    int     `json:"hanging_webhooks"`
	Healthy    int     `json:"healthy_webhooks"`
	Deliveries int64   `json:"healthy_deliveries"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"healthy_per_second"`
	// Reference is the end-to-end rate with every webhook healthy.
	Reference float64 `json:"all_healthy_per_second"`
	Ratio     float64 `json:"ratio"`
	// OtherWorkspace is the latency of another workspace's webhook beside
	// a workspace whose webhooks are dead or throttled.
	OtherWorkspace *OtherWorkspace `json:"other_workspace,omitempty"`
}

// OtherWorkspace is the publish-to-arrival latency of workspace B's one
// healthy webhook while workspace A's dead and throttled webhooks have a
// backlog.
type OtherWorkspace struct {
	DeadWebhooks      int `json:"dead_webhooks"`
	ThrottledWebhooks int `json:"throttled_webhooks"`
	Latency
}

// Memory is the process's memory with a large backlog, and the drain rate
// with that backlog against the rate once the queue is nearly empty.
type Memory struct {
	Backlog             int     `json:"backlog"`
	LoadSeconds         float64 `json:"load_seconds"`
	LoadEventsPerSecond float64 `json:"load_events_per_second"`
	PeakRSS             int64   `json:"peak_rss_bytes"`   // VmHWM at the end
	LoadedRSS           int64   `json:"loaded_rss_bytes"` // VmRSS with the backlog loaded
	DrainMaxRSS         int64   `json:"drain_max_rss_bytes"`
	// Window is how many deliveries each rate below is measured over.
	Window int `json:"window"`
	// FullPerSecond is the rate of the first Window deliveries, with the
	// whole backlog pending; EmptyPerSecond that of the last Window, with
	// less than Window pending.
	FullPerSecond  float64 `json:"full_queue_per_second"`
	EmptyPerSecond float64 `json:"empty_queue_per_second"`
	Ratio          float64 `json:"ratio"`
	DrainSeconds   float64 `json:"drain_seconds"`
	DrainPerSecond float64 `json:"drain_per_second"`
}

// Disable is the process's memory and the time taken while it disables a
// webhook with a large backlog of pending deliveries (through the API,
// which answers once every one of them is failed).
type Disable struct {
	Backlog     int     `json:"backlog"`
	LoadSeconds float64 `json:"load_seconds"`
	IdleRSS     int64   `json:"idle_rss_bytes"` // VmRSS with the backlog loaded, before the disable
	// PeakRSS is the highest resident set during the disable: VmHWM, reset
	// before it (/proc/<pid>/clear_refs), or else the highest VmRSS sampled
	// every 10 ms.
	PeakRSS int64   `json:"peak_rss_bytes"`
	Seconds float64 `json:"seconds"`
	// Publishes counts the single events published one after another
	// while the disable ran, and PublishMaxms is the longest of them: how
	// long other writes waited for the disable.
	Publishes    int     `json:"publishes_during"`
	PublishMaxms float64 `json:"publish_max_ms"`
}

// Hostile is what a batch body of nearly 10 MiB that lists [1,1,1,…], more
// than 5 million elements, costs hookd serve: the time to its answer and
// the process's peak RSS (VmHWM), for one such request and then for
// Concurrent at once.
type Hostile struct {
	BodyBytes int   `json:"body_bytes"`
	Elements  int   `json:"elements"`
	Status    int   `json:"status"`
	IdleRSS   int64 `json:"idle_rss_bytes"` // VmHWM before the first request
	// OneSeconds is the time to the answer of the one request, and
	// OnePeakRSS the VmHWM after it.
	OneSeconds float64 `json:"one_seconds"`
	OnePeakRSS int64   `json:"one_peak_rss_bytes"`
	Concurrent int     `json:"concurrent"`
	// ConcurrentSeconds is the time to the last answer of the requests
	// sent at once, and ConcurrentPeakRSS the VmHWM after them.
	ConcurrentSeconds float64 `json:"concurrent_seconds"`
	ConcurrentPeakRSS int64   `json:"concurrent_peak_rss_bytes"`
}

// Run measures the phases of cfg and returns what it measured. It returns
// an error when cfg cannot be used or the receiver cannot start; a phase
// that fails is recorded in Report.Errors and the others still run.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return Report{}, err
	}
	rep := Report{Started: time.Now().UTC(), Database: "sqlite", Events: cfg.Events, Webhooks: cfg.Webhooks,
		Payload: cfg.PayloadBytes, Concurrency: cfg.Concurrency, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()}
	if cfg.Database != "" {
		rep.Database = "postgres"
	}
	rcv, err := startReceiver()
	if err != nil {
		return rep, err
	}
	defer rcv.close()
	r := &runner{cfg: &cfg, rcv: rcv, payload: makePayload(cfg.PayloadBytes)}
	phases := []struct {
		name string
		run  func(ctx context.Context, rep *Report) error
	}{
		{PhaseCeiling, r.ceiling},
		{PhaseEndToEnd, r.endToEnd},
		{PhasePublish, r.publish},
		{PhaseSingle, r.single},
		{PhaseSteady, r.steady},
		{PhaseLatency, r.latency},
		{PhaseIsolation, r.isolation},
		{PhaseMemory, r.memory},
		{PhaseDisable, r.disable},
		{PhaseHostile, r.hostile},
		{PhaseUI, r.ui},
	}
	for _, p := range phases {
		if !cfg.has(p.name) {
			continue
		}
		if ctx.Err() != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", p.name, ctx.Err()))
			continue
		}
		cfg.Log("%s …", p.name)
		pctx, cancel := context.WithTimeout(ctx, cfg.PhaseTimeout)
		err := p.run(pctx, &rep)
		cancel()
		if err != nil {
			cfg.Log("%s: %v", p.name, err)
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", p.name, err))
		}
	}
	rep.SignaturesVerified = rcv.verified.Load()
	rep.SignaturesInvalid = rcv.invalid.Load()
	if len(rep.Errors) > 0 {
		return rep, fmt.Errorf("bench: %s", strings.Join(rep.Errors, "; "))
	}
	return rep, nil
}

// runner holds what the phases share.
type runner struct {
	cfg     *Config
	rcv     *receiver
	payload json.RawMessage
}

// makePayload returns a JSON object of exactly n bytes.
func makePayload(n int) json.RawMessage {
	const head, tail = `{"data":"`, `"}`
	return json.RawMessage(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

func (r *runner) ceiling(ctx context.Context, rep *Report) error {
	c, err := r.plainHTTP(ctx, r.cfg.Concurrency)
	if err != nil {
		return err
	}
	rep.Ceiling = c
	r.cfg.Log("ceiling: %.0f requests/s", c.PerSecond)
	return nil
}

// plainHTTP measures the receiver's rate for --duration with plain Go HTTP
// POSTs of the payload, clients at once, and no hookd.
func (r *runner) plainHTTP(ctx context.Context, clients int) (*Ceiling, error) {
	rt := r.rcv.newRoute()
	url := r.rcv.url(rt)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients,
		IdleConnTimeout: time.Minute}}
	defer hc.CloseIdleConnections()
	start := time.Now()
	deadline := start.Add(r.cfg.Duration)
	var (
		wg   sync.WaitGroup
		errs atomic.Int64
	)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.payload))
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	n := rt.count.Load()
	if n == 0 {
		return nil, fmt.Errorf("no request reached the receiver (%d errors)", errs.Load())
	}
	return &Ceiling{Requests: n, Seconds: elapsed.Seconds(), PerSecond: float64(n) / elapsed.Seconds()}, nil
}

// hookSpec says how to set up one webhook of a fixture.
type hookSpec struct {
	hang      bool
	gate      chan struct{}
	arrivals  bool
	timeout   int
	retry     []string
	rateLimit *float64
}

// fixture is a hookd process with a workspace and webhooks on the receiver.
type fixture struct {
	srv    *server
	ws     string
	hooks  []string // the webhooks' ids, in routes order
	routes []*route
}

func (r *runner) setup(ctx context.Context, specs []hookSpec) (*fixture, error) {
	srv, err := startServer(ctx, r.cfg)
	if err != nil {
		return nil, err
	}
	if _, err := srv.api.CreateEventType(ctx, eventType, "hookd bench", r.payload); err != nil {
		var p *client.Problem
		if !errors.As(err, &p) || p.Status != http.StatusConflict { // PostgreSQL keeps the catalogue
			srv.stop()
			return nil, fmt.Errorf("create event type: %w", err)
		}
	}
	f, err := r.addWorkspace(ctx, srv, specs)
	if err != nil {
		srv.stop()
		return nil, err
	}
	return f, nil
}

// addWorkspace makes a workspace with webhooks on the receiver in the
// process of srv, and returns it as a fixture of that process.
func (r *runner) addWorkspace(ctx context.Context, srv *server, specs []hookSpec) (*fixture, error) {
	ws, err := srv.api.CreateWorkspace(ctx, client.WorkspaceInput{Name: "bench"})
	if err != nil {
		return nil, fmt.Errorf("create workspace: %w", err)
	}
	f := &fixture{srv: srv, ws: ws.ID}
	for i, sp := range specs {
		rt := r.rcv.newRoute()
		rt.hang, rt.gate = sp.hang, sp.gate
		if sp.arrivals {
			rt.arrivals = map[string]time.Time{}
		}
		in := client.WebhookInput{Name: fmt.Sprintf("bench-%d", i), URL: r.rcv.url(rt), Events: []string{"*"},
			TimeoutSeconds: sp.timeout, RetrySchedule: sp.retry, RateLimit: sp.rateLimit}
		w, err := srv.api.CreateWebhook(ctx, f.ws, in)
		if err != nil {
			return nil, fmt.Errorf("create webhook: %w", err)
		}
		rt.secret = w.SigningSecret
		f.routes = append(f.routes, rt)
		f.hooks = append(f.hooks, w.ID)
	}
	return f, nil
}

// stop ends the process, and deletes the workspace first when the database
// outlives it (PostgreSQL).
func (f *fixture) stop(cfg *Config) {
	if cfg.Database != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_ = f.srv.api.Do(ctx, client.Request{Method: http.MethodDelete, Path: "/v1/workspaces/" + f.ws}, nil)
		cancel()
	}
	f.srv.stop()
}

func specs(n int, sp hookSpec) []hookSpec {
	out := make([]hookSpec, n)
	for i := range out {
		out[i] = sp
	}
	return out
}

// batchBody returns the body of a batch publish of n events.
func (r *runner) batchBody(n int) []byte {
	ev := `{"type":"` + eventType + `","payload":` + string(r.payload) + `}`
	var b strings.Builder
	b.Grow(n*(len(ev)+1) + 16)
	b.WriteString(`{"events":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(ev)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// publishBatches publishes events events through the batch API, in
// batches of up to MaxBatchEvents, Publishers at once.
func (r *runner) publishBatches(ctx context.Context, f *fixture, events int) (int64, error) {
	size := min(hookd.MaxBatchEvents, events)
	full := r.batchBody(size)
	batches := (events + size - 1) / size
	var (
		next, accepted atomic.Int64
		wg             sync.WaitGroup
		errMu          sync.Mutex
		firstErr       error
	)
	for range min(r.cfg.Publishers, batches) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= batches || ctx.Err() != nil {
					return
				}
				n, body := size, full
				if i == batches-1 && events%size != 0 {
					n = events % size
					body = r.batchBody(n)
				}
				err := f.srv.api.Do(ctx, client.Request{Method: http.MethodPost,
					Path: "/v1/workspaces/" + f.ws + "/events/batch", Body: body}, nil)
				if err != nil {
					errMu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("publish batch: %w", err)
					}
					errMu.Unlock()
					return
				}
				accepted.Add(int64(n))
			}
		})
	}
	wg.Wait()
	return accepted.Load(), firstErr
}

func (r *runner) endToEnd(ctx context.Context, rep *Report) error {
	f, err := r.setup(ctx, specs(r.cfg.Webhooks, hookSpec{}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	want := int64(r.cfg.Events * r.cfg.Webhooks)
	cpu0, err := f.srv.cpuTime()
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := r.publishBatches(ctx, f, r.cfg.Events); err != nil {
		return err
	}
	n, last, err := waitCount(ctx, f.routes, want, time.Minute)
	if err != nil {
		return err
	}
	elapsed := last.Sub(start)
	cpu1, err := f.srv.cpuTime()
	if err != nil {
		return err
	}
	peak, _, _ := f.srv.memory()
	e := &EndToEnd{Deliveries: n, Seconds: elapsed.Seconds(), PerSecond: float64(n) / elapsed.Seconds(), PeakRSS: peak,
		CPUPerDelivery: float64((cpu1 - cpu0).Microseconds()) / float64(n)}
	if rep.Ceiling != nil {
		e.RatioToCeiling = e.PerSecond / rep.Ceiling.PerSecond
	}
	rep.EndToEnd = e
	r.cfg.Log("e2e: %d deliveries in %.2fs: %.0f/s", n, e.Seconds, e.PerSecond)
	return nil
}

// singleClients is how many single publishes are in flight at once.
const singleClients = 64

func (r *runner) publish(ctx context.Context, rep *Report) error {
	// The receiver holds its answers: the engine fills its workers and
	// stops claiming, so the publishes are measured alone, with their full
	// fan-out.
	gate := make(chan struct{})
	f, err := r.setup(ctx, specs(r.cfg.Webhooks, hookSpec{gate: gate, timeout: hookd.MaxTimeoutSeconds}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	defer close(gate)
	p := &Publish{BatchSize: min(hookd.MaxBatchEvents, r.cfg.Events), SingleClients: singleClients}
	start := time.Now()
	n, err := r.publishBatches(ctx, f, r.cfg.Events)
	if err != nil {
		return err
	}
	p.BatchEvents, p.BatchPerSecond = n, float64(n)/time.Since(start).Seconds()

	start = time.Now()
	singles, err := r.publishSingles(ctx, f, singleClients)
	if err != nil {
		return err
	}
	p.SingleEvents, p.SinglePerSecond = singles, float64(singles)/time.Since(start).Seconds()
	rep.Publish = p
	r.cfg.Log("publish: batch %.0f events/s, single %.0f events/s", p.BatchPerSecond, p.SinglePerSecond)
	return nil
}

func (r *runner) latency(ctx context.Context, rep *Report) error {
	f, err := r.setup(ctx, specs(r.cfg.LatencyWebhooks, hookSpec{arrivals: true}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	l, err := r.measureLatency(ctx, f, r.cfg.Rate, r.cfg.Duration)
	if l != nil {
		rep.Latency = l
		r.cfg.Log("latency: p50 %.1fms p99 %.1fms max %.1fms", l.P50ms, l.P99ms, l.Maxms)
	}
	return err
}

// measureLatency publishes single events to f at rate a second for d and
// measures each delivery's time from the publish's answer to its arrival.
// The routes of f must record arrivals.
func (r *runner) measureLatency(ctx context.Context, f *fixture, rate int, d time.Duration) (*Latency, error) {
	body := []byte(`{"type":"` + eventType + `","payload":` + string(r.payload) + `}`)
	total := int(float64(rate) * d.Seconds())
	interval := time.Second / time.Duration(rate)
	var (
		mu       sync.Mutex
		accepted = make(map[string]time.Time, total)
		fails    atomic.Int64
		wg       sync.WaitGroup
		sem      = make(chan struct{}, 1024)
	)
	start := time.Now()
	for i := range total {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var out struct {
				ID string `json:"id"`
			}
			if err := f.srv.api.Do(ctx, client.Request{Method: http.MethodPost,
				Path: "/v1/workspaces/" + f.ws + "/events", Body: body}, &out); err != nil {
				fails.Add(1)
				return
			}
			now := time.Now()
			mu.Lock()
			accepted[out.ID] = now
			mu.Unlock()
		})
	}
	wg.Wait()
	acceptedRate := float64(len(accepted)) / time.Since(start).Seconds()
	if fails.Load() > 0 {
		return nil, fmt.Errorf("%d of %d publishes failed", fails.Load(), total)
	}
	want := int64(len(accepted) * len(f.routes))
	_, _, waitErr := waitCount(ctx, f.routes, want, 30*time.Second)
	var lat []time.Duration
	missing := 0
	for _, rt := range f.routes {
		rt.arrMu.Lock()
		for id, at := range accepted {
			arr, ok := rt.arrivals[id]
			if !ok {
				missing++
				continue
			}
			// A delivery can arrive before the client has read the 202.
			lat = append(lat, max(0, arr.Sub(at)))
		}
		rt.arrMu.Unlock()
	}
	if len(lat) == 0 {
		return nil, fmt.Errorf("no delivery arrived: %v", waitErr)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := min(len(lat)-1, int(p*float64(len(lat))))
		return float64(lat[i]) / float64(time.Millisecond)
	}
	return &Latency{OfferedPerSecond: rate, AcceptedPerSecond: acceptedRate, Webhooks: len(f.routes),
		Deliveries: len(lat), Missing: missing, P50ms: pct(0.50), P99ms: pct(0.99), Maxms: pct(1)}, waitErr
}

// hangTimeout is the timeout of the webhooks that never answer.
const hangTimeout = 5

func (r *runner) isolation(ctx context.Context, rep *Report) error {
	if rep.EndToEnd == nil {
		return errors.New("needs the end-to-end rate as its reference, which failed")
	}
	hanging := max(1, r.cfg.Webhooks/10)
	healthy := r.cfg.Webhooks - hanging
	if healthy < 1 {
		return errors.New("needs at least 2 webhooks")
	}
	all := append(specs(hanging, hookSpec{hang: true, timeout: hangTimeout, retry: []string{"1s", "1s", "1s"}}),
		specs(healthy, hookSpec{})...)
	f, err := r.setup(ctx, all)
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	want := int64(r.cfg.Events * healthy)
	start := time.Now()
	if _, err := r.publishBatches(ctx, f, r.cfg.Events); err != nil {
		return err
	}
	n, last, err := waitCount(ctx, f.routes[hanging:], want, time.Minute)
	if err != nil {
		return err
	}
	elapsed := last.Sub(start)
	iso := &Isolation{Hanging: hanging, Healthy: healthy, Deliveries: n, Seconds: elapsed.Seconds(),
		PerSecond: float64(n) / elapsed.Seconds(), Reference: rep.EndToEnd.PerSecond}
	iso.Ratio = iso.PerSecond / iso.Reference
	rep.Isolation = iso
	r.cfg.Log("isolation: healthy %.0f/s (%.0f%% of all-healthy)", iso.PerSecond, 100*iso.Ratio)
	return r.otherWorkspace(ctx, iso)
}

// The other-workspace part of the isolation phase: how many of workspace
// A's webhooks never answer, how many are rate-limited (to a request every
// ten seconds), how many events A publishes to them, and the rate at which
// workspace B publishes to its one healthy webhook.
const (
	badHooks      = 100
	badEvents     = 100
	otherRate     = 10
	throttledRate = 0.1
)

// otherWorkspace measures the latency of workspace B's healthy webhook
// while workspace A's dead and throttled webhooks have every delivery of
// badEvents events to send: with the engine shared fairly across
// workspaces, B's deliveries start at once.
func (r *runner) otherWorkspace(ctx context.Context, iso *Isolation) error {
	limit := throttledRate
	bad := append(specs(badHooks, hookSpec{hang: true, timeout: hangTimeout, retry: []string{"1s", "1s", "1s"}}),
		specs(badHooks, hookSpec{rateLimit: &limit})...)
	a, err := r.setup(ctx, bad)
	if err != nil {
		return err
	}
	defer a.stop(r.cfg)
	b, err := r.addWorkspace(ctx, a.srv, []hookSpec{{arrivals: true}})
	if err != nil {
		return err
	}
	if _, err := r.publishBatches(ctx, a, badEvents); err != nil {
		return err
	}
	// A's dead webhooks take every worker before B publishes.
	held := func() (n int64) {
		for _, rt := range a.routes[:badHooks] {
			n += rt.hanging.Load()
		}
		return n
	}
	for deadline := time.Now().Add(30 * time.Second); held() < int64(r.cfg.Concurrency); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("workspace A's dead webhooks hold %d requests; want %d", held(), r.cfg.Concurrency)
		}
	}
	l, err := r.measureLatency(ctx, b, otherRate, r.cfg.Duration)
	if l != nil {
		iso.OtherWorkspace = &OtherWorkspace{DeadWebhooks: badHooks, ThrottledWebhooks: badHooks, Latency: *l}
		r.cfg.Log("isolation: another workspace's p50 %.1fms p99 %.1fms", l.P50ms, l.P99ms)
	}
	return err
}

func (r *runner) memory(ctx context.Context, rep *Report) error {
	gate := make(chan struct{})
	f, err := r.setup(ctx, specs(r.cfg.Webhooks, hookSpec{gate: gate, timeout: hookd.MaxTimeoutSeconds}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	released := false
	defer func() {
		if !released {
			close(gate)
		}
	}()
	events := (r.cfg.Backlog + r.cfg.Webhooks - 1) / r.cfg.Webhooks
	total := int64(events * r.cfg.Webhooks)
	m := &Memory{Backlog: int(total), Window: int(min(200_000, total/5))}
	start := time.Now()
	if _, err := r.publishBatches(ctx, f, events); err != nil {
		return err
	}
	load := time.Since(start)
	m.LoadSeconds, m.LoadEventsPerSecond = load.Seconds(), float64(events)/load.Seconds()
	_, m.LoadedRSS, _ = f.srv.memory()
	r.cfg.Log("memory: %d deliveries pending after %.1fs; draining", total, load.Seconds())

	close(gate)
	released = true
	start = time.Now()
	var fullAt, emptyFrom time.Time
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	lastSample := time.Time{}
	progress, prev := time.Now(), int64(-1)
	for {
		n := sumCount(f.routes)
		now := time.Now()
		if fullAt.IsZero() && n >= int64(m.Window) {
			fullAt = now
		}
		if emptyFrom.IsZero() && n >= total-int64(m.Window) {
			emptyFrom = now
		}
		if now.Sub(lastSample) >= 100*time.Millisecond {
			if _, rss, err := f.srv.memory(); err == nil {
				m.DrainMaxRSS = max(m.DrainMaxRSS, rss)
			}
			lastSample = now
		}
		if n >= total {
			break
		}
		if n != prev {
			prev, progress = n, now
		} else if now.Sub(progress) > time.Minute {
			return fmt.Errorf("%d of %d deliveries arrived, then none for a minute", n, total)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d deliveries arrived: %w", n, total, ctx.Err())
		case <-tick.C:
		}
	}
	end := time.Now()
	m.PeakRSS, _, _ = f.srv.memory()
	m.DrainSeconds = end.Sub(start).Seconds()
	m.DrainPerSecond = float64(total) / m.DrainSeconds
	m.FullPerSecond = float64(m.Window) / fullAt.Sub(start).Seconds()
	m.EmptyPerSecond = float64(m.Window) / end.Sub(emptyFrom).Seconds()
	m.Ratio = m.FullPerSecond / m.EmptyPerSecond
	rep.Memory = m
	r.cfg.Log("memory: peak RSS %d MB; drain %.0f/s full, %.0f/s nearly empty", m.PeakRSS>>20, m.FullPerSecond, m.EmptyPerSecond)
	return nil
}

// disable loads Backlog pending deliveries to one webhook (the receiver
// holds its answers, so they stay pending) and disables the webhook
// through the API, measuring hookd's RSS before and during the disable.
func (r *runner) disable(ctx context.Context, rep *Report) error {
	gate := make(chan struct{})
	f, err := r.setup(ctx, []hookSpec{{gate: gate, timeout: hookd.MaxTimeoutSeconds}})
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	defer close(gate)
	d := &Disable{Backlog: r.cfg.Backlog}
	start := time.Now()
	if _, err := r.publishBatches(ctx, f, d.Backlog); err != nil {
		return err
	}
	d.LoadSeconds = time.Since(start).Seconds()
	if _, d.IdleRSS, err = f.srv.memory(); err != nil {
		return err
	}
	r.cfg.Log("disable: %d deliveries pending after %.1fs, RSS %d MB; disabling", d.Backlog, d.LoadSeconds, d.IdleRSS>>20)

	reset := f.srv.resetPeak() == nil
	var sampled atomic.Int64
	sampled.Store(d.IdleRSS)
	done := make(chan struct{})
	sampling := make(chan struct{})
	go func() {
		defer close(sampling)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, rss, err := f.srv.memory(); err == nil && rss > sampled.Load() {
				sampled.Store(rss)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	publishing := make(chan error, 1)
	go func() {
		body := []byte(`{"type":"` + eventType + `","payload":` + string(r.payload) + `}`)
		for {
			select {
			case <-done:
				publishing <- nil
				return
			default:
			}
			t := time.Now()
			if err := f.srv.api.Do(ctx, client.Request{Method: http.MethodPost,
				Path: "/v1/workspaces/" + f.ws + "/events", Body: body}, nil); err != nil {
				publishing <- fmt.Errorf("publish during the disable: %w", err)
				return
			}
			d.Publishes++
			d.PublishMaxms = max(d.PublishMaxms, float64(time.Since(t).Microseconds())/1000)
		}
	}()
	start = time.Now()
	_, err = f.srv.api.UpdateWebhook(ctx, f.ws, f.hooks[0], client.WebhookInput{Status: hookd.WebhookDisabled})
	d.Seconds = time.Since(start).Seconds()
	close(done)
	<-sampling
	if perr := <-publishing; err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("disable: %w", err)
	}
	d.PeakRSS = sampled.Load()
	if peak, _, err := f.srv.memory(); err == nil && reset {
		d.PeakRSS = max(d.PeakRSS, peak)
	}
	left, err := f.srv.api.Deliveries(ctx, f.ws, f.hooks[0], url.Values{"status": {hookd.DeliveryPending}, "limit": {"1"}})
	if err != nil {
		return err
	}
	if len(left.Data) > 0 {
		return fmt.Errorf("disable: delivery %s still pending once the disable returned", left.Data[0].ID)
	}
	rep.Disable = d
	r.cfg.Log("disable: %.1fs; RSS %d MB idle, %d MB peak; %d publishes meanwhile, the longest %.0f ms",
		d.Seconds, d.IdleRSS>>20, d.PeakRSS>>20, d.Publishes, d.PublishMaxms)
	return nil
}

// hostileBatch returns a batch body of size bytes listing [1,1,1,…], and
// how many elements it lists.
func hostileBatch(size int) ([]byte, int) {
	const head, tail = `{"events":[1`, `]}`
	n := 1 + (size-len(head)-len(tail))/2
	b := make([]byte, 0, len(head)+2*(n-1)+len(tail))
	b = append(b, head...)
	for range n - 1 {
		b = append(b, ",1"...)
	}
	return append(b, tail...), n
}

// hostile posts batch bodies at the batch limit (10 MiB) that list
// millions of elements, one and then four at once, to a fresh hookd serve,
// and reads the answers' times and the process's peak RSS.
func (r *runner) hostile(ctx context.Context, rep *Report) error {
	f, err := r.setup(ctx, nil)
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	body, n := hostileBatch(10<<20 - 16)
	h := &Hostile{BodyBytes: len(body), Elements: n, Concurrent: 4}
	if h.IdleRSS, _, err = f.srv.memory(); err != nil {
		return err
	}
	send := func() (int, error) {
		err := f.srv.api.Do(ctx, client.Request{Method: http.MethodPost, Path: "/v1/workspaces/" + f.ws + "/events/batch", Body: body}, nil)
		var p *client.Problem
		switch {
		case errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity:
			return p.Status, nil
		case err == nil:
			return http.StatusAccepted, errors.New("a batch of numbers was accepted")
		}
		return 0, err
	}
	start := time.Now()
	if h.Status, err = send(); err != nil {
		return err
	}
	h.OneSeconds = time.Since(start).Seconds()
	if h.OnePeakRSS, _, err = f.srv.memory(); err != nil {
		return err
	}
	errs := make([]error, h.Concurrent)
	var wg sync.WaitGroup
	start = time.Now()
	for i := range errs {
		wg.Go(func() { _, errs[i] = send() })
	}
	wg.Wait()
	h.ConcurrentSeconds = time.Since(start).Seconds()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if h.ConcurrentPeakRSS, _, err = f.srv.memory(); err != nil {
		return err
	}
	rep.Hostile = h
	r.cfg.Log("hostile: one %.2fs, peak RSS %d MB; %d at once %.2fs, peak RSS %d MB",
		h.OneSeconds, h.OnePeakRSS>>20, h.Concurrent, h.ConcurrentSeconds, h.ConcurrentPeakRSS>>20)
	return nil
}
