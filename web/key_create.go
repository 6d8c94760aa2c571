package web

import (
	"errors"
	"net/http"
	"time"

	"github.com/hookd/hookd/web/form"
)

// keyCreatedView is the data of the page that shows a new key's secret,
// the one time it is shown.
type keyCreatedView struct {
	Workspace string
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// keyCreate makes a workspace key and answers with its secret on the page
// itself (never in a URL or a cookie): the API shows it only once.
func (h *handler) keyCreate(w http.ResponseWriter, r *request) {
	f := form.NewKey(r.Request)
	ws := r.PathValue("ws")
	k := keyCreatedView{Workspace: ws}
	if err := h.api(r, "POST", wsPath(ws, "keys"), nil, f.Body(), &k); err != nil {
		var e *apiError
		if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
			msg := e.Field("name")
			if msg == "" {
				msg = e.Detail
			}
			h.renderWorkspace(w, r, http.StatusUnprocessableEntity, workspaceView{KeyName: f.Name, KeyError: msg, Portal: form.PortalLink{ExpiresIn: form.PortalLinkLives[0].Value}})
			return
		}
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusCreated, page{name: "key_created", title: "Key created", workspace: ws, nav: "workspace", data: k})
}
