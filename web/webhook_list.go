package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// webhookListLimit is how many webhooks one page of the list shows.
const webhookListLimit = 50

// webhookListView is the data of a workspace's webhook list.
type webhookListView struct {
	Workspace string
	Webhooks  []hookd.Webhook
	Pager     *pager
	ReadOnly  bool
}

// webhookList shows a workspace's webhooks with their status and whether
// they are failing.
func (h *handler) webhookList(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	webhooks, pg, err := listPage[hookd.Webhook](h, r, wsPath(ws, "webhooks"), nil, webhookListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "webhook_list", title: "Webhooks", workspace: ws, nav: "webhooks", data: webhookListView{
		Workspace: ws,
		Webhooks:  webhooks,
		Pager:     pg,
		ReadOnly:  r.sess.ReadOnly,
	}})
}
