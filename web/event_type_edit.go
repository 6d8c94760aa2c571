package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// eventTypeEdit shows the operator the form that edits an event type's
// description and example.
func (h *handler) eventTypeEdit(w http.ResponseWriter, r *request) {
	var et hookd.EventType
	if err := h.api(r, "GET", eventTypePath(r.PathValue("name")), nil, nil, &et); err != nil {
		h.fail(w, r, err)
		return
	}
	f := form.EventType{Name: et.Name, Description: et.Description, Example: form.ExampleText(et.Example)}
	h.showEventTypeForm(w, r, http.StatusOK, eventTypeFormView{Form: f})
}
