package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// eventTypeFormView is the data of the form that creates or edits an
// event type.
type eventTypeFormView struct {
	// New is true on the create form, false on the edit form.
	New    bool
	Form   form.EventType
	Errors fieldMessages
}

// eventTypeNew shows the operator the form that adds an event type to the
// catalogue.
func (h *handler) eventTypeNew(w http.ResponseWriter, r *request) {
	h.showEventTypeForm(w, r, http.StatusOK, eventTypeFormView{New: true})
}

// showEventTypeForm renders the create or edit form.
func (h *handler) showEventTypeForm(w http.ResponseWriter, r *request, status int, v eventTypeFormView) {
	title := "New event type"
	if !v.New {
		title = "Edit " + v.Form.Name
	}
	h.render(w, r, status, page{name: "event_type_form", title: title, nav: "event-types", data: v})
}
