package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

const (
	testSecret  = "whsec_PJDSN7AKRc4hj+8HM81rzrPRSYjE1vQLTWhwfkLg+50="
	otherSecret = "whsec_GOM/NkzLAZq4+yZG6nfDH7yW/RWQN2OyMN3X+QA2AhU="
	testBody    = `{"type":"ticket.created","data":{"id":"tkt_01"}}`
)

// savedRequest writes the headers scheme sends (in the format of
// 'hookd receive' or of curl -D) and the body to files, and returns their
// paths. prefix is the header prefix, or "<prefix> <signature header>
// [<timestamp header>]" for a webhook that names its signature headers.
func savedRequest(t *testing.T, scheme, prefix string, at time.Time, format string, body string, secrets ...string) (headers, bodyFile string) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"hookd/dev"}}
	var sigNames signature.Headers
	fields := append(strings.Fields(prefix), "", "", "")
	sigNames.Prefix, sigNames.Signature, sigNames.Timestamp = fields[0], fields[1], fields[2]
	p := sigNames.Prefix
	if p == "" {
		p = "X-Hookd"
	}
	h.Set(p+"-Event-Id", "evt_1")
	if err := signature.SignHeaders(h, scheme, sigNames, signature.Message{ID: "evt_1", Timestamp: at, Body: []byte(testBody)}, secrets); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	switch format {
	case "receive":
		b.WriteString("--> POST /webhook\n")
		for _, k := range names {
			b.WriteString("    " + k + ": " + h.Get(k) + "\n")
		}
		b.WriteString("    {\n      \"type\": \"ticket.created\"\n    }\n<-- 200\n")
	case "curl":
		b.WriteString("POST /webhook HTTP/1.1\r\n")
		for _, k := range names {
			b.WriteString(strings.ToLower(k) + ": " + h.Get(k) + "\r\n")
		}
		b.WriteString("\r\n")
	}
	dir := t.TempDir()
	headers, bodyFile = filepath.Join(dir, "headers.txt"), filepath.Join(dir, "body.json")
	if err := os.WriteFile(headers, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bodyFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return headers, bodyFile
}

func runCLI(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, &out, &errOut)
	code := 0
	if err != nil {
		code = ExitCode(err)
		errOut.WriteString("hookd: " + err.Error() + "\n")
	}
	return out.String() + errOut.String(), code
}

