package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/hookd/hookd"
)

// keyPrefix starts every workspace key.
const keyPrefix = "hk_"

// maxKeyLength bounds the Bearer token we hash.
const maxKeyLength = 1024

// caller is who made a request: the admin, or a workspace key.
type caller struct {
	admin       bool
	workspaceID string
	keyID       string
}

// scope names the caller for idempotency keys.
func (c caller) scope() string {
	if c.admin {
		return "admin"
	}
	return "workspace:" + c.workspaceID
}

// newAPIKey returns a new workspace key's secret: hk_ and the base64url of
// 32 random bytes.
func newAPIKey() string {
	return keyPrefix + base64.RawURLEncoding.EncodeToString(hookd.RandomToken(32))
}

func unauthorized(msg string) error { return hookd.Errorf(hookd.EUNAUTHORIZED, "%s", msg) }

// authenticate finds who sent req from its Authorization header. It returns
// EUNAUTHORIZED for a missing, malformed or unknown key.
func (s *server) authenticate(req *request) (caller, error) {
	h := req.Header.Get("Authorization")
	if h == "" {
		return caller{}, unauthorized("missing API key: send the header Authorization: Bearer <key>")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return caller{}, unauthorized("the Authorization header must be Bearer <key>")
	}
	if len(token) > maxKeyLength {
		return caller{}, unauthorized("invalid API key")
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], s.adminHash[:]) == 1 {
		return caller{admin: true}, nil
	}
	if !strings.HasPrefix(token, keyPrefix) {
		return caller{}, unauthorized("invalid API key")
	}
	k, err := s.store.APIKeyByHash(req.Context(), sum[:])
	switch {
	case hookd.ErrorCode(err) == hookd.ENOTFOUND:
		return caller{}, unauthorized("invalid API key")
	case err != nil:
		return caller{}, err
	case subtle.ConstantTimeCompare(k.Hash, sum[:]) != 1:
		return caller{}, unauthorized("invalid API key")
	}
	return caller{workspaceID: k.WorkspaceID, keyID: k.ID}, nil
}

// authorize checks that req's caller may use rt. A workspace key asking for
// another workspace gets ENOTFOUND, before it gets EFORBIDDEN for an
// admin-only route, so that it learns nothing of other workspaces. For a
// workspaceScoped route it loads the workspace into req.ws.
func (s *server) authorize(rt route, req *request) error {
	c := req.caller
	wsID := req.PathValue("ws")
	if !c.admin && wsID != "" && wsID != c.workspaceID {
		return hookd.NotFound("workspace", wsID)
	}
	switch rt.access {
	case adminOnly:
		if !c.admin {
			return hookd.Errorf(hookd.EFORBIDDEN, "%s %s needs the admin key; a workspace key cannot use it", rt.method, rt.path)
		}
	case workspaceScoped:
		ws, err := s.store.Workspace(req.Context(), wsID)
		if err != nil {
			return err
		}
		req.ws = ws
	}
	return nil
}
