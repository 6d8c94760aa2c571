package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd/signature"
)

const verifyUsage = `verify --secret whsec_... --headers FILE --body FILE [flags]

Checks the signature of a saved webhook request against the webhook's
signing secret and says which scheme and which signature matched, or exactly
why none did. FILE "-" is standard input (for one of the two).

--headers holds the request's headers as "Name: value" lines, as
'hookd receive' prints them or 'curl -D' saves them; other lines are
ignored. --body must hold the body exactly as received (byte for byte: not
re-formatted JSON, and without a newline an editor may have added).

Exit status: 0 when the signature is valid, 1 when it is not, 2 for a bad
command line.`

// secretList is a repeatable --secret flag.
type secretList []string

func (s *secretList) String() string { return strings.Join(*s, ",") }

func (s *secretList) Set(v string) error {
	if v == "" {
		return errors.New("empty secret")
	}
	*s = append(*s, v)
	return nil
}

func runVerify(_ context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlagSet("verify", verifyUsage, errOut)
	var secrets secretList
	fs.Var(&secrets, "secret", "the webhook's signing secret (repeat for several, such as the old and new one during a rotation)")
	headersFile := fs.String("headers", "", `file with the request's headers as "Name: value" lines`)
	bodyFile := fs.String("body", "", "file with the request's body, exactly as received")
	scheme := fs.String("scheme", signature.Auto, "signature scheme: auto, standard, stripe, github or split")
	prefix := fs.String("prefix", "", "header prefix of the stripe, github and split schemes (default: found in the headers, else X-Hookd)")
	sigHeader := fs.String("signature-header", "", "full name of the signature header, when the webhook sets signature.header (such as X-Hub-Signature-256)")
	tsHeader := fs.String("signature-timestamp-header", "", "full name of the split scheme's timestamp header, when the webhook sets signature.timestamp_header")
	tolerance := fs.Duration("tolerance", signature.DefaultTolerance, "how far the signed timestamp may be from now")
	noTolerance := fs.Bool("no-tolerance", false, "do not check the timestamp (for requests saved a while ago)")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError("verify takes no arguments; got %q", fs.Args())
	case len(secrets) == 0:
		return usageError("--secret is required")
	case *headersFile == "" || *bodyFile == "":
		return usageError("--headers and --body are required")
	case *headersFile == "-" && *bodyFile == "-":
		return usageError("--headers and --body cannot both be standard input")
	case *sigHeader != "" && !isToken(*sigHeader):
		return usageError("--signature-header %q is not a header name", *sigHeader)
	case *tsHeader != "" && !isToken(*tsHeader):
		return usageError("--signature-timestamp-header %q is not a header name", *tsHeader)
	case *tolerance <= 0 && !*noTolerance:
		return usageError("--tolerance must be positive; use --no-tolerance to skip the check")
	}
	switch *scheme {
	case signature.Auto, signature.Standard, signature.Stripe, signature.GitHub, signature.Split:
	default:
		return usageError("--scheme %q: want auto, standard, stripe, github or split", *scheme)
	}
	rawHeaders, err := readInput(*headersFile)
	if err != nil {
		return err
	}
	body, err := readInput(*bodyFile)
	if err != nil {
		return err
	}
	h := parseHeaderLines(rawHeaders)
	if len(h) == 0 {
		return fmt.Errorf("%s: no \"Name: value\" header lines", *headersFile)
	}
	p := *prefix
	if p == "" {
		p = findPrefix(h)
	}
	v := &signature.Verifier{Scheme: *scheme, Prefix: p, SignatureHeader: *sigHeader, TimestampHeader: *tsHeader, Secrets: secrets, Tolerance: *tolerance}
	if *noTolerance {
		v.Tolerance = -1
	}
	r := verifyReport{v: v, h: h, body: body, out: out}
	return r.run()
}

