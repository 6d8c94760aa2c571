package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// testDisableLargeBacklog disables a webhook whose backlog is larger than
// one transaction of an engine fails at once (both engines fail it in
// batches of a few thousand): every pending delivery is failed once
// UpdateWebhook returns, those of other webhooks stay pending, and none is
// claimed once the webhook is enabled again.
func testDisableLargeBacklog(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "big", nil)
	other := f.webhook(ws.ID, "other", nil)
	const events = 12_345
	var first *hookd.Event
	for n := 0; n < events; {
		batch := make([]*hookd.Event, min(hookd.MaxBatchEvents, events-n))
		for i := range batch {
			batch[i] = &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: []byte(fmt.Sprintf(`{"n":%d}`, n+i))}
		}
		if err := f.s.Publish(f.ctx, batch, t0); err != nil {
			t.Fatalf("Publish: %v", err)
		}
		if first == nil {
			first = batch[0]
		}
		n += len(batch)
	}
	// Some of the backlog has rows: attempted once, waiting for a retry.
	claims := f.claim(t0, 30, 30, other.ID)
	if len(claims) != 30 {
		t.Fatalf("claim: got %d; want 30", len(claims))
	}
	for _, c := range claims {
		f.record(failed(c.Delivery.ID, t0, ptr(at(time.Minute)), 500))
	}

	disabled := *f.getWebhook(ws.ID, w.ID)
	disabled.Status, disabled.DisabledReason = hookd.WebhookDisabled, "disabled by the user"
	if err := f.s.UpdateWebhook(f.ctx, &disabled, at(2*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook disable: %v", err)
	}
	pending := func(webhookID string) int {
		t.Helper()
		n := 0
		filter := hookd.DeliveryFilter{WorkspaceID: ws.ID, WebhookID: webhookID, Status: hookd.DeliveryPending,
			Page: hookd.Page{Limit: hookd.MaxPageLimit}}
		for {
			page, next, err := f.s.ListDeliveries(f.ctx, filter)
			if err != nil {
				t.Fatalf("ListDeliveries: %v", err)
			}
			n += len(page)
			if next == "" {
				return n
			}
			filter.Cursor = next
		}
	}
	if n := pending(w.ID); n != 0 {
		t.Fatalf("after the disable: %d deliveries of the disabled webhook pending; want none", n)
	}
	if n := pending(other.ID); n != events {
		t.Fatalf("after the disable: %d deliveries of the other webhook pending; want %d", n, events)
	}
	d := f.delivery(ws.ID, w.ID, deliveryFor(t, first, w.ID).ID)
	if d.Status != hookd.DeliveryFailed || d.NextAttemptAt != nil || !d.UpdatedAt.Equal(at(2*time.Minute)) {
		t.Fatalf("first delivery: got %s, next %v, updated %v; want failed, nil, at the disable %v",
			d.Status, d.NextAttemptAt, d.UpdatedAt, at(2*time.Minute))
	}

	enabled := *f.getWebhook(ws.ID, w.ID)
	enabled.Status = hookd.WebhookActive
	if err := f.s.UpdateWebhook(f.ctx, &enabled, at(3*time.Minute)); err != nil {
		t.Fatalf("UpdateWebhook enable: %v", err)
	}
	if claims := f.claim(at(time.Hour), 100, 100, other.ID); len(claims) != 0 {
		t.Fatalf("claim after enabling: got %d deliveries of the disabled webhook, such as %s; want none",
			len(claims), claims[0].Delivery.ID)
	}
}

// testDisableRacingPublish disables a webhook while publishes to its
// workspace are under way, round after round: every delivery to it that a
// publish made, before or during the disable, is failed once the disable
// returns (the webhook's disabled reason says why), and none is claimed
// once the webhook is enabled again. An engine whose publish reads the
// active webhooks and a disable commits before the publish inserts would
// leave such a delivery pending, to be sent at the enable.
func testDisableRacingPublish(t *testing.T, f *fixture) {
	ws := f.workspace()
	w := f.webhook(ws.ID, "flaky", nil)
	other := f.webhook(ws.ID, "steady", nil)
	const (
		rounds     = 15
		publishers = 6
		perBatch   = 5
	)
	for round := range rounds {
		now := at(time.Duration(round) * time.Hour)
		var (
			mu       sync.Mutex
			made     []hookd.Delivery // w's deliveries, as the publishes returned them
			wg       sync.WaitGroup
			stop     = make(chan struct{})
			started  = make(chan struct{}, publishers)
			errs     = make(chan error, publishers)
			maxBatch = 200 // per publisher and round: the test is bounded even if stop never comes
		)
		for p := range publishers {
			wg.Go(func() {
				for i := range maxBatch {
					select {
					case <-stop:
						return
					default:
					}
					batch := make([]*hookd.Event, perBatch)
					for j := range batch {
						batch[j] = &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created",
							Payload: []byte(fmt.Sprintf(`{"round":%d,"p":%d,"i":%d,"j":%d}`, round, p, i, j))}
					}
					if err := f.s.Publish(f.ctx, batch, now); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, e := range batch {
						for _, d := range e.Deliveries {
							if d.WebhookID == w.ID {
								made = append(made, d)
							}
						}
					}
					mu.Unlock()
					if i == 0 {
						started <- struct{}{}
					}
				}
			})
		}
		for range publishers {
			select {
			case <-started:
			case err := <-errs:
				t.Fatalf("round %d: Publish: %v", round, err)
			}
		}
		disabled := *f.getWebhook(ws.ID, w.ID)
		disabled.Status, disabled.DisabledReason = hookd.WebhookDisabled, fmt.Sprintf("disabled in round %d", round)
		if err := f.s.UpdateWebhook(f.ctx, &disabled, now.Add(time.Minute)); err != nil {
			t.Fatalf("round %d: UpdateWebhook disable: %v", round, err)
		}
		close(stop)
		wg.Wait()
		select {
		case err := <-errs:
			t.Fatalf("round %d: Publish: %v", round, err)
		default:
		}
		if len(made) == 0 {
			t.Fatalf("round %d: no publish fanned out to the webhook before the disable", round)
		}
		if got := f.getWebhook(ws.ID, w.ID); got.Status != hookd.WebhookDisabled || got.DisabledReason != disabled.DisabledReason {
			t.Fatalf("round %d: webhook: got %s, %q; want disabled, %q", round, got.Status, got.DisabledReason, disabled.DisabledReason)
		}
		for _, d := range made {
			if got := f.delivery(ws.ID, w.ID, d.ID); got.Status != hookd.DeliveryFailed || got.NextAttemptAt != nil {
				t.Fatalf("round %d: delivery %s, published before the disable returned, of %d: got %s, next %v; want failed by the disable",
					round, d.ID, len(made), got.Status, got.NextAttemptAt)
			}
		}

		enabled := *f.getWebhook(ws.ID, w.ID)
		enabled.Status = hookd.WebhookActive
		if err := f.s.UpdateWebhook(f.ctx, &enabled, now.Add(2*time.Minute)); err != nil {
			t.Fatalf("round %d: UpdateWebhook enable: %v", round, err)
		}
		if claims := f.claim(now.Add(3*time.Minute), 100, 100, other.ID); len(claims) != 0 {
			t.Fatalf("round %d: claim after enabling: got %d deliveries of the webhook disabled meanwhile, such as %s; want none",
				round, len(claims), claims[0].Delivery.ID)
		}
	}
}
