package hookd

import (
	"context"
	"encoding/json"
	"time"
)

// Store is hookd's durable state. The sqlite and postgres packages implement
// it; every method is safe for concurrent use. Methods that find nothing return an
// *Error with code ENOTFOUND; a workspace-scoped lookup of a thing in another
// workspace is not found too. Methods take the current time as an argument
// where they need it, so a Store has no clock of its own.
type Store interface {
	// Ping reports whether the database answers and takes writes: an
	// EUNAVAILABLE error when it does not answer, an ESTORAGE one from a
	// write that failed for a full disk or a read-only database until a
	// write commits again.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error

	CreateWorkspace(ctx context.Context, ws *Workspace) error
	Workspace(ctx context.Context, id string) (*Workspace, error)
	ListWorkspaces(ctx context.Context, p Page) ([]Workspace, string, error)
	UpdateWorkspace(ctx context.Context, ws *Workspace) error
	// DeleteWorkspace removes the workspace and everything it owns.
	DeleteWorkspace(ctx context.Context, id string) error

	CreateAPIKey(ctx context.Context, k *APIKey) error
	// APIKeyByHash finds a workspace key by the SHA-256 hash of its secret.
	APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error)
	DeleteAPIKey(ctx context.Context, workspaceID, id string) error
	// ListAPIKeys returns a page of the workspace's keys, newest first. A
	// missing workspace is ENOTFOUND.
	ListAPIKeys(ctx context.Context, workspaceID string, p Page) ([]APIKey, string, error)

	// CreateEventType returns ECONFLICT when the name exists.
	CreateEventType(ctx context.Context, et *EventType) error
	EventType(ctx context.Context, name string) (*EventType, error)
	ListEventTypes(ctx context.Context, p Page) ([]EventType, string, error)
	// EventTypeNames returns every name in the catalogue.
	EventTypeNames(ctx context.Context) ([]string, error)
	UpdateEventType(ctx context.Context, et *EventType) error
	DeleteEventType(ctx context.Context, name string) error

	// CreateWebhook returns ELIMIT when the workspace already has
	// maxWebhooks webhooks (0: no cap). The count and the insert are atomic.
	CreateWebhook(ctx context.Context, w *Webhook, maxWebhooks int) error
	Webhook(ctx context.Context, workspaceID, id string) (*Webhook, error)
	ListWebhooks(ctx context.Context, workspaceID string, p Page) ([]Webhook, string, error)
	// UpdateWebhook writes every field of w, secrets included. When w goes
	// from active to disabled, its pending deliveries fail at now, in
	// batches (each a transaction of its own) before it returns. Before w
	// goes back to active, the batches of its last disable are finished.
	UpdateWebhook(ctx context.Context, w *Webhook, now time.Time) error
	// DeleteWebhook removes the webhook and its deliveries.
	DeleteWebhook(ctx context.Context, workspaceID, id string) error

	// Publish stores the events and, in the same transaction, one pending
	// delivery (due at now) for each active webhook of the event's
	// workspace that Matches it; it fills each event's ID (when empty),
	// CreatedAt and Deliveries. All events or none are stored. An event
	// whose IdempotencyKey was used in its workspace in the last 24 hours is
	// not stored again: it is replaced by the stored one, deliveries
	// included.
	Publish(ctx context.Context, events []*Event, now time.Time) error
	// PublishTest stores e with one delivery to the webhook webhookID only,
	// marked for a single attempt (no retries) and already claimed until
	// leaseUntil, so that the caller sends it at once and records it with
	// RecordAttempts. It returns the claim.
	PublishTest(ctx context.Context, e *Event, webhookID string, now, leaseUntil time.Time) (*Claim, error)
	// Event returns the event with its deliveries.
	Event(ctx context.Context, workspaceID, id string) (*Event, error)
	// ListEvents returns events, newest first, each with its deliveries.
	ListEvents(ctx context.Context, f EventFilter) ([]Event, string, error)

	// ListDeliveries returns deliveries, newest first, without attempt logs.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, string, error)
	// Delivery returns one delivery with its attempt log.
	Delivery(ctx context.Context, workspaceID, webhookID, id string) (*Delivery, error)
	// RetryDelivery makes the delivery due now for one manual attempt. A
	// pending delivery keeps its schedule if that attempt fails; a finished
	// one is failed again.
	RetryDelivery(ctx context.Context, workspaceID, webhookID, id string, now time.Time) error
	// RecoverDeliveries makes every failed delivery of the webhook created
	// in [since, until) pending again, due now, with its whole retry
	// schedule. It returns how many it re-queued.
	RecoverDeliveries(ctx context.Context, workspaceID, webhookID string, since, until, now time.Time) (int, error)

	// ClaimDue leases up to r.Limit due deliveries of active webhooks until
	// r.LeaseUntil, at most r.PerWebhook per webhook and none for the
	// webhooks in r.Exclude or the workspaces in r.ExcludeWorkspaces, spreading the claim over webhooks fairly. A
	// leased delivery is not claimed again until its lease runs out.
	ClaimDue(ctx context.Context, r ClaimRequest) ([]Claim, error)
	// RecordAttempts writes the outcome of attempts in one transaction:
	// appends each attempt to its delivery's log (numbering it), sets the
	// delivery's new state and releases its lease, tracks the webhook's
	// failing streak, and disables webhooks as the records say.
	RecordAttempts(ctx context.Context, recs []AttemptRecord) error
	// ReleaseClaims hands leased deliveries back, due at once, unchanged.
	ReleaseClaims(ctx context.Context, deliveryIDs []string) error

	// ReserveIdempotencyKey claims key within scope for a request with the
	// given fingerprint. It returns (nil, nil) when the key is new; the
	// saved response when the same request already finished; and ECONFLICT
	// when that request is still running or the key was used for a
	// different request. Keys older than 24 hours are treated as new.
	ReserveIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time) (*IdempotentResponse, error)
	// SaveIdempotentResponse stores the answer to a reserved key.
	SaveIdempotentResponse(ctx context.Context, scope, key string, resp IdempotentResponse) error
	// ReleaseIdempotencyKey forgets a reserved key, so the request can be
	// tried again (after a server-side failure).
	ReleaseIdempotencyKey(ctx context.Context, scope, key string) error

	// CreatePortalLink stores a new portal link.
	CreatePortalLink(ctx context.Context, l *PortalLink) error
	// RedeemPortalLink uses the link whose token has the SHA-256 hash
	// tokenHash, at now, and returns it: ENOTFOUND when there is none (or
	// its workspace is gone), ErrPortalLinkUsed when it was redeemed
	// before, ErrPortalLinkExpired when it expired. Of several concurrent
	// redemptions of one link, in one process or many, one succeeds.
	RedeemPortalLink(ctx context.Context, tokenHash []byte, now time.Time) (*PortalLink, error)

	// Overview summarizes every workspace at now for the operator.
	Overview(ctx context.Context, now time.Time) (*Overview, error)

	// Purge deletes finished deliveries, their attempts and their events
	// created before r.Before, idempotency keys older than
	// r.IdempotencyBefore, portal links that expired before
	// r.IdempotencyBefore, and the attempt counts (of Overview) of the
	// minutes before r.IdempotencyBefore. It returns how many deliveries
	// it deleted.
	Purge(ctx context.Context, r PurgeRequest) (int, error)
}

