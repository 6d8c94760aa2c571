package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// maxBatchErrors bounds the field errors listed for one batch.
const maxBatchErrors = 100

// eventRequest is one event to publish.
type eventRequest struct {
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	Channels       []string        `json:"channels"`
	IdempotencyKey string          `json:"idempotency_key"`
}

// batchRequest is the body of POST …/events/batch, each event kept as it
// came, to be decoded on its own (decodeBatchEvent).
type batchRequest struct {
	Events []json.RawMessage `json:"events" expect:"a list of event objects"`
}

// publishedEvent is the answer to a publish: the event and the deliveries
// it fanned out to.
type publishedEvent struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	CreatedAt  time.Time     `json:"created_at"`
	Deliveries []deliveryRef `json:"deliveries"`
}

// batchPublished is the answer to a batch publish: every event, in order.
type batchPublished struct {
	Data []publishedEvent `json:"data"`
}

// deliveryRef names one delivery of a published event.
type deliveryRef struct {
	ID        string `json:"id"`
	WebhookID string `json:"webhook_id"`
}

func published(e *hookd.Event) publishedEvent {
	p := publishedEvent{ID: e.ID, Type: e.Type, CreatedAt: e.CreatedAt, Deliveries: make([]deliveryRef, len(e.Deliveries))}
	for i, d := range e.Deliveries {
		p.Deliveries[i] = deliveryRef{ID: d.ID, WebhookID: d.WebhookID}
	}
	return p
}

// newEvent builds the event of body in req's workspace and validates it
// against the catalogue names. Its payload, which the decoder or the store
// has checked to be JSON, is compacted (compactJSON); over
// MaxPayloadBytes it is an ETOOLARGE error. prefix starts the names of the
// fields at fault ("events[3]" in a batch).
func (s *server) newEvent(req *request, prefix string, body eventRequest, names []string) (*hookd.Event, error) {
	e := &hookd.Event{
		ID:             hookd.NewID(hookd.PrefixEvent, req.now),
		WorkspaceID:    req.ws.ID,
		Type:           body.Type,
		Channels:       body.Channels,
		IdempotencyKey: body.IdempotencyKey,
	}
	if len(body.Payload) > 0 {
		p, err := compactJSON(body.Payload)
		if err != nil {
			return nil, prefixed(invalid("payload", "must be a JSON value"), prefix)
		}
		e.Payload = p
	}
	if n, limit := len(e.Payload), s.cfg.MaxPayloadBytes; n > limit {
		return nil, prefixed(tooLarge([]hookd.FieldError{{Field: "payload",
			Message: fmt.Sprintf("is %d bytes; the limit is %d (%s)", n, limit, formatBytes(int64(limit)))}}), prefix)
	}
	if err := hookd.ValidateEvent(e, names, s.cfg.MaxPayloadBytes); err != nil {
		return nil, prefixed(err, prefix)
	}
	return e, nil
}

// tooLarge returns an ETOOLARGE error naming fields.
func tooLarge(fields []hookd.FieldError) error {
	e := hookd.Invalid(fields).(*hookd.Error)
	e.Code = hookd.ETOOLARGE
	return e
}

// prefixed returns err, an EINVALID or ETOOLARGE error, with its field
// names under prefix; any other err as it is.
func prefixed(err error, prefix string) error {
	var e *hookd.Error
	if prefix == "" || !errors.As(err, &e) || (e.Code != hookd.EINVALID && e.Code != hookd.ETOOLARGE) {
		return err
	}
	var fields []hookd.FieldError
	for _, f := range e.Fields {
		name := prefix
		if f.Field != "" {
			name += "." + f.Field
		}
		fields = append(fields, hookd.FieldError{Field: name, Message: f.Message})
	}
	if len(fields) == 0 {
		fields = []hookd.FieldError{{Field: prefix, Message: e.Message}}
	}
	out := hookd.Invalid(fields).(*hookd.Error)
	out.Code = e.Code
	return out
}

func (s *server) publishEvent(req *request) (int, any, error) {
	var body eventRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	names, err := s.store.EventTypeNames(req.Context())
	if err != nil {
		return 0, nil, err
	}
	e, err := s.newEvent(req, "", body, names)
	if err != nil {
		return 0, nil, err
	}
	if err := s.store.Publish(req.Context(), []*hookd.Event{e}, req.now); err != nil {
		return 0, nil, err
	}
	if len(e.Deliveries) > 0 {
		s.engine.Notify()
	}
	return http.StatusAccepted, published(e), nil
}

