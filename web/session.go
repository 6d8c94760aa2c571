package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// Cookie names.
const (
	sessionCookie = "hookd_session"
	csrfCookie    = "hookd_csrf"
	flashCookie   = "hookd_flash"
)

// adminSessionLife is how long an operator's sign-in lasts.
const adminSessionLife = 12 * time.Hour

// session is who a browser is signed in as. It lives in a cookie, signed
// with Config.SessionKey, so that every process that shares the key (and
// the database) honours it without a lookup.
type session struct {
	// Admin sessions come from the admin key and see every workspace.
	Admin bool `json:"a,omitempty"`
	// WorkspaceID is the workspace of a portal session.
	WorkspaceID string `json:"w,omitempty"`
	ReadOnly    bool   `json:"r,omitempty"`
	// Expires is when the session ends, in Unix seconds.
	Expires int64 `json:"e"`
}

// caller is the API caller the session acts as.
func (s *session) caller() httpapi.Caller {
	return httpapi.Caller{Admin: s.Admin, WorkspaceID: s.WorkspaceID, ReadOnly: s.ReadOnly}
}

// sign returns the MAC of msg under purpose, so that a value signed for one
// use (a session) cannot stand for another (a CSRF token).
func (h *handler) sign(purpose, msg string) []byte {
	m := hmac.New(sha256.New, h.cfg.SessionKey)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// encodeSession returns the cookie value of s: its JSON and its MAC.
func (h *handler) encodeSession(s session) string {
	b, _ := json.Marshal(s)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(h.sign("session", payload))
}

// decodeSession returns the session of a cookie value, or nil when it is
// forged, garbled or expired.
func (h *handler) decodeSession(v string, now time.Time) *session {
	payload, mac, ok := strings.Cut(v, ".")
	if !ok {
		return nil
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, h.sign("session", payload)) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var s session
	if json.Unmarshal(b, &s) != nil || now.Unix() >= s.Expires || (!s.Admin && s.WorkspaceID == "") {
		return nil
	}
	return &s
}

// cookie returns a cookie of this server's: HttpOnly, SameSite=Lax (None,
// Partitioned, when the pages may be framed by another site), Secure under
// https, for the /ui/ path.
func (h *handler) cookie(name, value string, expires time.Time) *http.Cookie {
	c := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/ui/",
		HttpOnly: true,
		Secure:   h.secure,
		SameSite: http.SameSiteLaxMode,
	}
	if len(h.cfg.FrameAncestors) > 0 {
		c.SameSite = http.SameSiteNoneMode
		c.Secure = true
		c.Partitioned = true
	}
	if !expires.IsZero() {
		c.Expires = expires
		c.MaxAge = int(time.Until(expires).Seconds())
		if c.MaxAge <= 0 {
			c.MaxAge = -1
		}
	}
	return c
}

// setSession signs the browser in as s.
func (h *handler) setSession(w http.ResponseWriter, s session) {
	http.SetCookie(w, h.cookie(sessionCookie, h.encodeSession(s), time.Unix(s.Expires, 0)))
}

// clearSession signs the browser out.
func (h *handler) clearSession(w http.ResponseWriter) {
	c := h.cookie(sessionCookie, "", time.Time{})
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// csrfValue returns the browser's CSRF cookie value, setting a new one
// when it has none (or a garbled one).
func (h *handler) csrfValue(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == csrfValueLen {
		return c.Value
	}
	v := base64.RawURLEncoding.EncodeToString(hookd.RandomToken(18))
	http.SetCookie(w, h.cookie(csrfCookie, v, time.Time{}))
	return v
}

// csrfValueLen is the length of a CSRF cookie value.
const csrfValueLen = 24

// csrfToken returns the token that state-changing forms carry for the
// CSRF cookie value v: its MAC, which a page of another site cannot know.
func (h *handler) csrfToken(v string) string {
	return base64.RawURLEncoding.EncodeToString(h.sign("csrf", v))
}

// checkCSRF reports whether r's form carries the token of r's CSRF cookie.
func (h *handler) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != csrfValueLen {
		return false
	}
	got := r.PostFormValue("csrf")
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.csrfToken(c.Value))) == 1
}
