package web

import (
	"net/http"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// eventListLimit is how many events one page of the list shows.
const eventListLimit = 50

// eventListView is the data of a workspace's event list.
type eventListView struct {
	Workspace string
	Filter    form.EventFilter
	Errors    fieldMessages
	Types     []typeOption
	Events    []eventRow
	Pager     *pager
	Now       time.Time
}

// eventFilterFields are the fields of the event list's filter form, and
// the cursor of its pager.
var eventFilterFields = []string{"type", "since", "until", "cursor"}

// eventRow is one event of the list with its deliveries counted by status.
type eventRow struct {
	hookd.Event
	Succeeded, Failed, Pending int
}

// eventList shows a workspace's events, newest first, filtered by type
// and creation time, one keyset page at a time.
func (h *handler) eventList(w http.ResponseWriter, r *request) {
	ws := r.PathValue("ws")
	f, errs := form.ParseEventFilter(r.URL.Query())
	v := eventListView{Workspace: ws, Filter: f, Errors: formMessages(errs), Now: r.now}
	status := http.StatusOK
	if len(v.Errors) == 0 {
		events, pg, err := listPage[hookd.Event](h, r, wsPath(ws, "events"), f.Query(), eventListLimit)
		if m, ok := refusal(err, eventFilterFields); ok {
			v.Errors = m
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Events, v.Pager = eventRows(events), pg
	}
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	types, err := h.typeOptions(r, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Types = types
	h.render(w, r, status, page{name: "event_list", title: "Events", workspace: ws, nav: "events", data: v})
}

// eventRows counts the deliveries of each event by status.
func eventRows(events []hookd.Event) []eventRow {
	var rows []eventRow
	for _, e := range events {
		row := eventRow{Event: e}
		for _, d := range e.Deliveries {
			switch d.Status {
			case hookd.DeliverySucceeded:
				row.Succeeded++
			case hookd.DeliveryFailed:
				row.Failed++
			default:
				row.Pending++
			}
		}
		rows = append(rows, row)
	}
	return rows
}
