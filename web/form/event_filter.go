package form

import "net/url"

// EventFilter is the filter form of a workspace's event list (a GET form).
type EventFilter struct {
	// Type is an event type name; "" means any.
	Type string
	TimeRange
}

// ParseEventFilter reads the filter of the event list page's query.
func ParseEventFilter(q url.Values) (EventFilter, Errors) {
	errs := Errors{}
	f := EventFilter{Type: trimmed(q, "type"), TimeRange: parseTimeRange(q.Get, errs)}
	return f, errs
}

// Active reports whether the filter selects anything less than every event.
func (f EventFilter) Active() bool {
	return f.Type != "" || f.Since != "" || f.Until != ""
}

// Query returns the query of GET …/events for the filter.
func (f EventFilter) Query() url.Values {
	q := url.Values{}
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	f.TimeRange.query(q)
	return q
}
