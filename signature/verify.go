package signature

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Errors of Sign and Verify. Verify wraps them with details, so test for
// them with errors.Is.
var (
	// ErrNoSignature means the request carries no signature of the scheme:
	// its signature header is missing, or holds no signature of a version
	// this package knows (v1 for standard and stripe).
	ErrNoSignature = errors.New("signature: no signature")
	// ErrMalformed means a signature or timestamp header is present but
	// cannot be parsed, or a header the scheme needs is missing.
	ErrMalformed = errors.New("signature: malformed header")
	// ErrBadSignature means no signature in the request matches any of the
	// secrets: the body, the timestamp or the id was changed, or the
	// request was signed with another secret or scheme.
	ErrBadSignature = errors.New("signature: no signature matches")
	// ErrTooOld means the signed timestamp is further in the past than the
	// tolerance: a late or replayed request.
	ErrTooOld = errors.New("signature: timestamp too old")
	// ErrTooNew means the signed timestamp is further in the future than
	// the tolerance: the sender's clock, or the receiver's, is wrong.
	ErrTooNew = errors.New("signature: timestamp too new")

	// ErrUnknownScheme means a scheme name is not one of Standard, Stripe,
	// GitHub, Split (or Auto, for a Verifier).
	ErrUnknownScheme = errors.New("signature: unknown scheme")
	// ErrNoSecret means there is no secret to sign or verify with, or one
	// of the secrets is empty.
	ErrNoSecret = errors.New("signature: no secret")
	// ErrInvalidSecret means a secret cannot be used by its scheme: the
	// standard scheme needs base64 after "whsec_".
	ErrInvalidSecret = errors.New("signature: invalid secret")
)

// DefaultTolerance is how far a signed timestamp may be from now when a
// Verifier's Tolerance is zero: 5 minutes, either way.
const DefaultTolerance = 5 * time.Minute

// Verifier checks the signatures of webhook requests. Its zero value checks
// nothing (it has no secret); set Secrets at least. A Verifier is safe for
// concurrent use as long as its fields are not changed.
type Verifier struct {
	// Scheme is the scheme requests are signed with: Standard, Stripe,
	// GitHub, Split, or Auto to detect it from the headers. "" means
	// Standard, hookd's default.
	Scheme string
	// Prefix is the header prefix <P> of the stripe, github and split
	// schemes (their signature is in <P>-Signature). "" means
	// DefaultPrefix, "X-Hookd". The standard scheme ignores it.
	Prefix string
	// SignatureHeader is the full name of the signature header when the
	// sender names it, such as X-Hub-Signature-256 (a hookd webhook's
	// signature.header). "" means the scheme's own: webhook-signature for
	// standard, <P>-Signature for the others.
	SignatureHeader string
	// TimestampHeader is the full name of the split scheme's timestamp
	// header (a hookd webhook's signature.timestamp_header). "" means
	// <P>-Timestamp. The other schemes ignore it.
	TimestampHeader string
	// Secrets are the secrets a request may be signed with. A request is
	// valid when any of its signatures matches any of them, so a receiver
	// can hold the old and the new secret while it switches. It must hold
	// at least one secret, and none may be "".
	Secrets []string
	// Tolerance is how far the signed timestamp may be from Now, in the
	// past or the future. Zero means DefaultTolerance (5 minutes); a
	// negative value turns the check off. The github scheme signs no
	// timestamp, so it is never checked there.
	Tolerance time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes bounds the bodies Middleware reads. Zero means
	// DefaultMaxBodyBytes (10 MiB). Verify ignores it.
	MaxBodyBytes int64
}

// Match says which signature of a request verified.
type Match struct {
	// Scheme is the scheme that verified (never Auto).
	Scheme string
	// Secret is the index in Verifier.Secrets of the secret that matched.
	Secret int
	// Signature is the index, from 0, of the matching signature among
	// those the request carries: during a rotation the standard and stripe
	// schemes carry one per valid secret, newest first.
	Signature int
	// Timestamp is the signed time; zero for the github scheme, which signs
	// none.
	Timestamp time.Time
	// ID is the signed webhook-id of the standard scheme; "" for the other
	// schemes, which do not sign the event id (read <P>-Event-Id instead).
	ID string
}

