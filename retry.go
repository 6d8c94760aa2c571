package hookd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// RetrySchedule is the delays before retry 1, 2, …; a delivery gets
// 1 + len(schedule) attempts in all. In JSON it is a list of Go duration
// strings such as ["5s","5m","30m"].
type RetrySchedule []time.Duration

// DefaultRetrySchedule is used when neither the webhook nor its workspace
// sets one: 5s, 5m, 30m, 2h, 5h, 10h, 10h (eight attempts over about 28 h).
var DefaultRetrySchedule = RetrySchedule{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// Limits of a retry schedule.
const (
	MaxRetries    = 30
	MaxRetryDelay = 7 * 24 * time.Hour
)

// MarshalJSON writes the schedule as duration strings.
func (s RetrySchedule) MarshalJSON() ([]byte, error) {
	out := make([]string, len(s))
	for i, d := range s {
		out[i] = formatDuration(d)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a list of Go duration strings.
func (s *RetrySchedule) UnmarshalJSON(b []byte) error {
	var raw []string
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf(`must be a list of durations such as ["5s","5m"]`)
	}
	out := make(RetrySchedule, len(raw))
	for i, r := range raw {
		d, err := time.ParseDuration(r)
		if err != nil {
			return fmt.Errorf("item %d: %q is not a duration such as \"30s\" or \"2h\"", i, r)
		}
		out[i] = d
	}
	*s = out
	return nil
}

// Validate checks the schedule's length and delays.
func (s RetrySchedule) Validate() error {
	if len(s) > MaxRetries {
		return fmt.Errorf("at most %d retries", MaxRetries)
	}
	for i, d := range s {
		if d <= 0 || d > MaxRetryDelay {
			return fmt.Errorf("item %d: each delay must be above 0 and at most %s", i, formatDuration(MaxRetryDelay))
		}
	}
	return nil
}

// formatDuration writes d the short way: "5m" rather than "5m0s".
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d >= time.Second && d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return d.String()
}

// Jitter is the spread applied to every scheduled delay: ±20%.
const Jitter = 0.2

// RetryDelay returns the delay before the next attempt after the given
// number of scheduled attempts failed, and false when the schedule is spent.
// r is a number in [0, 1) that places the delay within the ±20% jitter;
// retryAfter is the receiver's Retry-After (zero if none), honoured but kept
// between the scheduled delay and twice it.
func (s RetrySchedule) RetryDelay(failed int, r float64, retryAfter time.Duration) (time.Duration, bool) {
	if failed < 1 || failed > len(s) {
		return 0, false
	}
	base := s[failed-1]
	if retryAfter > 0 {
		return min(max(retryAfter, base), 2*base), true
	}
	return time.Duration(float64(base) * (1 - Jitter + 2*Jitter*r)), true
}

// ParseRetryAfter reads a Retry-After header value (seconds or an HTTP date)
// relative to now. It returns 0 when the value is missing or unreadable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		// Far past any schedule, and short of overflowing a Duration.
		return time.Duration(min(secs, 1<<30)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
