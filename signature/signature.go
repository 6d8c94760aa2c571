package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme names.
const (
	Standard = "standard"
)

// SecretPrefix starts every secret hookd generates.
const SecretPrefix = "whsec_"

// Message is what a signature covers.
type Message struct {
	// ID is the event id, the same on every retry.
	ID string
	// Timestamp is the attempt's time; only whole seconds are signed.
	Timestamp time.Time
	// Body is exactly the bytes sent.
	Body []byte
}

// Errors returned by Sign and Verify.
var (
	ErrUnknownScheme = errors.New("signature: unknown scheme")
	ErrNoSecret      = errors.New("signature: no secret")
	ErrNoSignature   = errors.New("signature: no signature header")
	ErrBadSignature  = errors.New("signature: no signature matches")
	ErrMalformed     = errors.New("signature: malformed header")
	ErrTooOld        = errors.New("signature: timestamp too old")
	ErrTooNew        = errors.New("signature: timestamp too far in the future")
)

// Sign sets on h the headers that scheme uses to sign m with secrets,
// newest first (schemes that carry one signature use the first). It returns
// ErrUnknownScheme or ErrNoSecret, or an error for a secret it cannot use.
func Sign(h http.Header, scheme string, m Message, secrets []string) error {
	if len(secrets) == 0 {
		return ErrNoSecret
	}
	switch scheme {
	case Standard:
		sigs := make([]string, 0, len(secrets))
		for _, s := range secrets {
			key, err := standardKey(s)
			if err != nil {
				return err
			}
			sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(standardMAC(key, m)))
		}
		h.Set("webhook-id", m.ID)
		h.Set("webhook-timestamp", strconv.FormatInt(m.Timestamp.Unix(), 10))
		h.Set("webhook-signature", strings.Join(sigs, " "))
		return nil
	}
	return fmt.Errorf("%w %q", ErrUnknownScheme, scheme)
}

func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("signature: standard secret is not base64 after %q: %w", SecretPrefix, err)
	}
	return key, nil
}

func standardMAC(key []byte, m Message) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(m.ID))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, m.Timestamp.Unix(), 10))
	mac.Write([]byte{'.'})
	mac.Write(m.Body)
	return mac.Sum(nil)
}

// DefaultTolerance is how far a timestamp may be from now: 5 minutes.
const DefaultTolerance = 5 * time.Minute

// VerifyStandard checks a standard-scheme request's headers and body against
// secret at now, allowing timestamps within tolerance (DefaultTolerance if
// zero). It returns nil, or one of ErrNoSignature, ErrMalformed, ErrTooOld,
// ErrTooNew and ErrBadSignature.
func VerifyStandard(h http.Header, body []byte, secret string, now time.Time, tolerance time.Duration) error {
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	id, ts, sig := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if sig == "" {
		return ErrNoSignature
	}
	if id == "" || ts == "" {
		return ErrMalformed
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrMalformed
	}
	t := time.Unix(secs, 0)
	if now.Sub(t) > tolerance {
		return ErrTooOld
	}
	if t.Sub(now) > tolerance {
		return ErrTooNew
	}
	key, err := standardKey(secret)
	if err != nil {
		return err
	}
	want := standardMAC(key, Message{ID: id, Timestamp: t, Body: body})
	for _, part := range strings.Split(sig, " ") {
		v, b64, ok := strings.Cut(part, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}
