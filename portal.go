package hookd

import "time"

// PortalLink is a single-use link that signs a browser into one
// workspace's portal (the web UI, scoped to that workspace). Only the
// SHA-256 hash of the link's token is stored.
type PortalLink struct {
	TokenHash   []byte
	WorkspaceID string
	// ReadOnly sessions see everything and change nothing.
	ReadOnly  bool
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Portal link lifetimes.
const (
	DefaultPortalLinkLife = time.Hour
	MaxPortalLinkLife     = 7 * 24 * time.Hour
)

// Errors of Store.RedeemPortalLink besides ENOTFOUND (no such link).
var (
	ErrPortalLinkUsed    = &Error{Code: ECONFLICT, Message: "this portal link was already used: ask for a new one"}
	ErrPortalLinkExpired = &Error{Code: EFORBIDDEN, Message: "this portal link has expired: ask for a new one"}
)

// Overview is the operator's summary across every workspace.
type Overview struct {
	// Minutes counts the attempts of each of the last OverviewMinutes
	// minutes, oldest first; the last one is the minute that holds now.
	Minutes []MinuteCount `json:"minutes"`
	// Pending counts pending deliveries; Due those of them due at now
	// (next attempt at or before now), leased or not.
	Pending int `json:"pending"`
	Due     int `json:"due"`
	// Workspaces and Webhooks count every workspace and webhook.
	Workspaces int `json:"workspaces"`
	Webhooks   int `json:"webhooks"`
	// Troubled lists webhooks that are disabled or failing (a failing
	// streak is running), failing first, then disabled, most recently
	// updated first within each, at most OverviewTroubled of them.
	Troubled []TroubledWebhook `json:"troubled"`
}

// MinuteCount is the attempts that started in one minute.
type MinuteCount struct {
	Start     time.Time `json:"start"`
	Succeeded int       `json:"succeeded"`
	Failed    int       `json:"failed"`
}

// TroubledWebhook is a webhook of Overview.Troubled.
type TroubledWebhook struct {
	Webhook
	// FailingSince is when its failing streak began, nil when none runs.
	FailingSince *time.Time `json:"failing_since"`
}

// Overview bounds.
const (
	OverviewMinutes  = 60
	OverviewTroubled = 100
)
