package form

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hookd/hookd"
)

// NoRetries is what the retry schedule field takes for a webhook that gets
// one attempt and no retries.
const NoRetries = "none"

// Webhook is the form that adds or edits a webhook, as the browser sent
// it: every field as text, so that a form sent back with errors shows
// what was typed.
type Webhook struct {
	URL         string
	Name        string
	Description string
	// Events are the catalogue types ticked.
	Events []string
	// Patterns are more patterns or names, separated by commas or spaces:
	// "*", "invoice.*". They follow Events in the webhook's list.
	Patterns string
	// Channels are separated by commas; blank means every channel.
	Channels string
	// Method is POST or PUT; blank means the API's default (POST).
	Method string
	// Headers are "Name: value", one a line.
	Headers string
	// TimeoutSeconds is a whole number; blank means the default.
	TimeoutSeconds string
	// RetrySchedule lists durations ("5s, 5m, 30m"); blank means the
	// default, NoRetries none.
	RetrySchedule   string
	Scheme          string
	HeaderPrefix    string
	SignatureHeader string
	TimestampHeader string
	TLSVerify       bool
	// RateLimit is requests per second; blank means no limit.
	RateLimit string
}

// NewWebhook returns the add form as it first shows: POST, TLS verified,
// everything else at its default.
func NewWebhook() Webhook {
	return Webhook{Method: hookd.MethodPost, TLSVerify: true}
}

// ParseWebhook reads the form from what the browser sent.
func ParseWebhook(v url.Values) Webhook {
	return Webhook{
		URL:             trimmed(v, "url"),
		Name:            trimmed(v, "name"),
		Description:     lines(v.Get("description")),
		Events:          v["events"],
		Patterns:        trimmed(v, "patterns"),
		Channels:        trimmed(v, "channels"),
		Method:          trimmed(v, "method"),
		Headers:         lines(v.Get("headers")),
		TimeoutSeconds:  trimmed(v, "timeout_seconds"),
		RetrySchedule:   trimmed(v, "retry_schedule"),
		Scheme:          trimmed(v, "scheme"),
		HeaderPrefix:    trimmed(v, "header_prefix"),
		SignatureHeader: trimmed(v, "signature_header"),
		TimestampHeader: trimmed(v, "timestamp_header"),
		TLSVerify:       v.Get("tls_verify") != "",
		RateLimit:       trimmed(v, "rate_limit"),
	}
}

// WebhookOf returns the edit form of w, filled in. Its events that are
// names in catalogue are ticked; the others (patterns, and names the
// catalogue no longer has) go into Patterns.
func WebhookOf(w *hookd.Webhook, catalogue []string) Webhook {
	f := Webhook{
		URL:             w.URL,
		Name:            w.Name,
		Description:     w.Description,
		Channels:        strings.Join(w.Channels, ", "),
		Method:          w.Method,
		TimeoutSeconds:  strconv.Itoa(w.TimeoutSeconds),
		RetrySchedule:   ScheduleText(w.RetrySchedule),
		Scheme:          w.Signature.Scheme,
		HeaderPrefix:    w.Signature.HeaderPrefix,
		SignatureHeader: w.Signature.Header,
		TimestampHeader: w.Signature.TimestampHeader,
		TLSVerify:       w.TLSVerify,
	}
	var patterns []string
	for _, e := range w.Events {
		if slices.Contains(catalogue, e) {
			f.Events = append(f.Events, e)
		} else {
			patterns = append(patterns, e)
		}
	}
	f.Patterns = strings.Join(patterns, ", ")
	var hs []string
	for _, name := range slices.Sorted(maps.Keys(w.Headers)) {
		hs = append(hs, name+": "+w.Headers[name])
	}
	f.Headers = strings.Join(hs, "\n")
	if w.RateLimit != nil {
		f.RateLimit = strconv.FormatFloat(*w.RateLimit, 'f', -1, 64)
	}
	return f
}

