package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme names, as a webhook's signature.scheme names them.
const (
	// Standard is Standard Webhooks (and Svix): headers webhook-id,
	// webhook-timestamp and webhook-signature.
	Standard = "standard"
	// Stripe is Stripe's scheme: <P>-Signature: t=<t>,v1=<hex>.
	Stripe = "stripe"
	// GitHub is GitHub's scheme: <P>-Signature: sha256=<hex>, no timestamp.
	GitHub = "github"
	// Split is a hex signature and a timestamp in two headers:
	// <P>-Signature and <P>-Timestamp.
	Split = "split"
	// Auto, for a Verifier only, picks the scheme from the headers a
	// request carries (see DetectScheme). It is meant for tools that check
	// requests of unknown origin; a receiver should name its scheme, since
	// Auto lets the sender choose github, which carries no timestamp.
	Auto = "auto"
)

// Header names of the standard scheme, in the lower case of the Standard
// Webhooks specification (HTTP header names are case-insensitive).
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// The standard scheme's header names as http.Header keys them, so that
// Sign need not canonicalise them on every call.
var (
	idKey        = http.CanonicalHeaderKey(HeaderID)
	timestampKey = http.CanonicalHeaderKey(HeaderTimestamp)
	signatureKey = http.CanonicalHeaderKey(HeaderSignature)
)

// base64MACLen is the length of an HMAC-SHA256 in standard base64.
const base64MACLen = (sha256.Size + 2) / 3 * 4

// DefaultPrefix is the header prefix <P> when none is set: the stripe,
// github and split schemes sign in X-Hookd-Signature (and split adds
// X-Hookd-Timestamp).
const DefaultPrefix = "X-Hookd"

// SecretPrefix starts every secret hookd generates: "whsec_" then the
// standard base64 of the key bytes.
const SecretPrefix = "whsec_"

// Message is what a signature covers.
type Message struct {
	// ID is the event id, the same on every retry. Only the standard
	// scheme signs it (as webhook-id).
	ID string
	// Timestamp is the attempt's time; only whole Unix seconds are signed.
	// The github scheme does not sign it.
	Timestamp time.Time
	// Body is exactly the bytes sent.
	Body []byte
}

// Headers names the headers a signature travels in. The zero value names
// every scheme's own headers under DefaultPrefix.
type Headers struct {
	// Prefix is the header prefix <P> of the stripe, github and split
	// schemes. "" means DefaultPrefix, "X-Hookd".
	Prefix string
	// Signature is the full name of the signature header, such as
	// X-Hub-Signature-256 for a receiver written for GitHub. "" means the
	// scheme's own: webhook-signature for standard, <P>-Signature for the
	// others. The standard scheme's webhook-id and webhook-timestamp keep
	// their names.
	Signature string
	// Timestamp is the full name of the split scheme's timestamp header.
	// "" means <P>-Timestamp. The other schemes ignore it: standard's is
	// webhook-timestamp, stripe's travels inside the signature header and
	// github signs none.
	Timestamp string
}

// Names returns the names of scheme's signature header and of its own
// timestamp header under n, spelt as given (HTTP header names are
// case-insensitive; the standard scheme's are lower case). The timestamp
// name is "" for stripe and github, which have none; the scheme "" means
// Standard. Names does not check scheme.
func (n Headers) Names(scheme string) (sig, ts string) {
	prefix := n.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	switch scheme {
	case Standard, "":
		sig, ts = HeaderSignature, HeaderTimestamp
	case Split:
		sig, ts = prefix+"-Signature", prefix+"-Timestamp"
		if n.Timestamp != "" {
			ts = n.Timestamp
		}
	default:
		sig = prefix + "-Signature"
	}
	if n.Signature != "" {
		sig = n.Signature
	}
	return sig, ts
}

// Sign sets on h the headers with which scheme signs m, using secrets,
// newest first, and prefix as the header prefix <P> of the stripe, github
// and split schemes ("" means DefaultPrefix). The scheme "" means Standard.
// It is SignHeaders with Headers{Prefix: prefix}, and returns its errors.
func Sign(h http.Header, scheme, prefix string, m Message, secrets []string) error {
	return SignHeaders(h, scheme, Headers{Prefix: prefix}, m, secrets)
}

