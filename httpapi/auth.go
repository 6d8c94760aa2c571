package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
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
	// readOnly callers may only read (a read-only portal session).
	readOnly bool
}

// Caller is who an in-process request (from the web UI) is made for: the
// admin, or one workspace, read-only or not. It stands in for the
// Authorization header, and the API applies to it the rules it applies to
// a key: a workspace caller is a workspace key, and a ReadOnly one gets a
// 403 for anything but GET.
type Caller struct {
	// Admin callers reach every route, as the admin key does.
	Admin bool
	// WorkspaceID is the workspace of a caller that is not Admin.
	WorkspaceID string
	// ReadOnly callers may only use GET routes.
	ReadOnly bool
}

type callerKey struct{}

// WithCaller returns ctx carrying c. A request whose context carries a
// Caller is made for c, whatever its Authorization header says. Only code
// in this process can set a request's context, so this is how the web UI
// calls the API: through the same handlers, with every rule they apply.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
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
	if c, ok := req.Context().Value(callerKey{}).(Caller); ok {
		if !c.Admin && c.WorkspaceID == "" {
			return caller{}, unauthorized("no workspace in the session")
		}
		return caller{admin: c.Admin, workspaceID: c.WorkspaceID, readOnly: c.ReadOnly}, nil
	}
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
	if c.readOnly && rt.method != http.MethodGet {
		return hookd.Errorf(hookd.EFORBIDDEN, "this session is read-only: it cannot %s %s", rt.method, req.URL.Path)
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
