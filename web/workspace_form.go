package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hookd/hookd/web/form"
)

// workspaceFormView is the data of the workspace form, on the new and the
// edit page.
type workspaceFormView struct {
	// ID is the workspace being edited; "" on the new page.
	ID   string
	Form form.Workspace
	// Errors holds a message per API field name; Problem is what the API
	// refused that no field of the form shows.
	Errors  form.Errors
	Problem string
	Schemes []string
}

// Err returns the message for the form's field named as the API names it.
func (v workspaceFormView) Err(field string) string { return v.Errors[field] }

// signatureSchemes are the schemes the form offers; "" is hookd's default.
var signatureSchemes = []string{"standard", "stripe", "github", "split"}

// renderWorkspaceForm shows the new or edit page (by v.ID) with status.
func (h *handler) renderWorkspaceForm(w http.ResponseWriter, r *request, status int, v workspaceFormView) {
	v.Schemes = signatureSchemes
	if v.ID == "" {
		h.render(w, r, status, page{name: "workspace_new", title: "New workspace", nav: "workspaces", data: v})
		return
	}
	h.render(w, r, status, page{name: "workspace_edit", title: "Edit workspace", workspace: v.ID, nav: "workspace", data: v})
}

// refusedForm re-renders the form of v after err, when err is the API's
// 422: each field's message next to it, the rest above the form. It
// reports false, having done nothing, for any other error.
func (h *handler) refusedForm(w http.ResponseWriter, r *request, err error, v workspaceFormView) bool {
	var e *apiError
	if !errors.As(err, &e) || e.Status != http.StatusUnprocessableEntity {
		return false
	}
	v.Errors, v.Problem = fieldMessages(e, form.WorkspaceFields)
	h.renderWorkspaceForm(w, r, http.StatusUnprocessableEntity, v)
	return true
}

// fieldMessages sorts the messages of e by the form fields they are
// about, and joins the others (or the problem's detail when it names no
// field) into one.
func fieldMessages(e *apiError, fields []string) (form.Errors, string) {
	msgs := form.Errors{}
	for _, f := range fields {
		if m := e.Field(f); m != "" {
			msgs[f] = m
		}
	}
	var other []string
	for _, fe := range e.Errors {
		shown := false
		for _, f := range fields {
			if fe.Field == f || strings.HasPrefix(fe.Field, f+"[") || strings.HasPrefix(fe.Field, f+".") {
				shown = true
			}
		}
		if !shown {
			other = append(other, fe.Field+": "+fe.Message)
		}
	}
	if len(e.Errors) == 0 {
		other = append(other, e.Detail)
	}
	return msgs, strings.Join(other, "; ")
}