// ScheduleText writes a retry schedule as the forms show it: "5s, 5m,
// 30m", NoRetries for an empty one, and "" for nil (the default).
func ScheduleText(s hookd.RetrySchedule) string {
	if s == nil {
		return ""
	}
	if len(s) == 0 {
		return NoRetries
	}
	return strings.Join(scheduleStrings(s), ", ")
}

// scheduleStrings returns s's delays as the API writes them ("5m").
func scheduleStrings(s hookd.RetrySchedule) []string {
	out := []string{}
	if b, err := json.Marshal(s); err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return out
}

// Ticked reports whether the catalogue type name is ticked.
func (f Webhook) Ticked(name string) bool { return slices.Contains(f.Events, name) }

// webhookValues are the fields of a Webhook form, parsed.
type webhookValues struct {
	url, name, description, method string
	events                         []string
	// channels is nil for every channel.
	channels []string
	headers  map[string]string
	// timeout is nil for the default.
	timeout *int
	// retry is nil for the default, empty for no retries.
	retry []string
	sig   hookd.SignatureSpec
	tls   bool
	// rate is nil for no limit.
	rate *float64
}

// parse reads the fields of f, and says which it cannot read.
func (f Webhook) parse() (webhookValues, Errors) {
	var errs Errors
	v := webhookValues{
		url:         f.URL,
		name:        f.Name,
		description: f.Description,
		method:      strings.ToUpper(f.Method),
		tls:         f.TLSVerify,
		sig: hookd.SignatureSpec{
			Scheme:          f.Scheme,
			HeaderPrefix:    f.HeaderPrefix,
			Header:          f.SignatureHeader,
			TimestampHeader: f.TimestampHeader,
		},
	}
	v.events = []string{}
	for _, e := range append(slices.Clone(f.Events), words(f.Patterns, ",")...) {
		if e != "" && !slices.Contains(v.events, e) {
			v.events = append(v.events, e)
		}
	}
	if f.Channels != "" {
		for _, c := range strings.Split(f.Channels, ",") {
			if c = strings.TrimSpace(c); c != "" {
				v.channels = append(v.channels, c)
			}
		}
	}
	v.headers = map[string]string{}
	for i, line := range strings.Split(f.Headers, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case !ok || name == "":
			errs.Add("headers", fmt.Sprintf("line %d: write each header as Name: value", i+1))
		case hasKey(v.headers, name):
			errs.Add("headers", fmt.Sprintf("line %d: %s is given twice", i+1, name))
		default:
			v.headers[name] = value
		}
	}
	if f.TimeoutSeconds != "" {
		n, err := strconv.Atoi(f.TimeoutSeconds)
		if err != nil {
			errs.Add("timeout_seconds", "must be a whole number of seconds, such as 30")
		} else {
			v.timeout = &n
		}
	}
	switch {
	case f.RetrySchedule == "":
	case strings.EqualFold(f.RetrySchedule, NoRetries):
		v.retry = []string{}
	default:
		v.retry = words(f.RetrySchedule, `,[]"`)
		if len(v.retry) == 0 {
			errs.Add("retry_schedule", `must list delays such as "5s, 5m, 30m", or be "none"`)
		}
	}
	if f.RateLimit != "" {
		r, err := strconv.ParseFloat(f.RateLimit, 64)
		if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
			errs.Add("rate_limit", "must be a number of requests per second, such as 10 or 0.5")
		} else {
			v.rate = &r
		}
	}
	return v, errs
}