func (s *server) publishBatch(req *request) (int, any, error) {
	event, n, err := decodeBatch(req.body)
	if err != nil {
		return 0, nil, err
	}
	switch {
	case n == 0:
		return 0, nil, invalid("events", "must list at least one event")
	case n > hookd.MaxBatchEvents:
		return 0, nil, invalid("events", fmt.Sprintf("at most %d events per batch; this one has %d", hookd.MaxBatchEvents, n))
	}
	names, err := s.store.EventTypeNames(req.Context())
	if err != nil {
		return 0, nil, err
	}
	// Validate every event before storing any: all or nothing.
	var invalidFields, largeFields []hookd.FieldError
	events := make([]*hookd.Event, 0, n)
	for i := range n {
		prefix := fmt.Sprintf("events[%d]", i)
		body, err := event(i, prefix)
		var e *hookd.Event
		if err == nil {
			e, err = s.newEvent(req, prefix, body, names)
		}
		if err != nil {
			var he *hookd.Error
			switch {
			case !errors.As(err, &he):
				return 0, nil, err
			case he.Code == hookd.ETOOLARGE:
				largeFields = append(largeFields, he.Fields...)
			case he.Code == hookd.EINVALID:
				invalidFields = append(invalidFields, he.Fields...)
			default:
				return 0, nil, err
			}
			continue
		}
		events = append(events, e)
	}
	switch {
	case len(invalidFields) > 0:
		return 0, nil, hookd.Invalid(capFields(append(invalidFields, largeFields...)))
	case len(largeFields) > 0:
		return 0, nil, tooLarge(capFields(largeFields))
	}
	if err := s.store.Publish(req.Context(), events, req.now); err != nil {
		return 0, nil, err
	}
	out := make([]publishedEvent, len(events))
	notify := false
	for i, e := range events {
		out[i] = published(e)
		notify = notify || len(e.Deliveries) > 0
	}
	if notify {
		s.engine.Notify()
	}
	return http.StatusAccepted, batchPublished{Data: out}, nil
}

// decodeBatch decodes the body of a batch publish: how many events it has,
// and event, which returns event i (at prefix) decoded. A well-formed
// batch (wellFormedBatch) is decoded in one pass: decoding was the largest
// cost of publishing a batch. Any other is decoded again event by event,
// so that event reports the problems of each under its place.
func decodeBatch(body []byte) (event func(i int, prefix string) (eventRequest, error), n int, err error) {
	if events, ok := wellFormedBatch(body); ok {
		return func(i int, _ string) (eventRequest, error) { return *events[i], nil }, len(events), nil
	}
	var each batchRequest
	if err := decodeJSON(body, &each); err != nil {
		return nil, 0, err
	}
	if each.Events == nil {
		return nil, 0, invalid("events", fmt.Sprintf("is required: a list of 1 to %d events", hookd.MaxBatchEvents))
	}
	return func(i int, prefix string) (eventRequest, error) { return decodeBatchEvent(prefix, each.Events[i]) }, len(each.Events), nil
}

// wellFormedBatch decodes body in one pass when it is an object whose only
// key is "events" (spelt so, once or more: the last counts, as in
// decodeJSON), a list of event objects that decode with nothing left over;
// ok is false for any other body. Those it decodes, decodeJSON decodes to
// the same events (FuzzDecodeBatch).
func wellFormedBatch(body []byte) (events []*eventRequest, ok bool) {
	dec := strictDecoder(body)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		if key, err := dec.Token(); err != nil || key != "events" {
			return nil, false
		}
		events = nil // a repeated key replaces the list
		if err := dec.Decode(&events); err != nil {
			return nil, false
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') || !atEnd(dec) {
		return nil, false
	}
	return events, events != nil && !slices.Contains(events, nil)
}

// decodeBatchEvent decodes one event of a batch, at prefix.
func decodeBatchEvent(prefix string, raw json.RawMessage) (eventRequest, error) {
	var body eventRequest
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return body, invalid(prefix, "must be an event object: {\"type\": …, \"payload\": …}")
	}
	if err := decodeJSON(raw, &body); err != nil {
		return body, prefixed(err, prefix)
	}
	return body, nil
}

// capFields keeps the first maxBatchErrors fields.
func capFields(fields []hookd.FieldError) []hookd.FieldError {
	if len(fields) > maxBatchErrors {
		return fields[:maxBatchErrors]
	}
	return fields
}

func (s *server) listEvents(req *request) (int, any, error) {
	scope := scopeOf("events", req.ws.ID)
	p, q, errs := parseList(req, scope, "type", "since", "until")
	f := hookd.EventFilter{WorkspaceID: req.ws.ID, Type: q.Get("type"), Page: p}
	if f.Type != "" && !hookd.ValidEventTypeName(f.Type) {
		errs.add("type", "must be an event type name such as ticket.created")
	}
	f.Since = parseTime("since", q.Get("since"), &errs)
	f.Until = parseTime("until", q.Get("until"), &errs)
	checkRange(f.Since, f.Until, &errs)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListEvents(req.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

func (s *server) getEvent(req *request) (int, any, error) {
	e, err := s.store.Event(req.Context(), req.ws.ID, req.PathValue("evt"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, e, nil
}
