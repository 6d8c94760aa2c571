package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// workspaceFormView is the data of the workspace form, on the new and the
// edit page.
type workspaceFormView struct {
	// ID is the workspace being edited; "" on the new page.
	ID     string
	Form   form.Workspace
	Errors fieldMessages
	// Schemes are the names of the signature schemes to choose from.
	Schemes []string
}

// renderWorkspaceForm shows the new or edit page (by v.ID) with status.
func (h *handler) renderWorkspaceForm(w http.ResponseWriter, r *request, status int, v workspaceFormView) {
	v.Schemes = nil
	for _, sc := range signatureSchemes {
		v.Schemes = append(v.Schemes, sc.Name)
	}
	if v.ID == "" {
		h.render(w, r, status, page{name: "workspace_new", title: "New workspace", nav: "workspaces", data: v})
		return
	}
	h.render(w, r, status, page{name: "workspace_edit", title: "Edit workspace", workspace: v.ID, nav: "workspace", data: v})
}

// refusedForm re-renders the form of v after err, when err is the API's
// refusal: each field's message next to it, the rest above the form. It
// reports false, having done nothing, for any other error.
func (h *handler) refusedForm(w http.ResponseWriter, r *request, err error, v workspaceFormView) bool {
	m, ok := refusal(err, form.WorkspaceFields)
	if !ok {
		return false
	}
	v.Errors = m
	h.renderWorkspaceForm(w, r, http.StatusUnprocessableEntity, v)
	return true
}
