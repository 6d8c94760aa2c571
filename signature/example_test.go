package signature_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hookd/hookd/signature"
)

// The webhook's signing secret, as hookd shows it on creation.
const exampleSecret = "whsec_PJDSN7AKRc4hj+8HM81rzrPRSYjE1vQLTWhwfkLg+50="

// exampleRequest returns a request signed the way hookd signs it with
// scheme and prefix at t.
func exampleRequest(scheme, prefix string, t time.Time, secrets ...string) *http.Request {
	body := `{"type":"ticket.created","data":{"id":"tkt_01"}}`
	r := httptest.NewRequest("POST", "/webhooks/hookd", strings.NewReader(body))
	m := signature.Message{ID: "evt_01JGZ5Q2M3N4P5R6S7T8V9W0XY", Timestamp: t, Body: []byte(body)}
	if err := signature.Sign(r.Header, scheme, prefix, m, secrets); err != nil {
		panic(err)
	}
	return r
}

var exampleTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Sign sets the headers of a scheme; the delivery engine calls it for every
// attempt. The same inputs always give the same headers.
func ExampleSign() {
	h := http.Header{}
	m := signature.Message{ID: "evt_01JGZ5Q2M3N4P5R6S7T8V9W0XY", Timestamp: exampleTime, Body: []byte(`{"n":1}`)}
	if err := signature.Sign(h, signature.Standard, "", m, []string{exampleSecret}); err != nil {
		fmt.Println(err)
		return
	}
	for _, k := range []string{"webhook-id", "webhook-timestamp", "webhook-signature"} {
		fmt.Printf("%s: %s\n", k, h.Get(k))
	}
	// Output:
	// webhook-id: evt_01JGZ5Q2M3N4P5R6S7T8V9W0XY
	// webhook-timestamp: 1767225600
	// webhook-signature: v1,RGKzSocd548oRx7Pmvof3IzuX2B694l5oH+bxPoGmtg=
}

// A receiver of the standard scheme (hookd's default) verifies the
// webhook-id, webhook-timestamp and webhook-signature headers.
func ExampleVerifier_Verify() {
	r := exampleRequest(signature.Standard, "", exampleTime, exampleSecret)

	v := &signature.Verifier{
		Secrets: []string{exampleSecret},
		Now:     func() time.Time { return exampleTime.Add(time.Minute) }, // leave nil in real code
	}
	body, _ := io.ReadAll(r.Body)
	m, err := v.Verify(r.Header, body)
	if err != nil {
		fmt.Println("reject:", err)
		return
	}
	fmt.Println("verified", m.Scheme, "event", m.ID, "signed at", m.Timestamp.UTC().Format(time.RFC3339))
	// Output: verified standard event evt_01JGZ5Q2M3N4P5R6S7T8V9W0XY signed at 2026-01-01T00:00:00Z
}

// The stripe scheme, here with the header prefix X-Humiris: the key is the
// whole secret string, "whsec_" included.
func ExampleVerifier_Verify_stripe() {
	r := exampleRequest(signature.Stripe, "X-Humiris", exampleTime, exampleSecret)
	fmt.Println(r.Header.Get("X-Humiris-Signature")[:13])

	v := &signature.Verifier{
		Scheme:  signature.Stripe,
		Prefix:  "X-Humiris",
		Secrets: []string{exampleSecret},
		Now:     func() time.Time { return exampleTime },
	}
	body, _ := io.ReadAll(r.Body)
	m, err := v.Verify(r.Header, body)
	fmt.Println(m.Scheme, err)

	// Ten minutes later the same request is a replay.
	v.Now = func() time.Time { return exampleTime.Add(10 * time.Minute) }
	_, err = v.Verify(r.Header, body)
	fmt.Println(errors.Is(err, signature.ErrTooOld))
	// Output:
	// t=1767225600,
	// stripe <nil>
	// true
}

// The github scheme, here with the header prefix X-bitHuman: it signs the
// body only, so there is no timestamp to check.
func ExampleVerifier_Verify_github() {
	r := exampleRequest(signature.GitHub, "X-bitHuman", exampleTime, exampleSecret)
	fmt.Println(r.Header.Get("X-bitHuman-Signature")[:7])

	v := &signature.Verifier{Scheme: signature.GitHub, Prefix: "X-bitHuman", Secrets: []string{exampleSecret}}
	body, _ := io.ReadAll(r.Body)
	_, err := v.Verify(r.Header, body)
	fmt.Println(err)

	_, err = v.Verify(r.Header, []byte(`{"type":"ticket.created","data":{"id":"tkt_02"}}`))
	fmt.Println(err)
	// Output:
	// sha256=
	// <nil>
	// signature: no signature matches: the signature in X-bitHuman-Signature does not match the secret for this body (github scheme)
}

