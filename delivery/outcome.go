package delivery

import (
	"fmt"
	"net/http"
	"time"

	"github.com/hookd/hookd"
)

// Kind is what happens to a delivery after an attempt.
type Kind int

// The kinds of outcome.
const (
	// Succeeded: the endpoint answered 2xx; the delivery is done.
	Succeeded Kind = iota
	// Retry: the attempt failed and the schedule has another attempt.
	Retry
	// GiveUp: the attempt failed and no attempt is left; the delivery fails.
	GiveUp
	// Disable: the webhook is disabled (410 Gone, or failing for too long);
	// the delivery fails with it.
	Disable
)

func (k Kind) String() string {
	return [...]string{"succeeded", "retry", "give up", "disable"}[k]
}

// Outcome is the decision taken after one attempt.
type Outcome struct {
	Kind Kind
	// RetryAt is when the next attempt is due, for Retry.
	RetryAt time.Time
	// Reason says why, for Disable.
	Reason string
}

// Result is what one HTTP request gave: the status (0 when no answer came),
// the Retry-After delay asked for on a 429 or 503, and the transport error.
type Result struct {
	Status     int
	RetryAfter time.Duration
	Err        error
}

// Decide returns the outcome of an attempt for delivery d of webhook w that
// ended in res at now. r in [0, 1) places the retry delay within its jitter;
// disableAfter is how long a webhook may fail without a success before it is
// disabled.
func Decide(d *hookd.Delivery, w *hookd.Webhook, res Result, now time.Time, r float64, disableAfter time.Duration) Outcome {
	switch {
	case res.Err == nil && res.Status >= 200 && res.Status < 300:
		return Outcome{Kind: Succeeded}
	case res.Status == http.StatusGone:
		return Outcome{Kind: Disable, Reason: "the endpoint answered 410 Gone"}
	}
	if w.FailingSince != nil && disableAfter > 0 && now.Sub(*w.FailingSince) >= disableAfter {
		return Outcome{Kind: Disable, Reason: fmt.Sprintf("every attempt failed for %s", days(disableAfter))}
	}
	if d.Once {
		return Outcome{Kind: GiveUp}
	}
	step := d.ScheduledAttempts
	if !d.Manual {
		step++ // this attempt was the next one on the schedule
	}
	delay, ok := w.RetrySchedule.RetryDelay(max(step, 1), r, res.RetryAfter)
	if !ok {
		return Outcome{Kind: GiveUp}
	}
	return Outcome{Kind: Retry, RetryAt: now.Add(delay)}
}

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := d / (24 * time.Hour)
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

// Record turns an attempt and its outcome into what the store writes.
func Record(c *hookd.Claim, a hookd.Attempt, res Result, o Outcome, now time.Time) hookd.AttemptRecord {
	rec := hookd.AttemptRecord{
		DeliveryID:        c.Delivery.ID,
		WebhookID:         c.Delivery.WebhookID,
		Attempt:           a,
		ScheduledAttempts: c.Delivery.ScheduledAttempts,
		Succeeded:         o.Kind == Succeeded,
		Now:               now,
	}
	if !c.Delivery.Manual {
		rec.ScheduledAttempts++
	}
	if res.Status != 0 {
		s := res.Status
		rec.LastStatusCode = &s
	}
	switch o.Kind {
	case Succeeded:
		rec.Status = hookd.DeliverySucceeded
	case Retry:
		rec.Status = hookd.DeliveryPending
		t := o.RetryAt
		rec.NextAttemptAt = &t
	case GiveUp:
		rec.Status = hookd.DeliveryFailed
	case Disable:
		rec.Status = hookd.DeliveryFailed
		rec.DisableReason = o.Reason
	}
	return rec
}
