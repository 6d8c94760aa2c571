package web

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// logRows returns the delivery ids that a page of webhook whk's log links
// to, in order.
func logRows(page, whk string) []string {
	re := regexp.MustCompile(`<td class="id-cell"><a class="mono" href="/ui/workspaces/[^/"]+/webhooks/` + whk + `/deliveries/(dlv_[^"]+)">`)
	return links(page, re)
}

// walkLog opens the log at path and follows "Older →" to the end,
// returning every delivery id in order and the pages' URLs.
func walkLog(t *testing.T, b *browser, path, whk string) (ids, pages []string) {
	t.Helper()
	for range 50 {
		page := b.mustGet(path).body
		pages = append(pages, path)
		ids = append(ids, logRows(page, whk)...)
		if hasNewest := strings.Contains(page, `>Newest</a>`); hasNewest != (len(pages) > 1) {
			t.Errorf("page %d of the log: Newest link %v; want it on every page but the first", len(pages), hasNewest)
		}
		if path = older(page); path == "" {
			return ids, pages
		}
	}
	t.Fatal("more than 50 pages")
	return nil, nil
}

func TestDeliveryLogFiltersAndPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.failType("order.paid")
	s.eventType("ticket.created", "The ticket.created event.", "")
	s.eventType("order.paid", "The order.paid event.", "")
	ws := s.workspace("Acme")
	whk := s.addWebhook(ws, "Orders & tickets", rcv.url, "*")

	// 120 events, one in three an order.paid that the receiver refuses.
	var events []map[string]any
	for i := range 120 {
		typ := "ticket.created"
		if i%3 == 2 {
			typ = "order.paid"
		}
		events = append(events, map[string]any{"type": typ, "payload": map[string]any{"n": i}})
	}
	s.publish(ws, events...)
	all := s.settled(ws, whk, 120)

	b := s.admin()
	base := "/ui/workspaces/" + ws + "/webhooks/" + whk + "/deliveries"

	t.Run("every delivery, newest first, no duplicates", func(t *testing.T) {
		ids, pages := walkLog(t, b, base, whk)
		if len(pages) != 3 {
			t.Errorf("%d pages; want 3 of at most %d", len(pages), deliveryLogLimit)
		}
		want := make([]string, len(all))
		for i, d := range all {
			want[i] = d.ID
		}
		if !slices.Equal(ids, want) {
			t.Errorf("the log lists %d deliveries %v…; want the API's %d in its order", len(ids), head(ids), len(want))
		}
		if dup := duplicate(ids); dup != "" {
			t.Errorf("delivery %s is on two pages", dup)
		}
	})

	t.Run("status filter holds on every page", func(t *testing.T) {
		ids, pages := walkLog(t, b, base+"?status=failed", whk)
		for _, p := range pages[1:] {
			if !strings.Contains(p, "status=failed") {
				t.Errorf("page link %s lost the filter", p)
			}
		}
		if len(ids) != 40 {
			t.Errorf("%d failed deliveries; want 40", len(ids))
		}
		byID := map[string]hookd.Delivery{}
		for _, d := range all {
			byID[d.ID] = d
		}
		for _, id := range ids {
			if d := byID[id]; d.Status != hookd.DeliveryFailed || d.EventType != "order.paid" {
				t.Errorf("status=failed lists %s, %s %s", id, d.Status, d.EventType)
			}
		}
		if dup := duplicate(ids); dup != "" {
			t.Errorf("delivery %s is on two pages", dup)
		}
	})

	t.Run("event type and status together", func(t *testing.T) {
		ids, pages := walkLog(t, b, base+"?status=succeeded&event_type=ticket.created", whk)
		if len(ids) != 80 || len(pages) != 2 {
			t.Errorf("%d succeeded ticket.created deliveries on %d pages; want 80 on 2", len(ids), len(pages))
		}
		for _, p := range pages[1:] {
			if !strings.Contains(p, "event_type=ticket.created") || !strings.Contains(p, "status=succeeded") {
				t.Errorf("page link %s lost a filter", p)
			}
		}
		if dup := duplicate(ids); dup != "" {
			t.Errorf("delivery %s is on two pages", dup)
		}
		page := b.mustGet(base + "?status=succeeded&event_type=ticket.created").body
		for _, want := range []string{`<option value="succeeded" selected>`, `value="ticket.created"`, `>Clear</a>`} {
			if !strings.Contains(page, want) {
				t.Errorf("the filter form does not show %s", want)
			}
		}
	})

	t.Run("time range", func(t *testing.T) {
		first, last := all[len(all)-1].CreatedAt, all[0].CreatedAt
		since := first.Add(-time.Minute).UTC().Format("2006-01-02T15:04")
		until := last.Add(2 * time.Minute).UTC().Format("2006-01-02T15:04")
		ids, _ := walkLog(t, b, base+"?"+url.Values{"since": {since}, "until": {until}}.Encode(), whk)
		if len(ids) != 120 {
			t.Errorf("%d deliveries between %s and %s; want 120", len(ids), since, until)
		}
		later := last.Add(time.Hour).UTC().Format("2006-01-02T15:04")
		page := b.mustGet(base + "?since=" + later).body
		if rows := logRows(page, whk); len(rows) != 0 || !strings.Contains(page, "No deliveries match") {
			t.Errorf("since an hour after the last: %d rows; want none and the empty state", len(rows))
		}
		if !strings.Contains(page, `value="`+later+`"`) {
			t.Errorf("the since field does not keep %s", later)
		}
	})

	t.Run("bad filters are named next to their fields", func(t *testing.T) {
		p := b.get(base + "?since=2025-01-02T00:00&until=2025-01-01T00:00")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "must be after since") {
			t.Errorf("until before since = %d; want 422 with the API's message\n%s", p.status, excerpt(p.body))
		}
		p = b.get(base + "?since=yesterday")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "must be a date and time in UTC") {
			t.Errorf("since=yesterday = %d; want 422 naming the field", p.status)
		}
		p = b.get(base + "?status=lost")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `must be &#34;pending&#34;, &#34;succeeded&#34; or &#34;failed&#34;`) {
			t.Errorf("status=lost = %d; want 422 with the API's message\n%s", p.status, excerpt(p.body))
		}
		p = b.get(base + "?cursor=forged")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Start from the newest") {
			t.Errorf("a forged cursor = %d; want 422 and a way back to the newest", p.status)
		}
	})

	t.Run("columns", func(t *testing.T) {
		page := b.mustGet(base + "?status=failed").body
		for _, want := range []string{"Orders &amp; tickets", `<code>order.paid</code>`, `<span class="tag tag-bad">failed</span>`,
			`<span class="tag tag-bad">500</span>`, `href="/ui/workspaces/` + ws + `/webhooks/` + whk + `"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the log does not show %s", want)
			}
		}
	})
}

// head returns the first few of ids.
func head(ids []string) []string {
	return ids[:min(3, len(ids))]
}

// duplicate returns an id that is in ids twice, or "".
func duplicate(ids []string) string {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}

func TestDeliveryLogEmpty(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Empty")
	whk := s.addWebhook(ws, "", "http://127.0.0.1:9/never", "*")
	page := s.admin().mustGet("/ui/workspaces/" + ws + "/webhooks/" + whk + "/deliveries").body
	for _, want := range []string{"No deliveries yet", "http://127.0.0.1:9/never"} {
		if !strings.Contains(page, want) {
			t.Errorf("the empty log does not show %q", want)
		}
	}
	if strings.Contains(page, "Older") || strings.Contains(page, `id="recover"`) {
		t.Error("the empty log has a pager or a recover form")
	}
}

func TestDeliveryLogNotFound(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ws := s.workspace("Acme")
	b := s.admin()
	for _, path := range []string{
		"/ui/workspaces/" + ws + "/webhooks/whk_nope/deliveries",
		"/ui/workspaces/ws_nope/webhooks/whk_nope/deliveries",
		"/ui/workspaces/" + ws + "/events/evt_nope",
	} {
		if p := b.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, p.status)
		}
	}
}
