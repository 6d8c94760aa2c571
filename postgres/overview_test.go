package postgres_test

import (
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// TestOverviewAcrossStores has three stores (three processes) record
// attempts at once: the overview of any one of them counts every attempt
// once the others have written their counts (at the latest when they
// close), each once, whichever shards they used.
func TestOverviewAcrossStores(t *testing.T) {
	t.Parallel()
	first, u := openSchema(t)
	stores := []hookd.Store{first, openURL(t, u), openURL(t, u)}
	ws, hooks := seed(t, first, 4, nil)
	const events = 150
	publishN(t, first, ws, events, t0)
	var (
		mu                sync.Mutex
		succeeded, failed int
		wg                sync.WaitGroup
	)
	for _, s := range stores {
		wg.Go(func() {
			for {
				claims, err := s.ClaimDue(t.Context(), hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Hour), Limit: 25, PerWebhook: 8})
				if err != nil {
					t.Error(err)
					return
				}
				if len(claims) == 0 {
					return
				}
				var recs []hookd.AttemptRecord
				mu.Lock()
				for i, c := range claims {
					rec := hookd.AttemptRecord{DeliveryID: c.Delivery.ID, WebhookID: c.Delivery.WebhookID,
						Attempt: hookd.Attempt{Trigger: hookd.TriggerScheduled, StartedAt: t0, Request: hookd.AttemptRequest{Method: "POST"}},
						Status:  hookd.DeliverySucceeded, Succeeded: true, Now: t0}
					if i%3 == 0 {
						rec.Status, rec.Succeeded = hookd.DeliveryFailed, false
						failed++
					} else {
						succeeded++
					}
					recs = append(recs, rec)
				}
				mu.Unlock()
				if err := s.RecordAttempts(t.Context(), recs); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if succeeded+failed != events*len(hooks) {
		t.Fatalf("recorded %d attempts; want %d", succeeded+failed, events*len(hooks))
	}
	for _, s := range stores[1:] {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // a second read counts nothing twice
		o, err := first.Overview(t.Context(), t0)
		if err != nil {
			t.Fatalf("Overview: %v", err)
		}
		last := o.Minutes[len(o.Minutes)-1]
		if last.Succeeded != succeeded || last.Failed != failed {
			t.Fatalf("minute of the attempts: got %+v; want %d succeeded, %d failed", last, succeeded, failed)
		}
	}
}
