package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	"github.com/hookd/hookd"
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// serveIdempotent answers a request to an idempotent route that carries an
// Idempotency-Key. The key is scoped to the caller (the admin or one
// workspace), the method and the path; the request's fingerprint is the
// SHA-256 of its body. The first request runs and its answer is saved
// unless it is a 5xx, in which case the key is released so that the request
// can be tried again. A repeat gets the saved answer; a repeat with another
// body, or while the first is still running, gets 409.
func (s *server) serveIdempotent(rt route, w http.ResponseWriter, req *request, key string) {
	if len(key) > maxIdempotencyKey || !printableASCII(key) {
		s.write(w, s.errorResponse(req.Request, invalid("Idempotency-Key",
			"must be 1 to 255 printable ASCII characters, such as a UUID")))
		return
	}
	scope := req.caller.scope() + " " + req.Method + " " + req.URL.Path
	sum := sha256.Sum256(req.body)
	fingerprint := hex.EncodeToString(sum[:])
	saved, err := s.store.ReserveIdempotencyKey(req.Context(), scope, key, fingerprint, req.now)
	if err != nil {
		s.write(w, s.errorResponse(req.Request, err))
		return
	}
	if saved != nil {
		w.Header().Set("Idempotent-Replayed", "true")
		resp := response{status: saved.Status, body: saved.Body}
		if len(saved.Body) > 0 {
			resp.contentType = "application/json"
			if saved.Status >= 400 {
				resp.contentType = "application/problem+json"
			}
		}
		s.write(w, resp)
		return
	}

	// From here the key is reserved: it must be saved or released whatever
	// happens, even if the client goes away.
	ctx := context.WithoutCancel(req.Context())
	done := false
	defer func() {
		if !done { // a panic that call did not recover (http.ErrAbortHandler)
			s.releaseIdempotencyKey(ctx, scope, key)
		}
	}()
	resp := s.call(rt, req)
	if resp.status >= 500 {
		s.releaseIdempotencyKey(ctx, scope, key)
	} else if err := s.store.SaveIdempotentResponse(ctx, scope, key, hookd.IdempotentResponse{Status: resp.status, Body: resp.body}); err != nil {
		s.log.Log(ctx, hookd.LogLevel(err), "save idempotent response", "scope", scope, "err", err)
		s.releaseIdempotencyKey(ctx, scope, key)
	}
	done = true
	s.write(w, resp)
}

func (s *server) releaseIdempotencyKey(ctx context.Context, scope, key string) {
	if err := s.store.ReleaseIdempotencyKey(ctx, scope, key); err != nil {
		s.log.Log(ctx, hookd.LogLevel(err), "release idempotency key", "scope", scope, "err", err)
	}
}

// printableASCII reports whether v is non-empty visible ASCII (spaces
// allowed inside).
func printableASCII(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}
