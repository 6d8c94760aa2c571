package form

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// TestEvent is the form that sends a webhook a test event: an event type
// and the payload, as typed.
type TestEvent struct {
	EventType string
	Payload   string
}

// ParseTestEvent reads the form from what the browser sent.
func ParseTestEvent(v url.Values) TestEvent {
	return TestEvent{
		EventType: trimmed(v, "event_type"),
		Payload:   strings.TrimSpace(lines(v.Get("payload"))),
	}
}

// Body returns the body of POST /v1/workspaces/{ws}/webhooks/{whk}/test. A
// blank payload is left out, so that the API sends the type's example.
// Errors has "payload" when the payload is not JSON.
func (f TestEvent) Body() (map[string]any, Errors) {
	body := map[string]any{}
	if f.EventType != "" {
		body["event_type"] = f.EventType
	}
	if f.Payload == "" {
		return body, nil
	}
	if msg := jsonProblem(f.Payload); msg != "" {
		return nil, Errors{"payload": msg}
	}
	body["payload"] = json.RawMessage(f.Payload)
	return body, nil
}

// jsonProblem says why s is not one JSON value, with the line and column
// of the fault, or returns "" when it is one.
func jsonProblem(s string) string {
	d := json.NewDecoder(strings.NewReader(s))
	var v json.RawMessage
	err := d.Decode(&v)
	if err == nil {
		off := d.InputOffset()
		if strings.TrimSpace(s[off:]) != "" {
			return "is not one JSON value: more follows the first, at " + position(s, off+1+int64(len(s[off:])-len(strings.TrimLeft(s[off:], " \t\r\n"))))
		}
		return ""
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("is not valid JSON: %s at %s", strings.TrimPrefix(syn.Error(), "json: "), position(s, syn.Offset))
	}
	return "is not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ") + " (is it cut short?)"
}

// position writes the line and column of the byte before offset off in s:
// the byte that json.SyntaxError's Offset has just read.
func position(s string, off int64) string {
	if off > int64(len(s)) {
		off = int64(len(s))
	}
	before := []byte(s[:off])
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}
