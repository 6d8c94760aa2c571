package web

import (
	"net/http"
	"net/url"

	"github.com/hookd/hookd"
)

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
	var l list[hookd.Webhook]
	q := url.Values{"limit": {"50"}}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	if err := h.api(r, "GET", wsPath(ws, "webhooks"), q, nil, &l); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "webhook_list", title: "Webhooks", workspace: ws, nav: "webhooks", data: webhookListView{
		Workspace: ws,
		Webhooks:  l.Data,
		Pager:     newPager(r, l.NextCursor),
		ReadOnly:  r.sess.ReadOnly,
	}})
}

// pager links a list page to the first page and the next one.
type pager struct {
	First, Next string
}

// newPager returns the pager of a list page of r whose API answer had
// next as its next cursor; nil when there is one page only.
func newPager(r *request, next *string) *pager {
	q := r.URL.Query()
	p := &pager{}
	if q.Get("cursor") != "" {
		q.Del("cursor")
		p.First = r.URL.Path + "?" + q.Encode()
	}
	if next != nil {
		q.Set("cursor", *next)
		p.Next = r.URL.Path + "?" + q.Encode()
	}
	if p.First == "" && p.Next == "" {
		return nil
	}
	return p
}