// Page selects one page of a list: at most Limit items after Cursor, the
// next_cursor of the previous page ("" for the first page).
type Page struct {
	Limit  int
	Cursor string
}

// Page limits.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 250
)

// EventFilter selects events of a workspace.
type EventFilter struct {
	WorkspaceID string
	Type        string     // "" for any
	Since       *time.Time // created at or after
	Until       *time.Time // created before
	Page
}

// DeliveryFilter selects deliveries of one webhook.
type DeliveryFilter struct {
	WorkspaceID string
	WebhookID   string
	Status      string     // "" for any
	EventType   string     // "" for any
	Since       *time.Time // created at or after
	Until       *time.Time // created before
	Page
}

// ClaimRequest says what ClaimDue may lease.
type ClaimRequest struct {
	Now        time.Time
	LeaseUntil time.Time
	Limit      int
	PerWebhook int
	// Exclude lists webhooks to claim nothing for.
	Exclude []string
	// ExcludeWorkspaces lists workspaces to claim nothing for: the
	// delivery engine leaves out a workspace that holds its share of
	// claims, so that its backlog never crowds out another's.
	ExcludeWorkspaces []string
	// RateWindow, when not zero, bounds what a webhook with a RateLimit
	// gets: what its rate allows in RateWindow, at least one. Claims that
	// would wait longer for their turn hold room that others can use.
	RateWindow time.Duration
}

// RateAllows is how many requests rate (per second) allows in window:
// at least one, and no bound (the largest int) when window is zero.
func RateAllows(rate float64, window time.Duration) int {
	if window <= 0 {
		return int(^uint(0) >> 1)
	}
	return max(1, int(rate*window.Seconds()))
}

// Claim is a leased delivery with what is needed to send it.
type Claim struct {
	Delivery Delivery
	Payload  json.RawMessage
	// Webhook is shared by the claims of one webhook in a ClaimDue answer:
	// treat it as read-only.
	Webhook *Webhook
	// NotBefore, when not zero, is the earliest time the attempt may start:
	// a store shared by several processes reserves send slots under the
	// webhook's RateLimit when it claims, so that the limit holds across
	// processes. Zero leaves rate limiting to the caller.
	NotBefore time.Time
}

// DueNotifier is implemented by stores that can announce, across
// processes, that deliveries became due (a publish, a retry, a recovery or a
// hand-back by any process). The delivery engine subscribes when its store
// implements it, so that idle engines wake at once rather than at their
// next poll.
type DueNotifier interface {
	// SubscribeDue returns a channel that receives a value soon after
	// deliveries became due, coalescing signals that arrive while one is
	// pending, and also after the subscription recovers from a lost
	// connection (signals may have been missed). The channel is closed once
	// ctx ends. It returns an error when it cannot subscribe at all.
	SubscribeDue(ctx context.Context) (<-chan struct{}, error)
}

// AttemptRecord is the outcome of one attempt, as RecordAttempts writes it.
type AttemptRecord struct {
	DeliveryID string
	WebhookID  string
	// Attempt is the log entry; its Number is set by the store.
	Attempt Attempt
	// Status, NextAttemptAt and ScheduledAttempts are the delivery's new
	// state; LastStatusCode is the answer's status, nil if none came.
	Status            string
	NextAttemptAt     *time.Time
	ScheduledAttempts int
	LastStatusCode    *int
	// Succeeded ends the webhook's failing streak; otherwise a streak
	// starts at Attempt.StartedAt unless one is running.
	Succeeded bool
	// DisableReason, when set, disables the webhook with that reason and
	// fails its pending deliveries: a first batch with the record, the
	// rest in the background, batch by batch.
	DisableReason string
	Now           time.Time
}

// IdempotentResponse is a saved answer to an idempotent request.
type IdempotentResponse struct {
	Status int
	Body   []byte
}

// PurgeRequest says what Purge deletes.
type PurgeRequest struct {
	Before            time.Time
	IdempotencyBefore time.Time
}
