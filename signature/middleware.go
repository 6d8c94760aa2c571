package signature

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
)

// DefaultMaxBodyBytes bounds the bodies Middleware reads when a Verifier's
// MaxBodyBytes is zero: 10 MiB.
const DefaultMaxBodyBytes = 10 << 20

type matchKey struct{}

// MatchFromContext returns the Match that Middleware stored in the context
// of the request it passed on, and whether there is one.
func MatchFromContext(ctx context.Context) (Match, bool) {
	m, ok := ctx.Value(matchKey{}).(Match)
	return m, ok
}

// Middleware returns a handler that verifies each request with v before
// passing it to next. It reads the whole body (at most MaxBodyBytes,
// answering 413 beyond), and answers 401 Unauthorized with the reason as
// text when Verify fails, 500 when v itself cannot verify (no secret, an
// unknown scheme or an invalid secret). A verified request reaches next
// with its body replaced by the bytes that were verified, so next can read
// r.Body as usual, and with the Match in its context (MatchFromContext).
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := v.MaxBodyBytes
		if limit <= 0 {
			limit = DefaultMaxBodyBytes
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "signature: body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "signature: read body: "+err.Error(), http.StatusBadRequest)
			return
		}
		m, err := v.Verify(r.Header, body)
		if err != nil {
			if errors.Is(err, ErrNoSecret) || errors.Is(err, ErrUnknownScheme) || errors.Is(err, ErrInvalidSecret) {
				http.Error(w, "signature: the receiver cannot verify signatures", http.StatusInternalServerError)
				return
			}
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), matchKey{}, m))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		next.ServeHTTP(w, r)
	})
}
