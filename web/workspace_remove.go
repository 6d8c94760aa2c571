package web

import "net/http"

// workspaceRemove deletes a workspace with its keys, webhooks, events and
// deliveries, and goes back to the workspace list.
func (h *handler) workspaceRemove(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	if err := h.api(r, "DELETE", wsPath(ws), nil, nil, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/ui/workspaces", "Workspace "+ws+" deleted, with its webhooks, events and deliveries.")
}
