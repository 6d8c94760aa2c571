package delivery

import (
	"errors"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sixDaysAgo := now.Add(-6 * 24 * time.Hour)
	hourAgo := now.Add(-time.Hour)
	hook := func(failingSince *time.Time) *hookd.Webhook {
		return &hookd.Webhook{RetrySchedule: hookd.RetrySchedule{time.Second, time.Minute}, FailingSince: failingSince}
	}
	tests := []struct {
		name string
		d    hookd.Delivery
		w    *hookd.Webhook
		res  Result
		want Outcome
	}{
		{"2xx succeeds", hookd.Delivery{}, hook(nil), Result{Status: 204}, Outcome{Kind: Succeeded}},
		{"first failure retries after schedule[0]", hookd.Delivery{}, hook(nil), Result{Status: 500}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
		{"second failure retries after schedule[1]", hookd.Delivery{ScheduledAttempts: 1}, hook(nil), Result{Status: 500}, Outcome{Kind: Retry, RetryAt: now.Add(time.Minute)}},
		{"last failure gives up", hookd.Delivery{ScheduledAttempts: 2}, hook(nil), Result{Status: 500}, Outcome{Kind: GiveUp}},
		{"transport error retries", hookd.Delivery{}, hook(nil), Result{Err: errors.New("refused")}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
		{"3xx is a failure", hookd.Delivery{}, hook(nil), Result{Status: 302}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
		{"410 disables", hookd.Delivery{}, hook(nil), Result{Status: 410}, Outcome{Kind: Disable, Reason: "the endpoint answered 410 Gone"}},
		{"failing for 6 days disables", hookd.Delivery{}, hook(&sixDaysAgo), Result{Status: 500}, Outcome{Kind: Disable, Reason: "every attempt failed for 5 days"}},
		{"failing for an hour retries", hookd.Delivery{}, hook(&hourAgo), Result{Status: 500}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
		{"one-off manual retry gives up", hookd.Delivery{ScheduledAttempts: 3, Manual: true, Once: true}, hook(nil), Result{Status: 500}, Outcome{Kind: GiveUp}},
		{"manual retry of a pending delivery keeps its place", hookd.Delivery{ScheduledAttempts: 1, Manual: true}, hook(nil), Result{Status: 500}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
		{"Retry-After within bounds is honoured", hookd.Delivery{}, hook(nil), Result{Status: 429, RetryAfter: 1500 * time.Millisecond}, Outcome{Kind: Retry, RetryAt: now.Add(1500 * time.Millisecond)}},
		{"Retry-After is capped at twice the delay", hookd.Delivery{}, hook(nil), Result{Status: 503, RetryAfter: time.Hour}, Outcome{Kind: Retry, RetryAt: now.Add(2 * time.Second)}},
		{"Retry-After is raised to the delay", hookd.Delivery{}, hook(nil), Result{Status: 429, RetryAfter: time.Millisecond}, Outcome{Kind: Retry, RetryAt: now.Add(time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// r = 0.5 puts the jitter at exactly the scheduled delay.
			got := Decide(&tt.d, tt.w, tt.res, now, 0.5, 5*24*time.Hour)
			if got != tt.want {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
		})
	}
}

// TestDecideDefaultSchedule walks the production schedule with a moved
// clock: eight attempts over about 28 hours, each delay within ±20%.
func TestDecideDefaultSchedule(t *testing.T) {
	t.Parallel()
	w := &hookd.Webhook{RetrySchedule: hookd.DefaultRetrySchedule}
	d := hookd.Delivery{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	start := now
	for i, base := range hookd.DefaultRetrySchedule {
		for _, r := range []float64{0, 0.999999} {
			o := Decide(&d, w, Result{Status: 500}, now, r, -1)
			if o.Kind != Retry {
				t.Fatalf("attempt %d: got %v; want retry", i+1, o.Kind)
			}
			lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
			if got := o.RetryAt.Sub(now); got < lo || got > hi {
				t.Fatalf("attempt %d, r=%v: delay %s; want within [%s, %s]", i+1, r, got, lo, hi)
			}
		}
		o := Decide(&d, w, Result{Status: 500}, now, 0.5, -1)
		rec := Record(&hookd.Claim{Delivery: d, Webhook: w}, hookd.Attempt{}, Result{Status: 500}, o, now)
		d.ScheduledAttempts = rec.ScheduledAttempts
		now = o.RetryAt
	}
	if o := Decide(&d, w, Result{Status: 500}, now, 0.5, -1); o.Kind != GiveUp {
		t.Fatalf("after %d attempts: got %v; want give up", d.ScheduledAttempts+1, o.Kind)
	}
	if got, want := now.Sub(start), 27*time.Hour+35*time.Minute+5*time.Second; got != want {
		t.Errorf("schedule spans %s; want %s", got, want)
	}
}

func TestRetryScheduleJSON(t *testing.T) {
	t.Parallel()
	for _, in := range []string{`["30s","5m","30m","2h","24h"]`, `["1s","5s","30s"]`, `["5s","5m","30m","2h","5h","10h","10h"]`} {
		var s hookd.RetrySchedule
		if err := s.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		out, _ := s.MarshalJSON()
		if string(out) != in {
			t.Errorf("got %s; want %s", out, in)
		}
	}
}
