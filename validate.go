package hookd

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Input limits.
const (
	MaxNameLength        = 200
	MaxDescriptionLength = 2000
	MaxURLLength         = 2048
	MaxEventPatterns     = 100
	MaxChannels          = 10
	MaxChannelLength     = 128
	MaxHeaders           = 20
	MaxHeaderNameLength  = 256
	MaxHeaderValueLength = 4096
	MaxBatchEvents       = 1000
	MinTimeoutSeconds    = 1
	MaxTimeoutSeconds    = 120
	DefaultTimeout       = 30
)

// MaxSignatureHeaderLength bounds signature.header and
// signature.timestamp_header.
const MaxSignatureHeaderLength = 128

var (
	eventTypeRE = regexp.MustCompile(`^[a-zA-Z0-9_]+(\.[a-zA-Z0-9_]+)*$`)
	channelRE   = regexp.MustCompile(`^[a-zA-Z0-9_.:\-]+$`)
	headerRE    = regexp.MustCompile(`^[!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+$`)
)

// ValidEventTypeName reports whether name is [a-zA-Z0-9_] parts joined by ".".
func ValidEventTypeName(name string) bool {
	return len(name) <= MaxNameLength && eventTypeRE.MatchString(name)
}

// ReservedHeader reports whether a webhook's own headers may not set name:
// the headers hookd sets on every request, and those HTTP manages itself.
func ReservedHeader(name, prefix string) bool {
	n := strings.ToLower(name)
	switch n {
	case "content-type", "content-length", "content-encoding", "user-agent", "host", "transfer-encoding",
		"connection", "te", "trailer", "upgrade", "expect", "keep-alive", "proxy-connection", "http2-settings":
		return true
	}
	if strings.HasPrefix(n, "webhook-") || strings.HasPrefix(n, "x-hookd-") {
		return true
	}
	return prefix != "" && strings.HasPrefix(n, strings.ToLower(prefix)+"-")
}

// ownHeaderSuffixes end the names of hookd's own headers after <P>.
var ownHeaderSuffixes = []string{"-event-type", "-event-id", "-delivery-id", "-attempt"}

// SignatureHeaderProblem says what is wrong with name as the name of a
// webhook's signature or timestamp header (signature.header,
// signature.timestamp_header) when hookd's own headers have the prefix
// prefix ("" means X-Hookd only), or returns "" when nothing is. The name
// must be an HTTP token of at most MaxSignatureHeaderLength characters and
// none of the headers hookd or HTTP sets: Content-Type, User-Agent, the
// standard scheme's webhook-id and webhook-timestamp, <P>-Event-Type,
// <P>-Event-Id, <P>-Delivery-Id, <P>-Attempt, Host and the like.
func SignatureHeaderProblem(name, prefix string) string {
	if !headerRE.MatchString(name) || len(name) > MaxSignatureHeaderLength {
		return fmt.Sprintf("must be a header name (letters, digits and !#$%%&'*+-.^_`|~, at most %d characters), such as X-Hub-Signature-256", MaxSignatureHeaderLength)
	}
	n := strings.ToLower(name)
	if n == "webhook-id" || n == "webhook-timestamp" || (ReservedHeader(name, "") && !strings.HasPrefix(n, "webhook-") && !strings.HasPrefix(n, "x-hookd-")) {
		return "is a header hookd or HTTP sets itself"
	}
	for _, p := range []string{"x-hookd", strings.ToLower(prefix)} {
		for _, suffix := range ownHeaderSuffixes {
			if p != "" && n == p+suffix {
				return "is one of hookd's own headers (" + name + "); choose another name"
			}
		}
	}
	return ""
}

// signatureHeaders returns the names, lower case, of the headers that
// carry w's signature ("" for one that the scheme names under the prefix,
// as ReservedHeader covers those).
func signatureHeaders(sig SignatureSpec) []string {
	out := []string{strings.ToLower(sig.Header)}
	if sig.Scheme == SchemeSplit {
		out = append(out, strings.ToLower(sig.TimestampHeader))
	}
	return out
}

