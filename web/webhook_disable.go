package web

import "net/http"

// webhookDisable stops a webhook: it receives nothing new until enabled.
func (h *handler) webhookDisable(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	if err := h.api(r, "PATCH", wsPath(ws, "webhooks", id), nil, map[string]string{"status": "disabled"}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, webhookPath(ws, id), "Webhook disabled: it receives no new events until you enable it.")
}
