package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// webhookDisable stops a webhook: it receives nothing new until enabled.
func (h *handler) webhookDisable(w http.ResponseWriter, r *request) {
	h.setWebhookStatus(w, r, hookd.WebhookDisabled, "Webhook disabled: it receives no new events until you enable it.")
}
