package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// workspaceRemoveConfirm asks whether to delete a workspace, saying that
// everything in it goes too.
func (h *handler) workspaceRemoveConfirm(w http.ResponseWriter, r *request) {
	var ws hookd.Workspace
	if err := h.api(r, "GET", wsPath(r.PathValue("ws")), nil, nil, &ws); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "workspace_remove", title: "Delete workspace", workspace: ws.ID, nav: "workspace", data: ws})
}
