package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// PortalPath is where portal links lead, below Config.PublicURL: a link is
// PublicURL + PortalPath + token.
const PortalPath = "/ui/portal/"

// PortalTokenHash returns the SHA-256 of a portal link's token (the part of
// the link after PortalPath, as it stands there), the hash the store keeps
// and hookd.Store.RedeemPortalLink takes.
func PortalTokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// newPortalToken returns a new portal link's token: the base64url of 32
// random bytes.
func newPortalToken() string {
	return base64.RawURLEncoding.EncodeToString(hookd.RandomToken(32))
}

// portalRequest is the body of POST /v1/workspaces/{ws}/portal.
type portalRequest struct {
	ExpiresIn string `json:"expires_in" expect:"a duration such as \"1h\""`
	ReadOnly  bool   `json:"read_only"`
}

// portalLink is the answer to a portal link's creation, the only one that
// shows its URL.
type portalLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	ReadOnly  bool      `json:"read_only"`
}

func (s *server) createPortalLink(req *request) (int, any, error) {
	var body portalRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	life := hookd.DefaultPortalLinkLife
	if body.ExpiresIn != "" {
		d, err := time.ParseDuration(body.ExpiresIn)
		if err != nil || d <= 0 || d > hookd.MaxPortalLinkLife {
			return 0, nil, invalid("expires_in", `must be a duration above "0s" and at most "168h", such as "1h"`)
		}
		life = d
	}
	token := newPortalToken()
	l := &hookd.PortalLink{
		TokenHash:   PortalTokenHash(token),
		WorkspaceID: req.ws.ID,
		ReadOnly:    body.ReadOnly,
		ExpiresAt:   req.now.Add(life),
		CreatedAt:   req.now,
	}
	if err := s.store.CreatePortalLink(req.Context(), l); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, portalLink{URL: s.cfg.PublicURL + PortalPath + token, ExpiresAt: l.ExpiresAt, ReadOnly: l.ReadOnly}, nil
}

// errPublicURL says what Config.PublicURL must be.
var errPublicURL = errors.New("httpapi: Config.PublicURL must be an absolute http:// or https:// URL without a path, query or fragment, such as https://hooks.example.com")

// checkPublicURL returns u without its trailing slash, or errPublicURL.
func checkPublicURL(u string) (string, error) {
	u = strings.TrimSuffix(u, "/")
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil ||
		p.Path != "" || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsAny(u, "#?") {
		return "", errPublicURL
	}
	return u, nil
}
