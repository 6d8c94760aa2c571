package web

import (
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// webhookTestFields are the Test form's fields.
var webhookTestFields = []string{"event_type", "payload"}

// webhookTestSend sends the webhook one signed test request now, and
// shows the attempt: what was sent, and the receiver's answer or the
// error.
func (h *handler) webhookTestSend(w http.ResponseWriter, r *request) {
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	f := form.ParseTestEvent(r.PostForm)
	body, errs := f.Body()
	var res webhookTestResult
	var msgs fieldMessages
	status := http.StatusOK
	if errs != nil {
		msgs, status = formMessages(errs), http.StatusUnprocessableEntity
	} else {
		err := h.api(r, "POST", wsPath(ws, "webhooks", id, "test"), nil, body, &res)
		if m, ok := refusal(err, webhookTestFields); ok {
			msgs, status = m, http.StatusUnprocessableEntity
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	v, err := h.webhookTestPage(r, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Errors = msgs
	if status == http.StatusOK {
		v.Result = &res
		v.Form.EventType = res.EventType
	}
	h.renderWebhookTest(w, r, status, v)
}