// SignatureHeaderProblems checks sig's header and timestamp_header with
// prefix as hookd's prefix: each a name SignatureHeaderProblem accepts,
// timestamp_header only with the split scheme, and the two names apart
// from each other and from the split scheme's default names under prefix
// ("" means X-Hookd). The fields of the errors are "header" and
// "timestamp_header"; nil means none.
func SignatureHeaderProblems(sig SignatureSpec, prefix string) []FieldError {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{Field: field, Message: msg}) }
	if sig.Header != "" {
		if msg := SignatureHeaderProblem(sig.Header, prefix); msg != "" {
			add("header", msg)
		}
	}
	if sig.TimestampHeader == "" {
		if prefix == "" {
			prefix = "X-Hookd"
		}
		if sig.Scheme == SchemeSplit && strings.EqualFold(sig.Header, prefix+"-Timestamp") {
			add("header", "is the split scheme's timestamp header; choose another name, or set timestamp_header too")
		}
		return errs
	}
	if sig.Scheme != SchemeSplit {
		scheme := sig.Scheme
		if scheme == "" {
			scheme = SchemeStandard
		}
		add("timestamp_header", fmt.Sprintf("is only for the split scheme; the %s scheme has no timestamp header to rename: leave it empty", scheme))
		return errs
	}
	header := sig.Header
	if header == "" {
		if prefix == "" {
			prefix = "X-Hookd"
		}
		header = prefix + "-Signature"
	}
	switch {
	case SignatureHeaderProblem(sig.TimestampHeader, prefix) != "":
		add("timestamp_header", SignatureHeaderProblem(sig.TimestampHeader, prefix))
	case strings.EqualFold(sig.TimestampHeader, header):
		add("timestamp_header", "must differ from the signature header "+header)
	}
	return errs
}

// ValidateWebhook checks w after defaults are filled. catalogue holds the
// event type names: every exact name in w.Events must be in it, and every
// "x.*" pattern must match one of them.
func ValidateWebhook(w *Webhook, catalogue []string) error {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if msg := checkText(w.Name, MaxNameLength); msg != "" {
		add("name", "%s", msg)
	}
	if msg := checkText(w.Description, MaxDescriptionLength); msg != "" {
		add("description", "%s", msg)
	}
	if msg := checkURL(w.URL); msg != "" {
		add("url", "%s", msg)
	}
	if w.Method != MethodPost && w.Method != MethodPut {
		add("method", `must be "POST" or "PUT"`)
	}
	switch {
	case len(w.Events) == 0:
		add("events", `must name at least one event type, or "*" for all`)
	case len(w.Events) > MaxEventPatterns:
		add("events", "at most %d patterns; this list has %d", MaxEventPatterns, len(w.Events))
	default:
		for i, p := range w.Events {
			if msg := checkPattern(p, catalogue); msg != "" {
				add(fmt.Sprintf("events[%d]", i), "%s", msg)
			}
		}
	}
	if w.Channels != nil {
		if len(w.Channels) == 0 {
			add("channels", "must be null (all channels) or list at least one channel")
		}
		checkChannels("channels", w.Channels, add)
	}
	headers := w.Headers
	if len(headers) > MaxHeaders {
		add("headers", "at most %d headers; this object has %d", MaxHeaders, len(headers))
		headers = nil // not checked one by one
	}
	for name, value := range headers {
		field := "headers." + name
		switch {
		case !headerRE.MatchString(name) || len(name) > MaxHeaderNameLength:
			add(field, "is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~, at most %d characters)", MaxHeaderNameLength)
		case ReservedHeader(name, w.Signature.HeaderPrefix) || slices.Contains(signatureHeaders(w.Signature), strings.ToLower(name)):
			add(field, "is set by hookd and cannot be overridden")
		case len(value) > MaxHeaderValueLength:
			add(field, "must be at most %d characters", MaxHeaderValueLength)
		case strings.ContainsFunc(value, isControl):
			add(field, "must not contain line breaks, NUL or other control characters")
		}
	}
	if w.TimeoutSeconds < MinTimeoutSeconds || w.TimeoutSeconds > MaxTimeoutSeconds {
		add("timeout_seconds", "must be from %d to %d", MinTimeoutSeconds, MaxTimeoutSeconds)
	}
	if err := w.RetrySchedule.Validate(); err != nil {
		add("retry_schedule", "%v", err)
	}
	switch w.Signature.Scheme {
	case SchemeStandard, SchemeStripe, SchemeGitHub, SchemeSplit:
	default:
		add("signature.scheme", `must be one of "standard", "stripe", "github", "split"`)
	}
	if p := w.Signature.HeaderPrefix; p != "" && (!headerRE.MatchString(p) || len(p) > 64) {
		add("signature.header_prefix", "must be a header name such as X-Acme")
	}
	for _, f := range SignatureHeaderProblems(w.Signature, w.Signature.HeaderPrefix) {
		add("signature."+f.Field, "%s", f.Message)
	}
	if w.RateLimit != nil && (*w.RateLimit <= 0 || *w.RateLimit > 100000) {
		add("rate_limit", "must be null or from above 0 to 100000 requests per second")
	}
	if w.Status != WebhookActive && w.Status != WebhookDisabled {
		add("status", `must be "active" or "disabled"`)
	}
	return Invalid(errs)
}

