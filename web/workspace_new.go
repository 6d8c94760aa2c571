package web

import "net/http"

// workspaceNew shows the form that creates a workspace.
func (h *handler) workspaceNew(w http.ResponseWriter, r *request) {
	h.renderWorkspaceForm(w, r, http.StatusOK, workspaceFormView{})
}
