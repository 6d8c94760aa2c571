package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/client"
)

// Single is the shape users run first: Clients publishing single events,
// each waiting for its answer, to one webhook (fan-out 1), end to end,
// beside plain HTTP with as many clients.
type Single struct {
	Clients int   `json:"clients"`
	Events  int64 `json:"events"`
	// Seconds runs from the first publish to the last arrival, and
	// PerSecond is Events over it.
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	// Ceiling is plain Go HTTP to the receiver from Clients clients, in
	// the same phase: the rate no HTTP service can pass here.
	Ceiling        float64 `json:"ceiling_per_second"`
	RatioToCeiling float64 `json:"ratio_to_ceiling"`
	// CPUPerEvent is hookd serve's user and system time per event, in
	// microseconds.
	CPUPerEvent float64 `json:"cpu_us_per_event"`
	PeakRSS     int64   `json:"peak_rss_bytes"`
}

// Steady is a low fixed rate of single events to one webhook: what each
// event costs when nothing amortizes it, and its latency.
type Steady struct {
	Latency
	// CPUPerEvent is hookd serve's user and system time over the phase,
	// idle time included, per event, in microseconds.
	CPUPerEvent float64 `json:"cpu_us_per_event"`
	PeakRSS     int64   `json:"peak_rss_bytes"`
}

func (r *runner) single(ctx context.Context, rep *Report) error {
	ceiling, err := r.plainHTTP(ctx, r.cfg.Clients)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	f, err := r.setup(ctx, specs(1, hookSpec{}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	cpu0, err := f.srv.cpuTime()
	if err != nil {
		return err
	}
	start := time.Now()
	published, err := r.publishSingles(ctx, f, r.cfg.Clients)
	if err != nil {
		return err
	}
	n, last, err := waitCount(ctx, f.routes, published, 30*time.Second)
	if err != nil {
		return err
	}
	cpu1, err := f.srv.cpuTime()
	if err != nil {
		return err
	}
	peak, _, _ := f.srv.memory()
	elapsed := last.Sub(start)
	s := &Single{Clients: r.cfg.Clients, Events: n, Seconds: elapsed.Seconds(), PerSecond: float64(n) / elapsed.Seconds(),
		Ceiling: ceiling.PerSecond, CPUPerEvent: float64((cpu1 - cpu0).Microseconds()) / float64(n), PeakRSS: peak}
	s.RatioToCeiling = s.PerSecond / s.Ceiling
	rep.Single = s
	r.cfg.Log("single: %d clients, %.0f events/s end to end (ceiling %.0f/s), %.0f µs CPU per event",
		s.Clients, s.PerSecond, s.Ceiling, s.CPUPerEvent)
	return nil
}

func (r *runner) steady(ctx context.Context, rep *Report) error {
	f, err := r.setup(ctx, specs(1, hookSpec{arrivals: true}))
	if err != nil {
		return err
	}
	defer f.stop(r.cfg)
	cpu0, err := f.srv.cpuTime()
	if err != nil {
		return err
	}
	l, err := r.measureLatency(ctx, f, r.cfg.SteadyRate, r.cfg.Duration)
	if l == nil {
		return err
	}
	cpu1, cerr := f.srv.cpuTime()
	if cerr != nil {
		return cerr
	}
	peak, _, _ := f.srv.memory()
	s := &Steady{Latency: *l, CPUPerEvent: float64((cpu1 - cpu0).Microseconds()) / float64(max(1, l.Deliveries)),
		PeakRSS: peak}
	rep.Steady = s
	r.cfg.Log("steady: %d events/s, p50 %.1fms p99 %.1fms, %.0f µs CPU per event", s.OfferedPerSecond, s.P50ms,
		s.P99ms, s.CPUPerEvent)
	return err
}

// publishSingles publishes single events to f from clients clients, each
// waiting for its answer before the next, for --duration, and returns how
// many were accepted; any failure is an error.
func (r *runner) publishSingles(ctx context.Context, f *fixture, clients int) (int64, error) {
	body := []byte(`{"type":"` + eventType + `","payload":` + string(r.payload) + `}`)
	var (
		count, fails atomic.Int64
		wg           sync.WaitGroup
	)
	deadline := time.Now().Add(r.cfg.Duration)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := f.srv.api.Do(ctx, client.Request{Method: http.MethodPost,
					Path: "/v1/workspaces/" + f.ws + "/events", Body: body}, nil); err != nil {
					fails.Add(1)
					continue
				}
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if fails.Load() > 0 {
		return count.Load(), fmt.Errorf("%d single publishes failed", fails.Load())
	}
	return count.Load(), nil
}