// URLProblem says what is wrong with raw as a webhook URL, or returns ""
// when nothing is: the checks of ValidateWebhook's url field.
func URLProblem(raw string) string { return checkURL(raw) }

// HTTPProblem says why raw may not be a webhook URL on a server that does
// not allow http:// URLs, or returns "" when it may: always when allowHTTP
// is set, else when raw is not an http:// URL. It is the one rule behind
// both checks: the API's when a webhook is created or updated, and the
// delivery engine's before each request, so that a webhook made while the
// server allowed http:// sends nothing once it does not.
func HTTPProblem(raw string, allowHTTP bool) string {
	// The scheme is what precedes the first colon, in any case.
	if allowHTTP || len(raw) < len("http:") || !strings.EqualFold(raw[:len("http:")], "http:") {
		return ""
	}
	return "http:// URLs are not allowed: use an https:// URL, or start the server with --allow-http or --dev"
}

func checkURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if len(raw) > MaxURLLength {
		return fmt.Sprintf("must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "is not a valid URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must be an http:// or https:// URL"
	}
	if u.Host == "" || u.Hostname() == "" {
		return "must have a host"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "must have a port from 1 to 65535"
		}
	}
	if u.User != nil {
		return "must not contain credentials; put them in headers (for example Authorization) instead"
	}
	if u.Fragment != "" {
		return "must not have a #fragment"
	}
	return ""
}

// isControl reports whether r may not appear in a header value: a control
// character other than tab.
func isControl(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }

func checkPattern(p string, catalogue []string) string {
	if p == "*" {
		return ""
	}
	if prefix, ok := strings.CutSuffix(p, ".*"); ok {
		if !ValidEventTypeName(prefix) {
			return fmt.Sprintf("%q is not a pattern: use \"*\", \"name.*\" or an event type name", p)
		}
		for _, name := range catalogue {
			if strings.HasPrefix(name, prefix+".") {
				return ""
			}
		}
		return fmt.Sprintf("%q matches no event type in the catalogue", p)
	}
	if !ValidEventTypeName(p) {
		return fmt.Sprintf("%q is not a pattern: use \"*\", \"name.*\" or an event type name", p)
	}
	for _, name := range catalogue {
		if name == p {
			return ""
		}
	}
	return fmt.Sprintf("unknown event type %q", p)
}

func checkChannels(field string, channels []string, add func(field, format string, args ...any)) {
	if len(channels) > MaxChannels {
		add(field, "at most %d channels; this list has %d", MaxChannels, len(channels))
		return
	}
	for i, c := range channels {
		if len(c) == 0 || len(c) > MaxChannelLength || !channelRE.MatchString(c) {
			add(fmt.Sprintf("%s[%d]", field, i), "must be 1 to %d characters of letters, digits and _ . : -", MaxChannelLength)
		}
	}
}

// ValidateEvent checks an event to publish. catalogue holds the event type
// names; the event's type must be one of them.
func ValidateEvent(e *Event, catalogue []string, maxPayload int) error {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case e.Type == "":
		add("type", "is required")
	case !ValidEventTypeName(e.Type):
		add("type", "must be [a-zA-Z0-9_] parts joined by dots, such as ticket.created")
	default:
		found := false
		for _, name := range catalogue {
			if name == e.Type {
				found = true
				break
			}
		}
		if !found {
			add("type", "unknown event type %q: add it to the catalogue with POST /v1/event-types", e.Type)
		}
	}
	if len(e.Payload) == 0 || string(e.Payload) == "null" {
		add("payload", "is required: a JSON value")
	} else if maxPayload > 0 && len(e.Payload) > maxPayload {
		add("payload", "is %d bytes; the limit is %d", len(e.Payload), maxPayload)
	}
	if e.Channels != nil {
		checkChannels("channels", e.Channels, add)
	}
	if len(e.IdempotencyKey) > 255 {
		add("idempotency_key", "must be at most 255 characters")
	} else if msg := checkText(e.IdempotencyKey, 255); msg != "" {
		add("idempotency_key", "%s", msg)
	}
	return Invalid(errs)
}

