package web

import (
	"encoding/json"
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookTestView is the data of a webhook's Test page.
type webhookTestView struct {
	Workspace string
	Webhook   *hookd.Webhook
	// Matching are the catalogue types the webhook receives; Others the
	// rest of the catalogue.
	Matching, Others []hookd.EventType
	Form             form.TestEvent
	Errors           fieldMessages
	// Result is the answer to the test just sent.
	Result   *webhookTestResult
	ReadOnly bool
}

// webhookTestResult is the API's answer to a test: the attempt, and the
// delivery it is logged as.
type webhookTestResult struct {
	*hookd.Attempt
	DeliveryID string `json:"delivery_id"`
	EventType  string `json:"event_type"`
}

// webhookTestShow shows the Test page: an event type (?event_type=, else
// the first the webhook receives) and its example payload to edit and
// send.
func (h *handler) webhookTestShow(w http.ResponseWriter, r *request) {
	f := form.TestEvent{EventType: r.URL.Query().Get("event_type")}
	v, err := h.webhookTestPage(r, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderWebhookTest(w, r, http.StatusOK, v)
}

// webhookTestPage loads the webhook of r's path and the catalogue for the
// Test page, with f as typed; when f has no payload, the chosen type's
// example is shown.
func (h *handler) webhookTestPage(r *request, f form.TestEvent) (*webhookTestView, error) {
	wh, err := h.webhook(r)
	if err != nil {
		return nil, err
	}
	v := &webhookTestView{Workspace: r.PathValue("ws"), Webhook: wh, ReadOnly: r.sess.ReadOnly}
	types, err := h.eventTypes(r)
	if err != nil {
		return nil, err
	}
	var chosen *hookd.EventType
	for i, t := range types {
		if hookd.MatchesType(v.Webhook.Events, t.Name) {
			v.Matching = append(v.Matching, t)
		} else {
			v.Others = append(v.Others, t)
		}
		if t.Name == f.EventType {
			chosen = &types[i]
		}
	}
	if chosen == nil && f.EventType == "" {
		switch {
		case len(v.Matching) > 0:
			chosen = &v.Matching[0]
		case len(v.Others) > 0:
			chosen = &v.Others[0]
		}
		if chosen != nil {
			f.EventType = chosen.Name
		}
	}
	if f.Payload == "" && chosen != nil && len(chosen.Example) > 0 && string(chosen.Example) != "null" {
		f.Payload = prettyJSON(json.RawMessage(chosen.Example))
	}
	v.Form = f
	return v, nil
}

// renderWebhookTest writes the Test page.
func (h *handler) renderWebhookTest(w http.ResponseWriter, r *request, status int, v *webhookTestView) {
	h.render(w, r, status, page{name: "webhook_test", title: "Test " + webhookTitle(v.Webhook), workspace: v.Workspace, nav: "webhooks", data: v})
}
