package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

func TestDeliveryRetryAndEscaping(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.fail(true)
	s.eventType("ticket.created", "The ticket.created event.", "")
	ws := s.workspace("Acme")
	whk := s.addWebhook(ws, `<i>Help</i> desk`, rcv.url, "ticket.*")
	evt := s.publish(ws, map[string]any{"type": "ticket.created", "payload": map[string]any{"subject": "<script>alert(1)</script>"}})[0]
	dl := s.settled(ws, whk, 1)[0]
	if dl.Status != hookd.DeliveryFailed {
		t.Fatalf("delivery %s; want failed after its one attempt", dl.Status)
	}

	b := s.admin()
	path := "/ui/workspaces/" + ws + "/webhooks/" + whk + "/deliveries/" + dl.ID
	page := b.mustGet(path).body

	// What came from outside is text: the payload, the response's body
	// and headers, the webhook's name.
	for _, tc := range []struct{ raw, escaped string }{
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{evilBody, "&lt;img src=x onerror=alert(1)&gt;"},
		{evilHeader, "&lt;b onmouseover=alert(2)&gt;x&lt;/b&gt;"},
		{"<i>Help</i>", "&lt;i&gt;Help&lt;/i&gt;"},
	} {
		if strings.Contains(page, tc.raw) {
			t.Errorf("the delivery page holds %s raw", tc.raw)
		}
		if !strings.Contains(page, tc.escaped) {
			t.Errorf("the delivery page does not show %s as text (%s)", tc.raw, tc.escaped)
		}
	}
	for _, want := range []string{"Attempt 1", "HTTP 500", `href="/ui/workspaces/` + ws + `/events/` + evt + `"`, "<code>ticket.created</code>", "Retry now"} {
		if !strings.Contains(page, want) {
			t.Errorf("the delivery page does not show %s", want)
		}
	}
	if strings.Contains(page, "Attempt 2") {
		t.Fatal("attempt 2 before any retry")
	}

	// The receiver mends; Retry sends attempt 2, which succeeds.
	rcv.fail(false)
	p := b.submit(path+"/retry", nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Retry queued") {
		t.Fatalf("retry = %d; want the delivery page with a flash\n%s", p.status, excerpt(p.body))
	}
	s.waitFor("attempt 2", func() bool {
		d := s.delivery(ws, whk, dl.ID)
		return d.Attempts == 2 && d.Status != hookd.DeliveryPending
	})
	page = b.mustGet(path).body
	a2, a1 := strings.Index(page, `id="attempt-2"`), strings.Index(page, `id="attempt-1"`)
	if a2 < 0 || a1 < 0 || a2 > a1 {
		t.Errorf("attempts at %d (2) and %d (1); want both, newest first", a2, a1)
	}
	for _, want := range []string{"HTTP 200", `<span class="tag tag-plain">manual</span>`, `<span class="tag tag-ok tag-lg">succeeded</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("after the retry the page does not show %s", want)
		}
	}
}

func TestDeliveryPendingShowsNextAttempt(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.fail(true)
	s.eventType("ticket.created", "The ticket.created event.", "")
	ws := s.workspace("Acme")
	var w hookd.Webhook
	s.mustAPI(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/webhooks", map[string]any{"url": rcv.url, "retry_schedule": []string{"1h"}}, &w)
	s.publish(ws, map[string]any{"type": "ticket.created", "payload": 1})
	var dl hookd.Delivery
	s.waitFor("the first attempt", func() bool {
		l := s.deliveries(ws, w.ID, nil)
		if len(l) == 1 {
			dl = l[0]
		}
		return dl.Attempts == 1
	})
	page := s.admin().mustGet("/ui/workspaces/" + ws + "/webhooks/" + w.ID + "/deliveries/" + dl.ID).body
	for _, want := range []string{"<strong>Pending</strong>, next attempt in ", "Attempt 2 shows below once it is sent", ">Refresh</a>"} {
		if !strings.Contains(page, want) {
			t.Errorf("a delivery waiting for its retry does not show %q\n%s", want, excerpt(page))
		}
	}
	log := s.admin().mustGet("/ui/workspaces/" + ws + "/webhooks/" + w.ID + "/deliveries?status=pending").body
	if !strings.Contains(log, `<span class="tag tag-wait">pending</span>`) || !strings.Contains(log, ">in ") {
		t.Errorf("the log does not show the pending delivery's next attempt\n%s", excerpt(log))
	}
}

func TestDeliveryRecover(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.fail(true)
	s.eventType("ticket.created", "The ticket.created event.", "")
	ws := s.workspace("Acme")
	whk := s.addWebhook(ws, "Desk", rcv.url, "*")
	other := s.addWebhook(ws, "Other", rcv.url, "*")
	for range 3 {
		s.publish(ws, map[string]any{"type": "ticket.created", "payload": map[string]any{"a": 1}})
	}
	s.settled(ws, whk, 3)
	s.settled(ws, other, 3)
	rcv.fail(false)

	b := s.admin()
	log := "/ui/workspaces/" + ws + "/webhooks/" + whk + "/deliveries"
	page := b.mustGet(log).body
	if !strings.Contains(page, `action="`+log[:len(log)-len("/deliveries")]+`/recover"`) {
		t.Fatalf("the log has no recover form\n%s", excerpt(page))
	}

	// since is required: the API says so, next to the field.
	p := b.submit("/ui/workspaces/"+ws+"/webhooks/"+whk+"/recover", url.Values{"since": {""}})
	if at, since, until := strings.Index(p.body, "is required"), strings.Index(p.body, `id="r-since"`), strings.Index(p.body, `id="r-until"`); p.status != http.StatusUnprocessableEntity || since < 0 || at < since || at > until {
		t.Errorf("recover without since = %d; want 422 with the API's message under the since field\n%s", p.status, excerpt(p.body))
	}
	// A range with nothing in it re-queues nothing, and says so.
	day := func(n int) string { return time.Now().AddDate(0, 0, n).UTC().Format("2006-01-02T15:04") }
	p = b.submit("/ui/workspaces/"+ws+"/webhooks/"+whk+"/recover", url.Values{"since": {day(-2)}, "until": {day(-1)}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "nothing was re-sent") {
		t.Errorf("recover of the day before yesterday = %d; want the log saying nothing was re-sent\n%s", p.status, excerpt(p.body))
	}
	// An until before since is the API's to refuse, next to until.
	p = b.submit("/ui/workspaces/"+ws+"/webhooks/"+whk+"/recover", url.Values{"since": {day(-1)}, "until": {day(-2)}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "must be after since") {
		t.Errorf("recover with until before since = %d; want 422 with the API's message\n%s", p.status, excerpt(p.body))
	}

	since := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	p = b.submit("/ui/workspaces/"+ws+"/webhooks/"+whk+"/recover", url.Values{"since": {since}, "until": {""}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Re-queued 3 failed deliveries") {
		t.Fatalf("recover = %d; want the log saying 3 were re-queued\n%s", p.status, excerpt(p.body))
	}
	s.waitFor("the recovered deliveries to succeed", func() bool {
		for _, d := range s.deliveries(ws, whk, nil) {
			if d.Status != hookd.DeliverySucceeded {
				return false
			}
		}
		return true
	})
	for _, d := range s.deliveries(ws, other, nil) {
		if d.Status != hookd.DeliveryFailed {
			t.Errorf("the other webhook's delivery %s is %s; recover is per webhook", d.ID, d.Status)
		}
	}
}

func TestDeliveryReadOnly(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.fail(true)
	s.eventType("ticket.created", "The ticket.created event.", "")
	ws := s.workspace("Acme")
	whk := s.addWebhook(ws, "Desk", rcv.url, "*")
	s.publish(ws, map[string]any{"type": "ticket.created", "payload": 1})
	dl := s.settled(ws, whk, 1)[0]

	b := s.portal(ws, true)
	base := "/ui/workspaces/" + ws + "/webhooks/" + whk
	for _, path := range []string{base + "/deliveries", base + "/deliveries/" + dl.ID} {
		page := b.mustGet(path).body
		if strings.Contains(page, "/retry") || strings.Contains(page, "/recover") {
			t.Errorf("a read-only session sees a changing control on %s", path)
		}
	}
	if p := b.post(base+"/deliveries/"+dl.ID+"/retry", nil); p.status != http.StatusForbidden {
		t.Errorf("read-only retry = %d; want 403", p.status)
	}
	if p := b.post(base+"/recover", url.Values{"since": {"2025-01-01T00:00"}}); p.status != http.StatusForbidden {
		t.Errorf("read-only recover = %d; want 403", p.status)
	}
	if d := s.delivery(ws, whk, dl.ID); d.Attempts != 1 || d.Status != hookd.DeliveryFailed {
		t.Errorf("after refused retries the delivery is %s with %d attempts; want failed with 1", d.Status, d.Attempts)
	}

	// Without the CSRF token, nobody retries.
	op := s.admin()
	if p := op.postRaw(base+"/deliveries/"+dl.ID+"/retry", url.Values{"csrf": {"forged"}}); p.status != http.StatusForbidden {
		t.Errorf("retry without the CSRF token = %d; want 403", p.status)
	}
}
