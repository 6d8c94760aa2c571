package web

import (
	"encoding/base64"
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// portalRedeem signs the browser into a workspace's portal with a portal
// link, once: the link's token is used up, and the session lasts as long
// as the link would have. An unknown, used or expired link gets a page
// that says so, and no session.
func (h *handler) portalRedeem(w http.ResponseWriter, r *request) {
	token := r.PathValue("token")
	if b, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(b) != 32 {
		h.renderError(w, r, http.StatusNotFound, "This is not a portal link. Check that the whole link was copied, or ask for a new one.")
		return
	}
	link, err := h.cfg.Store.RedeemPortalLink(r.Context(), httpapi.PortalTokenHash(token), r.now)
	switch hookd.ErrorCode(err) {
	case "":
	case hookd.ENOTFOUND:
		h.renderError(w, r, http.StatusNotFound, "This portal link does not exist. Check that the whole link was copied, or ask for a new one.")
		return
	case hookd.ECONFLICT, hookd.EFORBIDDEN:
		h.renderError(w, r, http.StatusGone, hookd.ErrorMessage(err))
		return
	default:
		h.fail(w, r, err)
		return
	}
	h.setSession(w, session{WorkspaceID: link.WorkspaceID, ReadOnly: link.ReadOnly, Expires: link.ExpiresAt.Unix()})
	http.Redirect(w, r.Request, wsPage(link.WorkspaceID, "webhooks"), http.StatusSeeOther)
}
