package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// TestCheckText: a body that is not UTF-8 text, or that escapes a lone
// surrogate, is refused naming the field and the offset; any other body
// passes.
func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		name, body string
		code       string // "" for none
		field      string
		detail     string // a substring of the message
	}{
		{"ASCII", `{"name":"a","payload":{"x":[1,"b"]}}`, "", "", ""},
		{"UTF-8", `{"name":"é 日本 😀","payload":"\u00e9"}`, "", "", ""},
		{"surrogate pair", `{"payload":"\ud83d\ude00 \uD83D\uDE00"}`, "", "", ""},
		{"escaped backslash before u", `{"payload":"\\ud800"}`, "", "", ""},
		{"NUL escape", `{"payload":"a\u0000b"}`, "", "", ""},
		{"bytes ff fe in a payload", "{\"type\":\"a.b\",\"payload\":{\"s\":\"ab\xff\xfe\"}}", hookd.EINVALID, "payload", "byte 0xff at offset 8 of the payload"},
		{"CESU-8 surrogate in a payload", "{\"payload\":[\"\xed\xa0\x80\"]}", hookd.EINVALID, "payload", "byte 0xed at offset 2 of the payload"},
		{"in the third event of a batch", "{\"events\":[{\"payload\":1},{\"payload\":{}},{\"type\":\"x\",\"payload\":\"\xff\"}]}", hookd.EINVALID, "events[2].payload", "offset 1 of the payload"},
		{"in an example", "{\"name\":\"a.b\",\"example\":{\"k\":\"\xc3\"}}", hookd.EINVALID, "example", "byte 0xc3 at offset 6 of the example"},
		{"in a name", "{\"name\":\"ab\xff\"}", hookd.EINVALID, "name", "offset 2 of the text"},
		{"in a header value", "{\"url\":\"https://a\",\"headers\":{\"X-A\":\"\xff\"}}", hookd.EINVALID, "headers.X-A", "offset 0"},
		{"in a header name", "{\"headers\":{\"X-\xff\":\"v\"}}", hookd.EINVALID, "headers.X-\ufffd", "offset 2"},
		{"in a channel", "{\"channels\":[\"a\",\"b\",\"\xff\"]}", hookd.EINVALID, "channels[2]", ""},
		{"in a nested list", "{\"s\":{\"r\":[[\"a\"],[\"b\",\"\xff\"]]}}", hookd.EINVALID, "s.r[1][1]", ""},
		{"after a nested object", "{\"a\":{\"b\":1},\"c\":\"\xff\"}", hookd.EINVALID, "c", ""},
		{"lone high surrogate", `{"payload":{"s":"x\ud800"}}`, hookd.EINVALID, "payload", `\ud800 at offset 7 of the payload escapes a lone UTF-16 surrogate`},
		{"lone low surrogate", `{"payload":"\uDC00"}`, hookd.EINVALID, "payload", `\uDC00 at offset 1`},
		{"high then not low", `{"payload":"\ud800\u0041"}`, hookd.EINVALID, "payload", "offset 1"},
		{"two highs", `{"payload":"\ud800\ud800\udc00"}`, hookd.EINVALID, "payload", "offset 1"},
		{"lone surrogate in a description", `{"description":"\udfff"}`, hookd.EINVALID, "description", "offset 0 of the text"},
		{"outside strings", "{\"a\":1}\xff", codeMalformed, "", "malformed JSON"},
		{"before a syntax error", "{\"a\" 1, \"b\":\"\xff\"}", codeMalformed, "", "malformed JSON"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := checkText([]byte(c.body))
			if c.code == "" {
				if err != nil {
					t.Fatalf("checkText(%q) = %v; want nil", c.body, err)
				}
				return
			}
			if hookd.ErrorCode(err) != c.code {
				t.Fatalf("checkText(%q) = %v (%s); want %s", c.body, err, hookd.ErrorCode(err), c.code)
			}
			e := err.(*hookd.Error)
			msg := e.Message
			if c.field != "" {
				if len(e.Fields) != 1 || e.Fields[0].Field != c.field {
					t.Fatalf("checkText(%q) fields %+v; want %q", c.body, e.Fields, c.field)
				}
				msg = e.Fields[0].Message
			}
			if !strings.Contains(msg, c.detail) {
				t.Errorf("checkText(%q) message %q; want it to contain %q", c.body, msg, c.detail)
			}
		})
	}
}

// FuzzCheckText checks checkText against what it promises: a body it
// passes is UTF-8; a JSON body that is UTF-8 without \u escapes passes; a
// JSON body it refuses is EINVALID, naming at most one field, never
// malformed.
func FuzzCheckText(f *testing.F) {
	for _, seed := range []string{
		`{"payload":"\ud83d\ude00"}`, `{"payload":"\ud800"}`, "{\"payload\":\"\xff\"}", `{"a":"\\ud800"}`,
		"{\"events\":[{\"payload\":{\"a\":[\"\xed\xa0\x80\"]}}]}", "[\"\xff\"]", "\"\xff\"", `"\udc00\ud800"`,
		"{\"headers\":{\"\xff\":1}}", `{"payload":"\ud800\`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkText(body)
		switch {
		case err == nil:
			if !utf8.Valid(body) {
				t.Fatalf("checkText(%q) passed a body that is not UTF-8", body)
			}
		case json.Valid(body):
			if e, ok := err.(*hookd.Error); !ok || e.Code != hookd.EINVALID || len(e.Fields) > 1 {
				t.Fatalf("checkText(%q) of JSON = %#v; want EINVALID naming at most one field", body, err)
			}
		default:
			if c := hookd.ErrorCode(err); c != hookd.EINVALID && c != codeMalformed {
				t.Fatalf("checkText(%q) = %v; want EINVALID or malformed", body, err)
			}
		}
		if err != nil && utf8.Valid(body) && !bytes.Contains(body, []byte(`\u`)) {
			t.Fatalf("checkText(%q) = %v for UTF-8 without \\u escapes", body, err)
		}
	})
}

// BenchmarkCheckText checks a batch body of 1000 events of about 1 KiB,
// some of their text escaped as JSON encoders escape it (\u00e9, \u003c),
// some as Python's json.dumps writes emoji (a surrogate pair).
func BenchmarkCheckText(b *testing.B) {
	ev := `{"type":"ticket.created","payload":{"name":"Ad\u00e9 \ud83d\ude00","html":"\u003cb\u003e","text":"` + strings.Repeat("lorem ipsum ", 80) + `"}}`
	body := []byte(`{"events":[` + strings.TrimSuffix(strings.Repeat(ev+",", 1000), ",") + `]}`)
	b.SetBytes(int64(len(body)))
	for range b.N {
		if err := checkText(body); err != nil {
			b.Fatal(err)
		}
	}
}
