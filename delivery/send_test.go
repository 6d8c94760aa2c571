package delivery

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/egress"
	"github.com/hookd/hookd/signature"
)

var testSecret = "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// testClaim returns a claim of a standard-signed POST webhook at url.
func testClaim(url string) *hookd.Claim {
	return &hookd.Claim{
		Delivery: hookd.Delivery{ID: "dl_1", EventID: "ev_1", WebhookID: "wh_1", EventType: "order.created", Attempts: 2},
		Payload:  []byte(`{"n":1}`),
		Webhook: &hookd.Webhook{
			ID: "wh_1", URL: url, Method: hookd.MethodPost, TimeoutSeconds: 5,
			Secrets: []hookd.Secret{{Value: testSecret}},
		},
	}
}

func testSender(cfg Config) *sender {
	cfg.Workers = 4
	cfg.HeaderPrefix = "X-Hookd"
	cfg.Version = "test"
	return newSender(&cfg)
}

func TestSendHeaders(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte("thanks"))
	}))
	defer srv.Close()
	now := time.Unix(1767225600, 0)
	c := testClaim(srv.URL + "/hook")
	c.Webhook.Signature.HeaderPrefix = "x-acme"
	c.Webhook.Headers = map[string]string{
		"authorization":   "Bearer t0ken",
		"X-Team":          "blue",
		"x-acme-event-id": "spoofed", // hookd's own header wins
	}

	a, res := testSender(Config{}).send(context.Background(), c, hookd.TriggerScheduled, now)

	if res.Err != nil || res.Status != http.StatusAccepted || a.Error != "" {
		t.Fatalf("send: %v, status %d, error %q", res.Err, res.Status, a.Error)
	}
	signed := http.Header{}
	if err := signature.Sign(signed, signature.Standard, "", signature.Message{ID: "ev_1", Timestamp: now, Body: c.Payload}, []string{testSecret}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Authorization":      "Bearer t0ken",
		"X-Team":             "blue",
		"Content-Type":       "application/json",
		"User-Agent":         "hookd/test",
		"X-Acme-Event-Type":  "order.created",
		"X-Acme-Event-Id":    "ev_1",
		"X-Acme-Delivery-Id": "dl_1",
		"X-Acme-Attempt":     "3",
		"Webhook-Id":         signed.Get(signature.HeaderID),
		"Webhook-Timestamp":  signed.Get(signature.HeaderTimestamp),
		"Webhook-Signature":  signed.Get(signature.HeaderSignature),
	}
	sent := <-got
	for k, v := range want {
		if vs := sent[k]; len(vs) != 1 || vs[0] != v {
			t.Errorf("sent %s: %q, want %q", k, vs, v)
		}
	}
	wantLog := map[string]string{}
	for k, v := range want {
		wantLog[k] = v
	}
	wantLog["Authorization"] = Redacted
	wantLog["X-Team"] = Redacted
	wantLog["X-Acme-Event-Id"] = Redacted
	if !reflect.DeepEqual(a.Request.Headers, wantLog) {
		t.Errorf("logged request headers:\n%v\nwant\n%v", a.Request.Headers, wantLog)
	}
	if a.Request.Method != "POST" || a.Request.URL != c.Webhook.URL || a.Trigger != hookd.TriggerScheduled || !a.StartedAt.Equal(now) {
		t.Errorf("logged request: %+v", a)
	}
	if r := a.Response; r == nil || r.Status != http.StatusAccepted || r.Body != "thanks" || r.Headers["X-Answer"] != "yes" || r.Headers["Content-Length"] != "6" {
		t.Errorf("logged response: %+v", r)
	}
}

