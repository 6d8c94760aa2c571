package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// eventTypeListLimit is how many event types one page of the catalogue
// shows.
const eventTypeListLimit = 100

// eventTypeListView is the data of the event catalogue.
type eventTypeListView struct {
	Types []eventTypeRow
	Pager *pager
	// Admin shows the controls that change the catalogue.
	Admin bool
}

// eventTypeRow is an entry of the catalogue with its example indented.
type eventTypeRow struct {
	hookd.EventType
	ExampleText string
}

// eventTypeList shows the event catalogue: every type's name, description
// and example. Everyone signed in reads it; the operator changes it.
func (h *handler) eventTypeList(w http.ResponseWriter, r *request) {
	types, pg, err := listPage[hookd.EventType](h, r, "/v1/event-types", nil, eventTypeListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := eventTypeListView{Pager: pg, Admin: r.sess.Admin}
	for _, et := range types {
		v.Types = append(v.Types, eventTypeRow{EventType: et, ExampleText: form.ExampleText(et.Example)})
	}
	h.render(w, r, http.StatusOK, page{name: "event_type_list", title: "Event catalogue", nav: "event-types", data: v})
}
