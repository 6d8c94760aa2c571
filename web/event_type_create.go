package web

import (
	"errors"
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// eventTypeCreate adds the form's event type to the catalogue; the form
// comes back with the problems next to its fields.
func (h *handler) eventTypeCreate(w http.ResponseWriter, r *request) {
	f, errs := form.ParseEventType(r.PostForm)
	v := eventTypeFormView{New: true, Form: f, Errors: errs}
	if len(errs) > 0 {
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err := h.api(r, "POST", "/v1/event-types", nil, f.CreateBody(), nil); err != nil {
		var e *apiError
		switch {
		case formErrors(err, errs, "name", "description", "example"):
		case errors.As(err, &e) && e.Status == http.StatusConflict:
			errs.Add("name", e.Detail)
		default:
			h.fail(w, r, err)
			return
		}
		h.showEventTypeForm(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	h.redirect(w, r, "/ui/event-types", "Added "+f.Name+" to the catalogue.")
}