func TestSendFailures(t *testing.T) {
	t.Parallel()
	done := make(chan struct{}) // ends the slow handlers
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/slow":
			<-done
		case "/slow-body":
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			<-done
		case "/bad-location":
			w.Header().Set("Location", "http://[::1")
			w.WriteHeader(http.StatusFound)
		case "/long":
			_, _ = w.Write(make([]byte, hookd.MaxLoggedBody+1000))
		case "/busy":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	// Cleanups run last first, after the parallel subtests.
	t.Cleanup(plain.Close)
	t.Cleanup(func() { close(done) })
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := closed.Addr().String()
	closed.Close()
	refusal := &egress.RefusedError{Addr: netip.MustParseAddr("10.0.0.1"), Reason: "private"}
	refuse := func(context.Context, string, string) (net.Conn, error) { return nil, refusal }
	now := time.Unix(1767225600, 0)

	tests := []struct {
		name      string
		cfg       Config
		url       string
		edit      func(*hookd.Webhook)
		status    int
		retry     time.Duration
		err       bool
		wantError string
		logged    bool // the response is in the log
		bodyLen   int  // of the logged response
	}{
		{name: "redirect is not followed", url: plain.URL + "/redirect", status: http.StatusFound, logged: true,
			wantError: "redirect (302) not followed: webhooks must answer 2xx"},
		// http.Client.Do, which hookd once used, failed on the Location it
		// could not parse: the answer is a 3xx all the same.
		{name: "redirect to a bad Location", url: plain.URL + "/bad-location", status: http.StatusFound, logged: true,
			wantError: "redirect (302) not followed: webhooks must answer 2xx"},
		{name: "a long body is cut", url: plain.URL + "/long", status: http.StatusOK, logged: true, bodyLen: hookd.MaxLoggedBody},
		{name: "Retry-After is read", url: plain.URL + "/busy", status: http.StatusServiceUnavailable, retry: 7 * time.Second, logged: true},
		{name: "no answer in time", url: plain.URL + "/slow", edit: func(w *hookd.Webhook) { w.TimeoutSeconds = 1 }, err: true,
			wantError: "timeout: no answer within 1s"},
		{name: "body cut short by the timeout", url: plain.URL + "/slow-body", edit: func(w *hookd.Webhook) { w.TimeoutSeconds = 1 }, status: http.StatusOK, logged: true,
			wantError: "timeout: no answer within 1s"},
		{name: "connection refused", url: "http://" + closedAddr + "/x", err: true,
			wantError: fmt.Sprintf(`connection refused: Post "http://%s/x": dial tcp %s: connect: connection refused`, closedAddr, closedAddr)},
		{name: "egress refusal", cfg: Config{Dial: refuse}, url: "http://internal.example/x", err: true, wantError: refusal.Error()},
		{name: "https to an http server", url: strings.Replace(plain.URL, "http:", "https:", 1) + "/x", err: true,
			wantError: fmt.Sprintf(`Post "https://%s/x": http: server gave HTTP response to HTTPS client`, plain.Listener.Addr())},
		{name: "PUT in the error", url: "http://" + closedAddr, edit: func(w *hookd.Webhook) { w.Method = hookd.MethodPut }, err: true,
			wantError: fmt.Sprintf(`connection refused: Put "http://%s": dial tcp %s: connect: connection refused`, closedAddr, closedAddr)},
		{name: "bad method", url: plain.URL, edit: func(w *hookd.Webhook) { w.Method = "BAD METHOD" }, err: true,
			wantError: `build request: net/http: invalid method "BAD METHOD"`},
		{name: "no secret", url: plain.URL, edit: func(w *hookd.Webhook) { w.Secrets = nil }, err: true,
			wantError: "sign request: signature: no secret to sign with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testClaim(tt.url)
			if tt.edit != nil {
				tt.edit(c.Webhook)
			}
			a, res := testSender(tt.cfg).send(context.Background(), c, hookd.TriggerScheduled, now)
			if (res.Err != nil) != tt.err || res.Status != tt.status || res.RetryAfter != tt.retry {
				t.Errorf("result %+v, want status %d, Retry-After %s, error %t", res, tt.status, tt.retry, tt.err)
			}
			if a.Error != tt.wantError {
				t.Errorf("error %q\nwant  %q", a.Error, tt.wantError)
			}
			if (a.Response != nil) != tt.logged {
				t.Fatalf("response %+v, want logged %t", a.Response, tt.logged)
			}
			if a.Response != nil && len(a.Response.Body) != tt.bodyLen && tt.bodyLen > 0 {
				t.Errorf("logged %d bytes of the body, want %d", len(a.Response.Body), tt.bodyLen)
			}
		})
	}
}

