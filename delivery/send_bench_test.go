package delivery

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// BenchmarkSend measures one attempt over a kept-alive connection to a local
// endpoint: a 1 KiB payload signed with the standard scheme, a 200 back.
func BenchmarkSend(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	// newSender reads only these fields; Config.WithDefaults would want a Store.
	cfg := Config{Workers: 8, HeaderPrefix: "X-Hookd", Version: "bench"}
	s := newSender(&cfg)
	w := &hookd.Webhook{
		ID: "wh_bench", URL: srv.URL, Method: hookd.MethodPost, TimeoutSeconds: 30,
		Headers:   map[string]string{"Authorization": "Bearer t0ken"},
		Signature: hookd.SignatureSpec{Scheme: hookd.SchemeStandard},
		Secrets:   []hookd.Secret{{Value: "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))}},
	}
	payload := []byte(`{"data":"` + strings.Repeat("x", 1024-11) + `"}`)
	c := &hookd.Claim{
		Delivery: hookd.Delivery{ID: "dl_bench", EventID: "ev_bench", WebhookID: w.ID, EventType: "order.created"},
		Payload:  payload,
		Webhook:  w,
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, res := s.send(ctx, c, hookd.TriggerScheduled, time.Now())
		if res.Err != nil || res.Status != http.StatusOK {
			b.Fatalf("send: %v, status %d: %s", res.Err, res.Status, a.Error)
		}
	}
}
