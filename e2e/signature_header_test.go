package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
	"github.com/hookd/hookd/signature"
)

// TestSignatureHeaders: webhooks that name their signature headers (github
// in X-Hub-Signature-256, split in X-Signature and X-Timestamp) get their
// deliveries signed in exactly those headers, on both engines; the
// requests verify with those names, and the attempt log shows them.
func TestSignatureHeaders(t *testing.T) { forEachEngine(t, testSignatureHeaders) }

func testSignatureHeaders(t *testing.T, engine storeEngine) {
	t.Parallel()
	ctx := context.Background()
	s := startServer(t, serverOptions{engine: engine})
	ws := s.setup(t, "ticket.created")
	tests := []struct {
		sig     hookd.SignatureSpec
		want    []string // headers that carry the signature
		notSent []string
	}{
		{hookd.SignatureSpec{Scheme: hookd.SchemeGitHub, Header: "X-Hub-Signature-256"}, []string{"X-Hub-Signature-256"}, []string{"X-Hookd-Signature"}},
		{hookd.SignatureSpec{Scheme: hookd.SchemeSplit, Header: "X-Signature", TimestampHeader: "X-Timestamp"},
			[]string{"X-Signature", "X-Timestamp"}, []string{"X-Hookd-Signature", "X-Hookd-Timestamp"}},
	}
	type hook struct {
		rc     *receiver
		id     string
		secret string
	}
	hooks := make([]hook, len(tests))
	for i, tt := range tests {
		rc := newReceiver(t, nil)
		sig := tt.sig
		w, err := s.admin.CreateWebhook(ctx, ws, client.WebhookInput{URL: rc.URL, Signature: &sig})
		if err != nil {
			t.Fatalf("create %s webhook: %v", tt.sig.Scheme, err)
		}
		if w.Signature.Header != tt.sig.Header || w.Signature.TimestampHeader != tt.sig.TimestampHeader {
			t.Errorf("created %s webhook: signature %+v; want %+v", tt.sig.Scheme, w.Signature, tt.sig)
		}
		hooks[i] = hook{rc: rc, id: w.ID, secret: w.SigningSecret}
	}
	p, err := s.admin.Publish(ctx, ws, client.EventInput{Type: "ticket.created", Payload: json.RawMessage(`{"ticket":{"id":"T-1"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	dlv := map[string]string{} // webhook id -> delivery id
	for _, d := range p.Deliveries {
		dlv[d.WebhookID] = d.ID
	}
	for i, tt := range tests {
		h := hooks[i]
		d := s.waitDelivery(t, ws, h.id, dlv[h.id], hookd.DeliverySucceeded, 10*time.Second)
		got := h.rc.all()
		if len(got) == 0 {
			t.Fatalf("%s: the receiver got nothing", tt.sig.Scheme)
		}
		r := got[0]
		for _, k := range tt.want {
			if r.header.Get(k) == "" {
				t.Errorf("%s: no %s in %v", tt.sig.Scheme, k, r.header)
			}
			if len(d.AttemptLog) == 0 || d.AttemptLog[0].Request.Headers[k] != r.header.Get(k) {
				t.Errorf("%s: attempt log %+v; want %s: %q in its request headers", tt.sig.Scheme, d.AttemptLog, k, r.header.Get(k))
			}
		}
		for _, k := range tt.notSent {
			if v := r.header.Get(k); v != "" {
				t.Errorf("%s: %s sent (%q); want it absent", tt.sig.Scheme, k, v)
			}
		}
		v := signature.Verifier{Scheme: tt.sig.Scheme, SignatureHeader: tt.sig.Header, TimestampHeader: tt.sig.TimestampHeader, Secrets: []string{h.secret}}
		if _, err := v.Verify(r.header, r.body); err != nil {
			t.Errorf("%s: verify: %v", tt.sig.Scheme, err)
		}
	}
}
