package web

import (
	"net/http"
	"net/url"

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

// webhookFormFields are the fields the webhook form shows errors beside;
// errors about any other field go above the form.
var webhookFormFields = []string{
	"url", "name", "description", "events", "channels", "method", "headers", "timeout_seconds",
	"retry_schedule", "signature.scheme", "signature.header_prefix", "signature.header",
	"signature.timestamp_header", "tls_verify", "rate_limit",
}

// renderWebhookForm shows the add form (wh nil) or the edit form of wh,
// with the catalogue to pick events from: f as the user typed it with
// errs, or, for a nil f, wh as it is.
func (h *handler) renderWebhookForm(w http.ResponseWriter, r *request, status int, wh *hookd.Webhook, f *form.Webhook, errs fieldMessages) {
	ws := r.PathValue("ws")
	v := webhookFormView{Workspace: ws, Webhook: wh, Errors: errs, ReadOnly: r.sess.ReadOnly,
		DefaultSchedule: form.ScheduleText(hookd.DefaultRetrySchedule)}
	p := page{name: "webhook_new", title: "Add a webhook", workspace: ws, nav: "webhooks"}
	if wh == nil {
		// The add form reads nothing of the workspace otherwise: ask the
		// API whether the session may see it, so that another
		// workspace's form answers 404 like every page of it.
		if err := h.api(r, "GET", wsPath(ws, "webhooks"), url.Values{"limit": {"1"}}, nil, nil); err != nil {
			h.fail(w, r, err)
			return
		}
		v.Action, v.Cancel = wsPage(ws, "webhooks"), wsPage(ws, "webhooks")
	} else {
		v.Action, v.Cancel = wsPage(ws, "webhooks", wh.ID, "update"), wsPage(ws, "webhooks", wh.ID)
		p.name, p.title = "webhook_edit", "Edit "+webhookTitle(wh)
	}
	types, err := h.eventTypes(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Types = types
	if f != nil {
		v.Form = *f
	} else {
		v.Form = form.WebhookOf(wh, typeNames(types))
	}
	if len(v.Errors) > 0 {
		v.Problem = "The webhook was not saved: see the messages below."
	}
	p.data = v
	h.render(w, r, status, p)
}
