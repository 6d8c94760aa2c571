package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
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
// came: the shape that decodeBatch reads and the OpenAPI document shows.
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
	batch, err := decodeBatch(req.body)
	if err != nil {
		return 0, nil, err
	}
	if len(batch) == 0 {
		return 0, nil, invalid("events", "must list at least one event")
	}
	names, err := s.store.EventTypeNames(req.Context())
	if err != nil {
		return 0, nil, err
	}
	// Validate every event before storing any: all or nothing.
	var invalidFields, largeFields []hookd.FieldError
	events := make([]*hookd.Event, 0, len(batch))
	for i, b := range batch {
		var e *hookd.Event
		err := b.err
		if err == nil {
			e, err = s.newEvent(req, fmt.Sprintf("events[%d]", i), b.body, names)
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

// batchEvent is one event of a batch as decodeBatch read it: the event, or
// err, the problems of the event under its place (events[3].type).
type batchEvent struct {
	body eventRequest
	err  error
}

// errBatchObject is the problem of an element of a batch that is not an
// event object.
const errBatchObject = "must be an event object: {\"type\": …, \"payload\": …}"

// decodeBatch decodes the body of a batch publish, a batchRequest, in one
// pass that decodes each event once, as decodeJSON would decode it on its
// own. It stops at the first element of "events" that is not an object
// (EINVALID naming events[i]) and at element MaxBatchEvents+1 (EINVALID
// naming events), so that what a body costs is bounded by the events it
// may hold, not by its size. Problems of the batch itself (malformed JSON,
// unknown fields, events missing or not a list) are errors that name them
// as decodeJSON names them. events may be given more than once: the last
// counts, as in decodeJSON, though each is read under the same limits.
func decodeBatch(body []byte) ([]batchEvent, error) {
	dec := strictDecoder(body)
	var events []batchEvent
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		// Not an object: decodeJSON says what it is, skipping the value
		// without decoding its elements; null has no events.
		if err := decodeJSON(body, &batchRequest{}); err != nil {
			return nil, err
		}
	} else {
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, decodeError(body, nil, err)
			}
			key := tok.(string) // the decoder gives only strings here
			if f, ok := fieldByJSONName(reflect.TypeFor[batchRequest](), key); !ok || f.Name != "Events" {
				return nil, &hookd.Error{Code: hookd.EINVALID, Message: fmt.Sprintf("unknown field %q", key),
					Fields: []hookd.FieldError{{Field: key, Message: "unknown field"}}}
			}
			if events, err = decodeBatchEvents(dec, body); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing brace
			return nil, decodeError(body, nil, err)
		}
		if !atEnd(dec) {
			return nil, hookd.Errorf(codeMalformed, "malformed JSON: unexpected data after the JSON value, at byte %d", dec.InputOffset())
		}
	}
	if events == nil {
		return nil, invalid("events", fmt.Sprintf("is required: a list of 1 to %d events", hookd.MaxBatchEvents))
	}
	return events, nil
}

// decodeBatchEvents reads the value of "events" from dec, which reads body:
// nil for null, else the events of the list, not nil.
func decodeBatchEvents(dec *json.Decoder, body []byte) ([]batchEvent, error) {
	switch at := tokenStart(body, int(dec.InputOffset())); {
	case at < len(body) && body[at] == '[':
	case at < len(body) && body[at] == 'n': // null, or a syntax error
		var v *struct{}
		if err := dec.Decode(&v); err != nil {
			return nil, decodeError(body, nil, err)
		}
		return nil, nil
	default:
		// Decoding into a list skips any other value and says what it is.
		var v []struct{}
		err := dec.Decode(&v)
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			typ.Field = "events"
		}
		return nil, decodeError(body, &batchRequest{}, err)
	}
	if _, err := dec.Token(); err != nil {
		return nil, decodeError(body, nil, err)
	}
	events := []batchEvent{}
	for i := 0; dec.More(); i++ {
		if i == hookd.MaxBatchEvents {
			return nil, invalid("events", fmt.Sprintf("at most %d events per batch; this one has more", hookd.MaxBatchEvents))
		}
		start := tokenStart(body, int(dec.InputOffset()))
		if start < len(body) && body[start] != '{' {
			return nil, invalid(fmt.Sprintf("events[%d]", i), errBatchObject)
		}
		var e batchEvent
		if err := dec.Decode(&e.body); err != nil {
			var syntax *json.SyntaxError
			if errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, decodeError(body, nil, err)
			}
			raw := body[start:dec.InputOffset()]
			e.err = prefixed(decodeError(raw, &e.body, err), fmt.Sprintf("events[%d]", i))
		}
		events = append(events, e)
	}
	if _, err := dec.Token(); err != nil { // the closing bracket
		return nil, decodeError(body, nil, err)
	}
	return events, nil
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
