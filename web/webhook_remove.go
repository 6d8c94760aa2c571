package web

import "net/http"

// webhookRemove deletes a webhook and its delivery log, then shows the
// list.
func (h *handler) webhookRemove(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	if err := h.api(r, "DELETE", wsPath(ws, "webhooks", id), nil, nil, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, wsPage(ws, "webhooks"), "Webhook "+id+" deleted.")
}
