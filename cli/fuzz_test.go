package cli

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

// FuzzVerifySavedRequest feeds `hookd verify` a saved request of any shape
// (the headers a receiver pasted, with status lines and bodies mixed in):
// the parser keeps only token-named headers, and the report never panics
// nor calls valid what was not signed.
func FuzzVerifySavedRequest(f *testing.F) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	h := http.Header{}
	if err := signature.Sign(h, signature.Stripe, "X-Acme", signature.Message{ID: "evt_1", Timestamp: now, Body: []byte(testBody)}, []string{testSecret}); err != nil {
		f.Fatal(err)
	}
	var saved bytes.Buffer
	saved.WriteString("POST /hook HTTP/1.1\n")
	_ = h.Write(&saved)
	f.Add(saved.Bytes(), []byte(testBody))
	f.Add([]byte("webhook-id: evt_1\nwebhook-timestamp: 1\nwebhook-signature: v1,AAAA\n\n{}"), []byte("{}"))
	f.Add([]byte("X-Hookd-Signature: sha256=zz\r\nX-Hookd-Timestamp: -1\n: no name\nBad Name: v\n"), []byte(nil))
	f.Add([]byte(strings.Repeat("X-A-Signature: t=1,v1=\n", 50)), []byte("x"))
	f.Fuzz(func(t *testing.T, input, body []byte) {
		hdr := parseHeaderLines(input)
		for k := range hdr {
			if !isToken(k) {
				t.Fatalf("parsed header name %q", k)
			}
		}
		v := &signature.Verifier{Scheme: signature.Auto, Prefix: findPrefix(hdr), Secrets: []string{testSecret}, Tolerance: -1}
		var out bytes.Buffer
		err := (&verifyReport{v: v, h: hdr, body: body, out: &out}).run()
		if err == nil && string(body) != testBody {
			t.Fatalf("valid for a body that was never signed: %q\n%s", body, out.String())
		}
	})
}
