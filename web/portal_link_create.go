package web

import (
	"net/http"
	"time"

	"github.com/hookd/hookd/web/form"
)

// portalLinkView is the data of the page that shows a new portal link.
type portalLinkView struct {
	Workspace string
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	ReadOnly  bool      `json:"read_only"`
	Now       time.Time
}

// portalLinkFields are the portal link form's fields.
var portalLinkFields = []string{"expires_in", "read_only"}

// portalLinkCreate makes a single-use link that signs a browser into the
// workspace's portal, and shows it for the operator to hand to the
// workspace's users.
func (h *handler) portalLinkCreate(w http.ResponseWriter, r *request) {
	f := form.ParsePortalLink(r.PostForm)
	ws := r.PathValue("ws")
	v := portalLinkView{Workspace: ws, Now: r.now}
	err := h.api(r, "POST", wsPath(ws, "portal"), nil, f.Body(), &v)
	if m, ok := refusal(err, portalLinkFields); ok {
		h.renderWorkspace(w, r, http.StatusUnprocessableEntity, workspaceView{Portal: f, PortalErrors: m})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusCreated, page{name: "portal_link_created", title: "Portal link", workspace: ws, nav: "workspace", data: v})
}
