package web

import (
	"net/http"

	"github.com/hookd/hookd"
)

// overview shows the operator every workspace at a glance: attempts per
// minute, pending and due deliveries, and the webhooks in trouble.
func (h *handler) overview(w http.ResponseWriter, r *request) {
	var o hookd.Overview
	if err := h.api(r, "GET", "/v1/overview", nil, nil, &o); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, page{name: "overview", title: "Overview", nav: "overview", data: &o})
}
