package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
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
