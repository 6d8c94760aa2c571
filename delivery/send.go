package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/signature"
)

// Redacted replaces secret header values in the attempt log.
const Redacted = "[redacted]"

// DialFunc makes an outbound connection, as http.Transport.DialContext.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// maxResponseHeaderBytes bounds the headers of a webhook's answer.
const maxResponseHeaderBytes = 64 << 10

// sender makes the HTTP requests of attempts.
type sender struct {
	verified   *http.Transport // TLS certificates checked
	unverified *http.Transport // for webhooks with tls_verify false
	requireTLS bool            // verify even with tls_verify false
	allowHTTP  bool            // send to http:// URLs
	prefix     string
	names      headerNames // of prefix
	userAgent  string
}

// headerNames are the canonical names of hookd's own headers under one
// prefix, made once so that each request need not canonicalise them.
type headerNames struct {
	eventType, eventID, deliveryID, attempt string
}

func newHeaderNames(prefix string) headerNames {
	return headerNames{
		eventType:  http.CanonicalHeaderKey(prefix + "-Event-Type"),
		eventID:    http.CanonicalHeaderKey(prefix + "-Event-Id"),
		deliveryID: http.CanonicalHeaderKey(prefix + "-Delivery-Id"),
		attempt:    http.CanonicalHeaderKey(prefix + "-Attempt"),
	}
}

// ownHeaders is how many headers hookd sets on a request: its six and the
// standard scheme's three.
const ownHeaders = 9

func newSender(cfg *Config) *sender {
	newTransport := func(verify bool) *http.Transport {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: cfg.DialControl}
		dial := DialFunc(dialer.DialContext)
		if cfg.Dial != nil {
			dial = cfg.Dial
		}
		return &http.Transport{
			// No Proxy: requests go straight to the webhook, so that
			// the destination policy judges the address dialled.
			DialContext:            dial,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           cfg.Workers,
			MaxIdleConnsPerHost:    cfg.Workers, // webhooks may share a host
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  0, // the attempt's own timeout bounds it
			TLSClientConfig:        &tls.Config{InsecureSkipVerify: !verify, MinVersion: tls.VersionTLS12},
		}
	}
	return &sender{verified: newTransport(true), unverified: newTransport(false), requireTLS: cfg.RequireTLSVerify, allowHTTP: !cfg.RequireHTTPS,
		prefix: cfg.HeaderPrefix, names: newHeaderNames(cfg.HeaderPrefix), userAgent: "hookd/" + cfg.Version}
}

// attemptTimeout bounds one attempt to w: its timeout_seconds.
func attemptTimeout(w *hookd.Webhook) time.Duration {
	return time.Duration(w.TimeoutSeconds) * time.Second
}

// send makes one attempt of claim c at now and returns its log entry and
// result. It never returns early for a bad webhook: every failure is part of
// the result. The attempt ends at the webhook's timeout, or at ctx's
// deadline when that comes sooner.
func (s *sender) send(ctx context.Context, c *hookd.Claim, trigger string, now time.Time) (hookd.Attempt, Result) {
	w := c.Webhook
	prefix, names := s.prefix, s.names
	if p := w.Signature.HeaderPrefix; p != "" && p != prefix {
		prefix, names = p, newHeaderNames(p)
	}
	a := hookd.Attempt{
		Trigger:   trigger,
		StartedAt: now,
		Request:   hookd.AttemptRequest{Method: w.Method, URL: w.URL},
	}
	timeout := attemptTimeout(w)
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, w.Method, w.URL, bytes.NewReader(c.Payload))
	if err != nil {
		a.Error = fmt.Sprintf("build request: %v", err)
		return a, Result{Err: err}
	}
	h := make(http.Header, len(w.Headers)+ownHeaders)
	for k, v := range w.Headers {
		h.Set(k, v)
	}
	// hookd's own headers come after the webhook's, and win. Their names
	// are canonical already, and their values share one array.
	vs := []string{"application/json", s.userAgent, c.Delivery.EventType, c.Delivery.EventID, c.Delivery.ID, strconv.Itoa(c.Delivery.Attempts + 1)}
	h["Content-Type"] = vs[0:1:1]
	h["User-Agent"] = vs[1:2:2]
	h[names.eventType] = vs[2:3:3]
	h[names.eventID] = vs[3:4:4]
	h[names.deliveryID] = vs[4:5:5]
	h[names.attempt] = vs[5:6:6]
	req.Header = h
	msg := signature.Message{ID: c.Delivery.EventID, Timestamp: now, Body: c.Payload}
	sigNames := signature.Headers{Prefix: prefix, Signature: w.Signature.Header, Timestamp: w.Signature.TimestampHeader}
	if err := signature.SignHeaders(h, w.Signature.Scheme, sigNames, msg, w.ValidSecrets(now)); err != nil {
		a.Request.Headers = logHeaders(h, w.Headers)
		a.Error = fmt.Sprintf("sign request: %v", err)
		return a, Result{Err: err}
	}
	a.Request.Headers = logHeaders(h, w.Headers)
	if p := hookd.HTTPProblem(w.URL, s.allowHTTP); p != "" {
		a.Error = p
		return a, Result{Err: errors.New(p)}
	}

	rt := s.verified
	if !w.TLSVerify && !s.requireTLS {
		rt = s.unverified
	}
	start := time.Now()
	resp, err := roundTrip(rt, req)
	if err != nil {
		a.DurationMS = time.Since(start).Milliseconds()
		a.Error = describe(err, timeout)
		return a, Result{Err: err}
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, hookd.MaxLoggedBody))
	if readErr == nil && len(body) == hookd.MaxLoggedBody {
		// Read a little more so the connection can be reused, then let it go.
		// A shorter body was read to its end already.
		_, _ = io.CopyN(io.Discard, resp.Body, hookd.MaxLoggedBody)
	}
	resp.Body.Close()
	a.DurationMS = time.Since(start).Milliseconds()
	a.Response = &hookd.AttemptResponse{Status: resp.StatusCode, Headers: logHeaders(resp.Header, nil), Body: string(body)}
	redactEchoes(a.Response, w)
	res := Result{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		res.RetryAfter = hookd.ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	switch {
	case readErr != nil && resp.StatusCode >= 200 && resp.StatusCode < 300:
		// The answer counts; a body cut short is only noted.
		a.Error = describe(readErr, timeout)
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Error = fmt.Sprintf("redirect (%d) not followed: webhooks must answer 2xx", resp.StatusCode)
	}
	return a, res
}

