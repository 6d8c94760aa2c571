package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// webhookNew shows the form that adds a webhook.
func (h *handler) webhookNew(w http.ResponseWriter, r *request) {
	f := form.NewWebhook()
	h.renderWebhookForm(w, r, http.StatusOK, nil, &f, nil)
}
