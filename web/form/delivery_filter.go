package form

import "net/url"

// DeliveryFilter is the filter form of a webhook's delivery log (a GET
// form: its values are the page's query).
type DeliveryFilter struct {
	// Status is pending, succeeded or failed; "" (or "any" in the query)
	// means any.
	Status string
	// EventType is an event type name; "" means any.
	EventType string
	TimeRange
}

// ParseDeliveryFilter reads the filter of a delivery log page's query.
func ParseDeliveryFilter(q url.Values) (DeliveryFilter, Errors) {
	errs := Errors{}
	f := DeliveryFilter{
		Status:    trimmed(q, "status"),
		EventType: trimmed(q, "event_type"),
		TimeRange: parseTimeRange(q.Get, errs),
	}
	if f.Status == "any" {
		f.Status = ""
	}
	return f, errs
}

// Active reports whether the filter selects anything less than every
// delivery.
func (f DeliveryFilter) Active() bool {
	return f.Status != "" || f.EventType != "" || f.Since != "" || f.Until != ""
}

// Query returns the query of GET …/deliveries for the filter: status,
// event_type, and since and until in RFC 3339.
func (f DeliveryFilter) Query() url.Values {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.EventType != "" {
		q.Set("event_type", f.EventType)
	}
	f.TimeRange.query(q)
	return q
}

// query sets since and until in q, in RFC 3339, where the range has them.
func (r TimeRange) query(q url.Values) {
	if s := rfc3339(r.since); s != "" {
		q.Set("since", s)
	}
	if s := rfc3339(r.until); s != "" {
		q.Set("until", s)
	}
}
