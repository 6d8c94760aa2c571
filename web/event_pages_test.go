package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

func TestEventPages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.failType("order.paid")
	s.eventType("ticket.created", "The ticket.created event.", "")
	s.eventType("order.paid", "The order.paid event.", "")
	ws := s.workspace("Acme")
	desk := s.addWebhook(ws, "Desk", rcv.url, "ticket.*")
	all := s.addWebhook(ws, "Everything", rcv.url, "*")

	var tickets []string
	for i := range 60 {
		ids := s.publish(ws,
			map[string]any{"type": "ticket.created", "payload": map[string]any{"i": i}},
			map[string]any{"type": "order.paid", "payload": map[string]any{"i": i}})
		tickets = append(tickets, ids[0])
	}
	s.settled(ws, desk, 60)
	s.settled(ws, all, 120)
	var key hookd.Event
	s.mustAPI(http.StatusAccepted, "POST", "/v1/workspaces/"+ws+"/events", map[string]any{
		"type": "ticket.created", "channels": []string{"eu", "vip"}, "idempotency_key": "order-<42>",
		"payload": map[string]any{"subject": "<script>alert(1)</script>", "nested": map[string]any{"a": []int{1, 2}}},
	}, &key)
	s.settled(ws, desk, 61)

	b := s.admin()
	base := "/ui/workspaces/" + ws + "/events"
	row := regexp.MustCompile(`<td class="id-cell"><a class="mono" href="` + base + `/(evt_[^"]+)">`)

	t.Run("list pages and the type filter", func(t *testing.T) {
		var ids []string
		path := base + "?type=ticket.created"
		for range 10 {
			page := b.mustGet(path).body
			ids = append(ids, links(page, row)...)
			if path = older(page); path == "" {
				break
			}
			if !strings.Contains(path, "type=ticket.created") {
				t.Errorf("page link %s lost the filter", path)
			}
		}
		if len(ids) != 61 || duplicate(ids) != "" {
			t.Errorf("%d ticket.created events (duplicate %q); want 61 without duplicates", len(ids), duplicate(ids))
		}
		if len(ids) > 0 && ids[0] != key.ID {
			t.Errorf("first event %s; want the newest, %s", ids[0], key.ID)
		}
		page := b.mustGet(base).body
		if !strings.Contains(page, `<span class="tag tag-ok">2 succeeded</span>`) || !strings.Contains(page, `<span class="tag tag-bad">1 failed</span>`) {
			t.Errorf("the list does not count deliveries by status\n%s", excerpt(page))
		}
		p := b.get(base + "?type=not+a+type")
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "must be an event type name") {
			t.Errorf("type=not a type = %d; want 422 with the API's message", p.status)
		}
	})

	t.Run("event page", func(t *testing.T) {
		page := b.mustGet(base + "/" + key.ID).body
		for _, want := range []string{
			"<code>ticket.created</code>", "<code>eu</code>", "<code>vip</code>", "order-&lt;42&gt;",
			"&lt;script&gt;alert(1)&lt;/script&gt;", `&#34;nested&#34;: {`,
			`href="/ui/workspaces/` + ws + `/webhooks/` + desk + `">Desk</a>`,
			`href="/ui/workspaces/` + ws + `/webhooks/` + all + `">Everything</a>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the event page does not show %s", want)
			}
		}
		if strings.Contains(page, "<script>alert(1)") {
			t.Error("the payload is in the page raw")
		}
		dl := regexp.MustCompile(`href="(/ui/workspaces/` + ws + `/webhooks/whk_[^/"]+/deliveries/dlv_[^"]+)"`)
		// Each delivery is linked twice: in its column, and under its
		// webhook's name where phones hide that column.
		paths := slices.Compact(slices.Sorted(slices.Values(links(page, dl))))
		if len(paths) != 2 {
			t.Fatalf("the event page links %d delivery pages; want 2", len(paths))
		}
		for _, p := range paths {
			if d := b.mustGet(p).body; !strings.Contains(d, key.ID) {
				t.Errorf("delivery page %s does not name its event", p)
			}
		}
	})

	t.Run("an event that went nowhere", func(t *testing.T) {
		other := s.workspace("Quiet")
		id := s.publish(other, map[string]any{"type": "ticket.created", "payload": true})[0]
		page := b.mustGet("/ui/workspaces/" + other + "/events/" + id).body
		if !strings.Contains(page, "No webhook matched this event") {
			t.Errorf("an event without deliveries does not say so\n%s", excerpt(page))
		}
		if page := b.mustGet("/ui/workspaces/" + s.workspace("Empty") + "/events").body; !strings.Contains(page, "No events yet") {
			t.Error("an empty event list does not say so")
		}
	})
}
