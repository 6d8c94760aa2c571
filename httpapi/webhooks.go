package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/signature"
)

// Signing secret rules.
const (
	minSecretBytes     = 24
	maxSecretBytes     = 64
	defaultGracePeriod = 24 * time.Hour
	maxGracePeriod     = 7 * 24 * time.Hour
	// maxSecrets bounds how many secrets (the newest and those rotated
	// out but still in their grace period) a webhook keeps.
	maxSecrets = 10
	// disabledByAPI is the disabled_reason of a webhook disabled by PATCH.
	disabledByAPI = "disabled through the API"
)

// webhookRequest is the body of a webhook's creation, and the editable view
// of a webhook that PATCH merges into.
type webhookRequest struct {
	Name           string               `json:"name"`
	Description    string               `json:"description"`
	URL            string               `json:"url"`
	Method         string               `json:"method"`
	Events         []string             `json:"events"`
	Channels       []string             `json:"channels"`
	Headers        map[string]string    `json:"headers"`
	TimeoutSeconds *int                 `json:"timeout_seconds"`
	RetrySchedule  []string             `json:"retry_schedule" expect:"a list of durations such as [\"5s\",\"5m\",\"2h\"]"`
	Signature      *hookd.SignatureSpec `json:"signature"`
	TLSVerify      *bool                `json:"tls_verify"`
	RateLimit      *float64             `json:"rate_limit"`
	Status         string               `json:"status"`
	Secret         string               `json:"secret,omitempty"`
}

// webhookView is the editable view of w.
func webhookView(w *hookd.Webhook) webhookRequest {
	timeout, tls, sig := w.TimeoutSeconds, w.TLSVerify, w.Signature
	return webhookRequest{
		Name:           w.Name,
		Description:    w.Description,
		URL:            w.URL,
		Method:         w.Method,
		Events:         w.Events,
		Channels:       w.Channels,
		Headers:        w.Headers,
		TimeoutSeconds: &timeout,
		RetrySchedule:  scheduleStrings(w.RetrySchedule),
		Signature:      &sig,
		TLSVerify:      &tls,
		RateLimit:      w.RateLimit,
		Status:         w.Status,
	}
}

// apply sets the editable fields of w from body, then the defaults d (a
// workspace's) and hookd's for those left out.
func (body *webhookRequest) apply(w *hookd.Webhook, d *hookd.WebhookDefaults, errs *fieldErrors) {
	w.Name = body.Name
	w.Description = body.Description
	w.URL = body.URL
	w.Method = body.Method
	w.Events = body.Events
	w.Channels = body.Channels
	w.Headers = body.Headers
	w.TimeoutSeconds = 0
	if t := body.TimeoutSeconds; t != nil {
		if *t == 0 { // zero would read as "the default"
			errs.add("timeout_seconds", fmt.Sprintf("must be from %d to %d", hookd.MinTimeoutSeconds, hookd.MaxTimeoutSeconds))
		}
		w.TimeoutSeconds = *t
	}
	w.RetrySchedule = parseSchedule("retry_schedule", body.RetrySchedule, errs)
	w.Signature = hookd.SignatureSpec{}
	if body.Signature != nil {
		w.Signature = *body.Signature
	}
	w.TLSVerify = body.TLSVerify == nil || *body.TLSVerify
	w.RateLimit = body.RateLimit
	w.Status = body.Status
	hookd.ApplyWebhookDefaults(w, d)
}

