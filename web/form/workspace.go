package form

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// API field names of the workspace form.
const (
	wsFieldName          = "name"
	wsFieldMaxWebhooks   = "settings.max_webhooks"
	wsFieldTimeout       = "settings.webhook_defaults.timeout_seconds"
	wsFieldRetrySchedule = "settings.webhook_defaults.retry_schedule"
	wsFieldScheme        = "settings.webhook_defaults.signature.scheme"
	wsFieldHeaderPrefix  = "settings.webhook_defaults.signature.header_prefix"
	wsFieldRateLimit     = "settings.webhook_defaults.rate_limit"
)

// WorkspaceFields lists the API fields the workspace form has, in the
// order it shows them.
var WorkspaceFields = []string{wsFieldName, wsFieldMaxWebhooks, wsFieldTimeout, wsFieldRetrySchedule, wsFieldScheme, wsFieldHeaderPrefix, wsFieldRateLimit}

// Workspace is the workspace form (create and edit) as typed: every field
// a string, so that the form can be shown again as it was.
type Workspace struct {
	Name string
	// MaxWebhooks is a whole number; "" or 0 means no cap of the
	// workspace's own.
	MaxWebhooks string
	// TimeoutSeconds, RetrySchedule, Scheme, HeaderPrefix and RateLimit
	// are the defaults of the workspace's new webhooks; "" means hookd's.
	TimeoutSeconds string
	// RetrySchedule is durations separated by commas or spaces ("5s, 5m,
	// 2h"), or "none" for a single attempt without retries.
	RetrySchedule string
	Scheme        string
	HeaderPrefix  string
	RateLimit     string
}

// ParseWorkspace reads the workspace form from what the browser sent.
func ParseWorkspace(v url.Values) Workspace {
	return Workspace{
		Name:           trimmed(v, "name"),
		MaxWebhooks:    trimmed(v, "max_webhooks"),
		TimeoutSeconds: trimmed(v, "timeout_seconds"),
		RetrySchedule:  trimmed(v, "retry_schedule"),
		Scheme:         trimmed(v, "scheme"),
		HeaderPrefix:   trimmed(v, "header_prefix"),
		RateLimit:      trimmed(v, "rate_limit"),
	}
}

// WorkspaceOf returns the form filled with ws's name and settings, as the
// edit page shows them.
func WorkspaceOf(ws *hookd.Workspace) Workspace {
	f := Workspace{Name: ws.Name, MaxWebhooks: strconv.Itoa(ws.Settings.MaxWebhooks)}
	d := ws.Settings.WebhookDefaults
	if d == nil {
		return f
	}
	if d.TimeoutSeconds != nil {
		f.TimeoutSeconds = strconv.Itoa(*d.TimeoutSeconds)
	}
	f.RetrySchedule = ScheduleText(d.RetrySchedule)
	if d.Signature != nil {
		f.Scheme, f.HeaderPrefix = d.Signature.Scheme, d.Signature.HeaderPrefix
	}
	if d.RateLimit != nil {
		f.RateLimit = strconv.FormatFloat(*d.RateLimit, 'f', -1, 64)
	}
	return f
}

// parsed is the form's values in the API's types; nil pointers and a nil
// schedule mean hookd's default.
type parsed struct {
	maxWebhooks int
	timeout     *int
	schedule    []string
	rateLimit   *float64
}

