package form

import (
	"strings"
	"time"
)

// timeLayouts are the forms of a time a form field accepts: what a
// datetime-local input sends (with or without seconds), read as UTC, and
// RFC 3339 with any offset, for links made by hand.
var timeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339}

// errTime is the message for a time that does not parse, or is before
// 1970 (before anything hookd keeps; the zero time would read as unset).
const errTime = "must be a date and time in UTC from 1970 on, such as 2025-01-31T15:04"

// parseUTC reads the time field of a form: nil for "", and an error in
// errs under field when v is not a time from 1970 on.
func parseUTC(field, v string, errs Errors) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, v); err == nil && t.UTC().Year() >= 1970 {
			t = t.UTC()
			return &t
		}
	}
	errs.Add(field, errTime)
	return nil
}

// LocalValue returns t in UTC as the value of a datetime-local input:
// 2025-01-31T15:04, or 2025-01-31T15:04:05 when it has seconds. A nil or
// zero t is "".
func LocalValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	u := t.UTC().Truncate(time.Second)
	if u.Second() == 0 {
		return u.Format("2006-01-02T15:04")
	}
	return u.Format("2006-01-02T15:04:05")
}

// rfc3339 returns t as the API writes times, or "" for nil.
func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// TimeRange is the since and until fields of a filter or an action: times
// in UTC, since inclusive, until exclusive.
type TimeRange struct {
	// Since and Until are the values shown in the form: what was typed,
	// as a datetime-local input takes it when it parsed.
	Since, Until string

	since, until *time.Time
}

// parseTimeRange reads since and until from get.
func parseTimeRange(get func(string) string, errs Errors) TimeRange {
	r := TimeRange{Since: strings.TrimSpace(get("since")), Until: strings.TrimSpace(get("until"))}
	r.since = parseUTC("since", r.Since, errs)
	r.until = parseUTC("until", r.Until, errs)
	if r.since != nil {
		r.Since = LocalValue(r.since)
	}
	if r.until != nil {
		r.Until = LocalValue(r.until)
	}
	return r
}
