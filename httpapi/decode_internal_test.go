package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// FuzzCompactJSON checks compactJSON against json.Compact on valid JSON:
// the shortcut for JSON without whitespace must give the same bytes.
func FuzzCompactJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a":1}`, `{"a": 1}`, `["x y", 2]`, `"a\" b"`, `"a\\\\" `, `{"k":"\\\\\" ","v":[1, 2]}`,
		"\t[1,\n2]\r", `"tab\tinside"`, `{"a":"b\\\\"}`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, in); err != nil {
			t.Fatalf("json.Compact(%q): %v", in, err)
		}
		got, err := compactJSON(in)
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compactJSON(%q) = %q, %v; want %q", in, got, err, want.Bytes())
		}
	})
}

// FuzzDecodeBatch checks decodeBatch, which reads a batch in one pass and
// stops at the first element that is not an object and past
// hookd.MaxBatchEvents elements, against decodeEachEvent, which decodes the
// whole body and then each event on its own. Where decodeBatch decodes
// the events, the two must give the same events and the same problems;
// where it stops, the batch must break that rule; and any other error of
// a well-formed body must be the same.
func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range []string{
		`{"events":[{"type":"a.b","payload":{"x":1}},{"type":"a.c","payload":[1, 2],"channels":["c"],"idempotency_key":"k"}]}`,
		`{"events":[]}`, `{"events":null}`, `{}`, `{"events":[null]}`, `{"events":[1]}`, `{"events":[{"type":"a.b"},null]}`,
		`{"events":[{"type":"a.b","colour":1}]}`, `{"events":[{"type":1}]}`, `{"events":[{"type":"a.b","channels":"x"}]}`,
		`{"events":[{"type":"a.b","payload":1}]} x`, `{"events":[{"type":"a.b","payload":1}],"events":[{}]}`,
		`{"events":[{"type":"a.b","channels":null,"payload":null}]}`, `{"events":[{"payload":"\u00e9\\\""}]}`,
		"{\"events\":[{\"type\":\"a.\xff\",\"payload\":\"\xed\xa0\x80\"}]}", `{"events":[{"type":"a.b","payload":"\ud800"}]}`,
		`{"events":1}`, `{"EVENTS":[{}],"x":1}`, `{"events":[{}],"x":[1,2]}`, `[{}]`, `null`, `{"events":[{},`, `{"events":`,
		`{"events":[{"type":"a.b"} {}]}`, `{"events":{"a":1}}`, `{"events":[{"type":"a.b","channels":[1]},{"colour":{"x":1}}]}`,
		`{"events":[` + strings.Repeat(`{},`, hookd.MaxBatchEvents) + `{}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := decodeBatch(body)
		want, wantErr := decodeEachEvent(body)
		switch {
		case err == nil:
			if wantErr != nil || len(got) != len(want) {
				t.Fatalf("decodeBatch(%q): %d events; event by event: %d, %v", body, len(got), len(want), wantErr)
			}
			for i := range got {
				if describeErr(got[i].err) != describeErr(want[i].err) || !reflect.DeepEqual(got[i].body, want[i].body) {
					t.Fatalf("decodeBatch(%q) event %d: %+v, %s; event by event: %+v, %s", body, i, got[i].body, describeErr(got[i].err), want[i].body, describeErr(want[i].err))
				}
			}
		case stopsBatch(err):
			if wantErr == nil && batchKeys(body) == 1 {
				if wantStop := batchRule(want); describeErr(err) != describeErr(wantStop) {
					t.Fatalf("decodeBatch(%q): %s; want %s", body, describeErr(err), describeErr(wantStop))
				}
			}
		case wantErr == nil:
			t.Fatalf("decodeBatch(%q): %s; event by event: no error", body, describeErr(err))
		case hookd.ErrorCode(wantErr) == hookd.EINVALID && describeErr(err) != describeErr(wantErr):
			t.Fatalf("decodeBatch(%q): %s; event by event: %s", body, describeErr(err), describeErr(wantErr))
		}
	})
}

// decodeEachEvent decodes a batch as decodeBatch once did: the whole body
// (decodeJSON), then each event on its own, under its place.
func decodeEachEvent(body []byte) ([]batchEvent, error) {
	var each batchRequest
	if err := decodeJSON(body, &each); err != nil {
		return nil, err
	}
	if each.Events == nil {
		return nil, invalid("events", fmt.Sprintf("is required: a list of 1 to %d events", hookd.MaxBatchEvents))
	}
	out := make([]batchEvent, len(each.Events))
	for i, raw := range each.Events {
		prefix := fmt.Sprintf("events[%d]", i)
		if t := bytes.TrimSpace(raw); t[0] != '{' {
			out[i].err = invalid(prefix, errBatchObject)
			continue
		}
		out[i].err = prefixed(decodeJSON(raw, &out[i].body), prefix)
	}
	return out, nil
}

// batchRule returns the error of events, decoded whole, that breaks
// decodeBatch's rule (an element that is not an object, or more than
// hookd.MaxBatchEvents), or nil.
func batchRule(events []batchEvent) error {
	for i, e := range events {
		if i == hookd.MaxBatchEvents {
			return invalid("events", fmt.Sprintf("at most %d events per batch; this one has more", hookd.MaxBatchEvents))
		}
		if describeErr(e.err) == describeErr(invalid(fmt.Sprintf("events[%d]", i), errBatchObject)) {
			return e.err
		}
	}
	return nil
}

// stopsBatch reports whether err is an error that decodeBatch stops at.
func stopsBatch(err error) bool {
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EINVALID || len(e.Fields) != 1 {
		return false
	}
	f := e.Fields[0]
	return (f.Field == "events" && strings.HasPrefix(f.Message, "at most")) ||
		(strings.HasPrefix(f.Field, "events[") && !strings.Contains(f.Field, ".") && f.Message == errBatchObject)
}

// batchKeys counts the keys of body, a JSON object; 0 for any other body.
func batchKeys(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0
	}
	n := 0
	for ; dec.More(); n++ {
		var v json.RawMessage
		if _, err := dec.Token(); err != nil || dec.Decode(&v) != nil {
			return 0
		}
	}
	return n
}

// describeErr writes err with its code and fields.
func describeErr(err error) string {
	var e *hookd.Error
	if !errors.As(err, &e) {
		return fmt.Sprint(err)
	}
	return fmt.Sprintf("%s %q %v", e.Code, e.Message, e.Fields)
}