// CreateBody returns the body of POST /v1/workspaces/{ws}/webhooks: the
// fields the user filled in, and none of those left blank, so that the
// API applies its defaults and the workspace's. Errors say which fields
// could not be read.
func (f Webhook) CreateBody() (map[string]any, Errors) {
	v, errs := f.parse()
	if errs != nil {
		return nil, errs
	}
	body := map[string]any{
		"url":         v.url,
		"name":        v.name,
		"description": v.description,
		"events":      v.events,
		"tls_verify":  v.tls,
	}
	if v.method != "" {
		body["method"] = v.method
	}
	if v.channels != nil {
		body["channels"] = v.channels
	}
	if len(v.headers) > 0 {
		body["headers"] = v.headers
	}
	if v.timeout != nil {
		body["timeout_seconds"] = *v.timeout
	}
	if v.retry != nil {
		body["retry_schedule"] = v.retry
	}
	sig := map[string]any{}
	for k, s := range map[string]string{"scheme": v.sig.Scheme, "header_prefix": v.sig.HeaderPrefix, "header": v.sig.Header, "timestamp_header": v.sig.TimestampHeader} {
		if s != "" {
			sig[k] = s
		}
	}
	if len(sig) > 0 {
		body["signature"] = sig
	}
	if v.rate != nil {
		body["rate_limit"] = *v.rate
	}
	return body, nil
}

// Patch returns the body of PATCH /v1/workspaces/{ws}/webhooks/{whk} that
// makes cur what the form says: a JSON merge patch of the fields that
// differ from cur, and only those, since the API checks some fields (the
// events against the catalogue) only when a patch names them. A field
// left blank is null: back to the default. An empty patch means nothing
// changed. Errors say which fields could not be read.
func (f Webhook) Patch(cur *hookd.Webhook) (map[string]any, Errors) {
	v, errs := f.parse()
	if errs != nil {
		return nil, errs
	}
	p := map[string]any{}
	set := func(field string, changed bool, value any) {
		if changed {
			p[field] = value
		}
	}
	set("url", v.url != cur.URL, v.url)
	set("name", v.name != cur.Name, v.name)
	set("description", v.description != cur.Description, v.description)
	set("method", v.method != "" && v.method != cur.Method, v.method)
	set("events", !sameSet(v.events, cur.Events), v.events)
	set("channels", (v.channels == nil) != (cur.Channels == nil) || !sameSet(v.channels, cur.Channels), nullable(v.channels))
	if h := headersPatch(cur.Headers, v.headers); len(h) > 0 {
		p["headers"] = h
	}
	switch {
	case v.timeout == nil:
		p["timeout_seconds"] = nil
	case *v.timeout != cur.TimeoutSeconds:
		p["timeout_seconds"] = *v.timeout
	}
	switch {
	case v.retry == nil:
		p["retry_schedule"] = nil
	case !slices.Equal(v.retry, scheduleStrings(cur.RetrySchedule)):
		p["retry_schedule"] = v.retry
	}
	sig := map[string]any{}
	for _, s := range []struct {
		field    string
		now, was string
	}{
		{"scheme", v.sig.Scheme, cur.Signature.Scheme},
		{"header_prefix", v.sig.HeaderPrefix, cur.Signature.HeaderPrefix},
		{"header", v.sig.Header, cur.Signature.Header},
		{"timestamp_header", v.sig.TimestampHeader, cur.Signature.TimestampHeader},
	} {
		if s.now != s.was {
			sig[s.field] = s.now
		}
	}
	if len(sig) > 0 {
		p["signature"] = sig
	}
	set("tls_verify", v.tls != cur.TLSVerify, v.tls)
	switch {
	case v.rate == nil && cur.RateLimit != nil:
		p["rate_limit"] = nil
	case v.rate != nil && (cur.RateLimit == nil || *v.rate != *cur.RateLimit):
		p["rate_limit"] = *v.rate
	}
	return p, nil
}

// headersPatch returns the merge patch that turns the headers was into
// now: each new or changed header with its value, each removed one null.
func headersPatch(was, now map[string]string) map[string]any {
	p := map[string]any{}
	for k, v := range now {
		if old, ok := was[k]; !ok || old != v {
			p[k] = v
		}
	}
	for k := range was {
		if _, ok := now[k]; !ok {
			p[k] = nil
		}
	}
	return p
}

// nullable returns s, or nil (JSON null) when s is nil.
func nullable(s []string) any {
	if s == nil {
		return nil
	}
	return s
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(sortedSet(a), sortedSet(b))
}

func sortedSet(s []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(s)))
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
