package sqlstore

import (
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
