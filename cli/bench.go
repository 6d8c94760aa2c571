package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/hookd/hookd/bench"
)

const benchUsage = `bench [flags]

Runs hookd's benchmark on this machine: a local receiver, the ceiling (plain
Go HTTP to that receiver, no hookd), then a real 'hookd serve' process per
phase on a fresh data directory: end-to-end deliveries per second, publish
rate, single events to one webhook end to end (the shape users run) and
the CPU each costs at a steady low rate, latency from publish to arrival, memory with a backlog of pending
deliveries, isolation from webhooks that never answer, memory and time
while a webhook with a backlog is disabled, what hostile 10 MiB
batches of [1,1,…] cost (answer time, peak RSS), and how long the web
UI's delivery log (first page, and halfway into --backlog deliveries) and
overview (1,000 webhooks) take to render. See BENCHMARKS.md.`

func runBench(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlagSet("bench", benchUsage, errOut)
	quick := fs.Bool("quick", false, "smaller counts: done in under a minute")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	events := fs.Int("events", 0, "events per phase (default 20000; 5000 with --quick)")
	webhooks := fs.Int("webhooks", 0, "webhooks each event fans out to (default 10)")
	payload := fs.Int("payload", 0, "payload size in bytes (default 1024)")
	concurrency := fs.Int("concurrency", 0, "hookd's --workers, and the ceiling's requests in flight (default 256)")
	duration := fs.Duration("duration", 0, "length of the timed phases: ceiling, single publishes, latency (default 10s; 3s with --quick)")
	rate := fs.Int("rate", 0, "offered events per second in the latency phase (default 1000)")
	clients := fs.Int("clients", 0, "clients publishing single events at once in the single phase (default 16)")
	steadyRate := fs.Int("steady-rate", 0, "offered events per second in the steady phase (default 100)")
	backlog := fs.Int("backlog", 0, "pending deliveries in the memory and disable phases, and the delivery log of the ui phase (default 1000000; 100000 with --quick)")
	database := fs.String("database", "", "database URL for hookd serve: empty for SQLite, or postgres://…")
	phases := fs.String("phases", "", "comma-separated phases to run: "+strings.Join(bench.AllPhases, ",")+" (default all)")
	exe := fs.String("hookd", "", "hookd binary to benchmark (default this one)")
	serveFlags := fs.String("serve-flags", "", "extra flags for each hookd serve, space-separated (such as \"--pprof 127.0.0.1:6060\")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("bench takes no arguments, got %q", fs.Arg(0))
	}
	var cfg bench.Config
	if *quick {
		cfg = bench.Quick()
	}
	set := func(p *int, v int) {
		if v > 0 {
			*p = v
		}
	}
	set(&cfg.Events, *events)
	set(&cfg.Webhooks, *webhooks)
	set(&cfg.PayloadBytes, *payload)
	set(&cfg.Concurrency, *concurrency)
	set(&cfg.Rate, *rate)
	set(&cfg.Clients, *clients)
	set(&cfg.SteadyRate, *steadyRate)
	set(&cfg.Backlog, *backlog)
	if *duration > 0 {
		cfg.Duration = *duration
	}
	cfg.Database = *database
	cfg.Executable = *exe
	cfg.ServeArgs = strings.Fields(*serveFlags)
	if *phases != "" {
		cfg.Phases = strings.Split(*phases, ",")
	}
	cfg.Log = func(format string, args ...any) { fmt.Fprintf(errOut, "bench: "+format+"\n", args...) }
	if _, err := cfg.WithDefaults(); err != nil {
		return usageError("%v", err)
	}
	rep, err := bench.Run(ctx, cfg)
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if e := enc.Encode(rep); e != nil {
			return e
		}
	} else if e := bench.WriteTable(out, rep); e != nil {
		return e
	}
	return err
}
