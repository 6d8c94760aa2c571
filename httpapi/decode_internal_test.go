package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
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

// FuzzDecodeBatch checks decodeBatch against decoding a batch event by
// event: the one-pass decoding of well-formed batches must give the same
// events, and any other batch the same answer.
func FuzzDecodeBatch(f *testing.F) {
	for _, seed := range []string{
		`{"events":[{"type":"a.b","payload":{"x":1}},{"type":"a.c","payload":[1, 2],"channels":["c"],"idempotency_key":"k"}]}`,
		`{"events":[]}`, `{"events":null}`, `{}`, `{"events":[null]}`, `{"events":[1]}`, `{"events":[{"type":"a.b"},null]}`,
		`{"events":[{"type":"a.b","colour":1}]}`, `{"events":[{"type":1}]}`, `{"events":[{"type":"a.b","channels":"x"}]}`,
		`{"events":[{"type":"a.b","payload":1}]} x`, `{"events":[{"type":"a.b","payload":1}],"events":[{}]}`,
		`{"events":[{"type":"a.b","channels":null,"payload":null}]}`, `{"events":[{"payload":"\u00e9\\\""}]}`,
		"{\"events\":[{\"type\":\"a.\xff\",\"payload\":\"\xed\xa0\x80\"}]}", `{"events":[{"type":"a.b","payload":"\ud800"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		event, n, err := decodeBatch(body)
		var each batchRequest
		switch eachErr := decodeJSON(body, &each); {
		case eachErr != nil:
			if fmt.Sprint(err) != fmt.Sprint(eachErr) {
				t.Fatalf("decodeBatch(%q): error %v; event by event: %v", body, err, eachErr)
			}
			return
		case each.Events == nil:
			if hookd.ErrorCode(err) != hookd.EINVALID {
				t.Fatalf("decodeBatch(%q) without events: error %v; want EINVALID", body, err)
			}
			return
		case err != nil:
			t.Fatalf("decodeBatch(%q): error %v; event by event: none", body, err)
		}
		if n != len(each.Events) {
			t.Fatalf("decodeBatch(%q): %d events; event by event: %d", body, n, len(each.Events))
		}
		for i := range n {
			prefix := fmt.Sprintf("events[%d]", i)
			got, gotErr := event(i, prefix)
			want, wantErr := decodeBatchEvent(prefix, each.Events[i])
			if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("decodeBatch(%q) event %d: %+v, %v; event by event: %+v, %v", body, i, got, gotErr, want, wantErr)
			}
		}
	})
}
