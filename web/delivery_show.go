package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// deliveryShowView is the data of a delivery's page.
type deliveryShowView struct {
	Workspace string
	Webhook   *hookd.Webhook
	Delivery  *hookd.Delivery
	// Attempts is the attempt log, newest first.
	Attempts []hookd.Attempt
	// Event is the delivered event; nil when it is gone.
	Event *hookd.Event
	// Payload is the event's payload, indented; "" when it is gone.
	Payload  string
	ReadOnly bool
	Now      time.Time
}

// deliveryShow shows one delivery: its state, the event's payload, and
// every attempt with what was sent and what came back, newest first.
func (h *handler) deliveryShow(w http.ResponseWriter, r *request) {
	ws, whk, dlv := r.PathValue("ws"), r.PathValue("whk"), r.PathValue("dlv")
	var d hookd.Delivery
	if err := h.api(r, "GET", wsPath(ws, "webhooks", whk, "deliveries", dlv), nil, nil, &d); err != nil {
		h.fail(w, r, err)
		return
	}
	wh, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := deliveryShowView{Workspace: ws, Webhook: wh, Delivery: &d, ReadOnly: r.sess.ReadOnly, Now: r.now}
	var e hookd.Event
	var ae *apiError
	switch err := h.api(r, "GET", wsPath(ws, "events", d.EventID), nil, nil, &e); {
	case err == nil:
		v.Event = &e
		v.Payload = payloadText(e.Payload)
	case errors.As(err, &ae) && ae.Status == http.StatusNotFound:
	default:
		h.fail(w, r, err)
		return
	}
	v.Attempts = slices.Clone(d.AttemptLog)
	slices.Reverse(v.Attempts)
	h.render(w, r, http.StatusOK, page{name: "delivery_show", title: "Delivery " + d.ID, workspace: ws, nav: "webhooks", data: v})
}

// payloadText returns an event's payload indented for reading, or "" when
// there is none.
func payloadText(p json.RawMessage) string {
	if len(p) == 0 || string(p) == "null" {
		return ""
	}
	return prettyJSON(p)
}
