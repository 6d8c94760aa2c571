package bench_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookd/hookd/bench"
)

// TestRunTiny runs every phase of the benchmark on a tiny configuration
// against the real binary, so that the tool cannot rot: each figure must be
// there and plausible. It asserts no speed.
func TestRunTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "hookd")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/hookd").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := bench.Config{
		Executable: bin, Events: 300, Webhooks: 3, PayloadBytes: 256, Concurrency: 16,
		Duration: 300 * time.Millisecond, Rate: 100, Backlog: 3000, PhaseTimeout: 2 * time.Minute,
		Log: t.Logf,
	}
	if dsn := os.Getenv("HOOKD_TEST_DATABASE_URL"); dsn != "" && os.Getenv("HOOKD_BENCH_POSTGRES") != "" {
		cfg.Database = dsn
	}
	rep, err := bench.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	positive := map[string]float64{
		"ceiling":                 rep.Ceiling.PerSecond,
		"end to end":              rep.EndToEnd.PerSecond,
		"end to end ratio":        rep.EndToEnd.RatioToCeiling,
		"end to end peak RSS":     float64(rep.EndToEnd.PeakRSS),
		"publish batch":           rep.Publish.BatchPerSecond,
		"publish single":          rep.Publish.SinglePerSecond,
		"single end to end":       rep.Single.PerSecond,
		"single ceiling":          rep.Single.Ceiling,
		"single CPU per event":    rep.Single.CPUPerEvent,
		"steady CPU per event":    rep.Steady.CPUPerEvent,
		"steady p99":              rep.Steady.P99ms,
		"latency p50":             rep.Latency.P50ms + rep.Latency.P99ms, // p50 may round to 0 on a fast machine
		"latency max":             rep.Latency.Maxms,
		"isolation":               rep.Isolation.PerSecond,
		"isolation ratio":         rep.Isolation.Ratio,
		"memory peak RSS":         float64(rep.Memory.PeakRSS),
		"memory full-queue rate":  rep.Memory.FullPerSecond,
		"memory empty-queue rate": rep.Memory.EmptyPerSecond,
		"disable seconds":         rep.Disable.Seconds,
		"disable idle RSS":        float64(rep.Disable.IdleRSS),
		"signatures verified":     float64(rep.SignaturesVerified),
		"hostile batch time":      rep.Hostile.OneSeconds,
		"hostile batch peak RSS":  float64(rep.Hostile.OnePeakRSS),
		"hostile batches at once": rep.Hostile.ConcurrentSeconds,
		"ui first page":           rep.UI.FirstPage.P50ms,
		"ui deep page":            rep.UI.DeepPage.P50ms,
		"ui overview":             rep.UI.Overview.P50ms,
	}
	for name, v := range positive {
		if !(v > 0) {
			t.Errorf("%s = %v; want > 0", name, v)
		}
	}
	if rep.EndToEnd.Deliveries != 300*3 {
		t.Errorf("end to end deliveries = %d; want %d", rep.EndToEnd.Deliveries, 300*3)
	}
	if rep.Steady.Missing != 0 || rep.Steady.Deliveries == 0 {
		t.Errorf("steady: %d deliveries, %d missing", rep.Steady.Deliveries, rep.Steady.Missing)
	}
	if rep.Latency.Missing != 0 {
		t.Errorf("latency: %d deliveries missing", rep.Latency.Missing)
	}
	if o := rep.Isolation.OtherWorkspace; o == nil || o.Deliveries == 0 || o.Missing != 0 || o.P99ms <= 0 {
		t.Errorf("isolation, another workspace: %+v; want every delivery, with latencies", o)
	}
	if rep.SignaturesInvalid != 0 {
		t.Errorf("%d signatures did not verify", rep.SignaturesInvalid)
	}
	if rep.Memory.PeakRSS < rep.Memory.LoadedRSS || rep.Memory.PeakRSS > 4<<30 {
		t.Errorf("memory: peak RSS %d, loaded RSS %d: implausible", rep.Memory.PeakRSS, rep.Memory.LoadedRSS)
	}
	var table bytes.Buffer
	if err := bench.WriteTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	if rep.Disable.PeakRSS < rep.Disable.IdleRSS/2 || rep.Disable.PeakRSS > 4<<30 {
		t.Errorf("disable: peak RSS %d, idle RSS %d: implausible", rep.Disable.PeakRSS, rep.Disable.IdleRSS)
	}
	for _, want := range []string{"ceiling", "end to end", "publish, batch", "latency", "isolation", "memory", "disable"} {
		if !bytes.Contains(table.Bytes(), []byte(want)) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back bench.Report
	if err := json.Unmarshal(b, &back); err != nil || back.EndToEnd == nil {
		t.Errorf("JSON report does not read back: %v\n%s", err, b)
	}
}
