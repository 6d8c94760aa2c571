package web

import (
	"net/http"
	"strconv"
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
	Errors    form.Errors
	Types     []typeOption
	Events    []eventRow
	Pager     *pager
	Now       time.Time
}

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
	v := eventListView{Workspace: ws, Filter: f, Errors: errs, Now: r.now}
	status := http.StatusOK
	if len(errs) == 0 {
		q := f.Query()
		q.Set("limit", strconv.Itoa(eventListLimit))
		if c := r.URL.Query().Get("cursor"); c != "" {
			q.Set("cursor", c)
		}
		var l list[hookd.Event]
		switch err := h.api(r, "GET", wsPath(ws, "events"), q, nil, &l); {
		case err == nil:
			for _, e := range l.Data {
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
				v.Events = append(v.Events, row)
			}
			v.Pager = newPager(r, l.NextCursor)
		case formErrors(err, errs, "type", "since", "until", "cursor"):
		default:
			h.fail(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
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
