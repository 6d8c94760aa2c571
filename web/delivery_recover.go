package web

import (
	"fmt"
	"net/http"

	"github.com/hookd/hookd/web/form"
)

// recoverAnswer is the API's answer to a recover.
type recoverAnswer struct {
	Requeued int `json:"requeued"`
}

// recoverFields are the recover form's fields.
var recoverFields = []string{"since", "until"}

// deliveryRecover re-queues every failed delivery of a webhook created in
// the form's time range, each with its whole retry schedule, and goes
// back to the delivery log saying how many.
func (h *handler) deliveryRecover(w http.ResponseWriter, r *request) {
	ws, whk := r.PathValue("ws"), r.PathValue("whk")
	f, errs := form.ParseRecover(r.PostForm)
	if len(errs) > 0 {
		h.showDeliveryList(w, r, http.StatusUnprocessableEntity, f, formMessages(errs))
		return
	}
	var out recoverAnswer
	if err := h.api(r, "POST", wsPath(ws, "webhooks", whk, "recover"), nil, f.Body(), &out); err != nil {
		if m, ok := refusal(err, recoverFields); ok {
			h.showDeliveryList(w, r, http.StatusUnprocessableEntity, f, m)
			return
		}
		h.fail(w, r, err)
		return
	}
	msg := "No failed deliveries were created in that time: nothing was re-sent."
	switch out.Requeued {
	case 0:
	case 1:
		msg = "Re-queued 1 failed delivery: hookd sends it now, with its whole retry schedule."
	default:
		msg = fmt.Sprintf("Re-queued %d failed deliveries: hookd sends them now, each with its whole retry schedule.", out.Requeued)
	}
	h.redirect(w, r, wsPage(ws, "webhooks", whk, "deliveries"), msg)
}
