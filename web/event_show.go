package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookd/hookd"
)

// eventShowView is the data of an event's page.
type eventShowView struct {
	Workspace string
	Event     *hookd.Event
	// Payload is the payload, indented; "" when it is gone.
	Payload    string
	Deliveries []eventDelivery
	Now        time.Time
}

// eventDelivery is a delivery of the event with its webhook's name.
type eventDelivery struct {
	hookd.Delivery
	// WebhookName is the webhook's name or URL, "" when not known.
	WebhookName string
}

// eventShow shows one event: its type, channels, idempotency key, payload,
// and its delivery to each webhook.
func (h *handler) eventShow(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	var e hookd.Event
	if err := h.api(r, "GET", wsPath(ws, "events", r.PathValue("evt")), nil, nil, &e); err != nil {
		h.fail(w, r, err)
		return
	}
	v := eventShowView{Workspace: ws, Event: &e, Payload: payloadText(e.Payload), Now: r.now}
	names := map[string]string{}
	if len(e.Deliveries) > 0 {
		// One page of the workspace's webhooks names most of them; the
		// others show their ids.
		var l list[hookd.Webhook]
		if err := h.api(r, "GET", wsPath(ws, "webhooks"), url.Values{"limit": {strconv.Itoa(hookd.MaxPageLimit)}}, nil, &l); err != nil {
			h.fail(w, r, err)
			return
		}
		for _, wh := range l.Data {
			names[wh.ID] = webhookTitle(&wh)
		}
	}
	for _, d := range e.Deliveries {
		v.Deliveries = append(v.Deliveries, eventDelivery{Delivery: d, WebhookName: names[d.WebhookID]})
	}
	h.render(w, r, http.StatusOK, page{name: "event_show", title: "Event " + e.ID, workspace: ws, nav: "events", data: v})
}