// DetectScheme returns the scheme of the signature headers in h, with
// prefix as the header prefix <P> ("" means DefaultPrefix): Standard when
// webhook-signature is present, otherwise Split when <P>-Timestamp is,
// GitHub when <P>-Signature starts with "sha256=", Stripe when it starts
// with "t=" or holds "v1=", else Split. It returns "" when h has neither
// webhook-signature nor <P>-Signature. It is DetectSchemeHeaders with
// Headers{Prefix: prefix}.
func DetectScheme(h http.Header, prefix string) string {
	return DetectSchemeHeaders(h, Headers{Prefix: prefix})
}

// DetectSchemeHeaders is DetectScheme for signatures in the headers names
// gives. With names.Signature set, that header holds every scheme's
// signature: the scheme is Standard when webhook-id is present too, and is
// otherwise told apart as DetectScheme does, names.Timestamp (or
// <P>-Timestamp) marking Split. It returns "" when no signature header of
// names is present.
func DetectSchemeHeaders(h http.Header, names Headers) string {
	sigName, tsName := names.Names(Split)
	if names.Signature == "" {
		if h.Get(HeaderSignature) != "" {
			return Standard
		}
	} else if h.Get(sigName) != "" && h.Get(HeaderID) != "" {
		return Standard
	}
	sig := strings.TrimSpace(h.Get(sigName))
	switch {
	case sig == "":
		return ""
	case h.Get(tsName) != "":
		return Split
	case strings.HasPrefix(sig, "sha256="):
		return GitHub
	case strings.HasPrefix(sig, "t=") || strings.Contains(sig, "v1="):
		return Stripe
	}
	return Split
}

// candidate is one signature found in a request.
type candidate struct {
	raw string // as in the header
	mac []byte // decoded; nil when raw cannot be decoded
}

// signed is what a request's headers say was signed.
type signed struct {
	scheme  string
	header  string // the name of the signature header
	id      string // standard only
	ts      string // as in the header; "" for github
	t       time.Time
	sigs    []candidate
	skipped int    // signatures of other versions
	bad     string // why some signature could not be decoded
}

// Verify checks the signature of a request with headers h and body, which
// must be exactly the bytes received. It returns which signature matched,
// or one of ErrNoSignature, ErrMalformed, ErrTooOld, ErrTooNew and
// ErrBadSignature, wrapped with what exactly is wrong (the text never
// contains a valid signature). It checks the timestamp before the
// signatures. A Verifier that cannot verify anything returns ErrNoSecret,
// ErrUnknownScheme or ErrInvalidSecret.
func (v *Verifier) Verify(h http.Header, body []byte) (Match, error) {
	if len(v.Secrets) == 0 {
		return Match{}, fmt.Errorf("%w: Verifier.Secrets is empty", ErrNoSecret)
	}
	for i, s := range v.Secrets {
		if s == "" {
			return Match{}, fmt.Errorf("%w: Verifier.Secrets[%d] is empty", ErrNoSecret, i)
		}
	}
	names := v.headers()
	scheme := v.Scheme
	switch scheme {
	case "":
		scheme = Standard
	case Auto:
		scheme = DetectSchemeHeaders(h, names)
		if scheme == "" {
			std, _ := names.Names(Standard)
			other, _ := names.Names(Split)
			if std == other {
				return Match{}, fmt.Errorf("%w: %s is not present", ErrNoSignature, std)
			}
			return Match{}, fmt.Errorf("%w: neither %s nor %s is present", ErrNoSignature, std, other)
		}
	case Standard, Stripe, GitHub, Split:
	default:
		return Match{}, fmt.Errorf("%w: Verifier.Scheme %q", ErrUnknownScheme, scheme)
	}
	var keys [][]byte
	if scheme == Standard {
		keys = make([][]byte, len(v.Secrets))
		for i, s := range v.Secrets {
			k, err := standardKey(s)
			if err != nil {
				return Match{}, fmt.Errorf("%w (Verifier.Secrets[%d])", err, i)
			}
			keys[i] = k
		}
	}

	s, err := parse(h, scheme, names)
	if err != nil {
		return Match{}, err
	}
	if s.ts != "" {
		if err := v.checkTime(s); err != nil {
			return Match{}, err
		}
	}
	for i, secret := range v.Secrets {
		var want []byte
		switch scheme {
		case Standard:
			want = standardMAC(keys[i], s.id, s.ts, body)
		case Stripe:
			want = stripeMAC(secret, s.ts, body)
		case GitHub:
			want = githubMAC(secret, body)
		case Split:
			want = splitMAC(secret, s.ts, body)
		}
		for j, c := range s.sigs {
			if c.mac != nil && hmac.Equal(c.mac, want) {
				return Match{Scheme: scheme, Secret: i, Signature: j, Timestamp: s.t, ID: s.id}, nil
			}
		}
	}
	if s.bad != "" {
		return Match{}, fmt.Errorf("%w: %s", ErrMalformed, s.bad)
	}
	return Match{}, fmt.Errorf("%w: %s", ErrBadSignature, mismatch(s, len(v.Secrets)))
}

