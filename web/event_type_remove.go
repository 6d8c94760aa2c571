package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// eventTypeRemoveView is the data of the page that confirms a removal.
type eventTypeRemoveView struct {
	Type *hookd.EventType
}

// eventTypeRemoveConfirm asks the operator to confirm the removal of an
// event type from the catalogue.
func (h *handler) eventTypeRemoveConfirm(w http.ResponseWriter, r *request) {
	var et hookd.EventType
	if err := h.api(r, "GET", eventTypePath(r.PathValue("name")), nil, nil, &et); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "event_type_remove", title: "Delete " + et.Name, nav: "event-types", data: eventTypeRemoveView{Type: &et}})
}

// eventTypeRemove removes an event type from the catalogue, once the
// operator confirmed it.
func (h *handler) eventTypeRemove(w http.ResponseWriter, r *request) {
	name := r.PathValue("name")
	if err := h.api(r, "DELETE", eventTypePath(name), nil, nil, nil); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/ui/event-types", "Deleted "+name+" from the catalogue.")
}
