package postgres_test

import (
	"testing"

	"github.com/hookd/hookd"
)

// TestOverviewAcrossStores has three stores (three processes) record
// attempts at once: the overview of any one of them counts every attempt
// once the others have written their counts (at the latest when they
// close), each once, whichever shards they used.
func TestOverviewAcrossStores(t *testing.T) {
	t.Parallel()
	stores, deliveries := acrossStores(t, 150)
	var succeeded, failed int
	drainAcross(t, stores, 1, func(i int, rec *hookd.AttemptRecord) {
		if i%3 == 0 {
			rec.Status, rec.Succeeded = hookd.DeliveryFailed, false
			failed++
		} else {
			succeeded++
		}
	})
	if succeeded+failed != deliveries {
		t.Fatalf("recorded %d attempts; want %d", succeeded+failed, deliveries)
	}
	for _, s := range stores[1:] {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // a second read counts nothing twice
		o, err := stores[0].Overview(t.Context(), t0)
		if err != nil {
			t.Fatalf("Overview: %v", err)
		}
		last := o.Minutes[len(o.Minutes)-1]
		if last.Succeeded != succeeded || last.Failed != failed {
			t.Fatalf("minute of the attempts: got %+v; want %d succeeded, %d failed", last, succeeded, failed)
		}
	}
}
