package form

import "net/url"

// Key is the form that creates a workspace key.
type Key struct {
	// Name labels the key, so that the operator knows which one to revoke.
	Name string
}

// ParseKey reads the key form from what the browser sent.
func ParseKey(v url.Values) Key {
	return Key{Name: trimmed(v, "name")}
}

// Body returns the body of POST /v1/workspaces/{ws}/keys.
func (f Key) Body() map[string]any {
	return map[string]any{"name": f.Name}
}
