package web

import "net/http"

// webhookEdit shows the form that edits a webhook, filled in from it.
func (h *handler) webhookEdit(w http.ResponseWriter, r *request) {
	wh, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderWebhookForm(w, r, http.StatusOK, wh, nil, nil)
}
