package sqlstore

import (
	"encoding/json"
	"strings"

	"github.com/hookd/hookd"
)

// Row mapping: the columns of each table as both engines read them, and
// the scans that turn a row into hookd's type. The engines' schemas name
// and order the columns alike; only the types differ (value.go).

// WorkspaceColumns is what ScanWorkspace reads, in order.
const WorkspaceColumns = `id, name, settings, created_at, updated_at`

// ScanWorkspace reads a row of WorkspaceColumns.
func ScanWorkspace(row Row) (hookd.Workspace, error) {
	var ws hookd.Workspace
	err := row.Scan(&ws.ID, &ws.Name, JSONDest(&ws.Settings), TimeDest(&ws.CreatedAt), TimeDest(&ws.UpdatedAt))
	return ws, err
}

// EncodeSettings writes settings as JSON, leaving out a nil default retry
// schedule: nil means the server's default, while the JSON of a nil
// RetrySchedule is [], no retries at all. Reading the JSON back gives nil
// for the missing key, so both round-trip.
func EncodeSettings(settings hookd.WorkspaceSettings) ([]byte, error) {
	b, err := json.Marshal(settings)
	if err != nil || settings.WebhookDefaults == nil || settings.WebhookDefaults.RetrySchedule != nil {
		return b, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	var defaults map[string]json.RawMessage
	if err := json.Unmarshal(top["webhook_defaults"], &defaults); err != nil {
		return nil, err
	}
	delete(defaults, "retry_schedule")
	if top["webhook_defaults"], err = json.Marshal(defaults); err != nil {
		return nil, err
	}
	return json.Marshal(top)
}

// EventTypeColumns is what ScanEventType reads, in order.
const EventTypeColumns = `name, description, example, created_at, updated_at`

// ScanEventType reads a row of EventTypeColumns.
func ScanEventType(row Row) (hookd.EventType, error) {
	var (
		et      hookd.EventType
		example []byte
	)
	if err := row.Scan(&et.Name, &et.Description, &example, TimeDest(&et.CreatedAt), TimeDest(&et.UpdatedAt)); err != nil {
		return et, err
	}
	if example != nil {
		et.Example = example
	}
	return et, nil
}

// WebhookColumns is what ScanWebhook reads and WebhookArgs binds (after id
// and workspace_id), in order.
const WebhookColumns = `id, workspace_id, name, description, url, method, events, channels, headers,
	timeout_seconds, retry_schedule, signature_scheme, header_prefix, signature_header, timestamp_header,
	tls_verify, rate_limit, status, disabled_reason, secrets, failing_since, created_at, updated_at`

// ScanWebhook reads a row of WebhookColumns.
func ScanWebhook(row Row) (*hookd.Webhook, error) {
	var w hookd.Webhook
	err := row.Scan(&w.ID, &w.WorkspaceID, &w.Name, &w.Description, &w.URL, &w.Method,
		JSONDest(&w.Events), JSONDest(&w.Channels), JSONDest(&w.Headers), &w.TimeoutSeconds, JSONDest(&w.RetrySchedule),
		&w.Signature.Scheme, &w.Signature.HeaderPrefix, &w.Signature.Header, &w.Signature.TimestampHeader,
		BoolDest(&w.TLSVerify), &w.RateLimit,
		&w.Status, &w.DisabledReason, JSONDest(&w.Secrets), NullTimeDest(&w.FailingSince),
		TimeDest(&w.CreatedAt), TimeDest(&w.UpdatedAt))
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// WebhookArgs returns w's columns after id and workspace_id, in
// WebhookColumns order, ready to bind in d.
func WebhookArgs(d *Dialect, w *hookd.Webhook) ([]any, error) {
	var (
		vals = make([]any, 5)
		err  error
	)
	for i, c := range []struct {
		v    any
		null bool
	}{
		{w.Events, w.Events == nil}, {w.Channels, w.Channels == nil}, {w.Headers, w.Headers == nil},
		{w.RetrySchedule, w.RetrySchedule == nil}, {w.Secrets, false},
	} {
		if vals[i], err = d.JSONOf(c.v, c.null); err != nil {
			return nil, err
		}
	}
	return []any{w.Name, w.Description, w.URL, w.Method, vals[0], vals[1], vals[2],
		w.TimeoutSeconds, vals[3], w.Signature.Scheme, w.Signature.HeaderPrefix,
		w.Signature.Header, w.Signature.TimestampHeader,
		d.Bool(w.TLSVerify), w.RateLimit, w.Status, w.DisabledReason, vals[4],
		d.NullTime(w.FailingSince), d.Time(w.CreatedAt), d.Time(w.UpdatedAt)}, nil
}

// RoundWebhookTimes sets w's times as the store gives them back.
func RoundWebhookTimes(w *hookd.Webhook) {
	w.CreatedAt, w.UpdatedAt = RoundTime(w.CreatedAt), RoundTime(w.UpdatedAt)
	w.FailingSince = RoundTimePtr(w.FailingSince)
	for i := range w.Secrets {
		w.Secrets[i].ExpiresAt = RoundTimePtr(w.Secrets[i].ExpiresAt)
	}
}

// EventColumns is what ScanEvent reads, in order.
const EventColumns = `id, workspace_id, type, payload, channels, idempotency_key, created_at`

// ScanEvent reads a row of EventColumns, with no deliveries yet (an empty
// list).
func ScanEvent(row Row) (hookd.Event, error) {
	var (
		e       hookd.Event
		payload []byte
	)
	if err := row.Scan(&e.ID, &e.WorkspaceID, &e.Type, &payload, JSONDest(&e.Channels), &e.IdempotencyKey,
		TimeDest(&e.CreatedAt)); err != nil {
		return e, err
	}
	if payload != nil {
		e.Payload = payload
	}
	e.Deliveries = []hookd.Delivery{}
	return e, nil
}

// DeliveryColumnList is what ScanDelivery reads, in order.
var DeliveryColumnList = []string{"id", "workspace_id", "event_id", "webhook_id", "event_type", "status",
	"attempts", "scheduled_attempts", "manual", "once", "next_attempt_at", "last_status_code", "created_at",
	"updated_at"}

// DeliveryColumns is DeliveryColumnList as a select list.
var DeliveryColumns = strings.Join(DeliveryColumnList, ", ")

// ScanDelivery reads a row of DeliveryColumns, then extra columns into
// extra.
func ScanDelivery(row Row, extra ...any) (hookd.Delivery, error) {
	var d hookd.Delivery
	dst := append([]any{&d.ID, &d.WorkspaceID, &d.EventID, &d.WebhookID, &d.EventType, &d.Status, &d.Attempts,
		&d.ScheduledAttempts, BoolDest(&d.Manual), BoolDest(&d.Once), NullTimeDest(&d.NextAttemptAt),
		&d.LastStatusCode, TimeDest(&d.CreatedAt), TimeDest(&d.UpdatedAt)}, extra...)
	err := row.Scan(dst...)
	return d, err
}

// MatcherColumns is what ScanMatcher reads, after the lead columns: the
// fields of an active webhook that hookd.Matches needs, for fan-out.
const MatcherColumns = `id, events, channels`

// ScanMatcher reads a row of lead columns into lead, then MatcherColumns,
// as an active webhook.
func ScanMatcher(row Row, lead ...any) (hookd.Webhook, error) {
	w := hookd.Webhook{Status: hookd.WebhookActive}
	err := row.Scan(append(lead, &w.ID, JSONDest(&w.Events), JSONDest(&w.Channels))...)
	return w, err
}
