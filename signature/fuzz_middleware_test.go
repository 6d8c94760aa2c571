package signature_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

// FuzzMiddleware sends arbitrary signature headers and bodies through
// Verifier.Middleware: it never panics, never answers 5xx for a usable
// Verifier, and lets through only the body that was signed.
func FuzzMiddleware(f *testing.F) {
	for _, scheme := range schemes {
		h := http.Header{}
		if err := signature.Sign(h, scheme, "", signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}, []string{secretA}); err != nil {
			f.Fatal(err)
		}
		f.Add(h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), h.Get("X-Hookd-Signature"), h.Get("X-Hookd-Timestamp"), body)
	}
	f.Add("", "", "v1,=", "t=1,v1=zz,v1=", "", []byte("{}"))
	v := &signature.Verifier{Scheme: signature.Auto, Secrets: []string{secretA}, Now: func() time.Time { return signedAt }, MaxBodyBytes: 1 << 16}
	passed := 0
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { passed++ }))
	f.Fuzz(func(t *testing.T, id, ts, sig, psig, pts string, b []byte) {
		req := httptest.NewRequest("POST", "/hook", bytes.NewReader(b))
		for k, val := range map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig, "X-Hookd-Signature": psig, "X-Hookd-Timestamp": pts} {
			if val != "" {
				req.Header.Set(k, val)
			}
		}
		before := passed
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%d %s", rec.Code, rec.Body)
		case passed > before && !bytes.Equal(b, body):
			t.Fatalf("passed a body that was never signed: %q", b)
		case passed == before && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge:
			t.Fatalf("refused with %d %s", rec.Code, rec.Body)
		}
	})
}
