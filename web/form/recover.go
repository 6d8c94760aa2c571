package form

import "net/url"

// Recover is the form that re-queues a webhook's failed deliveries created
// in a time range: since is required (the API says so), until is
// optional (now).
type Recover struct {
	TimeRange
}

// ParseRecover reads the recover form.
func ParseRecover(v url.Values) (Recover, Errors) {
	errs := Errors{}
	return Recover{TimeRange: parseTimeRange(v.Get, errs)}, errs
}

// RecoverBody is the body of POST …/webhooks/{whk}/recover.
type RecoverBody struct {
	Since string `json:"since"`
	Until string `json:"until,omitempty"`
}

// Body returns the API request of the form. A since left empty is sent
// empty, for the API to name.
func (f Recover) Body() RecoverBody {
	return RecoverBody{Since: rfc3339(f.since), Until: rfc3339(f.until)}
}
