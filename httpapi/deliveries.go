package httpapi

import (
	"net/http"

	"github.com/hookd/hookd"
)

func (s *server) listDeliveries(req *request) (int, any, error) {
	scope := scopeOf("deliveries", req.ws.ID, req.PathValue("whk"))
	p, q, errs := parseList(req, scope, "status", "event_type", "since", "until")
	f := hookd.DeliveryFilter{
		WorkspaceID: req.ws.ID,
		WebhookID:   req.PathValue("whk"),
		Status:      q.Get("status"),
		EventType:   q.Get("event_type"),
		Page:        p,
	}
	switch f.Status {
	case "", hookd.DeliveryPending, hookd.DeliverySucceeded, hookd.DeliveryFailed:
	default:
		errs.add("status", `must be "pending", "succeeded" or "failed"`)
	}
	if f.EventType != "" && !hookd.ValidEventTypeName(f.EventType) {
		errs.add("event_type", "must be an event type name such as ticket.created")
	}
	f.Since = parseTime("since", q.Get("since"), &errs)
	f.Until = parseTime("until", q.Get("until"), &errs)
	checkRange(f.Since, f.Until, &errs)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	if _, err := s.webhook(req); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListDeliveries(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

func (s *server) getDelivery(req *request) (int, any, error) {
	d, err := s.store.Delivery(req.Context(), req.ws.ID, req.PathValue("whk"), req.PathValue("dlv"))
	if err != nil {
		return 0, nil, err
	}
	if d.AttemptLog == nil {
		d.AttemptLog = []hookd.Attempt{}
	}
	return http.StatusOK, deliveryView{Delivery: d, AttemptLog: d.AttemptLog}, nil
}

// deliveryView is the single view of a delivery: attempt_log is always
// there, [] before the first attempt.
type deliveryView struct {
	*hookd.Delivery
	AttemptLog []hookd.Attempt `json:"attempt_log"`
}

// retried is the answer to a manual retry.
type retried struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (s *server) retryDelivery(req *request) (int, any, error) {
	id := req.PathValue("dlv")
	if err := s.store.RetryDelivery(req.Context(), req.ws.ID, req.PathValue("whk"), id, req.now); err != nil {
		return 0, nil, err
	}
	s.engine.Notify()
	return http.StatusAccepted, retried{ID: id, Status: hookd.DeliveryPending}, nil
}

// recoverRequest is the body of POST …/recover.
type recoverRequest struct {
	Since string `json:"since" expect:"an RFC 3339 time such as \"2025-01-31T15:04:05Z\""`
	Until string `json:"until" expect:"an RFC 3339 time such as \"2025-01-31T15:04:05Z\""`
}

// recovered is the answer to a recover.
type recovered struct {
	Requeued int `json:"requeued"`
}

func (s *server) recoverDeliveries(req *request) (int, any, error) {
	var body recoverRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	var errs fieldErrors
	if body.Since == "" {
		errs.add("since", "is required: an RFC 3339 time such as 2025-01-31T15:04:05Z")
	}
	since := parseTime("since", body.Since, &errs)
	until := parseTime("until", body.Until, &errs)
	if until == nil {
		until = &req.now
	}
	checkRange(since, until, &errs)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	w, err := s.webhook(req)
	if err != nil {
		return 0, nil, err
	}
	n, err := s.store.RecoverDeliveries(req.Context(), req.ws.ID, w.ID, *since, *until, req.now)
	if err != nil {
		return 0, nil, err
	}
	if n > 0 {
		s.engine.Notify()
	}
	return http.StatusAccepted, recovered{Requeued: n}, nil
}
