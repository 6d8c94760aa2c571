package form

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

// FuzzParseForms feeds the forms whatever a browser or a hand-made link
// may send: they never panic, a time they accept reads back the same from
// the value they show, and the bodies they build are JSON.
func FuzzParseForms(f *testing.F) {
	for _, s := range []string{"", "2025-01-31T15:04", "2025-01-31T15:04:05", "2025-01-31T17:04:00+02:00", "yesterday", "{\"a\":1}", "[1,", "\x00\xff"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		q := url.Values{"status": {a}, "event_type": {b}, "type": {a}, "since": {a}, "until": {b}}
		df, errs := ParseDeliveryFilter(q)
		_ = df.Query()
		if errs["since"] == "" && df.since != nil {
			again := parseUTC("since", df.Since, Errors{})
			if again == nil || !again.Equal(df.since.Truncate(time.Second)) {
				t.Errorf("since %q shows as %q, which reads back as %v; want %v", a, df.Since, again, df.since)
			}
		}
		ef, _ := ParseEventFilter(q)
		_ = ef.Query()
		rf, _ := ParseRecover(q)
		if _, err := json.Marshal(rf.Body()); err != nil {
			t.Errorf("recover body of %q: %v", a, err)
		}
		et, errs := ParseEventType(url.Values{"name": {a}, "example": {b}})
		for _, body := range []any{et.CreateBody(), et.UpdateBody()} {
			if _, err := json.Marshal(body); err != nil && errs["example"] == "" {
				t.Errorf("event type body with example %q: %v", b, err)
			}
		}
	})
}
