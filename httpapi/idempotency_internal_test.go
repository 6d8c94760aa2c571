package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/hookd/hookd/sqlite"
)

// TestIdempotencyReleasesOnServerError checks that a request that answered
// 5xx can be tried again with the same key, and that one that succeeded
// then is not run a third time.
func TestIdempotencyReleasesOnServerError(t *testing.T) {
	t.Parallel()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := New(Config{Store: store, Engine: nopEngine{}, AdminKey: "k", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	s := h.(*server)

	runs := 0
	fail := true
	rt := route{method: "POST", path: "/x", idempotent: true, handle: func(*request) (int, any, error) {
		runs++
		if fail {
			return 0, nil, errors.New("database on fire")
		}
		return http.StatusCreated, map[string]int{"run": runs}, nil
	}}
	send := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := &request{Request: httptest.NewRequest("POST", "/x", nil), caller: caller{admin: true}, body: []byte(`{}`), now: time.Now()}
		s.serveIdempotent(rt, rec, req, "key-1")
		return rec
	}
	if rec := send(); rec.Code != 500 {
		t.Fatalf("first: %d; want 500", rec.Code)
	}
	fail = false
	if rec := send(); rec.Code != 201 || rec.Body.String() != "{\"run\":2}\n" {
		t.Fatalf("second: %d %s; want 201 {\"run\":2}", rec.Code, rec.Body)
	}
	rec := send()
	if rec.Code != 201 || rec.Body.String() != "{\"run\":2}\n" || rec.Header().Get("Idempotent-Replayed") != "true" || runs != 2 {
		t.Fatalf("third: %d %s after %d runs; want the second answer replayed", rec.Code, rec.Body, runs)
	}

	// A panic releases the key too (as a 500).
	rt.handle = func(*request) (int, any, error) { panic("boom") }
	rec = httptest.NewRecorder()
	req := &request{Request: httptest.NewRequest("POST", "/x", nil), caller: caller{admin: true}, body: []byte(`{}`), now: time.Now()}
	s.serveIdempotent(rt, rec, req, "key-2")
	if rec.Code != 500 {
		t.Fatalf("panic: %d; want 500", rec.Code)
	}
	if saved, err := store.ReserveIdempotencyKey(context.Background(), "admin POST /x", "key-2", "x", time.Now()); err != nil || saved != nil {
		t.Errorf("key after a panic: %v, %v; want it released", saved, err)
	}
}
