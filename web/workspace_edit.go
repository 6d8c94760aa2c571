package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// workspaceEdit shows the form that changes a workspace's name and
// settings, filled with what they are.
func (h *handler) workspaceEdit(w http.ResponseWriter, r *request) {
	var ws hookd.Workspace
	if err := h.api(r, "GET", wsPath(r.PathValue("ws")), nil, nil, &ws); err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderWorkspaceForm(w, r, http.StatusOK, workspaceFormView{ID: ws.ID, Form: form.WorkspaceOf(&ws)})
}
