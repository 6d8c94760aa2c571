package web

import (
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

// keyFields are the key form's fields.
var keyFields = []string{"name"}

// keyCreate makes a workspace key and answers with its secret on the page
// itself (never in a URL or a cookie): the API shows it only once.
func (h *handler) keyCreate(w http.ResponseWriter, r *request) {
	f := form.ParseKey(r.PostForm)
	ws := r.PathValue("ws")
	k := keyCreatedView{Workspace: ws}
	err := h.api(r, "POST", wsPath(ws, "keys"), nil, f.Body(), &k)
	if m, ok := refusal(err, keyFields); ok {
		h.renderWorkspace(w, r, http.StatusUnprocessableEntity, workspaceView{KeyName: f.Name, KeyErrors: m, Portal: form.PortalLink{ExpiresIn: form.PortalLinkLives[0].Value}})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusCreated, page{name: "key_created", title: "Key created", workspace: ws, nav: "workspace", data: k})
}
