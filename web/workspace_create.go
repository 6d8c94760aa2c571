package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// workspaceCreate takes the new workspace form and opens the workspace's
// page.
func (h *handler) workspaceCreate(w http.ResponseWriter, r *request) {
	f := form.ParseWorkspace(r.PostForm)
	v := workspaceFormView{Form: f}
	body, errs := f.CreateBody()
	if errs != nil {
		v.Errors = formMessages(errs)
		h.renderWorkspaceForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	var ws hookd.Workspace
	if err := h.api(r, "POST", "/v1/workspaces", nil, body, &ws); err != nil {
		if !h.refusedForm(w, r, err, v) {
			h.fail(w, r, err)
		}
		return
	}
	h.redirect(w, r, wsPage(ws.ID), "Workspace created. Next: a key for its API calls, or a portal link for its users.")
}