func TestVerifyCommand(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name    string
		scheme  string
		prefix  string
		at      time.Time
		format  string
		body    string
		signers []string
		args    []string
		code    int
		want    []string
	}{
		{"standard from hookd receive", signature.Standard, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret},
			0, []string{"scheme:    standard (detected from the headers)", "signature: standard signature 1 matches the secret", "id:        evt_1", "valid"}},
		{"stripe from curl -D, Humiris prefix found", signature.Stripe, "X-Humiris", now, "curl", testBody, []string{otherSecret, testSecret}, []string{"--secret", testSecret},
			0, []string{"scheme:    stripe (detected", "prefix:    X-Humiris", "stripe signature 2 matches the secret", "valid"}},
		{"github with bitHuman prefix and two secrets", signature.GitHub, "X-bitHuman", now, "receive", testBody, []string{testSecret}, []string{"--secret", otherSecret, "--secret", testSecret, "--scheme", "github", "--prefix", "X-bitHuman"},
			0, []string{"scheme:    github (given with --scheme)", "github signature 1 matches secret 2 (whsec_PJDS…+50=)", "valid"}},
		{"split with Hume prefix and a 3 minute tolerance", signature.Split, "X-Hume-AI-Webhook", now.Add(-2 * time.Minute), "curl", testBody, []string{testSecret}, []string{"--secret", testSecret, "--tolerance", "3m"},
			0, []string{"scheme:    split", "split signature 1 matches", "valid"}},
		{"split too old for 3 minutes", signature.Split, "X-Hume-AI-Webhook", now.Add(-4 * time.Minute), "curl", testBody, []string{testSecret}, []string{"--secret", testSecret, "--tolerance", "3m"},
			1, []string{"signature: timestamp too old", "apart from its age the request is valid", "--no-tolerance"}},
		{"old request with --no-tolerance", signature.Stripe, "", now.Add(-48 * time.Hour), "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--no-tolerance"},
			0, []string{"valid", "ago)"}},
		{"another secret", signature.Standard, "", now, "receive", testBody, []string{otherSecret}, []string{"--secret", testSecret},
			1, []string{"invalid:   signature: no signature matches", "expected:  with secret 1 (whsec_PJDS…+50=) over this body (48 bytes), hookd would send", "webhook-signature: v1,", "got:       webhook-signature: v1,", "hint:      check that the secret"}},
		{"body saved with a newline", signature.Stripe, "", now, "receive", testBody + "\n", []string{testSecret}, []string{"--secret", testSecret},
			1, []string{"signature: no signature matches", "ends with a line break", "stripe signature 1 matches"}},
		{"wrong --scheme", signature.Split, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--scheme", "github"},
			1, []string{"signature: malformed header"}},
		{"secret without whsec_", signature.GitHub, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", strings.TrimPrefix(testSecret, "whsec_")},
			1, []string{"no signature matches", "with \"whsec_\" added to or taken from the secret the signature is valid"}},
		{"prefix not found", signature.GitHub, "X-Acme", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--scheme", "github", "--prefix", "X-Other"},
			1, []string{"signature: no signature", "signature headers present: X-Acme-Signature"}},
		{"github in X-Hub-Signature-256", signature.GitHub, "X-Hookd X-Hub-Signature-256", now, "curl", testBody, []string{testSecret}, []string{"--secret", testSecret, "--signature-header", "X-Hub-Signature-256"},
			0, []string{"scheme:    github (detected", "headers:   X-Hub-Signature-256", "github signature 1 matches the secret", "valid"}},
		{"X-Hub-Signature-256 without --signature-header", signature.GitHub, "X-Hookd X-Hub-Signature-256", now, "curl", testBody, []string{testSecret}, []string{"--secret", testSecret, "--scheme", "github"},
			1, []string{"signature: no signature", "signature headers present: X-Hub-Signature-256", "--signature-header"}},
		{"split in custom headers, another secret", signature.Split, "X-Acme X-Sig X-Sig-Time", now, "receive", testBody, []string{otherSecret},
			[]string{"--secret", testSecret, "--signature-header", "X-Sig", "--signature-timestamp-header", "X-Sig-Time"},
			1, []string{"scheme:    split (detected", "headers:   X-Sig, X-Sig-Time", "no signature matches", "hookd would send\n           X-Sig: ", "got:       X-Sig: "}},
		{"standard with its signature renamed", signature.Standard, "X-Hookd X-Webhook-Signature", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--signature-header", "X-Webhook-Signature"},
			0, []string{"scheme:    standard (detected", "standard signature 1 matches", "id:        evt_1", "valid"}},
		{"bad --signature-header", signature.Standard, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--signature-header", "X Sig"},
			2, []string{"--signature-header \"X Sig\""}},
		{"no secret", signature.Standard, "", now, "receive", testBody, []string{testSecret}, nil,
			2, []string{"--secret is required"}},
		{"bad scheme", signature.Standard, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", testSecret, "--scheme", "hmac"},
			2, []string{"--scheme \"hmac\""}},
		{"standard secret not base64", signature.Standard, "", now, "receive", testBody, []string{testSecret}, []string{"--secret", "whsec_???"},
			2, []string{"signature: invalid secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers, body := savedRequest(t, tt.scheme, tt.prefix, tt.at, tt.format, tt.body, tt.signers...)
			args := append([]string{"verify", "--headers", headers, "--body", body}, tt.args...)
			out, code := runCLI(t, args...)
			if code != tt.code {
				t.Errorf("exit %d; want %d\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestVerifyCommandUsage(t *testing.T) {
	headers, body := savedRequest(t, signature.Standard, "", time.Now(), "receive", testBody, testSecret)
	for _, args := range [][]string{
		{"verify", "--secret", testSecret, "--body", body},
		{"verify", "--secret", testSecret, "--headers", headers},
		{"verify", "--secret", testSecret, "--headers", headers, "--body", filepath.Join(t.TempDir(), "missing")},
		{"verify", "--secret", testSecret, "--headers", headers, "--body", body, "extra"},
		{"verify", "--secret", testSecret, "--headers", "-", "--body", "-"},
		{"verify", "--secret", testSecret, "--headers", headers, "--body", body, "--tolerance", "0s"},
		{"verify", "--nope"},
	} {
		if out, code := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d; want 2\n%s", args, code, out)
		}
	}
	if out, code := runCLI(t, "verify", "--help"); code != 0 || !strings.Contains(out, "Usage: hookd verify") {
		t.Errorf("verify --help: exit %d\n%s", code, out)
	}
}

func TestParseHeaderLines(t *testing.T) {
	t.Parallel()
	in := "HTTP/1.1 200 OK\r\nWebhook-Id: evt_1\r\n    X-Hookd-Signature:  t=1,v1=ab \n\"type\": \"x\"\n--> POST /\n<-- 200\nwebhook-signature: v1,a\nwebhook-signature: v1,b\n"
	h := parseHeaderLines([]byte(in))
	if got := h.Get("webhook-id"); got != "evt_1" {
		t.Errorf("webhook-id %q; want %q", got, "evt_1")
	}
	if got := h.Get("X-Hookd-Signature"); got != "t=1,v1=ab" {
		t.Errorf("X-Hookd-Signature %q; want %q", got, "t=1,v1=ab")
	}
	if got := h.Values("Webhook-Signature"); len(got) != 2 {
		t.Errorf("webhook-signature %q; want two values", got)
	}
	if len(h) != 3 {
		t.Errorf("got %d headers %v; want 3", len(h), h)
	}
}
