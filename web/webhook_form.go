package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookFormView is the data of the add and edit forms, which share the
// "webhook-form" template.
type webhookFormView struct {
	Workspace string
	// Webhook is the webhook being edited; nil on the add form.
	Webhook *hookd.Webhook
	Form    form.Webhook
	// Types is the event catalogue, to tick from.
	Types []hookd.EventType
	// Action is where the form posts; Cancel where its Cancel link goes.
	Action, Cancel string
	Errors         fieldMessages
	// Problem heads the messages when the form was refused; Errors[""]
	// holds those about no field of the form.
	Problem string
	// DefaultSchedule is hookd's retry schedule, for the hint.
	DefaultSchedule string
	ReadOnly        bool
}

// Schemes lists the signature schemes for the form's choice.
func (webhookFormView) Schemes() []signatureScheme { return signatureSchemes }

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

// webhookFormFields are the fields the webhook form shows errors beside;
// errors about any other field go above the form.
var webhookFormFields = []string{
	"url", "name", "description", "events", "channels", "method", "headers", "timeout_seconds",
	"retry_schedule", "signature.scheme", "signature.header_prefix", "signature.header",
	"signature.timestamp_header", "tls_verify", "rate_limit",
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

// webhookPath returns the page of webhook id of workspace ws, followed by
// parts.
func webhookPath(ws, id string, parts ...string) string {
	p := "/ui/workspaces/" + url.PathEscape(ws) + "/webhooks"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// renderWebhookForm shows the add form (v.Webhook nil) or the edit form,
// with the catalogue to pick events from.
func (h *handler) renderWebhookForm(w http.ResponseWriter, r *request, status int, v webhookFormView) {
	if v.Webhook == nil {
		// The add form reads nothing of the workspace otherwise: ask the
		// API whether the session may see it, so that another
		// workspace's form answers 404 like every page of it.
		if err := h.api(r, "GET", wsPath(v.Workspace, "webhooks"), url.Values{"limit": {"1"}}, nil, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	types, err := h.eventTypes(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Types = types
	v.DefaultSchedule = form.ScheduleText(hookd.DefaultRetrySchedule)
	v.ReadOnly = r.sess.ReadOnly
	if v.Cancel == "" {
		v.Cancel = webhookPath(v.Workspace, "")
	}
	if len(v.Errors) > 0 {
		v.Problem = "The webhook was not saved: see the messages below."
	}
	p := page{name: "webhook_new", title: "Add a webhook", workspace: v.Workspace, nav: "webhooks", data: v}
	if v.Webhook != nil {
		p.name, p.title = "webhook_edit", "Edit "+webhookTitle(v.Webhook)
	}
	h.render(w, r, status, p)
}

// webhookTitle is what a page calls a webhook: its name, else its URL.
func webhookTitle(wh *hookd.Webhook) string {
	if wh.Name != "" {
		return wh.Name
	}
	return wh.URL
}
