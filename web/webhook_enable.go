package web

import "net/http"

// webhookEnable makes a disabled webhook active again.
func (h *handler) webhookEnable(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	if err := h.api(r, "PATCH", wsPath(ws, "webhooks", id), nil, map[string]string{"status": "active"}, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, webhookPath(ws, id), "Webhook enabled: new events reach it again.")
}
