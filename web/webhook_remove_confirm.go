package web

import "net/http"

// webhookRemoveConfirm asks whether to delete a webhook.
func (h *handler) webhookRemoveConfirm(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	v := webhookShowView{Workspace: ws, ReadOnly: r.sess.ReadOnly}
	if err := h.api(r, "GET", wsPath(ws, "webhooks", id), nil, nil, &v.Webhook); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "webhook_remove", title: "Delete " + webhookTitle(&v.Webhook), workspace: ws, nav: "webhooks", data: v})
}
