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
	verified   *http.Client // TLS certificates checked
	unverified *http.Client // for webhooks with tls_verify false
	requireTLS bool         // verify even with tls_verify false
	prefix     string
	userAgent  string
}

func newSender(cfg *Config) *sender {
	newClient := func(verify bool) *http.Client {
		dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: cfg.DialControl}
		dial := DialFunc(dialer.DialContext)
		if cfg.Dial != nil {
			dial = cfg.Dial
		}
		return &http.Client{
			Transport: &http.Transport{
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
			},
			// Redirects are not followed: a 3xx is the answer, and a failure.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &sender{verified: newClient(true), unverified: newClient(false), requireTLS: cfg.RequireTLSVerify,
		prefix: cfg.HeaderPrefix, userAgent: "hookd/" + cfg.Version}
}

// send makes one attempt of claim c at now and returns its log entry and
// result. It never returns early for a bad webhook: every failure is part of
// the result.
func (s *sender) send(ctx context.Context, c *hookd.Claim, trigger string, now time.Time) (hookd.Attempt, Result) {
	w := c.Webhook
	prefix := w.Signature.HeaderPrefix
	if prefix == "" {
		prefix = s.prefix
	}
	a := hookd.Attempt{
		Trigger:   trigger,
		StartedAt: now,
		Request:   hookd.AttemptRequest{Method: w.Method, URL: w.URL},
	}
	timeout := time.Duration(w.TimeoutSeconds) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, w.Method, w.URL, bytes.NewReader(c.Payload))
	if err != nil {
		a.Error = fmt.Sprintf("build request: %v", err)
		return a, Result{Err: err}
	}
	for k, v := range w.Headers {
		req.Header.Set(k, v)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", s.userAgent)
	h.Set(prefix+"-Event-Type", c.Delivery.EventType)
	h.Set(prefix+"-Event-Id", c.Delivery.EventID)
	h.Set(prefix+"-Delivery-Id", c.Delivery.ID)
	h.Set(prefix+"-Attempt", strconv.Itoa(c.Delivery.Attempts+1))
	msg := signature.Message{ID: c.Delivery.EventID, Timestamp: now, Body: c.Payload}
	if err := signature.Sign(h, w.Signature.Scheme, prefix, msg, w.ValidSecrets(now)); err != nil {
		a.Request.Headers = logHeaders(h, w.Headers)
		a.Error = fmt.Sprintf("sign request: %v", err)
		return a, Result{Err: err}
	}
	a.Request.Headers = logHeaders(h, w.Headers)

	client := s.verified
	if !w.TLSVerify && !s.requireTLS {
		client = s.unverified
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		a.DurationMS = time.Since(start).Milliseconds()
		a.Error = describe(err, timeout)
		return a, Result{Err: err}
	}
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, hookd.MaxLoggedBody))
	// Read a little more so the connection can be reused, then let it go.
	_, _ = io.CopyN(io.Discard, resp.Body, hookd.MaxLoggedBody)
	resp.Body.Close()
	a.DurationMS = time.Since(start).Milliseconds()
	a.Response = &hookd.AttemptResponse{Status: resp.StatusCode, Headers: logHeaders(resp.Header, nil), Body: string(body)}
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