// parse reads the numbers and the schedule of f.
func (f Workspace) parse() (parsed, Errors) {
	var p parsed
	errs := Errors{}
	if f.MaxWebhooks != "" {
		n, err := strconv.Atoi(f.MaxWebhooks)
		if err != nil {
			errs[wsFieldMaxWebhooks] = "must be a whole number; 0 for no cap"
		}
		p.maxWebhooks = n
	}
	if f.TimeoutSeconds != "" {
		n, err := strconv.Atoi(f.TimeoutSeconds)
		if err != nil {
			errs[wsFieldTimeout] = "must be a whole number of seconds, or empty for hookd's default"
		}
		p.timeout = &n
	}
	switch s := f.RetrySchedule; {
	case s == "":
	case strings.EqualFold(s, NoRetries):
		p.schedule = []string{}
	default:
		p.schedule = words(s, ",")
	}
	if f.RateLimit != "" {
		x, err := strconv.ParseFloat(f.RateLimit, 64)
		if err != nil {
			errs[wsFieldRateLimit] = "must be a number of requests per second, such as 10 or 0.5, or empty for no limit"
		}
		p.rateLimit = &x
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// CreateBody returns the body of POST /v1/workspaces for f: the defaults
// left empty are left out.
func (f Workspace) CreateBody() (map[string]any, Errors) {
	p, errs := f.parse()
	if errs != nil {
		return nil, errs
	}
	defaults := map[string]any{}
	if p.timeout != nil {
		defaults["timeout_seconds"] = *p.timeout
	}
	if p.schedule != nil {
		defaults["retry_schedule"] = p.schedule
	}
	if f.Scheme != "" || f.HeaderPrefix != "" {
		defaults["signature"] = map[string]any{"scheme": f.Scheme, "header_prefix": f.HeaderPrefix}
	}
	if p.rateLimit != nil {
		defaults["rate_limit"] = *p.rateLimit
	}
	settings := map[string]any{"max_webhooks": p.maxWebhooks}
	if len(defaults) > 0 {
		settings["webhook_defaults"] = defaults
	}
	return map[string]any{"name": f.Name, "settings": settings}, nil
}

// PatchBody returns the merge patch of PATCH /v1/workspaces/{ws} that
// changes cur into f: only the fields whose value differs, a default
// that was set and is now empty as null. An empty patch means nothing
// changed. The signature's header and timestamp header, which the form
// does not show, are left as they are.
func (f Workspace) PatchBody(cur *hookd.Workspace) (map[string]any, Errors) {
	p, errs := f.parse()
	if errs != nil {
		return nil, errs
	}
	patch := map[string]any{}
	if f.Name != cur.Name {
		patch["name"] = f.Name
	}
	settings := map[string]any{}
	if p.maxWebhooks != cur.Settings.MaxWebhooks {
		settings["max_webhooks"] = p.maxWebhooks
	}
	d := cur.Settings.WebhookDefaults
	if d == nil {
		d = &hookd.WebhookDefaults{}
	}
	defaults := map[string]any{}
	if !equalPtr(p.timeout, d.TimeoutSeconds) {
		defaults["timeout_seconds"] = orNull(p.timeout)
	}
	if !sameSchedule(p.schedule, d.RetrySchedule) {
		if p.schedule == nil {
			defaults["retry_schedule"] = nil
		} else {
			defaults["retry_schedule"] = p.schedule
		}
	}
	sig := hookd.SignatureSpec{}
	if d.Signature != nil {
		sig = *d.Signature
	}
	signature := map[string]any{}
	if f.Scheme != sig.Scheme {
		signature["scheme"] = f.Scheme
	}
	if f.HeaderPrefix != sig.HeaderPrefix {
		signature["header_prefix"] = f.HeaderPrefix
	}
	if len(signature) > 0 {
		defaults["signature"] = signature
	}
	if !equalPtr(p.rateLimit, d.RateLimit) {
		defaults["rate_limit"] = orNull(p.rateLimit)
	}
	if len(defaults) > 0 {
		settings["webhook_defaults"] = defaults
	}
	if len(settings) > 0 {
		patch["settings"] = settings
	}
	return patch, nil
}

// sameSchedule reports whether the typed schedule is cur: both nil (the
// default), or the same delays. A schedule that does not parse differs,
// so that the API names what is wrong with it.
func sameSchedule(typed []string, cur hookd.RetrySchedule) bool {
	if (typed == nil) != (cur == nil) {
		return false
	}
	ds := make([]time.Duration, len(typed))
	for i, s := range typed {
		d, err := time.ParseDuration(s)
		if err != nil {
			return false
		}
		ds[i] = d
	}
	return slices.Equal(ds, cur)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// orNull returns *p, or nil (JSON null) for a nil p.
func orNull[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
