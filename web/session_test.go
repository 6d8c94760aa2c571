package web

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSessionCookie(t *testing.T) {
	h := &handler{cfg: Config{SessionKey: bytes.Repeat([]byte("a"), 32)}}
	other := &handler{cfg: Config{SessionKey: bytes.Repeat([]byte("b"), 32)}}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := session{WorkspaceID: "ws_1", ReadOnly: true, Expires: now.Add(time.Hour).Unix()}
	v := h.encodeSession(s)
	if got := h.decodeSession(v, now); got == nil || *got != s {
		t.Fatalf("decode: got %+v; want %+v", got, s)
	}
	payload, mac, _ := strings.Cut(v, ".")
	admin := h.encodeSession(session{Admin: true, Expires: s.Expires})
	adminPayload, _, _ := strings.Cut(admin, ".")
	for name, bad := range map[string]string{
		"another key":             other.encodeSession(s),
		"payload swapped":         adminPayload + "." + mac,
		"no MAC":                  payload,
		"empty":                   "",
		"garbled MAC":             payload + ".!!!",
		"MAC of a CSRF token":     payload + "." + h.csrfToken(payload),
		"expired":                 h.encodeSession(session{WorkspaceID: "ws_1", Expires: now.Unix()}),
		"neither admin nor space": h.encodeSession(session{Expires: s.Expires}),
	} {
		if got := h.decodeSession(bad, now); got != nil {
			t.Errorf("%s: decoded %+v; want nil", name, got)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ui/workspaces/ws_1/webhooks?x=1": "/ui/workspaces/ws_1/webhooks?x=1",
		"/ui/":                             "/ui/",
		"":                                 "",
		"https://evil.example/ui/":         "",
		"//evil.example/ui/":               "",
		"/v1/workspaces":                   "",
		"javascript:alert(1)":              "",
		"/ui/../v1/workspaces":             "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q; want %q", in, got, want)
		}
	}
}
