package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookd/hookd"
)

// webhook returns the webhook of r's path ({ws} and {whk}) through the
// API: another workspace's answers 404.
func (h *handler) webhook(r *request) (*hookd.Webhook, error) {
	var wh hookd.Webhook
	if err := h.api(r, "GET", wsPath(r.PathValue("ws"), "webhooks", r.PathValue("whk")), nil, nil, &wh); err != nil {
		return nil, err
	}
	return &wh, nil
}

// setWebhookStatus makes the webhook of r's path active or disabled, and
// goes back to its page with flash.
func (h *handler) setWebhookStatus(w http.ResponseWriter, r *request, status, flash string) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	if err := h.api(r, "PATCH", wsPath(ws, "webhooks", id), nil, map[string]string{"status": status}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, wsPage(ws, "webhooks", id), flash)
}

// webhookTitle is what a page calls a webhook: its name, else its URL.
func webhookTitle(wh *hookd.Webhook) string {
	if wh.Name != "" {
		return wh.Name
	}
	return wh.URL
}

// signatureScheme is one signature scheme, as the form offers it.
type signatureScheme struct {
	Name, Title, About string
}

// signatureSchemes are the schemes a webhook may sign with.
var signatureSchemes = []signatureScheme{
	{hookd.SchemeStandard, "Standard Webhooks", "webhook-id, webhook-timestamp and webhook-signature headers, as Svix sends; any Standard Webhooks library verifies them."},
	{hookd.SchemeStripe, "Stripe style", "<prefix>-Signature: t=…,v1=… over the time and the body, as Stripe signs; Stripe's SDKs verify it."},
	{hookd.SchemeGitHub, "GitHub style", "<prefix>-Signature: sha256=… over the body alone, like GitHub's X-Hub-Signature-256."},
	{hookd.SchemeSplit, "Split", "<prefix>-Signature with the HMAC of body.time, and the time in <prefix>-Timestamp."},
}

// maxCataloguePages bounds how many pages of the catalogue a form reads:
// 100 pages of hookd.MaxPageLimit types.
const maxCataloguePages = 100

// eventTypes returns the event catalogue, page by page (at most
// maxCataloguePages of them).
func (h *handler) eventTypes(r *request) ([]hookd.EventType, error) {
	var all []hookd.EventType
	q := url.Values{"limit": {strconv.Itoa(hookd.MaxPageLimit)}}
	for range maxCataloguePages {
		var l list[hookd.EventType]
		if err := h.api(r, "GET", "/v1/event-types", q, nil, &l); err != nil {
			return nil, err
		}
		all = append(all, l.Data...)
		if l.NextCursor == nil || *l.NextCursor == "" {
			break
		}
		q.Set("cursor", *l.NextCursor)
	}
	return all, nil
}

// typeNames returns the names of types.
func typeNames(types []hookd.EventType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.Name
	}
	return out
}
