package web

import "net/http"

// deliveryRetry asks for one more attempt of a delivery now, whatever its
// status, and goes back to its page. The engine sends it within moments;
// the page shows it pending until then.
func (h *handler) deliveryRetry(w http.ResponseWriter, r *request) {
	ws, whk, dlv := r.PathValue("ws"), r.PathValue("whk"), r.PathValue("dlv")
	if err := h.api(r, "POST", wsPath(ws, "webhooks", whk, "deliveries", dlv, "retry"), nil, nil, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, wsPage(ws, "webhooks", whk, "deliveries", dlv),
		"Retry queued: hookd sends one more attempt now. Refresh in a moment to see it below.")
}
