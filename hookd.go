// Package hookd holds the domain of the hookd webhook delivery service: its
// types (workspaces, webhooks, events, deliveries, attempts), the rules that
// need no I/O (matching, retry schedules, validation), the error codes, and
// the Store interface that the sqlite and postgres packages implement.
//
// Adapters live in their own packages, named after what they adapt: sqlite
// and postgres (storage), delivery (the engine that sends), signature (signing and
// verifying requests, standard library only), httpapi (the HTTP API) and cli
// (the command line).
package hookd

import (
	"encoding/json"
	"time"
)

// Workspace is a tenant: one customer of the platform. It owns webhooks,
// events, deliveries and keys.
type Workspace struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Settings  WorkspaceSettings `json:"settings"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// WorkspaceSettings holds a workspace's limits and the defaults for its new
// webhooks.
type WorkspaceSettings struct {
	// MaxWebhooks caps the number of webhooks in the workspace. Zero means
	// no cap.
	MaxWebhooks int `json:"max_webhooks"`
	// WebhookDefaults are applied to new webhooks for each field the create
	// request leaves out. Nil means the server's defaults.
	WebhookDefaults *WebhookDefaults `json:"webhook_defaults,omitempty"`
}

// WebhookDefaults are a workspace's defaults for new webhooks. A nil field
// means the server's default.
type WebhookDefaults struct {
	TimeoutSeconds *int           `json:"timeout_seconds,omitempty"`
	RetrySchedule  RetrySchedule  `json:"retry_schedule"`
	Signature      *SignatureSpec `json:"signature,omitempty"`
	RateLimit      *float64       `json:"rate_limit,omitempty"`
}

// MarshalJSON leaves retry_schedule out when it is nil, the server's
// default, as the other fields are: the JSON of a nil RetrySchedule is [],
// which would read back as a schedule without retries.
func (d WebhookDefaults) MarshalJSON() ([]byte, error) {
	type plain WebhookDefaults
	var schedule *RetrySchedule
	if d.RetrySchedule != nil {
		schedule = &d.RetrySchedule
	}
	return json.Marshal(struct {
		plain
		RetrySchedule *RetrySchedule `json:"retry_schedule,omitempty"`
	}{plain(d), schedule})
}

// APIKey is a workspace's Bearer credential. Only the SHA-256 hash of its
// secret is stored.
type APIKey struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspace_id"`
	Name        string    `json:"name"`
	Hash        []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// EventType is an entry of the event catalogue.
type EventType struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Example     json.RawMessage `json:"example"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// Webhook statuses.
const (
	WebhookActive   = "active"
	WebhookDisabled = "disabled"
)

// HTTP methods a webhook may use.
const (
	MethodPost = "POST"
	MethodPut  = "PUT"
)

// SignatureSpec says how a webhook's requests are signed: the scheme, the
// prefix of hookd's own headers, and the names of the signature headers.
type SignatureSpec struct {
	// Scheme is one of the signature schemes; "" means SchemeStandard.
	Scheme string `json:"scheme"`
	// HeaderPrefix is the prefix of the <P>-Event-Id style headers; ""
	// means the server's prefix (X-Hookd by default).
	HeaderPrefix string `json:"header_prefix"`
	// Header is the full name of the signature header, such as
	// X-Hub-Signature-256 for a receiver written for GitHub. "" means the
	// scheme's own: webhook-signature for standard (whose webhook-id and
	// webhook-timestamp keep their names), <P>-Signature for the others.
	Header string `json:"header"`
	// TimestampHeader is the full name of the split scheme's timestamp
	// header; "" means <P>-Timestamp. Only the split scheme takes one.
	TimestampHeader string `json:"timestamp_header"`
}

// Signature schemes (see the signature package).
const (
	SchemeStandard = "standard"
	SchemeStripe   = "stripe"
	SchemeGitHub   = "github"
	SchemeSplit    = "split"
)

// Secret is one signing secret of a webhook. A secret with ExpiresAt set is
// a rotated-out secret that keeps signing until then.
type Secret struct {
	Value     string     `json:"value"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Webhook is a subscriber endpoint.
type Webhook struct {
	ID          string            `json:"id"`
	WorkspaceID string            `json:"workspace_id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	URL         string            `json:"url"`
	Method      string            `json:"method"`
	Events      []string          `json:"events"`
	Channels    []string          `json:"channels"`
	Headers     map[string]string `json:"headers"`
	// TimeoutSeconds bounds each attempt, from 1 to 120. Defaults to 30.
	TimeoutSeconds int           `json:"timeout_seconds"`
	RetrySchedule  RetrySchedule `json:"retry_schedule"`
	Signature      SignatureSpec `json:"signature"`
	TLSVerify      bool          `json:"tls_verify"`
	// RateLimit caps requests per second to this webhook. Nil means none.
	RateLimit      *float64  `json:"rate_limit"`
	Status         string    `json:"status"`
	DisabledReason string    `json:"disabled_reason"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	// FailingSince is when the webhook's current run of failed attempts
	// began; nil after a success. It drives auto-disable.
	FailingSince *time.Time `json:"failing_since"`

	// Secrets are the signing secrets, newest first. Only the API's create,
	// secret and rotate answers show the newest one.
	Secrets []Secret `json:"-"`
}

// ValidSecrets returns the values of w's secrets that sign at now, newest
// first.
func (w *Webhook) ValidSecrets(now time.Time) []string {
	out := make([]string, 0, len(w.Secrets))
	for _, s := range w.Secrets {
		if s.ExpiresAt == nil || now.Before(*s.ExpiresAt) {
			out = append(out, s.Value)
		}
	}
	return out
}

// Event is one published message.
type Event struct {
	ID             string          `json:"id"`
	WorkspaceID    string          `json:"workspace_id"`
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	Channels       []string        `json:"channels"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
	CreatedAt      time.Time       `json:"created_at"`
	// Deliveries are the event's deliveries, one per matching webhook.
	Deliveries []Delivery `json:"deliveries"`
}

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Delivery is one event to one webhook.
type Delivery struct {
	ID             string     `json:"id"`
	WorkspaceID    string     `json:"workspace_id"`
	EventID        string     `json:"event_id"`
	WebhookID      string     `json:"webhook_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	// AttemptLog is filled on the single view only.
	AttemptLog []Attempt `json:"attempt_log,omitempty"`

	// ScheduledAttempts counts the attempts made on the retry schedule;
	// manual ones do not count. It picks the next delay.
	ScheduledAttempts int `json:"-"`
	// Manual is true when the next attempt was asked for by a manual retry.
	Manual bool `json:"-"`
	// Once is true when the next attempt is a one-off manual retry of a
	// finished delivery: if it fails, the delivery is failed again.
	Once bool `json:"-"`
}

// Attempt triggers.
const (
	TriggerScheduled = "scheduled"
	TriggerManual    = "manual"
	TriggerTest      = "test"
)

// Attempt is one HTTP request made for a delivery, with what came back.
type Attempt struct {
	Number     int              `json:"number"`
	Trigger    string           `json:"trigger"`
	StartedAt  time.Time        `json:"started_at"`
	DurationMS int64            `json:"duration_ms"`
	Request    AttemptRequest   `json:"request"`
	Response   *AttemptResponse `json:"response"`
	Error      string           `json:"error"`
}

// AttemptRequest is what was sent, secrets redacted.
type AttemptRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// AttemptResponse is what came back, the body cut at MaxLoggedBody.
type AttemptResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// MaxLoggedBody is how much of a response body is read and kept: 64 KiB.
const MaxLoggedBody = 64 << 10
