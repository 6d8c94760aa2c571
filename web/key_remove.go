package web

import "net/http"

// keyRemove revokes a workspace's key: from now on it answers 401.
func (h *handler) keyRemove(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("key_id")
	if err := h.api(r, "DELETE", wsPath(ws, "keys", id), nil, nil, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, wsPage(ws)+"#keys", "Key "+id+" revoked: requests that use it are refused from now on.")
}