// names returns the names of the Verifier's signature headers.
func (r *verifyReport) names() signature.Headers {
	return signature.Headers{Prefix: r.v.Prefix, Signature: r.v.SignatureHeader, Timestamp: r.v.TimestampHeader}
}

// verifyReport checks one saved request and explains the outcome.
type verifyReport struct {
	v    *signature.Verifier
	h    http.Header
	body []byte
	out  io.Writer
}

func (r *verifyReport) run() error {
	v, h, out := r.v, r.h, r.out
	used := v.Scheme
	if used == signature.Auto {
		used = signature.DetectSchemeHeaders(h, r.names())
	}
	if used != "" {
		how := "given with --scheme"
		if v.Scheme == signature.Auto {
			how = "detected from the headers"
		}
		fmt.Fprintf(out, "scheme:    %s (%s)\n", used, how)
		if used != signature.Standard && v.SignatureHeader == "" {
			fmt.Fprintf(out, "prefix:    %s\n", v.Prefix)
		}
		if sig, ts := r.names().Names(used); v.SignatureHeader != "" || (used == signature.Split && v.TimestampHeader != "") {
			fmt.Fprintf(out, "headers:   %s\n", strings.TrimSuffix(sig+", "+ts, ", "))
		}
	}
	m, err := v.Verify(h, r.body)
	if err == nil {
		fmt.Fprintf(out, "signature: %s\n", r.describeMatch(m))
		if !m.Timestamp.IsZero() {
			fmt.Fprintf(out, "timestamp: %s (%s)\n", m.Timestamp.UTC().Format(time.RFC3339), ago(m.Timestamp))
		}
		if m.ID != "" {
			fmt.Fprintf(out, "id:        %s\n", m.ID)
		}
		fmt.Fprintln(out, "valid")
		return nil
	}
	fmt.Fprintln(out, "invalid:  ", err)
	switch {
	case errors.Is(err, signature.ErrNoSecret), errors.Is(err, signature.ErrInvalidSecret), errors.Is(err, signature.ErrUnknownScheme):
		return usageError("%v", err)
	case errors.Is(err, signature.ErrTooOld), errors.Is(err, signature.ErrTooNew):
		lenient := *v
		lenient.Tolerance = -1
		if m, e := lenient.Verify(h, r.body); e == nil {
			fmt.Fprintf(out, "note:      apart from its age the request is valid: %s; use --no-tolerance to check requests saved a while ago\n", r.describeMatch(m))
		} else {
			fmt.Fprintln(out, "note:      the signature does not match either:", e)
		}
	case errors.Is(err, signature.ErrNoSignature):
		var names []string
		for k := range h {
			if strings.Contains(strings.ToLower(k), "signature") {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		if len(names) > 0 {
			fmt.Fprintf(out, "note:      signature headers present: %s; set --prefix, --signature-header or --scheme to match them\n", strings.Join(names, ", "))
		}
	case errors.Is(err, signature.ErrBadSignature):
		r.explainMismatch(used)
	}
	return err
}

// describeMatch says which signature matched which secret.
func (r *verifyReport) describeMatch(m signature.Match) string {
	s := fmt.Sprintf("%s signature %d matches", m.Scheme, m.Signature+1)
	if len(r.v.Secrets) > 1 {
		s += fmt.Sprintf(" secret %d (%s)", m.Secret+1, abbrevSecret(r.v.Secrets[m.Secret]))
	} else {
		s += " the secret"
	}
	return s
}

// explainMismatch shows what hookd would have sent with each secret, and
// tries the usual mistakes.
func (r *verifyReport) explainMismatch(scheme string) {
	v, h, out := r.v, r.h, r.out
	id := h.Get(signature.HeaderID)
	sigName, tsName := r.names().Names(scheme)
	ts := h.Get(tsName) // standard, split
	if scheme == signature.Stripe {
		for _, item := range strings.Split(h.Get(sigName), ",") {
			if t, ok := strings.CutPrefix(strings.TrimSpace(item), "t="); ok {
				ts = t
			}
		}
	}
	secs, _ := strconv.ParseInt(ts, 10, 64)
	msg := signature.Message{ID: id, Timestamp: time.Unix(secs, 0), Body: r.body}
	for i, secret := range v.Secrets {
		want := http.Header{}
		if signature.SignHeaders(want, scheme, r.names(), msg, []string{secret}) != nil {
			continue
		}
		fmt.Fprintf(out, "expected:  with secret %d (%s) over this body (%d bytes), hookd would send\n           %s: %s\n", i+1, abbrevSecret(secret), len(r.body), sigName, want.Get(sigName))
	}
	fmt.Fprintf(out, "got:       %s\n", r.signatureHeader(scheme))

	try := func(what string, alt signature.Verifier, body []byte) bool {
		alt.Tolerance = -1
		if m, err := alt.Verify(h, body); err == nil {
			fmt.Fprintf(out, "hint:      %s: then %s\n", what, r.describeMatch(m))
			return true
		}
		return false
	}
	if trimmed := bytes.TrimRight(r.body, "\r\n"); len(trimmed) < len(r.body) &&
		try("the body file ends with a line break the request did not have; without it the signature is valid", *v, trimmed) {
		return
	}
	for _, other := range []string{signature.Standard, signature.Stripe, signature.GitHub, signature.Split} {
		if other == scheme {
			continue
		}
		alt := *v
		alt.Scheme = other
		if try("the request is signed with the "+other+" scheme, not "+scheme, alt, r.body) {
			return
		}
	}
	alt := *v
	alt.Secrets = nil
	for _, s := range v.Secrets {
		if rest, ok := strings.CutPrefix(s, signature.SecretPrefix); ok {
			alt.Secrets = append(alt.Secrets, rest)
		} else {
			alt.Secrets = append(alt.Secrets, signature.SecretPrefix+s)
		}
	}
	if scheme != signature.Standard && try("with \"whsec_\" added to or taken from the secret the signature is valid; the "+scheme+" scheme's key is the whole secret string as hookd shows it, \"whsec_\" included", alt, r.body) {
		return
	}
	fmt.Fprintln(out, "hint:      check that the secret is this webhook's current one (after a rotation, the old one signs only during the grace period), and that the body file holds the bytes received, not re-formatted JSON")
}

// signatureHeader returns the signature header of scheme as "Name: value".
func (r *verifyReport) signatureHeader(scheme string) string {
	name, _ := r.names().Names(scheme)
	return name + ": " + r.h.Get(name)
}

// abbrevSecret shows enough of a secret to tell it from another.
func abbrevSecret(s string) string {
	if len(s) <= 14 {
		return s
	}
	return s[:10] + "…" + s[len(s)-4:]
}

// ago says how long before now t was.
func ago(t time.Time) string {
	d := time.Since(t).Truncate(time.Second)
	if d < 0 {
		return (-d).String() + " in the future"
	}
	return d.String() + " ago"
}

// readInput reads a file, or standard input for "-".
func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return b, nil
}

// parseHeaderLines reads "Name: value" lines, skipping what is not one: an
// HTTP status line, 'hookd receive' request and answer lines, a body.
func parseHeaderLines(b []byte) http.Header {
	h := http.Header{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			continue
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
	return h
}

// isToken reports whether s is an HTTP header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// findPrefix returns <P> from a <P>-Signature header in h other than
// webhook-signature, when there is exactly one, or DefaultPrefix.
func findPrefix(h http.Header) string {
	found := ""
	for k := range h {
		if len(k) > len("-Signature") && strings.EqualFold(k[len(k)-len("-Signature"):], "-Signature") && !strings.EqualFold(k, signature.HeaderSignature) {
			if found != "" {
				return signature.DefaultPrefix
			}
			found = k[:len(k)-len("-Signature")]
		}
	}
	if found == "" {
		return signature.DefaultPrefix
	}
	return found
}
