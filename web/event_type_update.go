package web

import (
	"net/http"
	"net/url"

	"github.com/hookd/hookd/web/form"
)

// eventTypeUpdate saves the edit form of an event type: its description,
// and its example, which an empty field clears.
func (h *handler) eventTypeUpdate(w http.ResponseWriter, r *request) {
	name := r.PathValue("name")
	f, errs := form.ParseEventType(r.PostForm)
	f.Name = name
	v := eventTypeFormView{Form: f, Errors: errs}
	if len(errs) > 0 {
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err := h.api(r, "PATCH", "/v1/event-types/"+url.PathEscape(name), nil, f.UpdateBody(), nil); err != nil {
		if formErrors(err, errs, "description", "example") {
			h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/ui/event-types", "Saved "+name+".")
}
