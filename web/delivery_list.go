package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// deliveryLogLimit is how many deliveries one page of the log shows.
const deliveryLogLimit = 50

// catalogueOptionLimit bounds the catalogue entries offered as filter
// choices: one page of the API's list.
const catalogueOptionLimit = hookd.MaxPageLimit

// deliveryListView is the data of a webhook's delivery log.
type deliveryListView struct {
	Workspace string
	Webhook   *hookd.Webhook
	// Filter is the filter form as typed; Errors its fields' messages.
	Filter form.DeliveryFilter
	Errors fieldMessages
	// Statuses are the choices of the status filter.
	Statuses []string
	// Types are the event types offered in the type filter.
	Types      []typeOption
	Deliveries []hookd.Delivery
	Pager      *pager
	// Recover is the recover form; RecoverErrors its fields' messages.
	Recover       form.Recover
	RecoverErrors fieldMessages
	// ShowRecover offers the recover form: to a session that may change
	// things, when the log is not empty.
	ShowRecover bool
	ReadOnly    bool
	Now         time.Time
}

// deliveryFilterFields are the fields of the delivery log's filter form,
// and the cursor of its pager.
var deliveryFilterFields = []string{"status", "event_type", "since", "until", "cursor"}

// typeOption is an event type offered as a filter choice.
type typeOption struct {
	Name, Description string
}

// deliveryList shows one page of a webhook's deliveries, newest first,
// filtered by status, event type and creation time. It reads one page of
// the API's keyset list and never counts: a log of millions of
// deliveries costs what a log of fifty does.
func (h *handler) deliveryList(w http.ResponseWriter, r *request) {
	since := r.now.Add(-24 * time.Hour).Truncate(time.Minute)
	rec := form.Recover{TimeRange: form.TimeRange{Since: form.LocalValue(&since)}}
	h.showDeliveryList(w, r, http.StatusOK, rec, nil)
}

// showDeliveryList renders the delivery log with the recover form as
// given: the action re-renders it with the user's values and the
// problems with them.
func (h *handler) showDeliveryList(w http.ResponseWriter, r *request, status int, rec form.Recover, recErrs fieldMessages) {
	ws, whk := r.PathValue("ws"), r.PathValue("whk")
	wh, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f, errs := form.ParseDeliveryFilter(r.URL.Query())
	v := deliveryListView{
		Workspace:     ws,
		Webhook:       wh,
		Filter:        f,
		Errors:        formMessages(errs),
		Statuses:      []string{hookd.DeliveryPending, hookd.DeliverySucceeded, hookd.DeliveryFailed},
		Recover:       rec,
		RecoverErrors: recErrs,
		ReadOnly:      r.sess.ReadOnly,
		Now:           r.now,
	}
	if len(v.Errors) == 0 {
		deliveries, pg, err := listPage[hookd.Delivery](h, r, wsPath(ws, "webhooks", whk, "deliveries"), f.Query(), deliveryLogLimit)
		if m, ok := refusal(err, deliveryFilterFields); ok {
			v.Errors = m
		} else if err != nil {
			h.fail(w, r, err)
			return
		}
		v.Deliveries, v.Pager = deliveries, pg
	}
	v.ShowRecover = !v.ReadOnly && (len(v.Deliveries) > 0 || f.Active() || len(v.Errors) > 0 || len(recErrs) > 0 || r.Method == http.MethodPost)
	if len(v.Errors) > 0 && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	types, err := h.typeOptions(r, wh.Events)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Types = types
	title := "Deliveries"
	if wh.Name != "" {
		title += " · " + wh.Name
	}
	h.render(w, r, status, page{name: "delivery_list", title: title, workspace: ws, nav: "webhooks", data: v})
}

// typeOptions returns the event types a filter offers: those of the
// catalogue's first page that patterns match (all of them for nil), then
// the exact names among patterns that the catalogue lacks.
func (h *handler) typeOptions(r *request, patterns []string) ([]typeOption, error) {
	var l list[hookd.EventType]
	if err := h.api(r, "GET", "/v1/event-types", url.Values{"limit": {strconv.Itoa(catalogueOptionLimit)}}, nil, &l); err != nil {
		return nil, err
	}
	var out []typeOption
	seen := map[string]bool{}
	for _, et := range l.Data {
		if patterns == nil || hookd.MatchesType(patterns, et.Name) {
			out = append(out, typeOption{Name: et.Name, Description: et.Description})
			seen[et.Name] = true
		}
	}
	for _, p := range patterns {
		if hookd.ValidEventTypeName(p) && !seen[p] {
			out = append(out, typeOption{Name: p})
			seen[p] = true
		}
	}
	return out, nil
}
