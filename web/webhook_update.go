package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookUpdate saves the edit form: it sends the API a patch of the
// fields that differ from the webhook as it is now, and only those, so
// that a field the user left alone is not checked again (events that name
// a type the catalogue has lost since stay as they are).
func (h *handler) webhookUpdate(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	var cur hookd.Webhook
	if err := h.api(r, "GET", wsPath(ws, "webhooks", id), nil, nil, &cur); err != nil {
		h.fail(w, r, err)
		return
	}
	f := form.ParseWebhook(r.PostForm)
	v := webhookFormView{Workspace: ws, Webhook: &cur, Form: f, Action: webhookPath(ws, id, "update"), Cancel: webhookPath(ws, id)}
	patch, errs := f.Patch(&cur)
	if errs != nil {
		v.Errors = formMessages(errs)
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if len(patch) == 0 {
		h.redirect(w, r, webhookPath(ws, id), "Nothing changed.")
		return
	}
	err := h.api(r, "PATCH", wsPath(ws, "webhooks", id), nil, patch, nil)
	if m, ok := refusal(err, webhookFormFields); ok {
		v.Errors = m
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, webhookPath(ws, id), "Webhook saved.")
}
