package form

import (
	"bytes"
	"encoding/json"
	"net/url"
)

// EventType is the form that creates or edits an entry of the event
// catalogue.
type EventType struct {
	// Name is the type's name; an edit cannot change it.
	Name        string
	Description string
	// Example is the example payload as typed: JSON, or "" for none.
	Example string

	example json.RawMessage
}

// ParseEventType reads the event type form. An example that is not JSON
// is an error under "example".
func ParseEventType(v url.Values) (EventType, Errors) {
	errs := Errors{}
	f := EventType{
		Name:        trimmed(v, "name"),
		Description: trimmed(v, "description"),
		Example:     trimmed(v, "example"),
	}
	if f.Example != "" {
		if msg := jsonProblem(f.Example); msg != "" {
			errs.Add("example", msg+`; an example is JSON, such as {"id": "tkt_123"}`)
		} else {
			f.example = json.RawMessage(f.Example)
		}
	}
	return f, errs
}

// EventTypeCreate is the body of POST /v1/event-types.
type EventTypeCreate struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Example     json.RawMessage `json:"example,omitempty"`
}

// CreateBody returns the API request that creates the type.
func (f EventType) CreateBody() EventTypeCreate {
	return EventTypeCreate{Name: f.Name, Description: f.Description, Example: f.example}
}

// EventTypeUpdate is the body of PATCH /v1/event-types/{name}.
type EventTypeUpdate struct {
	Description string `json:"description"`
	// Example is null when the form's example is empty: it clears it.
	Example json.RawMessage `json:"example"`
}

// UpdateBody returns the API request that edits the type: the description
// and the example, which an empty field clears.
func (f EventType) UpdateBody() EventTypeUpdate {
	ex := f.example
	if ex == nil {
		ex = json.RawMessage("null")
	}
	return EventTypeUpdate{Description: f.Description, Example: ex}
}

// ExampleText returns example, indented for a textarea: "" for none.
func ExampleText(example json.RawMessage) string {
	if len(example) == 0 || string(example) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, example, "", "  ") != nil {
		return string(example)
	}
	return buf.String()
}
