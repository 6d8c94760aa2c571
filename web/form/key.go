package form

import (
	"net/http"
	"strings"
)

// Key is the form that creates a workspace key.
type Key struct {
	// Name labels the key, so that the operator knows which one to revoke.
	Name string
}

// NewKey reads the key form from r's POST body.
func NewKey(r *http.Request) Key {
	return Key{Name: strings.TrimSpace(r.PostFormValue("name"))}
}

// Body returns the body of POST /v1/workspaces/{ws}/keys.
func (f Key) Body() map[string]any {
	return map[string]any{"name": f.Name}
}
