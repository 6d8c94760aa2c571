package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// keyRemoveView is the data of the page that asks before a key is revoked.
type keyRemoveView struct {
	Workspace hookd.Workspace
	Key       hookd.APIKey
}

// keyRemoveConfirm asks whether to revoke a workspace's key, saying what
// that breaks.
func (h *handler) keyRemoveConfirm(w http.ResponseWriter, r *request) {
	v := keyRemoveView{Key: hookd.APIKey{ID: r.PathValue("key_id")}}
	if err := h.api(r, "GET", wsPath(r.PathValue("ws")), nil, nil, &v.Workspace); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "key_remove", title: "Revoke key", workspace: v.Workspace.ID, nav: "workspace", data: v})
}
