package web

import (
	"net/http"
	"net/url"

	"github.com/hookd/hookd"
)

// workspaceListView is the data of the operator's workspace list.
type workspaceListView struct {
	Workspaces []hookd.Workspace
	Pager      *pager
}

// workspaceList shows every workspace, newest first, in keyset pages.
func (h *handler) workspaceList(w http.ResponseWriter, r *request) {
	var l list[hookd.Workspace]
	q := url.Values{"limit": {"50"}}
	if c := r.URL.Query().Get("cursor"); c != "" {
		q.Set("cursor", c)
	}
	if err := h.api(r, "GET", "/v1/workspaces", q, nil, &l); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "workspace_list", title: "Workspaces", nav: "workspaces", data: workspaceListView{
		Workspaces: l.Data,
		Pager:      newPager(r, l.NextCursor),
	}})
}
