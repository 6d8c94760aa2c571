package sqlstore

import (
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestIdempotencyKeyReserve(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	fresh := now.Add(-time.Hour)
	for name, tc := range map[string]struct {
		k         IdempotencyKey
		stale     bool
		code      string
		wantBody  string
		wantSaved bool
	}{
		"finished, same request":    {k: IdempotencyKey{Fingerprint: "a", Status: 201, Body: []byte("{}"), Done: true, CreatedAt: fresh}, wantSaved: true, wantBody: "{}"},
		"finished, no body":         {k: IdempotencyKey{Fingerprint: "a", Status: 204, Done: true, CreatedAt: fresh}, wantSaved: true},
		"running":                   {k: IdempotencyKey{Fingerprint: "a", CreatedAt: fresh}, code: hookd.ECONFLICT},
		"another request":           {k: IdempotencyKey{Fingerprint: "b", Done: true, CreatedAt: fresh}, code: hookd.ECONFLICT},
		"exactly 24 hours old":      {k: IdempotencyKey{Fingerprint: "b", Done: true, CreatedAt: now.Add(-IdempotencyWindow)}, stale: true},
		"older, another request":    {k: IdempotencyKey{Fingerprint: "b", CreatedAt: now.Add(-48 * time.Hour)}, stale: true},
		"just under 24 hours, done": {k: IdempotencyKey{Fingerprint: "a", Status: 200, Done: true, CreatedAt: now.Add(-IdempotencyWindow + time.Microsecond)}, wantSaved: true},
	} {
		resp, stale, err := tc.k.Reserve("key-1", "a", now)
		if got := hookd.ErrorCode(err); got != tc.code {
			t.Errorf("%s: error %v (code %q); want code %q", name, err, got, tc.code)
		}
		if stale != tc.stale {
			t.Errorf("%s: stale %v; want %v", name, stale, tc.stale)
		}
		if (resp != nil) != tc.wantSaved {
			t.Fatalf("%s: answer %+v; want one: %v", name, resp, tc.wantSaved)
		}
		if resp != nil && (resp.Status != tc.k.Status || string(resp.Body) != tc.wantBody || resp.Body == nil) {
			t.Errorf("%s: answer %d %q; want %d %q (never a nil body)", name, resp.Status, resp.Body, tc.k.Status, tc.wantBody)
		}
	}
}
