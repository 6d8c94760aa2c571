package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// webhookSecretRotate gives a webhook a new signing secret, then shows it.
// The old secret keeps signing for the grace period chosen.
func (h *handler) webhookSecretRotate(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	f := form.ParseRotateSecret(r.PostForm)
	err := h.api(r, "POST", wsPath(ws, "webhooks", id, "rotate-secret"), nil, f.Body(), nil)
	if m, ok := refusal(err, rotateSecretFields); ok {
		h.renderWebhookShow(w, r, http.StatusUnprocessableEntity, false, f, m)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "Signing secret rotated: the new one is below. The old one keeps signing for 24 hours."
	switch f.GracePeriod {
	case "":
	case "0s", "0":
		msg = "Signing secret rotated: the new one is below. The old one no longer signs."
	default:
		d := f.GracePeriod
		if l, ok := graceWords[d]; ok {
			d = l
		}
		msg = "Signing secret rotated: the new one is below. The old one keeps signing for " + d + "."
	}
	h.redirect(w, r, wsPage(ws, "webhooks", id)+"?reveal=1#signing-secret", msg)
}

// rotateSecretFields are the rotate form's fields.
var rotateSecretFields = []string{"grace_period"}

// graceWords say the grace periods of graceChoices in words.
var graceWords = map[string]string{"1h": "1 hour", "24h": "24 hours", "72h": "3 days", "168h": "7 days"}
