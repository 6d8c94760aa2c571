package form

import "net/url"

// PortalLinkLives are the lifetimes the portal link form offers, as the
// API's expires_in takes them, with their labels; the first is the
// default.
var PortalLinkLives = []struct{ Value, Label string }{
	{"1h", "1 hour"},
	{"24h", "24 hours"},
	{"168h", "7 days"},
}

// PortalLink is the form that makes a workspace's portal link.
type PortalLink struct {
	// ExpiresIn is a duration such as "24h"; "" means the API's default.
	ExpiresIn string
	// ReadOnly links sign in to a session that changes nothing.
	ReadOnly bool
}

// ParsePortalLink reads the portal link form from what the browser sent.
func ParsePortalLink(v url.Values) PortalLink {
	return PortalLink{
		ExpiresIn: trimmed(v, "expires_in"),
		ReadOnly:  v.Get("read_only") != "",
	}
}

// Body returns the body of POST /v1/workspaces/{ws}/portal.
func (f PortalLink) Body() map[string]any {
	b := map[string]any{"read_only": f.ReadOnly}
	if f.ExpiresIn != "" {
		b["expires_in"] = f.ExpiresIn
	}
	return b
}
