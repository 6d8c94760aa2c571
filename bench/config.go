package bench

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Phase names, in the order Run measures them.
const (
	PhaseCeiling   = "ceiling"
	PhaseEndToEnd  = "e2e"
	PhasePublish   = "publish"
	PhaseSingle    = "single"
	PhaseSteady    = "steady"
	PhaseLatency   = "latency"
	PhaseIsolation = "isolation"
	PhaseMemory    = "memory"
	PhaseDisable   = "disable"
	PhaseHostile   = "hostile"
	PhaseUI        = "ui"
)

// AllPhases lists every phase in the order Run measures them.
var AllPhases = []string{PhaseCeiling, PhaseEndToEnd, PhasePublish, PhaseSingle, PhaseSteady, PhaseLatency, PhaseIsolation, PhaseMemory, PhaseDisable, PhaseHostile, PhaseUI}

// Config says what Run measures. The zero value of each field means its
// default; WithDefaults fills them.
type Config struct {
	// Executable is the hookd binary started as `serve`. Defaults to the
	// running program (os.Executable), which is hookd when run as
	// `hookd bench`.
	Executable string
	// Database is passed to serve as --database: "" (the default) for the
	// embedded SQLite, or a postgres:// URL.
	Database string
	// Events is how many events the end-to-end, publish and isolation
	// phases publish. Defaults to 20,000 (200,000 deliveries with 10
	// webhooks).
	Events int
	// Webhooks is how many webhooks each event fans out to. Defaults to 10.
	Webhooks int
	// PayloadBytes is the size of each event's JSON payload. Defaults to 1024.
	PayloadBytes int
	// Concurrency is hookd's --workers and the ceiling's number of
	// concurrent requests. Defaults to 256 (hookd's own default).
	Concurrency int
	// Publishers is how many batch requests are in flight at once when
	// publishing. Defaults to 4.
	Publishers int
	// Duration bounds the timed phases: the ceiling, single publishes and
	// the latency phase. Defaults to 10s.
	Duration time.Duration
	// Rate is the offered rate of the latency phase, in events per second,
	// each to LatencyWebhooks webhooks. Defaults to 1,000.
	Rate int
	// Clients is how many clients publish single events at once in the
	// single phase, each waiting for its answer before the next. Defaults
	// to 16.
	Clients int
	// SteadyRate is the offered rate of the steady phase, in events per
	// second to one webhook. Defaults to 100.
	SteadyRate int
	// LatencyWebhooks is the fan-out of the latency phase. Defaults to 1,
	// so that Rate events/s are Rate deliveries/s.
	LatencyWebhooks int
	// Backlog is how many pending deliveries the memory phase loads before
	// it lets them drain, the disable phase before it disables their
	// webhook, and the ui phase into the delivery log it renders. Defaults
	// to 1,000,000.
	Backlog int
	// Phases selects what to measure (names from AllPhases). Defaults to
	// all. The isolation phase needs the end-to-end phase's rate as its
	// reference, so it adds that phase.
	Phases []string
	// PhaseTimeout bounds each phase. Defaults to 10 minutes.
	PhaseTimeout time.Duration
	// ServeArgs are extra arguments for `hookd serve`.
	ServeArgs []string
	// Log receives progress lines. Nil means none.
	Log func(format string, args ...any)
}

// Quick returns the configuration of `hookd bench --quick`: the same phases
// on smaller counts, done in under a minute.
func Quick() Config {
	return Config{Events: 5000, Duration: 3 * time.Second, Backlog: 100_000}
}

// WithDefaults returns a copy of c with every unset field at its default,
// or an error naming a field that cannot be used.
func (c Config) WithDefaults() (Config, error) {
	if c.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return c, fmt.Errorf("bench: Config.Executable: %w", err)
		}
		c.Executable = exe
	}
	if c.Database != "" && !strings.HasPrefix(c.Database, "postgres://") && !strings.HasPrefix(c.Database, "postgresql://") {
		return c, errors.New("bench: Config.Database must be empty (SQLite) or a postgres:// URL")
	}
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&c.Events, 20_000)
	def(&c.Webhooks, 10)
	def(&c.PayloadBytes, 1024)
	def(&c.Concurrency, 256)
	def(&c.Publishers, 4)
	def(&c.Rate, 1000)
	def(&c.Clients, 16)
	def(&c.SteadyRate, 100)
	def(&c.LatencyWebhooks, 1)
	def(&c.Backlog, 1_000_000)
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.PhaseTimeout <= 0 {
		c.PhaseTimeout = 10 * time.Minute
	}
	if c.PayloadBytes < 32 {
		return c, errors.New("bench: Config.PayloadBytes must be at least 32")
	}
	if c.Concurrency < 2 {
		return c, errors.New("bench: Config.Concurrency must be at least 2")
	}
	if len(c.Phases) == 0 {
		c.Phases = AllPhases
	}
	for _, p := range c.Phases {
		if !slices.Contains(AllPhases, p) {
			return c, fmt.Errorf("bench: Config.Phases: unknown phase %q (use %s)", p, strings.Join(AllPhases, ", "))
		}
	}
	if slices.Contains(c.Phases, PhaseIsolation) && !slices.Contains(c.Phases, PhaseEndToEnd) {
		c.Phases = append([]string{PhaseEndToEnd}, c.Phases...)
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	return c, nil
}

func (c *Config) has(phase string) bool { return slices.Contains(c.Phases, phase) }