// TestSendSignatureHeaders: a webhook that names its signature headers is
// signed in exactly those, which verify, and the attempt log shows them.
func TestSendSignatureHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig     hookd.SignatureSpec
		want    []string // headers that carry the signature
		notSent []string
	}{
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X-Hub-Signature-256"}, []string{"X-Hub-Signature-256"}, []string{"X-Hookd-Signature"}},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, HeaderPrefix: "X-Acme", Header: "X-Sig", TimestampHeader: "X-Sig-Time"},
			[]string{"X-Sig", "X-Sig-Time"}, []string{"X-Acme-Signature", "X-Acme-Timestamp"}},
		{hookd.SignatureSpec{Scheme: hookd.SchemeStandard, Header: "X-Webhook-Signature"},
			[]string{"X-Webhook-Signature", "Webhook-Id", "Webhook-Timestamp"}, []string{"Webhook-Signature"}},
	}
	for _, tt := range tests {
		t.Run(tt.sig.Scheme, func(t *testing.T) {
			t.Parallel()
			got := make(chan http.Header, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
			defer srv.Close()
			now := time.Now()
			c := testClaim(srv.URL)
			c.Webhook.Signature = tt.sig
			a, res := testSender(Config{}).send(context.Background(), c, hookd.TriggerScheduled, now)
			if res.Err != nil || res.Status != http.StatusOK {
				t.Fatalf("send: %v, status %d, error %q", res.Err, res.Status, a.Error)
			}
			sent := <-got
			for _, k := range tt.want {
				if sent.Get(k) == "" || a.Request.Headers[k] != sent.Get(k) {
					t.Errorf("%s: sent %q, logged %q; want it sent and logged", k, sent.Get(k), a.Request.Headers[k])
				}
			}
			for _, k := range tt.notSent {
				if _, ok := sent[k]; ok {
					t.Errorf("%s sent: %q; want it absent", k, sent.Get(k))
				}
			}
			v := signature.Verifier{Scheme: tt.sig.Scheme, Prefix: tt.sig.HeaderPrefix, SignatureHeader: tt.sig.Header,
				TimestampHeader: tt.sig.TimestampHeader, Secrets: []string{testSecret}}
			if _, err := v.Verify(sent, c.Payload); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// TestSendRedactsEchoes checks that credentials a receiver echoes back are
// logged redacted, in the answer's headers and body: the webhook's header
// values (and the token after "Bearer"), and its signing secrets whole and
// as the base64 after "whsec_". Values too short to be credentials stay.
func TestSendRedactsEchoes(t *testing.T) {
	t.Parallel()
	b64 := strings.TrimPrefix(testSecret, signature.SecretPrefix)
	echo := fmt.Sprintf("auth=Bearer t0ken-abc tok=t0ken-abc secret=%s b64=%s plain=plain-secret-2 id=ab", testSecret, b64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo-Authorization", r.Header.Get("Authorization"))
		w.Header().Set("X-Echo-Id", r.Header.Get("X-Id"))
		_, _ = w.Write([]byte(echo))
	}))
	defer srv.Close()
	c := testClaim(srv.URL)
	c.Webhook.Headers = map[string]string{"Authorization": "Bearer t0ken-abc", "X-Id": "ab"}
	c.Webhook.Signature.Scheme = hookd.SchemeStripe // signs with the secret strings as they are
	c.Webhook.Secrets = append(c.Webhook.Secrets, hookd.Secret{Value: "plain-secret-2"})

	a, res := testSender(Config{}).send(context.Background(), c, hookd.TriggerScheduled, time.Now())

	if res.Err != nil || a.Response == nil {
		t.Fatalf("send: %v, %+v", res.Err, a)
	}
	const r = Redacted
	if want := "auth=" + r + " tok=" + r + " secret=" + r + " b64=" + r + " plain=" + r + " id=ab"; a.Response.Body != want {
		t.Errorf("logged body %q; want %q", a.Response.Body, want)
	}
	if got := a.Response.Headers["X-Echo-Authorization"]; got != r {
		t.Errorf("logged X-Echo-Authorization %q; want %q", got, r)
	}
	if got := a.Response.Headers["X-Echo-Id"]; got != "ab" {
		t.Errorf("logged X-Echo-Id %q; want the short value kept", got)
	}
}

// TestSendRequireHTTPS: a sender that requires https:// sends nothing to a
// webhook whose URL is http:// (made while the server allowed it), and the
// attempt fails with an error that says why, to be retried on schedule as a
// refused destination is; without RequireHTTPS the same webhook is sent to.
func TestSendRequireHTTPS(t *testing.T) {
	t.Parallel()
	got := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- struct{}{} }))
	defer srv.Close()
	now := time.Unix(1767225600, 0)
	c := testClaim(srv.URL + "/hook")
	c.Webhook.RetrySchedule = hookd.RetrySchedule{time.Minute}

	a, res := testSender(Config{RequireHTTPS: true}).send(context.Background(), c, hookd.TriggerScheduled, now)
	want := hookd.HTTPProblem(c.Webhook.URL, false)
	if want == "" || a.Error != want || res.Err == nil || res.Status != 0 || a.Response != nil {
		t.Errorf("with RequireHTTPS: attempt error %q, result %+v, response %+v; want error %q and no answer", a.Error, res, a.Response, want)
	}
	if !strings.Contains(a.Error, "--allow-http") {
		t.Errorf("attempt error %q does not say how to allow http://", a.Error)
	}
	if len(got) != 0 {
		t.Fatalf("with RequireHTTPS the receiver got a request")
	}
	if o := Decide(&c.Delivery, c.Webhook, res, now, 0.5, 0); o.Kind != Retry {
		t.Errorf("outcome %v; want a retry on the schedule", o.Kind)
	}

	if _, res := testSender(Config{}).send(context.Background(), c, hookd.TriggerScheduled, now); res.Status != http.StatusOK || len(got) != 1 {
		t.Errorf("without RequireHTTPS: result %+v, %d requests; want 200 and one request", res, len(got))
	}
}
