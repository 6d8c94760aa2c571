package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcFloor is the Go memory hookd serve lets the garbage collector wait
// for, and gcPad what it allows above twice the live heap: the stacks and
// the runtime's own structures, which the limit counts too.
const (
	gcFloor = 64 << 20
	gcPad   = 16 << 20
)

// paceGC makes the garbage collector run when the Go memory reaches
// gcFloor or twice the live heap plus gcPad, whichever is more, until ctx
// ends; unless the GOGC or GOMEMLIMIT environment variable is set, which
// then rules as usual.
//
// hookd's live heap is small (about 20 MB while delivering 12,000 a
// second) and it allocates fast (about 13 KB per delivery: requests,
// responses, rows), so with the default GOGC=100 the collector ran some 90
// times a second and took a fifth of the CPU. A floor of 100 MiB cut the
// CPU per delivery by about 10% under `hookd bench`; 64 MiB costs no more
// than that within the noise (the collector's share of the CPU goes from
// about 2% to 3%) and keeps the whole process under 100 MB with 1,000,000
// deliveries pending (BENCHMARKS.md). The limit follows the live heap once
// a second.
func paceGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(gcFloor)
	go func() {
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			metrics.Read(live)
			if live[0].Value.Kind() == metrics.KindUint64 {
				debug.SetMemoryLimit(max(gcFloor, 2*int64(live[0].Value.Uint64())+gcPad))
			}
		}
	}()
}
