package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd/hookd/sqlite"
)

// TestFramingAndCookies checks the headers and cookie attributes the
// sign-in page gets: framed by nobody and SameSite=Lax by default, Secure
// under an https public URL, and with --portal-frame-ancestors the CSP
// names those origins and cookies become SameSite=None, Secure,
// Partitioned, as a cross-site <iframe> needs.
func TestFramingAndCookies(t *testing.T) {
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	https, _ := url.Parse("https://hooks.example.com")
	for _, tc := range []struct {
		name        string
		public      *url.URL
		ancestors   []string
		frame       string // the CSP's frame-ancestors
		xfo         string
		sameSite    http.SameSite
		secure, cut bool // Secure, Partitioned
	}{
		{"default", nil, nil, "frame-ancestors 'none'", "DENY", http.SameSiteLaxMode, false, false},
		{"https", https, nil, "frame-ancestors 'none'", "DENY", http.SameSiteLaxMode, true, false},
		{"framed", https, []string{"https://app.example.com", "'self'"}, "frame-ancestors https://app.example.com 'self'", "", http.SameSiteNoneMode, true, true},
	} {
		h, err := New(Config{API: http.NotFoundHandler(), Store: store, SessionKey: bytes.Repeat([]byte("k"), 32),
			PublicURL: tc.public, FrameAncestors: tc.ancestors})
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/ui/login", nil))
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, tc.frame) || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q; want it to end with %q and allow only this server's scripts", tc.name, csp, tc.frame)
		}
		if got := w.Header().Get("X-Frame-Options"); got != tc.xfo {
			t.Errorf("%s: X-Frame-Options %q; want %q", tc.name, got, tc.xfo)
		}
		cookies := w.Result().Cookies()
		if len(cookies) == 0 {
			t.Fatalf("%s: no cookie set", tc.name)
		}
		for _, c := range cookies {
			if !c.HttpOnly || c.SameSite != tc.sameSite || c.Secure != tc.secure || c.Partitioned != tc.cut {
				t.Errorf("%s: cookie %s: HttpOnly %v, SameSite %v, Secure %v, Partitioned %v; want true, %v, %v, %v",
					tc.name, c.Name, c.HttpOnly, c.SameSite, c.Secure, c.Partitioned, tc.sameSite, tc.secure, tc.cut)
			}
		}
	}
}