// roundTrip sends req once with rt, in place of an http.Client, whose Do
// copies the headers on every request for redirects that hookd never
// follows. The Transport follows none: a 3xx is the answer. The errors read
// as the client's: a *url.Error naming the method and URL, and
// ErrSchemeMismatch for an HTTP answer to an HTTPS request. Nothing else the
// client does applies: there is no cookie jar and no client timeout (the
// request's context bounds the attempt, body included), and a webhook URL
// has no user info to send as Basic auth (hookd.ValidateWebhook).
func roundTrip(rt *http.Transport, req *http.Request) (*http.Response, error) {
	resp, err := rt.RoundTrip(req)
	if err == nil {
		return resp, nil
	}
	if tlsErr, ok := err.(tls.RecordHeaderError); ok && string(tlsErr.RecordHeader[:]) == "HTTP/" {
		err = http.ErrSchemeMismatch
	}
	m := req.Method
	return nil, &url.Error{Op: m[:1] + strings.ToLower(m[1:]), URL: req.URL.Redacted(), Err: err}
}

// describe says what went wrong with a request in words a user can act on.
func describe(err error, timeout time.Duration) string {
	var ne net.Error
	var refused *egress.RefusedError
	switch {
	case errors.As(err, &refused):
		return refused.Error()
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Sprintf("timeout: no answer within %s", timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: " + err.Error()
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset: " + err.Error()
	}
	return err.Error()
}

// logHeaders flattens h for the attempt log, with the values of the
// webhook's own headers (often credentials) redacted.
func logHeaders(h http.Header, own map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[k] = strings.Join(vs, ", ")
	}
	for k := range own {
		ck := http.CanonicalHeaderKey(k)
		if _, ok := out[ck]; ok {
			out[ck] = Redacted
		}
	}
	return out
}

// minRedacted is the length under which a header value is not looked for in
// an answer: a value that short is no credential, and replacing it would
// garble the log.
const minRedacted = 4

// redactEchoes replaces, in the answer's headers and body, every credential
// of w that the receiver echoed: its own header values (and the credentials
// after a scheme word, as in "Bearer <token>") and its signing secrets (whole,
// and their base64 part after "whsec_"). The log is stored and
// served: it must not undo the encryption of the secrets at rest.
func redactEchoes(r *hookd.AttemptResponse, w *hookd.Webhook) {
	found := func(v string) bool {
		if len(v) < minRedacted {
			return false
		}
		if strings.Contains(r.Body, v) {
			return true
		}
		for _, hv := range r.Headers {
			if strings.Contains(hv, v) {
				return true
			}
		}
		return false
	}
	var echoed []string
	for _, v := range w.Headers {
		if found(v) {
			echoed = append(echoed, v)
		}
		if _, cred, ok := strings.Cut(v, " "); ok && found(cred) {
			echoed = append(echoed, cred)
		}
	}
	for _, sec := range w.Secrets {
		if found(sec.Value) {
			echoed = append(echoed, sec.Value)
		}
		if b64, ok := strings.CutPrefix(sec.Value, signature.SecretPrefix); ok && found(b64) {
			echoed = append(echoed, b64)
		}
	}
	if len(echoed) == 0 {
		return
	}
	// Longest first, so that a value is replaced whole before a part of it.
	slices.SortFunc(echoed, func(a, b string) int { return len(b) - len(a) })
	redact := func(s string) string {
		for _, v := range echoed {
			s = strings.ReplaceAll(s, v, Redacted)
		}
		return s
	}
	r.Body = redact(r.Body)
	for k, v := range r.Headers {
		r.Headers[k] = redact(v)
	}
}
