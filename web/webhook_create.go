package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookCreate adds the webhook that the add form describes, then shows
// it with its signing secret. A form the API refuses comes back with the
// API's messages next to the fields.
func (h *handler) webhookCreate(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	f := form.ParseWebhook(r.PostForm)
	body, errs := f.CreateBody()
	if errs != nil {
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, nil, &f, formMessages(errs))
		return
	}
	var created hookd.Webhook
	err := h.api(r, "POST", wsPath(ws, "webhooks"), nil, body, &created)
	if m, ok := refusal(err, webhookFormFields); ok {
		h.renderWebhookForm(w, r, http.StatusUnprocessableEntity, nil, &f, m)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, wsPage(ws, "webhooks", created.ID)+"?reveal=1#signing-secret",
		"Webhook added. Copy its signing secret below into your receiver to verify each request.")
}
