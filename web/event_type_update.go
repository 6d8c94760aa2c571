package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// eventTypeUpdateFields are the fields of the form that edits an event
// type: its name cannot change.
var eventTypeUpdateFields = []string{"description", "example"}

// eventTypeUpdate saves the edit form of an event type: its description,
// and its example, which an empty field clears.
func (h *handler) eventTypeUpdate(w http.ResponseWriter, r *request) {
	name := r.PathValue("name")
	f, errs := form.ParseEventType(r.PostForm)
	f.Name = name
	v := eventTypeFormView{Form: f, Errors: formMessages(errs)}
	if len(errs) > 0 {
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err := h.api(r, "PATCH", eventTypePath(name), nil, f.UpdateBody(), nil); err != nil {
		if m, ok := refusal(err, eventTypeUpdateFields); ok {
			v.Errors = m
			h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/ui/event-types", "Saved "+name+".")
}
