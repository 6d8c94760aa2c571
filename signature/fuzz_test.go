package signature_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

// FuzzVerify feeds Verify arbitrary signature headers and bodies: it must
// never panic, and must never accept what it was not given a valid
// signature for.
func FuzzVerify(f *testing.F) {
	for _, scheme := range schemes {
		h := http.Header{}
		if err := signature.Sign(h, scheme, "", signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}, []string{secretB, secretA}); err != nil {
			f.Fatal(err)
		}
		f.Add(scheme, h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature"), h.Get("X-Hookd-Signature"), h.Get("X-Hookd-Timestamp"), body)
	}
	f.Add("auto", "", "-1", "v1, v1,,", "t=,v1=,t=", "+1", []byte{})
	f.Add("stripe", "", "", "", "t=99999999999999999999,v1=00", "", []byte("x"))
	f.Add("split", "", "", "", "sha256=", "1e3", []byte(nil))
	verifiers := map[string]bool{"auto": true, signature.Standard: true, signature.Stripe: true, signature.GitHub: true, signature.Split: true}
	f.Fuzz(func(t *testing.T, scheme, id, ts, sig, psig, pts string, b []byte) {
		if !verifiers[scheme] {
			scheme = "auto"
		}
		h := http.Header{}
		for k, v := range map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig, "X-Hookd-Signature": psig, "X-Hookd-Timestamp": pts} {
			if v != "" {
				h.Set(k, v)
			}
		}
		for _, tol := range []time.Duration{0, -1} {
			v := signature.Verifier{Scheme: scheme, Secrets: []string{secretA, secretB}, Tolerance: tol, Now: func() time.Time { return signedAt }}
			m, err := v.Verify(h, b)
			if err == nil {
				// Only the seeds' genuine signatures over the genuine body can pass.
				if string(b) != string(body) {
					t.Fatalf("accepted a body that was never signed: %q with %v (%+v)", b, h, m)
				}
				continue
			}
			if !strings.HasPrefix(err.Error(), "signature: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
			known := false
			for _, e := range []error{signature.ErrNoSignature, signature.ErrMalformed, signature.ErrBadSignature, signature.ErrTooOld, signature.ErrTooNew} {
				known = known || errors.Is(err, e)
			}
			if !known {
				t.Fatalf("Verify(%v, %q) = %v: not one of the request errors", h, b, err)
			}
		}
	})
}
