package sqlstore

import (
	"time"

	"github.com/hookd/hookd"
)

// ClaimShare checks r and returns how many deliveries of one webhook a
// claim may take: r.PerWebhook, or r.Limit when that is unset or smaller.
// It returns 0 when r asks for none, and EINVALID for a LeaseUntil not
// after Now.
func ClaimShare(r hookd.ClaimRequest) (int, error) {
	if r.Limit <= 0 {
		return 0, nil
	}
	if !r.LeaseUntil.After(r.Now) {
		return 0, hookd.Errorf(hookd.EINVALID, "the lease must end after now")
	}
	if r.PerWebhook <= 0 || r.PerWebhook > r.Limit {
		return r.Limit, nil
	}
	return r.PerWebhook, nil
}

// Streaks are what a batch of records did to the failing streaks of its
// webhooks, as if the records were written one by one: a success ends a
// streak, a failure starts one at its attempt's start unless one runs.
type Streaks struct {
	order []string // the webhooks in the order the batch meets them
	by    map[string]*streak
}

type streak struct {
	succeeded bool       // a record of the batch succeeded
	failStart *time.Time // first failure after the last success, if any
}

// Add applies the outcome of rec, a record of webhookID.
func (s *Streaks) Add(webhookID string, rec *hookd.AttemptRecord) {
	if s.by == nil {
		s.by = map[string]*streak{}
	}
	st := s.by[webhookID]
	if st == nil {
		st = &streak{}
		s.by[webhookID] = st
		s.order = append(s.order, webhookID)
	}
	if rec.Succeeded {
		st.succeeded, st.failStart = true, nil
	} else if st.failStart == nil {
		t := RoundTime(rec.Attempt.StartedAt)
		st.failStart = &t
	}
}

// Order returns the webhooks of the batch in the order it met them.
func (s *Streaks) Order() []string { return s.order }

// StreakChange is what a batch does to one webhook's failing_since.
type StreakChange int

const (
	// StreakUnchanged: no record of the batch is the webhook's.
	StreakUnchanged StreakChange = iota
	// StreakEnded: the last record succeeded; failing_since is cleared.
	StreakEnded
	// StreakRestarted: a success, then failures from the given time;
	// failing_since is set to it.
	StreakRestarted
	// StreakFailing: failures only; failing_since is set to the given time
	// unless a streak runs already.
	StreakFailing
)

// Change returns what the batch does to webhookID's streak, and the start
// of the failures for StreakRestarted and StreakFailing.
func (s *Streaks) Change(webhookID string) (StreakChange, time.Time) {
	st := s.by[webhookID]
	switch {
	case st == nil:
		return StreakUnchanged, time.Time{}
	case st.failStart == nil:
		return StreakEnded, time.Time{}
	case st.succeeded:
		return StreakRestarted, *st.failStart
	}
	return StreakFailing, *st.failStart
}

// MinuteTally is what a batch of records adds to one minute's counts of
// attempts, for Overview.
type MinuteTally struct {
	Minute            time.Time // its start, UTC
	Succeeded, Failed int
}

// TallyMinutes counts the records of recs that were applied by the minute
// their attempt started in, in the order the minutes first appear.
func TallyMinutes(recs []hookd.AttemptRecord, applied []bool) []MinuteTally {
	var out []MinuteTally
	for i := range recs {
		if !applied[i] {
			continue
		}
		m := recs[i].Attempt.StartedAt.UTC().Truncate(time.Minute)
		j := len(out) - 1
		for j >= 0 && !out[j].Minute.Equal(m) {
			j--
		}
		if j < 0 {
			out = append(out, MinuteTally{Minute: m})
			j = len(out) - 1
		}
		if recs[i].Succeeded {
			out[j].Succeeded++
		} else {
			out[j].Failed++
		}
	}
	return out
}
