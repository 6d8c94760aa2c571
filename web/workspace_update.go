package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// workspaceUpdate takes the edit form and sends the API only the fields
// that changed, so that a setting the form does not show, or one changed
// meanwhile in a field left alone, stays as it is.
func (h *handler) workspaceUpdate(w http.ResponseWriter, r *request) {
	path := wsPath(r.PathValue("ws"))
	var cur hookd.Workspace
	if err := h.api(r, "GET", path, nil, nil, &cur); err != nil {
		h.fail(w, r, err)
		return
	}
	f := form.ParseWorkspace(r.PostForm)
	v := workspaceFormView{ID: cur.ID, Form: f}
	patch, errs := f.PatchBody(&cur)
	if errs != nil {
		v.Errors = formMessages(errs)
		h.renderWorkspaceForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	pageURL := wsPage(cur.ID)
	if len(patch) == 0 {
		h.redirect(w, r, pageURL, "Nothing changed.")
		return
	}
	if err := h.api(r, "PATCH", path, nil, patch, nil); err != nil {
		if !h.refusedForm(w, r, err, v) {
			h.fail(w, r, err)
		}
		return
	}
	h.redirect(w, r, pageURL, "Settings saved.")
}