// headers returns the names of v's signature headers.
func (v *Verifier) headers() Headers {
	return Headers{Prefix: v.Prefix, Signature: v.SignatureHeader, Timestamp: v.TimestampHeader}
}

// mismatch says which signatures did not match how many secrets.
func mismatch(s signed, secrets int) string {
	what := "the signature in " + s.header
	if len(s.sigs) > 1 {
		what = fmt.Sprintf("none of the %d signatures in %s", len(s.sigs), s.header)
	}
	with := "the secret"
	if secrets > 1 {
		with = fmt.Sprintf("any of the %d secrets", secrets)
	}
	verb := "matches"
	if len(s.sigs) == 1 {
		verb = "does not match"
	}
	covers := map[string]string{
		Standard: "webhook-id, webhook-timestamp and body",
		Stripe:   "timestamp and body",
		GitHub:   "body",
		Split:    "body and timestamp",
	}[s.scheme]
	return fmt.Sprintf("%s %s %s for this %s (%s scheme)", what, verb, with, covers, s.scheme)
}

// checkTime checks s's timestamp against v's clock and tolerance.
func (v *Verifier) checkTime(s signed) error {
	tol := v.Tolerance
	if tol < 0 {
		return nil
	}
	if tol == 0 {
		tol = DefaultTolerance
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	switch d := now.Sub(s.t); {
	case d > tol:
		return fmt.Errorf("%w: signed at %s, %s before now; the tolerance is %s", ErrTooOld, s.t.UTC().Format(time.RFC3339), d.Truncate(time.Second), tol)
	case -d > tol:
		return fmt.Errorf("%w: signed at %s, %s after now; the tolerance is %s", ErrTooNew, s.t.UTC().Format(time.RFC3339), (-d).Truncate(time.Second), tol)
	}
	return nil
}

// parse reads the signature headers of scheme from h, named by names.
func parse(h http.Header, scheme string, names Headers) (signed, error) {
	sigName, tsName := names.Names(scheme)
	s := signed{scheme: scheme, header: sigName}
	switch scheme {
	case Standard:
		var parts []string
		for _, v := range h.Values(sigName) {
			parts = append(parts, strings.Fields(v)...)
		}
		if len(parts) == 0 {
			return s, fmt.Errorf("%w: no %s header", ErrNoSignature, s.header)
		}
		if s.id = h.Get(HeaderID); s.id == "" {
			return s, fmt.Errorf("%w: %s is missing", ErrMalformed, HeaderID)
		}
		if err := s.parseTime(HeaderTimestamp, h.Get(HeaderTimestamp)); err != nil {
			return s, err
		}
		for _, p := range parts {
			version, sig, ok := strings.Cut(p, ",")
			switch {
			case !ok:
				s.sigs = append(s.sigs, candidate{raw: p})
				s.bad = fmt.Sprintf("%s: %q is not <version>,<base64>", s.header, abbrev(p))
			case version != "v1":
				s.skipped++
			default:
				mac, err := base64.StdEncoding.DecodeString(sig)
				if err != nil {
					s.bad = fmt.Sprintf("%s: %q is not base64", s.header, abbrev(sig))
					mac = nil
				}
				s.sigs = append(s.sigs, candidate{raw: p, mac: mac})
			}
		}
		if len(s.sigs) == 0 {
			return s, fmt.Errorf("%w: %s has no v1 signature", ErrNoSignature, s.header)
		}
	case Stripe:
		header := strings.TrimSpace(h.Get(s.header))
		if header == "" {
			return s, fmt.Errorf("%w: no %s header", ErrNoSignature, s.header)
		}
		var ts string
		for _, item := range strings.Split(header, ",") {
			item = strings.TrimSpace(item)
			k, val, ok := strings.Cut(item, "=")
			switch {
			case !ok:
				return s, fmt.Errorf("%w: %s: %q is not key=value", ErrMalformed, s.header, abbrev(item))
			case k == "t":
				if ts != "" {
					return s, fmt.Errorf("%w: %s has two t= parts", ErrMalformed, s.header)
				}
				ts = val
				if ts == "" {
					return s, fmt.Errorf("%w: %s has an empty t= part", ErrMalformed, s.header)
				}
			case k == "v1":
				mac, err := hex.DecodeString(val)
				if err != nil {
					s.bad = fmt.Sprintf("%s: v1=%q is not hex", s.header, abbrev(val))
					mac = nil
				}
				s.sigs = append(s.sigs, candidate{raw: item, mac: mac})
			default:
				s.skipped++
			}
		}
		if ts == "" {
			return s, fmt.Errorf("%w: %s has no t= part", ErrMalformed, s.header)
		}
		if err := s.parseTime(s.header+" t=", ts); err != nil {
			return s, err
		}
		if len(s.sigs) == 0 {
			return s, fmt.Errorf("%w: %s has no v1= signature", ErrNoSignature, s.header)
		}
	case GitHub:
		header := strings.TrimSpace(h.Get(s.header))
		if header == "" {
			return s, fmt.Errorf("%w: no %s header", ErrNoSignature, s.header)
		}
		alg, sig, ok := strings.Cut(header, "=")
		if !ok || alg != "sha256" {
			return s, fmt.Errorf("%w: %s: %q is not sha256=<hex>", ErrMalformed, s.header, abbrev(header))
		}
		mac, err := hex.DecodeString(sig)
		if err != nil {
			return s, fmt.Errorf("%w: %s: %q is not hex", ErrMalformed, s.header, abbrev(sig))
		}
		s.sigs = []candidate{{raw: header, mac: mac}}
	case Split:
		header := strings.TrimSpace(h.Get(s.header))
		if header == "" {
			return s, fmt.Errorf("%w: no %s header", ErrNoSignature, s.header)
		}
		mac, err := hex.DecodeString(header)
		if err != nil {
			return s, fmt.Errorf("%w: %s: %q is not hex", ErrMalformed, s.header, abbrev(header))
		}
		if err := s.parseTime(tsName, h.Get(tsName)); err != nil {
			return s, err
		}
		s.sigs = []candidate{{raw: header, mac: mac}}
	}
	return s, nil
}

// parseTime sets s's timestamp from value, the Unix seconds in header.
func (s *signed) parseTime(header, value string) error {
	if value == "" {
		return fmt.Errorf("%w: %s is missing", ErrMalformed, header)
	}
	secs, err := strconv.ParseInt(value, 10, 64)
	if err != nil || secs < 0 || value[0] == '+' {
		return fmt.Errorf("%w: %s %q is not a Unix time in seconds", ErrMalformed, header, abbrev(value))
	}
	s.ts, s.t = value, time.Unix(secs, 0)
	return nil
}

// abbrev shortens a header value quoted in an error.
func abbrev(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// VerifyStandard checks a standard-scheme request's headers and body
// against secret at now, allowing timestamps within tolerance
// (DefaultTolerance if zero, no check if negative). It is short for Verify
// with a Verifier of the standard scheme and returns the same errors.
func VerifyStandard(h http.Header, body []byte, secret string, now time.Time, tolerance time.Duration) error {
	v := Verifier{Scheme: Standard, Secrets: []string{secret}, Tolerance: tolerance, Now: func() time.Time { return now }}
	_, err := v.Verify(h, body)
	return err
}