// SignHeaders sets on h the headers with which scheme signs m, using
// secrets, newest first, in the headers names gives (see Headers). The
// scheme "" means Standard.
//
//   - standard: webhook-id, webhook-timestamp, and webhook-signature with
//     "v1,<base64>" per secret, space-separated: HMAC-SHA256 of "id.t.body"
//     keyed with the base64-decoded secret after "whsec_".
//   - stripe: <P>-Signature "t=<t>,v1=<hex>[,v1=<hex>…]", one v1 per
//     secret: HMAC-SHA256 of "t.body" keyed with the whole secret string.
//   - github: <P>-Signature "sha256=<hex>": HMAC-SHA256 of the body keyed
//     with the newest secret string.
//   - split: <P>-Signature "<hex>" and <P>-Timestamp "<t>": HMAC-SHA256 of
//     "body.t" keyed with the newest secret string.
//
// Here t is m.Timestamp in Unix seconds, and names.Signature and
// names.Timestamp, when set, replace webhook-signature or <P>-Signature and
// <P>-Timestamp. The same arguments always give the same headers.
// SignHeaders returns ErrUnknownScheme, ErrNoSecret when secrets is empty
// or holds "", or ErrInvalidSecret for a standard secret that is not
// base64 after "whsec_"; h is then unchanged.
func SignHeaders(h http.Header, scheme string, names Headers, m Message, secrets []string) error {
	if len(secrets) == 0 {
		return fmt.Errorf("%w to sign with", ErrNoSecret)
	}
	for i, s := range secrets {
		if s == "" {
			return fmt.Errorf("%w: secret %d is empty", ErrNoSecret, i+1)
		}
	}
	t := strconv.FormatInt(m.Timestamp.Unix(), 10)
	switch scheme {
	case Standard, "":
		var sigs strings.Builder
		sigs.Grow(len(secrets) * (len("v1,") + base64MACLen + len(" ")))
		for i, s := range secrets {
			key, err := standardKey(s)
			if err != nil {
				return err
			}
			if i > 0 {
				sigs.WriteByte(' ')
			}
			var sig [base64MACLen]byte
			base64.StdEncoding.Encode(sig[:], standardMAC(key, m.ID, t, m.Body))
			sigs.WriteString("v1,")
			sigs.Write(sig[:])
		}
		sigName := signatureKey
		if names.Signature != "" {
			sigName = http.CanonicalHeaderKey(names.Signature)
		}
		// The names are canonical already, and the values share one array.
		vs := []string{m.ID, t, sigs.String()}
		h[idKey] = vs[0:1:1]
		h[timestampKey] = vs[1:2:2]
		h[sigName] = vs[2:3:3]
	case Stripe:
		var b strings.Builder
		b.WriteString("t=")
		b.WriteString(t)
		for _, s := range secrets {
			b.WriteString(",v1=")
			b.WriteString(hex.EncodeToString(stripeMAC(s, t, m.Body)))
		}
		sig, _ := names.Names(scheme)
		h.Set(sig, b.String())
	case GitHub:
		sig, _ := names.Names(scheme)
		h.Set(sig, "sha256="+hex.EncodeToString(githubMAC(secrets[0], m.Body)))
	case Split:
		sig, ts := names.Names(scheme)
		h.Set(sig, hex.EncodeToString(splitMAC(secrets[0], t, m.Body)))
		h.Set(ts, t)
	default:
		return fmt.Errorf("%w %q", ErrUnknownScheme, scheme)
	}
	return nil
}

// standardKey returns the HMAC key of a standard-scheme secret: the
// base64-decoded part after "whsec_" (the prefix is optional).
func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(key) == 0 {
		return nil, fmt.Errorf("%w: the standard scheme needs %q followed by standard base64, such as the secrets hookd generates", ErrInvalidSecret, SecretPrefix)
	}
	return key, nil
}

// mac returns the HMAC-SHA256 of the concatenated parts under key.
func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

var dot = []byte{'.'}

func standardMAC(key []byte, id, t string, body []byte) []byte {
	return mac(key, []byte(id), dot, []byte(t), dot, body)
}

func stripeMAC(secret, t string, body []byte) []byte {
	return mac([]byte(secret), []byte(t), dot, body)
}

func githubMAC(secret string, body []byte) []byte {
	return mac([]byte(secret), body)
}

func splitMAC(secret, t string, body []byte) []byte {
	return mac([]byte(secret), body, dot, []byte(t))
}
