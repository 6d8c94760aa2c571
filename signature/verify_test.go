package signature_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

const (
	secretA = "whsec_PJDSN7AKRc4hj+8HM81rzrPRSYjE1vQLTWhwfkLg+50="
	secretB = "whsec_GOM/NkzLAZq4+yZG6nfDH7yW/RWQN2OyMN3X+QA2AhU="
)

var (
	signedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	body     = []byte(`{"type":"ticket.created","data":{"id":"tkt_01"}}`)
	schemes  = []string{signature.Standard, signature.Stripe, signature.GitHub, signature.Split}
)

// signed returns the headers scheme sends for body at signedAt with
// secrets and prefix X-Acme.
func signed(t *testing.T, scheme string, secrets ...string) http.Header {
	t.Helper()
	h := http.Header{}
	if err := signature.Sign(h, scheme, "X-Acme", signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}, secrets); err != nil {
		t.Fatal(err)
	}
	return h
}

func verifier(scheme string, now time.Time, secrets ...string) *signature.Verifier {
	return &signature.Verifier{Scheme: scheme, Prefix: "X-Acme", Secrets: secrets, Now: func() time.Time { return now }}
}

// changeTimestamp moves the signed timestamp in h one second on, without
// signing again.
func changeTimestamp(scheme string, h http.Header) {
	next := strconv.FormatInt(signedAt.Unix()+1, 10)
	switch scheme {
	case signature.Standard:
		h.Set("webhook-timestamp", next)
	case signature.Stripe:
		h.Set("X-Acme-Signature", strings.Replace(h.Get("X-Acme-Signature"), "t="+strconv.FormatInt(signedAt.Unix(), 10), "t="+next, 1))
	case signature.Split:
		h.Set("X-Acme-Timestamp", next)
	}
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	for _, scheme := range schemes {
		t.Run(scheme, func(t *testing.T) {
			h := signed(t, scheme, secretA)
			for _, now := range []time.Time{signedAt, signedAt.Add(-5 * time.Minute), signedAt.Add(5 * time.Minute)} {
				m, err := verifier(scheme, now, secretA).Verify(h, body)
				if err != nil {
					t.Fatalf("at %s: %v", now, err)
				}
				if m.Scheme != scheme || m.Secret != 0 || m.Signature != 0 {
					t.Errorf("got %+v; want scheme %s, secret 0, signature 0", m, scheme)
				}
				wantTime := signedAt
				if scheme == signature.GitHub {
					wantTime = time.Time{}
				}
				if !m.Timestamp.Equal(wantTime) {
					t.Errorf("timestamp %s; want %s", m.Timestamp, wantTime)
				}
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		schemes []string // nil: all
		change  func(scheme string, h http.Header, v *signature.Verifier) []byte
		want    error
	}{
		{"tampered body", nil, func(_ string, _ http.Header, _ *signature.Verifier) []byte {
			return []byte(strings.Replace(string(body), "tkt_01", "tkt_02", 1))
		}, signature.ErrBadSignature},
		{"body with a newline added", nil, func(_ string, _ http.Header, _ *signature.Verifier) []byte {
			return append(append([]byte(nil), body...), '\n')
		}, signature.ErrBadSignature},
		{"tampered timestamp", []string{signature.Standard, signature.Stripe, signature.Split}, func(scheme string, h http.Header, _ *signature.Verifier) []byte {
			changeTimestamp(scheme, h)
			return body
		}, signature.ErrBadSignature},
		{"tampered id", []string{signature.Standard}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("webhook-id", "evt_2")
			return body
		}, signature.ErrBadSignature},
		{"another secret", nil, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Secrets = []string{secretB}
			return body
		}, signature.ErrBadSignature},
		{"secret of the wrong kind", []string{signature.Stripe, signature.GitHub, signature.Split}, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Secrets = []string{strings.TrimPrefix(secretA, "whsec_")} // the key is the whole string
			return body
		}, signature.ErrBadSignature},
		{"too old", []string{signature.Standard, signature.Stripe, signature.Split}, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Now = func() time.Time { return signedAt.Add(5*time.Minute + time.Second) }
			return body
		}, signature.ErrTooOld},
		{"too new", []string{signature.Standard, signature.Stripe, signature.Split}, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Now = func() time.Time { return signedAt.Add(-5*time.Minute - time.Second) }
			return body
		}, signature.ErrTooNew},
		{"too old for a 3 minute tolerance", []string{signature.Standard, signature.Stripe, signature.Split}, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Tolerance = 3 * time.Minute
			v.Now = func() time.Time { return signedAt.Add(181 * time.Second) }
			return body
		}, signature.ErrTooOld},
		{"missing signature header", nil, func(scheme string, h http.Header, _ *signature.Verifier) []byte {
			h.Del("webhook-signature")
			h.Del("X-Acme-Signature")
			return body
		}, signature.ErrNoSignature},
		{"all headers missing", nil, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			for k := range h {
				delete(h, k)
			}
			return body
		}, signature.ErrNoSignature},
		{"signature under another prefix", []string{signature.Stripe, signature.GitHub, signature.Split}, func(_ string, _ http.Header, v *signature.Verifier) []byte {
			v.Prefix = "X-Other"
			return body
		}, signature.ErrNoSignature},
		{"missing timestamp header", []string{signature.Standard, signature.Split}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Del("webhook-timestamp")
			h.Del("X-Acme-Timestamp")
			return body
		}, signature.ErrMalformed},
		{"missing webhook-id", []string{signature.Standard}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Del("webhook-id")
			return body
		}, signature.ErrMalformed},
		{"timestamp not a number", []string{signature.Standard, signature.Split}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("webhook-timestamp", "2026-03-01T12:00:00Z")
			h.Set("X-Acme-Timestamp", "2026-03-01T12:00:00Z")
			return body
		}, signature.ErrMalformed},
		{"signature not base64 or hex", nil, func(scheme string, h http.Header, _ *signature.Verifier) []byte {
			switch scheme {
			case signature.Standard:
				h.Set("webhook-signature", "v1,!!!")
			case signature.Stripe:
				h.Set("X-Acme-Signature", "t="+strconv.FormatInt(signedAt.Unix(), 10)+",v1=zz")
			case signature.GitHub:
				h.Set("X-Acme-Signature", "sha256=zz")
			case signature.Split:
				h.Set("X-Acme-Signature", "zz")
			}
			return body
		}, signature.ErrMalformed},
		{"garbled signature header", []string{signature.Standard, signature.Stripe, signature.GitHub}, func(scheme string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("webhook-signature", "garbage")
			h.Set("X-Acme-Signature", "garbage")
			return body
		}, signature.ErrMalformed},
		{"stripe header without t=", []string{signature.Stripe}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			_, rest, _ := strings.Cut(h.Get("X-Acme-Signature"), ",")
			h.Set("X-Acme-Signature", rest)
			return body
		}, signature.ErrMalformed},
		{"stripe header with two t=", []string{signature.Stripe}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("X-Acme-Signature", "t=1,"+h.Get("X-Acme-Signature"))
			return body
		}, signature.ErrMalformed},
		{"only signatures of another version", []string{signature.Standard, signature.Stripe}, func(scheme string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("webhook-signature", strings.ReplaceAll(h.Get("webhook-signature"), "v1,", "v2,"))
			h.Set("X-Acme-Signature", strings.ReplaceAll(h.Get("X-Acme-Signature"), "v1=", "v0="))
			return body
		}, signature.ErrNoSignature},
		{"github sha1", []string{signature.GitHub}, func(_ string, h http.Header, _ *signature.Verifier) []byte {
			h.Set("X-Acme-Signature", strings.Replace(h.Get("X-Acme-Signature"), "sha256=", "sha1=", 1))
			return body
		}, signature.ErrMalformed},
	}
	for _, tt := range tests {
		for _, scheme := range schemes {
			if tt.schemes != nil && !contains(tt.schemes, scheme) {
				continue
			}
			t.Run(tt.name+"/"+scheme, func(t *testing.T) {
				for _, vs := range []string{scheme, signature.Auto} {
					h := signed(t, scheme, secretA)
					v := verifier(vs, signedAt, secretA)
					b := tt.change(scheme, h, v)
					if vs == signature.Auto && v.Prefix == "X-Other" {
						continue
					}
					m, err := v.Verify(h, b)
					if !errors.Is(err, tt.want) {
						t.Errorf("%s verifier: got %+v, %v; want %v", vs, m, err, tt.want)
					}
					if err != nil && !strings.HasPrefix(err.Error(), "signature: ") {
						t.Errorf("error %q lacks the package prefix", err)
					}
					if m != (signature.Match{}) {
						t.Errorf("got match %+v with an error", m)
					}
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestVerifyErrorNeverShowsASignature makes sure error texts are no oracle:
// they never contain the signature that would have been valid.
func TestVerifyErrorNeverShowsASignature(t *testing.T) {
	t.Parallel()
	for _, scheme := range schemes {
		tampered := []byte(`{"forged":true}`)
		good := http.Header{}
		if err := signature.Sign(good, scheme, "X-Acme", signature.Message{ID: "evt_1", Timestamp: signedAt, Body: tampered}, []string{secretA}); err != nil {
			t.Fatal(err)
		}
		_, err := verifier(scheme, signedAt, secretA).Verify(signed(t, scheme, secretA), tampered)
		for _, k := range []string{"webhook-signature", "X-Acme-Signature"} {
			for _, part := range strings.FieldsFunc(good.Get(k), func(r rune) bool { return r == ' ' || r == ',' || r == '=' }) {
				if len(part) > 20 && strings.Contains(err.Error(), part) {
					t.Errorf("%s: error %q shows the valid signature %q", scheme, err, part)
				}
			}
		}
	}
}

func TestVerifyTolerance(t *testing.T) {
	t.Parallel()
	for _, scheme := range schemes {
		h := signed(t, scheme, secretA)
		v := verifier(scheme, signedAt.Add(240*time.Hour), secretA)
		v.Tolerance = -1
		if _, err := v.Verify(h, body); err != nil {
			t.Errorf("%s with the check off, ten days late: %v", scheme, err)
		}
		v.Tolerance = 0
		_, err := v.Verify(h, body)
		if scheme == signature.GitHub {
			if err != nil {
				t.Errorf("github signs no timestamp, so it has no tolerance; got %v", err)
			}
		} else if !errors.Is(err, signature.ErrTooOld) {
			t.Errorf("%s ten days late: got %v; want ErrTooOld", scheme, err)
		}
	}
	// The zero Now is the real clock.
	h := http.Header{}
	if err := signature.Sign(h, signature.Standard, "", signature.Message{ID: "evt_1", Timestamp: time.Now(), Body: body}, []string{secretA}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&signature.Verifier{Secrets: []string{secretA}}).Verify(h, body); err != nil {
		t.Errorf("zero Verifier with a secret, signed now: %v", err)
	}
}

// TestRotation checks that the schemes that carry one signature per secret
// verify with either secret, and that the others carry the newest only.
func TestRotation(t *testing.T) {
	t.Parallel()
	for _, scheme := range schemes {
		h := signed(t, scheme, secretB, secretA) // B is new, A is old
		for i, secret := range []string{secretB, secretA} {
			m, err := verifier(scheme, signedAt, secret).Verify(h, body)
			multi := scheme == signature.Standard || scheme == signature.Stripe
			switch {
			case i == 0 || multi:
				if err != nil || m.Signature != i {
					t.Errorf("%s, secret %d: got %+v, %v; want signature %d", scheme, i, m, err, i)
				}
			case !errors.Is(err, signature.ErrBadSignature):
				t.Errorf("%s signs with the newest secret only; the old one got %v", scheme, err)
			}
		}
		// A receiver holding both, the old first, says which matched.
		m, err := verifier(scheme, signedAt, secretA, secretB).Verify(h, body)
		want := signature.Match{Scheme: scheme, Secret: 0, Signature: 1}
		if scheme == signature.GitHub || scheme == signature.Split {
			want = signature.Match{Scheme: scheme, Secret: 1, Signature: 0}
		}
		m.Timestamp, m.ID = time.Time{}, ""
		if err != nil || m != want {
			t.Errorf("%s, both secrets: got %+v, %v; want %+v", scheme, m, err, want)
		}
	}
}

func TestSignDeterministic(t *testing.T) {
	t.Parallel()
	for _, scheme := range schemes {
		a, b := signed(t, scheme, secretB, secretA), signed(t, scheme, secretB, secretA)
		for k := range a {
			if a.Get(k) != b.Get(k) {
				t.Errorf("%s %s: %q then %q", scheme, k, a.Get(k), b.Get(k))
			}
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d then %d headers", scheme, len(a), len(b))
		}
	}
}

func TestSignHeaders(t *testing.T) {
	t.Parallel()
	m := signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	tests := []struct {
		scheme, prefix string
		want           []string // header names
		check          func(h http.Header) string
	}{
		{"", "", []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"}, func(h http.Header) string {
			if h.Get("webhook-id") != "evt_1" || h.Get("webhook-timestamp") != ts || len(strings.Fields(h.Get("webhook-signature"))) != 2 {
				return "want id evt_1, the timestamp and two v1 signatures"
			}
			return ""
		}},
		{signature.Stripe, "", []string{"X-Hookd-Signature"}, func(h http.Header) string {
			if !strings.HasPrefix(h.Get("X-Hookd-Signature"), "t="+ts+",v1=") || strings.Count(h.Get("X-Hookd-Signature"), ",v1=") != 2 {
				return "want t=<t> and two v1="
			}
			return ""
		}},
		{signature.GitHub, "X-bitHuman", []string{"X-Bithuman-Signature"}, func(h http.Header) string {
			if v := h.Get("X-bitHuman-Signature"); !strings.HasPrefix(v, "sha256=") || len(v) != len("sha256=")+64 {
				return "want sha256=<64 hex digits>"
			}
			return ""
		}},
		{signature.Split, "X-Hume-AI-Webhook", []string{"X-Hume-Ai-Webhook-Signature", "X-Hume-Ai-Webhook-Timestamp"}, func(h http.Header) string {
			if len(h.Get("X-Hume-AI-Webhook-Signature")) != 64 || h.Get("X-Hume-AI-Webhook-Timestamp") != ts {
				return "want 64 hex digits and the timestamp"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		h := http.Header{}
		if err := signature.Sign(h, tt.scheme, tt.prefix, m, []string{secretB, secretA}); err != nil {
			t.Fatal(err)
		}
		for _, k := range tt.want {
			if _, ok := h[k]; !ok {
				t.Errorf("%q: no %s in %v", tt.scheme, k, h)
			}
		}
		if len(h) != len(tt.want) {
			t.Errorf("%q: got headers %v; want only %v", tt.scheme, h, tt.want)
		}
		if msg := tt.check(h); msg != "" {
			t.Errorf("%q: got %v; %s", tt.scheme, h, msg)
		}
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	m := signature.Message{ID: "evt_1", Timestamp: signedAt, Body: body}
	tests := []struct {
		scheme  string
		secrets []string
		want    error
	}{
		{"hmac", []string{secretA}, signature.ErrUnknownScheme},
		{signature.Auto, []string{secretA}, signature.ErrUnknownScheme},
		{signature.Stripe, nil, signature.ErrNoSecret},
		{signature.Stripe, []string{secretA, ""}, signature.ErrNoSecret},
		{signature.Standard, []string{secretA, "whsec_not base64!"}, signature.ErrInvalidSecret},
		{signature.Standard, []string{"whsec_"}, signature.ErrInvalidSecret},
	}
	for _, tt := range tests {
		h := http.Header{}
		err := signature.Sign(h, tt.scheme, "", m, tt.secrets)
		if !errors.Is(err, tt.want) {
			t.Errorf("Sign(%q, %q): got %v; want %v", tt.scheme, tt.secrets, err, tt.want)
		}
		if len(h) != 0 {
			t.Errorf("Sign(%q, %q) failed but set %v", tt.scheme, tt.secrets, h)
		}
	}
	// The stripe, github and split schemes take any secret string.
	for _, scheme := range []string{signature.Stripe, signature.GitHub, signature.Split} {
		if err := signature.Sign(http.Header{}, scheme, "", m, []string{"my plain secret"}); err != nil {
			t.Errorf("%s with a plain secret: %v", scheme, err)
		}
	}
}

func TestVerifierConfigErrors(t *testing.T) {
	t.Parallel()
	h := signed(t, signature.Standard, secretA)
	tests := []struct {
		v    signature.Verifier
		want error
	}{
		{signature.Verifier{}, signature.ErrNoSecret},
		{signature.Verifier{Secrets: []string{""}}, signature.ErrNoSecret},
		{signature.Verifier{Scheme: "sha256", Secrets: []string{secretA}}, signature.ErrUnknownScheme},
		{signature.Verifier{Secrets: []string{"whsec_%%%"}}, signature.ErrInvalidSecret},
	}
	for _, tt := range tests {
		if _, err := tt.v.Verify(h, body); !errors.Is(err, tt.want) {
			t.Errorf("%+v: got %v; want %v", tt.v, err, tt.want)
		}
	}
}

func TestDetectScheme(t *testing.T) {
	t.Parallel()
	tests := []struct {
		headers map[string]string
		prefix  string
		want    string
	}{
		{map[string]string{"webhook-signature": "v1,x"}, "", signature.Standard},
		{map[string]string{"X-Hookd-Signature": "t=1,v1=ab"}, "", signature.Stripe},
		{map[string]string{"X-Humiris-Signature": "t=1,v1=ab"}, "X-Humiris", signature.Stripe},
		{map[string]string{"X-Hookd-Signature": "sha256=ab"}, "", signature.GitHub},
		{map[string]string{"X-Hookd-Signature": "ab", "X-Hookd-Timestamp": "1"}, "", signature.Split},
		{map[string]string{"X-Hookd-Signature": "ab"}, "", signature.Split},
		{map[string]string{"X-Other-Signature": "sha256=ab"}, "", ""},
		{map[string]string{}, "", ""},
	}
	for _, tt := range tests {
		if got := signature.DetectScheme(header(tt.headers), tt.prefix); got != tt.want {
			t.Errorf("DetectScheme(%v, %q) = %q; want %q", tt.headers, tt.prefix, got, tt.want)
		}
	}
}

func TestVerifyStandard(t *testing.T) {
	t.Parallel()
	h := signed(t, signature.Standard, secretA)
	if err := signature.VerifyStandard(h, body, secretA, signedAt, 0); err != nil {
		t.Errorf("valid: %v", err)
	}
	if err := signature.VerifyStandard(h, body, secretA, signedAt.Add(time.Hour), 0); !errors.Is(err, signature.ErrTooOld) {
		t.Errorf("an hour late: got %v; want ErrTooOld", err)
	}
	if err := signature.VerifyStandard(h, body, secretB, signedAt, 0); !errors.Is(err, signature.ErrBadSignature) {
		t.Errorf("another secret: got %v; want ErrBadSignature", err)
	}
}

// TestVerifySeveralHeaderValues accepts standard signatures split over
// several webhook-signature header lines, as some proxies send them.
func TestVerifySeveralHeaderValues(t *testing.T) {
	t.Parallel()
	h := signed(t, signature.Standard, secretB, secretA)
	parts := strings.Fields(h.Get("webhook-signature"))
	h.Del("webhook-signature")
	for _, p := range parts {
		h.Add("webhook-signature", p)
	}
	if m, err := verifier(signature.Standard, signedAt, secretA).Verify(h, body); err != nil || m.Signature != 1 {
		t.Errorf("got %+v, %v; want signature 1", m, err)
	}
}
