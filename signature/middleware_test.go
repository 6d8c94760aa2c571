package signature_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

func TestMiddleware(t *testing.T) {
	t.Parallel()
	now := time.Now()
	v := &signature.Verifier{Scheme: signature.Stripe, Prefix: "X-Acme", Secrets: []string{secretB, secretA}}
	var got []byte
	var match signature.Match
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var err error
		if got, err = io.ReadAll(r.Body); err != nil {
			t.Error(err)
		}
		if r.ContentLength != int64(len(got)) {
			t.Errorf("ContentLength %d; body has %d bytes", r.ContentLength, len(got))
		}
		var ok bool
		if match, ok = signature.MatchFromContext(r.Context()); !ok {
			t.Error("no Match in the context")
		}
		w.WriteHeader(http.StatusNoContent)
	})))
	defer srv.Close()

	post := func(h http.Header, b []byte) (int, string) {
		t.Helper()
		req, err := http.NewRequest("POST", srv.URL, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range h {
			req.Header[k] = vs
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		text, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(text)
	}
	sign := func(b []byte, at time.Time, secrets ...string) http.Header {
		h := http.Header{}
		if err := signature.Sign(h, signature.Stripe, "X-Acme", signature.Message{ID: "evt_1", Timestamp: at, Body: b}, secrets); err != nil {
			t.Fatal(err)
		}
		return h
	}

	if code, text := post(sign(body, now, secretA), body); code != http.StatusNoContent {
		t.Fatalf("valid request: %d %s", code, text)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("next read %q; want %q", got, body)
	}
	if match.Scheme != signature.Stripe || match.Secret != 1 || match.Signature != 0 {
		t.Errorf("match %+v; want stripe, secret 1, signature 0", match)
	}

	got = nil
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want string
	}{
		{"tampered body", sign(body, now, secretA), []byte(`{}`), "signature: no signature matches"},
		{"too old", sign(body, now.Add(-time.Hour), secretA), body, "signature: timestamp too old"},
		{"other secret", sign(body, now, "whsec_other"), body, "signature: no signature matches"},
		{"no signature", http.Header{}, body, "signature: no signature"},
		{"malformed", http.Header{"X-Acme-Signature": {"v1=00"}}, body, "signature: malformed header"},
	}
	for _, tt := range tests {
		code, text := post(tt.h, tt.body)
		if code != http.StatusUnauthorized || !strings.HasPrefix(text, tt.want) {
			t.Errorf("%s: got %d %q; want 401 %q", tt.name, code, text, tt.want)
		}
	}
	if got != nil {
		t.Errorf("next got a request that failed verification: %q", got)
	}
}

func TestMiddlewareLimitsAndMisconfiguration(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("next was called") })
	big := bytes.Repeat([]byte("x"), 100)
	h := http.Header{}
	if err := signature.Sign(h, signature.Standard, "", signature.Message{ID: "evt_1", Timestamp: time.Now(), Body: big}, []string{secretA}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		v    *signature.Verifier
		want int
	}{
		{"body over MaxBodyBytes", &signature.Verifier{Secrets: []string{secretA}, MaxBodyBytes: 99}, http.StatusRequestEntityTooLarge},
		{"no secret", &signature.Verifier{}, http.StatusInternalServerError},
		{"unknown scheme", &signature.Verifier{Scheme: "md5", Secrets: []string{secretA}}, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/", bytes.NewReader(big))
		req.Header = h.Clone()
		tt.v.Middleware(next).ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%s: %d %s; want %d", tt.name, rec.Code, rec.Body, tt.want)
		}
	}
}