// validateWebhook checks w as hookd.ValidateWebhook does, against the
// catalogue, and adds the server's rules: http:// only with AllowHTTP, and
// no header under the server's prefix when w has no prefix of its own. With
// checkEvents false, errors about w.Events are dropped (an update that
// leaves them alone must not fail because the catalogue changed since).
func (s *server) validateWebhook(ctx context.Context, w *hookd.Webhook, errs fieldErrors, checkEvents bool) error {
	names, err := s.store.EventTypeNames(ctx)
	if err != nil {
		return err
	}
	if p := hookd.HTTPProblem(w.URL, s.cfg.AllowHTTP); p != "" {
		errs.add("url", p)
	}
	if w.Signature.HeaderPrefix == "" && len(w.Headers) <= hookd.MaxHeaders { // more: hookd.ValidateWebhook says so
		for name := range w.Headers {
			if validHeaderName(name) && !hookd.ReservedHeader(name, "") && hookd.ReservedHeader(name, s.cfg.HeaderPrefix) {
				errs.add("headers."+name, "is set by hookd and cannot be overridden")
			}
		}
		// hookd.ValidateWebhook checks the signature headers against
		// X-Hookd's; these are the server's own.
		seen := map[hookd.FieldError]bool{}
		for _, f := range hookd.SignatureHeaderProblems(w.Signature, "") {
			seen[f] = true
		}
		for _, f := range hookd.SignatureHeaderProblems(w.Signature, s.cfg.HeaderPrefix) {
			if !seen[f] {
				errs.add("signature."+f.Field, f.Message)
			}
		}
	}
	verr := hookd.ValidateWebhook(w, names)
	if e, ok := verr.(*hookd.Error); ok && !checkEvents {
		var kept []hookd.FieldError
		for _, f := range e.Fields {
			if !strings.HasPrefix(f.Field, "events[") {
				kept = append(kept, f)
			}
		}
		verr = hookd.Invalid(kept)
	}
	return errs.with(verr)
}

// checkDestination adds the server's destination rules to errs: with
// checkURL, the URL must not name an address that the egress policy
// refuses; with checkTLS, tls_verify false needs AllowInsecureTLS. An
// update checks only what it changes, so that a webhook made under other
// rules can still be edited (the engine applies the rules when it sends).
func (s *server) checkDestination(ctx context.Context, w *hookd.Webhook, errs *fieldErrors, checkURL, checkTLS bool) {
	if checkTLS && !w.TLSVerify && !s.cfg.AllowInsecureTLS {
		errs.add("tls_verify", "false is not allowed on this server: TLS certificates are always verified "+
			"(a server started with --allow-insecure-tls or --dev allows it)")
	}
	if !checkURL || s.cfg.Egress == nil {
		return
	}
	if hookd.URLProblem(w.URL) != "" {
		return // hookd.ValidateWebhook says what is wrong
	}
	u, _ := url.Parse(w.URL)
	if err := s.cfg.Egress.CheckHost(ctx, u.Hostname()); err != nil {
		errs.add("url", strings.TrimPrefix(err.Error(), "egress: "))
	}
}

