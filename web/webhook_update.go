package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// webhookUpdate saves the edit form: it sends the API a patch of the
// fields that differ from the webhook as it is now, and only those, so
// that a field the user left alone is not checked again (events that name
// a type the catalogue has lost since stay as they are).
func (h *handler) webhookUpdate(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	cur, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := form.ParseWebhook(r.PostForm)
	patch, errs := f.Patch(cur)
	if errs != nil {
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, cur, &f, formMessages(errs))
		return
	}
	back := wsPage(ws, "webhooks", id)
	if len(patch) == 0 {
		h.redirect(w, r, back, "Nothing changed.")
		return
	}
	err = h.api(r, "PATCH", wsPath(ws, "webhooks", id), nil, patch, nil)
	if m, ok := refusal(err, webhookFormFields); ok {
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, cur, &f, m)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, back, "Webhook saved.")
}