// The split scheme, here with the header prefix X-Hume-AI-Webhook and the
// 3-minute window Hume asks for: the signature and the timestamp come in two
// headers.
func ExampleVerifier_Verify_split() {
	r := exampleRequest(signature.Split, "X-Hume-AI-Webhook", exampleTime, exampleSecret)
	fmt.Println(r.Header.Get("X-Hume-AI-Webhook-Timestamp"))

	v := &signature.Verifier{
		Scheme:    signature.Split,
		Prefix:    "X-Hume-AI-Webhook",
		Secrets:   []string{exampleSecret},
		Tolerance: 3 * time.Minute,
		Now:       func() time.Time { return exampleTime.Add(4 * time.Minute) },
	}
	body, _ := io.ReadAll(r.Body)
	_, err := v.Verify(r.Header, body)
	fmt.Println(err)
	// Output:
	// 1767225600
	// signature: timestamp too old: signed at 2026-01-01T00:00:00Z, 4m0s before now; the tolerance is 3m0s
}

// During a secret rotation hookd signs with the old and the new secret, so a
// receiver can switch at its own pace: holding either secret, or both, it
// verifies.
func ExampleVerifier_Verify_rotation() {
	const newSecret = "whsec_GOM/NkzLAZq4+yZG6nfDH7yW/RWQN2OyMN3X+QA2AhU="
	r := exampleRequest(signature.Standard, "", exampleTime, newSecret, exampleSecret) // newest first
	body, _ := io.ReadAll(r.Body)
	fmt.Println(len(strings.Fields(r.Header.Get("webhook-signature"))), "signatures")

	for _, secrets := range [][]string{{exampleSecret}, {newSecret}, {exampleSecret, newSecret}} {
		v := &signature.Verifier{Secrets: secrets, Now: func() time.Time { return exampleTime }}
		m, err := v.Verify(r.Header, body)
		fmt.Printf("secret %d matched signature %d, %v\n", m.Secret, m.Signature, err)
	}
	// Output:
	// 2 signatures
	// secret 0 matched signature 1, <nil>
	// secret 0 matched signature 0, <nil>
	// secret 0 matched signature 1, <nil>
}

// Middleware answers 401 to requests that fail verification and hands the
// verified body on to the next handler.
func ExampleVerifier_Middleware() {
	v := &signature.Verifier{Secrets: []string{exampleSecret}, Now: func() time.Time { return exampleTime }}
	handler := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // the bytes that were verified
		m, _ := signature.MatchFromContext(r.Context())
		fmt.Printf("handling %s (%d bytes)\n", m.ID, len(body))
	}))
	// In a real receiver: http.Handle("POST /webhooks/hookd", handler)

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, exampleRequest(signature.Standard, "", exampleTime, exampleSecret))
	fmt.Println(rec.Code)

	forged := exampleRequest(signature.Standard, "", exampleTime, "whsec_Zm9yZ2Vk")
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, forged)
	fmt.Print(rec.Code, " ", rec.Body)
	// Output:
	// handling evt_01JGZ5Q2M3N4P5R6S7T8V9W0XY (48 bytes)
	// 200
	// 401 signature: no signature matches: the signature in webhook-signature does not match the secret for this webhook-id, webhook-timestamp and body (standard scheme)
}

// A receiver written for GitHub reads X-Hub-Signature-256: a hookd webhook
// with the github scheme and signature.header X-Hub-Signature-256 sends it,
// and a Verifier with SignatureHeader reads it.
func ExampleVerifier_Verify_gitHubHeader() {
	body := []byte(`{"action":"opened"}`)
	h := http.Header{}
	names := signature.Headers{Signature: "X-Hub-Signature-256"}
	if err := signature.SignHeaders(h, signature.GitHub, names, signature.Message{Body: body}, []string{exampleSecret}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h.Get("X-Hub-Signature-256")[:7])

	v := &signature.Verifier{Scheme: signature.GitHub, SignatureHeader: "X-Hub-Signature-256", Secrets: []string{exampleSecret}}
	if _, err := v.Verify(h, body); err != nil {
		fmt.Println("reject:", err)
		return
	}
	fmt.Println("verified")
	// Output:
	// sha256=
	// verified
}
