package cli

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcFloor is the heap hookd serve lets the garbage collector wait for.
const gcFloor = 100 << 20

// paceGC makes the garbage collector run when the Go memory reaches
// gcFloor or twice the live heap, whichever is more, until ctx ends; unless
// the GOGC or GOMEMLIMIT environment variable is set, which then rules as
// usual.
//
// hookd's live heap is small (about 15 MB while delivering 8,000 a second)
// and it allocates fast (about 20 KB per delivery: requests, responses,
// rows), so with the default GOGC=100 the collector ran some 90 times a
// second and took a fifth of the CPU. Collecting at a floor of 100 MiB
// instead cut the CPU per delivery by about 10% under `hookd bench`; above
// the floor, twice the live heap is what GOGC=100 would allow. The limit
// follows the live heap once a second.
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
				debug.SetMemoryLimit(max(gcFloor, 2*int64(live[0].Value.Uint64())+32<<20))
			}
		}
	}()
}