// validScheme reports whether scheme is a signature scheme.
func validScheme(scheme string) bool {
	switch scheme {
	case hookd.SchemeStandard, hookd.SchemeStripe, hookd.SchemeGitHub, hookd.SchemeSplit:
		return true
	}
	return false
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// newSigningSecret returns whsec_ and the base64 of 32 random bytes.
func newSigningSecret() string {
	return signature.SecretPrefix + base64.StdEncoding.EncodeToString(hookd.RandomToken(32))
}

// checkSecret returns what is wrong with a signing secret the user gave,
// or "".
func checkSecret(v string) string {
	msg := fmt.Sprintf("must be %q followed by the standard base64 of %d to %d random bytes", signature.SecretPrefix, minSecretBytes, maxSecretBytes)
	rest, ok := strings.CutPrefix(v, signature.SecretPrefix)
	if !ok {
		return msg
	}
	b, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(b) < minSecretBytes || len(b) > maxSecretBytes {
		return msg
	}
	return ""
}

// webhookWithSecret is a webhook with its newest signing secret: the answer
// to its creation.
type webhookWithSecret struct {
	*hookd.Webhook
	SigningSecret string `json:"signing_secret"`
}

// signingSecret is the answer of GET …/secret and POST …/rotate-secret.
type signingSecret struct {
	SigningSecret string `json:"signing_secret"`
}

func (s *server) createWebhook(req *request) (int, any, error) {
	var body webhookRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	w := &hookd.Webhook{
		ID:          hookd.NewID(hookd.PrefixWebhook, req.now),
		WorkspaceID: req.ws.ID,
		CreatedAt:   req.now,
		UpdatedAt:   req.now,
	}
	var errs fieldErrors
	body.apply(w, req.ws.Settings.WebhookDefaults, &errs)
	secret := body.Secret
	if secret == "" {
		secret = newSigningSecret()
	} else if msg := checkSecret(secret); msg != "" {
		errs.add("secret", msg)
	}
	s.checkDestination(req.Context(), w, &errs, true, true)
	if err := s.validateWebhook(req.Context(), w, errs, true); err != nil {
		return 0, nil, err
	}
	if w.Status == hookd.WebhookDisabled {
		w.DisabledReason = disabledByAPI
	}
	w.Secrets = []hookd.Secret{{Value: secret}}
	maxWebhooks := s.cfg.MaxWebhooks
	if m := req.ws.Settings.MaxWebhooks; m > 0 && m < maxWebhooks {
		maxWebhooks = m
	}
	if err := s.store.CreateWebhook(req.Context(), w, maxWebhooks); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, webhookWithSecret{Webhook: w, SigningSecret: secret}, nil
}

func (s *server) listWebhooks(req *request) (int, any, error) {
	scope := scopeOf("webhooks", req.ws.ID)
	p, _, errs := parseList(req, scope)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListWebhooks(req.Context(), req.ws.ID, p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

// webhook loads the {whk} of req's path.
func (s *server) webhook(req *request) (*hookd.Webhook, error) {
	return s.store.Webhook(req.Context(), req.ws.ID, req.PathValue("whk"))
}

func (s *server) getWebhook(req *request) (int, any, error) {
	w, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, w, nil
}

func (s *server) updateWebhook(req *request) (int, any, error) {
	cur, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	var body webhookRequest
	keys, err := decodePatch(req.body, webhookView(cur), &body)
	if err != nil {
		return 0, nil, err
	}
	if keys["secret"] || body.Secret != "" {
		return 0, nil, invalid("secret", "cannot be changed here: use POST "+req.URL.Path+"/rotate-secret")
	}
	w := *cur
	var errs fieldErrors
	body.apply(&w, req.ws.Settings.WebhookDefaults, &errs)
	s.checkDestination(req.Context(), &w, &errs, keys["url"], keys["tls_verify"])
	if err := s.validateWebhook(req.Context(), &w, errs, keys["events"]); err != nil {
		return 0, nil, err
	}
	switch {
	case w.Status == hookd.WebhookActive && cur.Status != hookd.WebhookActive:
		w.DisabledReason = ""
		w.FailingSince = nil
	case w.Status == hookd.WebhookDisabled && cur.Status != hookd.WebhookDisabled:
		w.DisabledReason = disabledByAPI
	}
	w.UpdatedAt = req.now
	if err := s.store.UpdateWebhook(req.Context(), &w, req.now); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &w, nil
}

func (s *server) deleteWebhook(req *request) (int, any, error) {
	if err := s.store.DeleteWebhook(req.Context(), req.ws.ID, req.PathValue("whk")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *server) getSecret(req *request) (int, any, error) {
	w, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	if len(w.Secrets) == 0 {
		return 0, nil, &hookd.Error{Code: hookd.EINTERNAL, Err: fmt.Errorf("webhook %s has no signing secret", w.ID)}
	}
	return http.StatusOK, signingSecret{SigningSecret: w.Secrets[0].Value}, nil
}

// rotateRequest is the body of POST …/rotate-secret.
type rotateRequest struct {
	Secret      string `json:"secret"`
	GracePeriod string `json:"grace_period" expect:"a duration such as \"24h\""`
}

func (s *server) rotateSecret(req *request) (int, any, error) {
	var body rotateRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	var errs fieldErrors
	grace := defaultGracePeriod
	if body.GracePeriod != "" {
		d, err := time.ParseDuration(body.GracePeriod)
		if err != nil || d < 0 || d > maxGracePeriod {
			errs.add("grace_period", `must be a duration from "0s" to "168h", such as "24h"`)
		}
		grace = d
	}
	secret := body.Secret
	if secret == "" {
		secret = newSigningSecret()
	} else if msg := checkSecret(secret); msg != "" {
		errs.add("secret", msg)
	}
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	w, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	w.Secrets = rotate(w.Secrets, secret, req.now, grace)
	w.UpdatedAt = req.now
	if err := s.store.UpdateWebhook(req.Context(), w, req.now); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, signingSecret{SigningSecret: secret}, nil
}

// rotate returns the secrets after secret replaces the newest of old at
// now: the secret that signed until now keeps signing for grace; secrets
// already rotated out keep their expiry; expired ones are dropped; at most
// maxSecrets are kept, newest first.
func rotate(old []hookd.Secret, secret string, now time.Time, grace time.Duration) []hookd.Secret {
	out := []hookd.Secret{{Value: secret}}
	for _, sec := range old {
		exp := sec.ExpiresAt
		if exp == nil {
			e := now.Add(grace)
			exp = &e
		}
		if !exp.After(now) || sec.Value == secret || len(out) == maxSecrets {
			continue
		}
		out = append(out, hookd.Secret{Value: sec.Value, ExpiresAt: exp})
	}
	return out
}

// testRequest is the body of POST …/test.
type testRequest struct {
	EventType string          `json:"event_type"`
	Payload   json.RawMessage `json:"payload"`
}

// testResult is the answer of POST …/test: the attempt, and where it is
// logged.
type testResult struct {
	*hookd.Attempt
	DeliveryID string `json:"delivery_id"`
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
}

// testLease is how long a test delivery stays claimed for the engine's
// SendTest.
const testLease = 3 * time.Minute

func (s *server) testWebhook(req *request) (int, any, error) {
	var body testRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	w, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	names, err := s.store.EventTypeNames(req.Context())
	if err != nil {
		return 0, nil, err
	}
	typ := body.EventType
	switch {
	case typ == "":
		if typ = testEventType(w.Events, names); typ == "" {
			return 0, nil, invalid("event_type", fmt.Sprintf(
				"the webhook's events %q match no event type in the catalogue: name one, or add one with POST /v1/event-types", w.Events))
		}
	case !slices.Contains(names, typ):
		return 0, nil, invalid("event_type", fmt.Sprintf("unknown event type %q: add it to the catalogue with POST /v1/event-types", typ))
	}
	payload := body.Payload
	if len(payload) == 0 || string(payload) == "null" {
		et, err := s.store.EventType(req.Context(), typ)
		if err != nil {
			return 0, nil, err
		}
		if len(et.Example) == 0 || string(et.Example) == "null" {
			return 0, nil, invalid("payload", fmt.Sprintf("is required: event type %q has no example to send", typ))
		}
		payload = et.Example
	}
	e, err := s.newEvent(req, "", eventRequest{Type: typ, Payload: payload}, names)
	if err != nil {
		return 0, nil, err
	}
	e.Channels = nil
	claim, err := s.store.PublishTest(req.Context(), e, w.ID, req.now, req.now.Add(testLease))
	if err != nil {
		return 0, nil, err
	}
	attempt, err := s.engine.SendTest(req.Context(), claim)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, testResult{Attempt: attempt, DeliveryID: claim.Delivery.ID, EventID: e.ID, EventType: typ}, nil
}

// testEventType picks the type of a test event for a webhook subscribed to
// patterns: the first exact name among them that is in the catalogue, else
// the first catalogue name that one of them matches, else "".
func testEventType(patterns, catalogue []string) string {
	for _, p := range patterns {
		for _, name := range catalogue {
			if p == name {
				return name
			}
		}
	}
	for _, name := range catalogue {
		if hookd.MatchesType(patterns, name) {
			return name
		}
	}
	return ""
}
