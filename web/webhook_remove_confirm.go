package web

import "net/http"

// webhookRemoveConfirm asks whether to delete a webhook.
func (h *handler) webhookRemoveConfirm(w http.ResponseWriter, r *request) {
	wh, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ws := r.PathValue("ws")
	v := webhookShowView{Workspace: ws, Webhook: wh, ReadOnly: r.sess.ReadOnly}
	h.render(w, r, http.StatusOK, page{name: "webhook_remove", title: "Delete " + webhookTitle(wh), workspace: ws, nav: "webhooks", data: v})
}
