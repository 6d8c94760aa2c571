package web

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// loginView is the data of the sign-in page.
type loginView struct {
	Next  string
	Error string
}

// loginShow shows the operator's sign-in form.
func (h *handler) loginShow(w http.ResponseWriter, r *request) {
	h.render(w, r, http.StatusOK, page{name: "login", title: "Sign in", data: loginView{Next: safeNext(r.URL.Query().Get("next"))}})
}

// loginSubmit signs the operator in with the admin key, which the API
// checks: the web package never holds it.
func (h *handler) loginSubmit(w http.ResponseWriter, r *request) {
	key := strings.TrimSpace(r.PostFormValue("key"))
	next := safeNext(r.PostFormValue("next"))
	msg := ""
	switch status := h.keyStatus(r.Context(), key); {
	case key == "":
		msg = "Enter the admin key."
	case status == http.StatusOK:
		h.setSession(w, session{Admin: true, Expires: r.now.Add(adminSessionLife).Unix()})
		if next == "" {
			next = "/ui/"
		}
		h.redirect(w, r, next, "")
		return
	case status == http.StatusForbidden:
		msg = "That is a workspace key. The dashboard needs the admin key; a workspace's users sign in with a portal link."
	case status == http.StatusUnauthorized:
		msg = "That is not the admin key."
	default:
		msg = "hookd cannot check the key right now (HTTP " + http.StatusText(status) + "); try again."
	}
	h.render(w, r, http.StatusUnauthorized, page{name: "login", title: "Sign in", data: loginView{Next: next, Error: msg}})
}

// keyStatus asks the API whether key is the admin key: 200 when it is, 403
// for a workspace key, 401 for anything else.
func (h *handler) keyStatus(ctx context.Context, key string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/v1/workspaces?limit=1", http.NoBody)
	if err != nil {
		return http.StatusInternalServerError
	}
	req.Header.Set("Authorization", "Bearer "+key)
	rec := &recorder{header: http.Header{}}
	h.cfg.API.ServeHTTP(rec, req)
	if rec.status == 0 {
		return http.StatusOK
	}
	return rec.status
}

// safeNext returns next when it is a path of the UI, else "": a sign-in
// never sends the browser to another site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(next, "//") ||
		!strings.HasPrefix(u.Path, "/ui/") || path.Clean(u.Path) != strings.TrimSuffix(u.Path, "/") && path.Clean(u.Path)+"/" != u.Path {
		return ""
	}
	return u.RequestURI()
}

// logout ends the session.
func (h *handler) logout(w http.ResponseWriter, r *request) {
	h.clearSession(w)
	h.redirect(w, r, "/ui/login", "You are signed out.")
}

// home is the start page: the overview for the operator, the webhooks of
// its workspace for a portal session.
func (h *handler) home(w http.ResponseWriter, r *request) {
	if !r.sess.Admin {
		http.Redirect(w, r.Request, wsPage(r.sess.WorkspaceID, "webhooks"), http.StatusSeeOther)
		return
	}
	h.overview(w, r)
}
