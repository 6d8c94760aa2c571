package signature_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

// TestCustomHeaderNames signs with a signature header (and for split a
// timestamp header) of the sender's naming, and checks that exactly those
// headers carry the signature, that a Verifier told the names verifies it,
// also with Auto, and that one left at the defaults finds no signature.
func TestCustomHeaderNames(t *testing.T) {
	t.Parallel()
	m := signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}
	tests := []struct {
		scheme string
		names  signature.Headers
		want   []string // the headers Sign sets, canonical
	}{
		{signature.GitHub, signature.Headers{Signature: "X-Hub-Signature-256"}, []string{"X-Hub-Signature-256"}},
		{signature.Stripe, signature.Headers{Prefix: "X-Acme", Signature: "Stripe-Signature"}, []string{"Stripe-Signature"}},
		{signature.Standard, signature.Headers{Signature: "X-Acme-Webhook-Signature"}, []string{"Webhook-Id", "Webhook-Timestamp", "X-Acme-Webhook-Signature"}},
		{signature.Split, signature.Headers{Prefix: "X-Acme", Signature: "X-Sig", Timestamp: "X-Sig-Time"}, []string{"X-Sig", "X-Sig-Time"}},
		{signature.Split, signature.Headers{Prefix: "X-Acme", Timestamp: "X-Sent-At"}, []string{"X-Acme-Signature", "X-Sent-At"}},
		{signature.Split, signature.Headers{Prefix: "X-Acme", Signature: "x-sig"}, []string{"X-Sig", "X-Acme-Timestamp"}},
	}
	for _, tt := range tests {
		name := tt.scheme + "/" + strings.Join(tt.want, ",")
		t.Run(name, func(t *testing.T) {
			h := http.Header{}
			if err := signature.SignHeaders(h, tt.scheme, tt.names, m, []string{secretA}); err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.want {
				if _, ok := h[k]; !ok {
					t.Errorf("no %s in %v", k, h)
				}
			}
			if len(h) != len(tt.want) {
				t.Errorf("got headers %v; want only %v", h, tt.want)
			}
			for _, scheme := range []string{tt.scheme, signature.Auto} {
				v := signature.Verifier{Scheme: scheme, Prefix: tt.names.Prefix, SignatureHeader: tt.names.Signature,
					TimestampHeader: tt.names.Timestamp, Secrets: []string{secretA}, Now: func() time.Time { return signedAt }}
				got, err := v.Verify(h, body)
				if err != nil || got.Scheme != tt.scheme {
					t.Errorf("Verify with scheme %s: got %+v, %v; want a %s match", scheme, got, err, tt.scheme)
				}
				if s := signature.DetectSchemeHeaders(h, tt.names); s != tt.scheme {
					t.Errorf("DetectSchemeHeaders = %q; want %q", s, tt.scheme)
				}
			}
			plain := signature.Verifier{Scheme: tt.scheme, Prefix: tt.names.Prefix, Secrets: []string{secretA}, Now: func() time.Time { return signedAt }}
			if _, err := plain.Verify(h, body); !errors.Is(err, signature.ErrNoSignature) && !errors.Is(err, signature.ErrMalformed) {
				t.Errorf("Verify with the default names: got %v; want ErrNoSignature or ErrMalformed", err)
			}
		})
	}
}

// TestCustomHeaderNamesErrors: errors name the custom headers.
func TestCustomHeaderNamesErrors(t *testing.T) {
	t.Parallel()
	v := signature.Verifier{Scheme: signature.GitHub, SignatureHeader: "X-Hub-Signature-256", Secrets: []string{secretA}}
	if _, err := v.Verify(http.Header{}, body); !errors.Is(err, signature.ErrNoSignature) || !strings.Contains(err.Error(), "X-Hub-Signature-256") {
		t.Errorf("no header: got %v; want ErrNoSignature naming X-Hub-Signature-256", err)
	}
	split := signature.Verifier{Scheme: signature.Split, SignatureHeader: "X-Sig", TimestampHeader: "X-Sig-Time", Secrets: []string{secretA}}
	if _, err := split.Verify(http.Header{"X-Sig": {"abcd"}}, body); !errors.Is(err, signature.ErrMalformed) || !strings.Contains(err.Error(), "X-Sig-Time") {
		t.Errorf("no timestamp: got %v; want ErrMalformed naming X-Sig-Time", err)
	}
	auto := signature.Verifier{Scheme: signature.Auto, SignatureHeader: "X-Hub-Signature-256", Secrets: []string{secretA}}
	if _, err := auto.Verify(http.Header{}, body); !errors.Is(err, signature.ErrNoSignature) || !strings.Contains(err.Error(), "X-Hub-Signature-256 is not present") {
		t.Errorf("auto, no header: got %v; want ErrNoSignature naming X-Hub-Signature-256", err)
	}
}

// TestMiddlewareCustomHeader: the middleware of a Verifier with
// SignatureHeader set lets through a request signed in that header.
func TestMiddlewareCustomHeader(t *testing.T) {
	t.Parallel()
	v := &signature.Verifier{Scheme: signature.GitHub, SignatureHeader: "X-Hub-Signature-256", Secrets: []string{secretA}}
	srv := httptest.NewServer(v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != string(body) {
			http.Error(w, "body changed", http.StatusInternalServerError)
		}
	})))
	defer srv.Close()
	for _, sig := range []string{"X-Hub-Signature-256", "X-Hookd-Signature"} {
		req, err := http.NewRequest("POST", srv.URL, strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		if err := signature.SignHeaders(req.Header, signature.GitHub, signature.Headers{Signature: sig}, signature.Message{Body: body}, []string{secretA}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := map[bool]int{true: http.StatusOK, false: http.StatusUnauthorized}[sig == "X-Hub-Signature-256"]
		if resp.StatusCode != want {
			t.Errorf("signed in %s: status %d; want %d", sig, resp.StatusCode, want)
		}
	}
}

func TestHeadersNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		names           signature.Headers
		scheme          string
		wantSig, wantTS string
	}{
		{signature.Headers{}, "", "webhook-signature", "webhook-timestamp"},
		{signature.Headers{Prefix: "X-Acme", Timestamp: "X-T"}, signature.Standard, "webhook-signature", "webhook-timestamp"},
		{signature.Headers{Signature: "X-S"}, signature.Standard, "X-S", "webhook-timestamp"},
		{signature.Headers{}, signature.Stripe, "X-Hookd-Signature", ""},
		{signature.Headers{Prefix: "X-Acme", Timestamp: "X-T"}, signature.GitHub, "X-Acme-Signature", ""},
		{signature.Headers{Signature: "X-Hub-Signature-256"}, signature.GitHub, "X-Hub-Signature-256", ""},
		{signature.Headers{Prefix: "X-Acme"}, signature.Split, "X-Acme-Signature", "X-Acme-Timestamp"},
		{signature.Headers{Prefix: "X-Acme", Signature: "X-S", Timestamp: "X-T"}, signature.Split, "X-S", "X-T"},
	}
	for _, tt := range tests {
		sig, ts := tt.names.Names(tt.scheme)
		if sig != tt.wantSig || ts != tt.wantTS {
			t.Errorf("%+v.Names(%q) = %q, %q; want %q, %q", tt.names, tt.scheme, sig, ts, tt.wantSig, tt.wantTS)
		}
	}
}
