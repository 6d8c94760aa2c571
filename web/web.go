package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// Config configures the handler that New returns.
type Config struct {
	// API is the HTTP API's handler (httpapi.New): the pages read and
	// write through it. Required.
	API http.Handler
	// Store redeems portal links. Required.
	Store hookd.Store
	// SessionKey signs session and CSRF cookies; at least 32 bytes.
	// Processes that share a database must share it, so that each honours
	// the others' sessions (hookd serve derives it from the admin key).
	// Required.
	SessionKey []byte
	// PublicURL is where browsers reach hookd. An https URL makes cookies
	// Secure. Nil means http on the listening address.
	PublicURL *url.URL
	// FrameAncestors are the origins allowed to show the pages in an
	// <iframe> (the CSP frame-ancestors). Empty means none may. When set,
	// cookies are SameSite=None (which browsers accept only over https).
	FrameAncestors []string
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// Logger receives the causes of internal errors. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults fills c's defaults and checks its required fields.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.API == nil:
		return c, errors.New("web: Config.API is required")
	case c.Store == nil:
		return c, errors.New("web: Config.Store is required")
	case len(c.SessionKey) < 32:
		return c, errors.New("web: Config.SessionKey must be at least 32 bytes")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// handler is the UI that New returns.
type handler struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	pages  *pages
	static *assets
	// secure makes cookies Secure: PublicURL is https.
	secure bool
	csp    string
}

// New returns the handler of every /ui/ page. It returns an error when cfg
// misses a required field.
func New(cfg Config) (http.Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := &handler{
		cfg:    cfg,
		log:    cfg.Logger,
		mux:    http.NewServeMux(),
		secure: cfg.PublicURL != nil && cfg.PublicURL.Scheme == "https",
	}
	if h.static, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = loadPages(h.static); err != nil {
		return nil, err
	}
	h.csp = contentSecurityPolicy(cfg.FrameAncestors)
	for _, rt := range routeTable() {
		h.mux.Handle(rt.pattern, h.route(rt))
	}
	h.mux.Handle("GET /ui/static/", h.static)
	return h, nil
}

// contentSecurityPolicy allows this server's own scripts, styles and
// images only: no inline script, no inline style, no other origin.
func contentSecurityPolicy(frameAncestors []string) string {
	fa := "'none'"
	if len(frameAncestors) > 0 {
		fa = strings.Join(frameAncestors, " ")
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + fa
}

// ServeHTTP serves the /ui/ pages.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if len(h.cfg.FrameAncestors) == 0 {
		hd.Set("X-Frame-Options", "DENY")
	}
	if r.URL.Path == "/ui" {
		http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// request is one page request as a handler sees it.
type request struct {
	*http.Request
	// sess is the browser's session; nil on public routes without one.
	sess *session
	// csrf is the token the page's forms carry.
	csrf string
	now  time.Time
}

// route returns the http.Handler of rt: the CSRF check on POST, the
// session, then the page.
func (h *handler) route(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		hr.Body = http.MaxBytesReader(w, hr.Body, maxFormBytes)
		r := &request{Request: hr, now: h.cfg.Now().UTC()}
		r.csrf = h.csrfToken(h.csrfValue(w, hr))
		w.Header().Set("Cache-Control", "no-store")
		if hr.Method == http.MethodPost && !h.checkCSRF(hr) {
			h.renderError(w, r, http.StatusForbidden, "This form has expired or did not come from hookd. Go back, reload the page and try again.")
			return
		}
		if c, err := hr.Cookie(sessionCookie); err == nil {
			r.sess = h.decodeSession(c.Value, r.now)
		}
		switch {
		case rt.access == public:
		case r.sess == nil:
			h.signInFirst(w, r)
			return
		case rt.access == adminOnly && !r.sess.Admin:
			h.renderError(w, r, http.StatusNotFound, "There is no such page.")
			return
		}
		rt.serve(h, w, r)
	})
}

// maxFormBytes caps a form's body: an example payload may be large.
const maxFormBytes = 2 << 20

// signInFirst sends a browser without a session to the sign-in page, which
// comes back to the page it asked for.
func (h *handler) signInFirst(w http.ResponseWriter, r *request) {
	next := ""
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	http.Redirect(w, r.Request, "/ui/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}
