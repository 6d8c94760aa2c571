package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// workspaceListLimit is how many workspaces one page of the list shows.
const workspaceListLimit = 50

// workspaceListView is the data of the operator's workspace list.
type workspaceListView struct {
	Workspaces []hookd.Workspace
	Pager      *pager
}

// workspaceList shows every workspace, newest first, in keyset pages.
func (h *handler) workspaceList(w http.ResponseWriter, r *request) {
	workspaces, pg, err := listPage[hookd.Workspace](h, r, "/v1/workspaces", nil, workspaceListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "workspace_list", title: "Workspaces", nav: "workspaces", data: workspaceListView{
		Workspaces: workspaces,
		Pager:      pg,
	}})
}
