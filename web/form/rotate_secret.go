package form

import "net/url"

// RotateSecret is the form that rotates a webhook's signing secret.
type RotateSecret struct {
	// GracePeriod is how long the old secret keeps signing, a duration
	// such as "24h"; blank means the API's default (24 h).
	GracePeriod string
}

// ParseRotateSecret reads the form from what the browser sent.
func ParseRotateSecret(v url.Values) RotateSecret {
	return RotateSecret{GracePeriod: trimmed(v, "grace_period")}
}

// Body returns the body of POST …/rotate-secret.
func (f RotateSecret) Body() map[string]any {
	body := map[string]any{}
	if f.GracePeriod != "" {
		body["grace_period"] = f.GracePeriod
	}
	return body
}
