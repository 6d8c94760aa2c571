package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/hookd/hookd"
)

// eventTypeRequest is the body of POST /v1/event-types and of its PATCH.
// In a PATCH, a field left out keeps its value, and "example": null clears
// the example; the name cannot change.
type eventTypeRequest struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Example     json.RawMessage `json:"example"`
}

// example compacts the example of body and checks its size; nil stays nil
// and null clears it.
func (s *server) example(raw json.RawMessage) (json.RawMessage, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, invalid("example", "must be a JSON value")
	}
	if n, limit := buf.Len(), s.cfg.MaxPayloadBytes; n > limit {
		return nil, tooLarge([]hookd.FieldError{{Field: "example",
			Message: fmt.Sprintf("is %d bytes; the limit is %d (%s)", n, limit, formatBytes(int64(limit)))}})
	}
	return buf.Bytes(), nil
}

func (s *server) createEventType(req *request) (int, any, error) {
	var body eventTypeRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	et := &hookd.EventType{CreatedAt: req.now, UpdatedAt: req.now}
	if body.Name != nil {
		et.Name = *body.Name
	}
	if body.Description != nil {
		et.Description = *body.Description
	}
	ex, err := s.example(body.Example)
	if err != nil {
		return 0, nil, err
	}
	et.Example = ex
	if err := hookd.ValidateEventType(et); err != nil {
		return 0, nil, err
	}
	if err := s.store.CreateEventType(req.Context(), et); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, et, nil
}

func (s *server) listEventTypes(req *request) (int, any, error) {
	scope := scopeOf("event-types")
	p, _, errs := parseList(req, scope)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListEventTypes(req.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

func (s *server) getEventType(req *request) (int, any, error) {
	et, err := s.store.EventType(req.Context(), req.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, et, nil
}

func (s *server) updateEventType(req *request) (int, any, error) {
	var body eventTypeRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	et, err := s.store.EventType(req.Context(), req.PathValue("name"))
	if err != nil {
		return 0, nil, err
	}
	if body.Name != nil && *body.Name != et.Name {
		return 0, nil, invalid("name", "cannot be changed: create a new event type and delete this one")
	}
	if body.Description != nil {
		et.Description = *body.Description
	}
	if body.Example != nil {
		if et.Example, err = s.example(body.Example); err != nil {
			return 0, nil, err
		}
	}
	if err := hookd.ValidateEventType(et); err != nil {
		return 0, nil, err
	}
	et.UpdatedAt = req.now
	if err := s.store.UpdateEventType(req.Context(), et); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, et, nil
}

func (s *server) deleteEventType(req *request) (int, any, error) {
	if err := s.store.DeleteEventType(req.Context(), req.PathValue("name")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
