package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// webhookNew shows the form that adds a webhook.
func (h *handler) webhookNew(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	h.renderWebhookForm(w, r, http.StatusOK, webhookFormView{
		Workspace: ws,
		Form:      form.NewWebhook(),
		Action:    webhookPath(ws, ""),
	})
}
