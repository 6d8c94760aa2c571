package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookEdit shows the form that edits a webhook, filled in from it.
func (h *handler) webhookEdit(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	var wh hookd.Webhook
	if err := h.api(r, "GET", wsPath(ws, "webhooks", id), nil, nil, &wh); err != nil {
		h.fail(w, r, err)
		return
	}
	types, err := h.eventTypes(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderWebhookForm(w, r, http.StatusOK, webhookFormView{
		Workspace: ws,
		Webhook:   &wh,
		Form:      form.WebhookOf(&wh, typeNames(types)),
		Action:    webhookPath(ws, id, "update"),
		Cancel:    webhookPath(ws, id),
	})
}
