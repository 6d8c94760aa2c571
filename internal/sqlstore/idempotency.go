package sqlstore

import (
	"context"
	"time"

	"github.com/hookd/hookd"
)

// IdempotencyWindow is how long an idempotency key (of a request, or of an
// event) is remembered: a key older than this is new again.
const IdempotencyWindow = 24 * time.Hour

// IdempotencyKey is a stored idempotency key as a reservation finds it.
type IdempotencyKey struct {
	Fingerprint string
	Status      int
	Body        []byte
	Done        bool
	CreatedAt   time.Time
}

// Reserve decides what a reservation at now of a key found stored as k
// comes to, for a request with fingerprint: stale when the key is older than
// IdempotencyWindow (the caller takes it anew, as if it were not stored);
// else the saved answer when the same request finished; else ECONFLICT,
// for a different request or one still in progress.
func (k IdempotencyKey) Reserve(key, fingerprint string, now time.Time) (resp *hookd.IdempotentResponse, stale bool, err error) {
	switch {
	case !k.CreatedAt.After(now.Add(-IdempotencyWindow)):
		return nil, true, nil
	case k.Fingerprint != fingerprint:
		return nil, false, hookd.Errorf(hookd.ECONFLICT, "idempotency key %q was used for a different request", key)
	case !k.Done:
		return nil, false, hookd.Errorf(hookd.ECONFLICT, "a request with idempotency key %q is still in progress", key)
	}
	body := k.Body
	if body == nil {
		body = []byte{}
	}
	return &hookd.IdempotentResponse{Status: k.Status, Body: body}, false, nil
}

// SaveIdempotentResponse stores the answer to a reserved key. A key that is
// not reserved (released or purged) is ENOTFOUND.
func (s Shared) SaveIdempotentResponse(ctx context.Context, scope, key string, resp hookd.IdempotentResponse) error {
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	return s.e.Write(ctx, "save idempotent response", func(ctx context.Context, q Querier) error {
		a := s.d.Args()
		n, err := q.Exec(ctx, `UPDATE idempotency_keys SET status = `+a.Add(resp.Status)+`, body = `+a.Add(body)+
			`, done = TRUE WHERE scope = `+a.Add(scope)+` AND key = `+a.Add(key), a.List...)
		return MustAffect(n, err, hookd.NotFound("idempotency key", key))
	})
}

// ReleaseIdempotencyKey forgets a reserved key, so that the request can be
// tried again. Releasing an unknown key does nothing.
func (s Shared) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	return s.e.Write(ctx, "release idempotency key", func(ctx context.Context, q Querier) error {
		_, err := q.Exec(ctx, `DELETE FROM idempotency_keys WHERE scope = `+s.d.Param(1)+` AND key = `+s.d.Param(2),
			scope, key)
		return err
	})
}
