package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// webhookEnable makes a disabled webhook active again.
func (h *handler) webhookEnable(w http.ResponseWriter, r *request) {
	h.setWebhookStatus(w, r, hookd.WebhookActive, "Webhook enabled: new events reach it again.")
}