// ValidateEventType checks a catalogue entry.
func ValidateEventType(et *EventType) error {
	var errs []FieldError
	if !ValidEventTypeName(et.Name) {
		errs = append(errs, FieldError{Field: "name", Message: "must be [a-zA-Z0-9_] parts joined by dots, such as ticket.created"})
	}
	if msg := checkText(et.Description, MaxDescriptionLength); msg != "" {
		errs = append(errs, FieldError{Field: "description", Message: msg})
	}
	return Invalid(errs)
}

// ValidateWorkspace checks a workspace.
func ValidateWorkspace(ws *Workspace) error {
	var errs []FieldError
	if msg := checkText(ws.Name, MaxNameLength); strings.TrimSpace(ws.Name) == "" || msg != "" {
		errs = append(errs, FieldError{Field: "name", Message: fmt.Sprintf("is required: text of at most %d characters, without NUL", MaxNameLength)})
	}
	if ws.Settings.MaxWebhooks < 0 {
		errs = append(errs, FieldError{Field: "settings.max_webhooks", Message: "must be 0 (no cap) or more"})
	}
	if d := ws.Settings.WebhookDefaults; d != nil {
		if d.TimeoutSeconds != nil && (*d.TimeoutSeconds < MinTimeoutSeconds || *d.TimeoutSeconds > MaxTimeoutSeconds) {
			errs = append(errs, FieldError{Field: "settings.webhook_defaults.timeout_seconds", Message: fmt.Sprintf("must be from %d to %d", MinTimeoutSeconds, MaxTimeoutSeconds)})
		}
		if err := d.RetrySchedule.Validate(); err != nil {
			errs = append(errs, FieldError{Field: "settings.webhook_defaults.retry_schedule", Message: err.Error()})
		}
	}
	return Invalid(errs)
}

// ApplyWebhookDefaults fills the fields of w that a create request left at
// their zero value from the workspace's defaults, then hookd's. Fields
// that are valid at zero (TLSVerify, Channels) are the caller's to set.
func ApplyWebhookDefaults(w *Webhook, d *WebhookDefaults) {
	if d == nil {
		d = &WebhookDefaults{}
	}
	if w.Method == "" {
		w.Method = MethodPost
	} else {
		w.Method = strings.ToUpper(w.Method)
	}
	if w.Events == nil {
		w.Events = []string{"*"}
	}
	if w.Headers == nil {
		w.Headers = map[string]string{}
	}
	if w.TimeoutSeconds == 0 {
		w.TimeoutSeconds = DefaultTimeout
		if d.TimeoutSeconds != nil {
			w.TimeoutSeconds = *d.TimeoutSeconds
		}
	}
	if w.RetrySchedule == nil {
		w.RetrySchedule = DefaultRetrySchedule
		if d.RetrySchedule != nil {
			w.RetrySchedule = d.RetrySchedule
		}
	}
	if d.Signature != nil {
		if w.Signature.Scheme == "" {
			w.Signature.Scheme = d.Signature.Scheme
		}
		if w.Signature.HeaderPrefix == "" {
			w.Signature.HeaderPrefix = d.Signature.HeaderPrefix
		}
		// The header names belong to the defaults' scheme.
		if same := w.Signature.Scheme == d.Signature.Scheme || (w.Signature.Scheme == SchemeStandard && d.Signature.Scheme == ""); same &&
			w.Signature.Header == "" && w.Signature.TimestampHeader == "" {
			w.Signature.Header, w.Signature.TimestampHeader = d.Signature.Header, d.Signature.TimestampHeader
		}
	}
	if w.Signature.Scheme == "" {
		w.Signature.Scheme = SchemeStandard
	}
	if w.RateLimit == nil && d.RateLimit != nil {
		r := *d.RateLimit
		w.RateLimit = &r
	}
	if w.Status == "" {
		w.Status = WebhookActive
	}
}

// checkText says what is wrong with a free-text field: too long, not UTF-8,
// or holding NUL (which PostgreSQL cannot store, so neither engine takes
// it); "" when it is fine.
func checkText(s string, max int) string {
	switch {
	case len(s) > max:
		return fmt.Sprintf("must be at most %d characters", max)
	case !utf8.ValidString(s):
		return "must be UTF-8 text"
	case strings.ContainsRune(s, 0):
		return "must not contain NUL characters"
	}
	return ""
}
