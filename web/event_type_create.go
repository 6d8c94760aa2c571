package web

import (
	"errors"
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// eventTypeCreateFields are the fields of the form that adds an event type.
var eventTypeCreateFields = []string{"name", "description", "example"}

// eventTypeCreate adds the form's event type to the catalogue; the form
// comes back with the problems next to its fields.
func (h *handler) eventTypeCreate(w http.ResponseWriter, r *request) {
	f, errs := form.ParseEventType(r.PostForm)
	v := eventTypeFormView{New: true, Form: f, Errors: formMessages(errs)}
	if len(errs) > 0 {
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err := h.api(r, "POST", "/v1/event-types", nil, f.CreateBody(), nil); err != nil {
		var e *apiError
		if m, ok := refusal(err, eventTypeCreateFields); ok {
			v.Errors = m
		} else if errors.As(err, &e) && e.Status == http.StatusConflict {
			v.Errors.add("name", e.Detail)
		} else {
			h.fail(w, r, err)
			return
		}
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	h.redirect(w, r, "/ui/event-types", "Added "+f.Name+" to the catalogue.")
}
