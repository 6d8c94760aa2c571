package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// checkText checks that body, a request body, is text as JSON must be
// (RFC 8259): UTF-8, without escapes of lone UTF-16 surrogates such as
// \ud800, which stand for no character. Go's decoder would turn either
// into U+FFFD in the strings it decodes, changing what the user sent,
// while a payload is stored and sent as it came, and receivers that
// decode it as text (every JavaScript verifier does) fail on it.
//
// Bodies that pass, nearly all, cost one utf8.Valid pass and a search for
// backslashes. For the others, textError finds the field at fault.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		return textError(body, invalidUTF8(body), false)
	}
	if at := loneSurrogate(body); at >= 0 {
		return textError(body, at, true)
	}
	return nil
}

// invalidUTF8 returns the offset of the first byte of b that is not UTF-8.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// loneSurrogate returns the offset of the first escape of a lone UTF-16
// surrogate (\uD800 to \uDFFF that is not the first or second half of a
// pair) in b, a JSON text, or -1 when it has none. Outside strings, a
// backslash is a syntax error, which the decoder reports.
func loneSurrogate(b []byte) int {
	for i := 0; i < len(b); {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 {
			return -1
		}
		i += j
		r, ok := escapedUnit(b, i)
		switch {
		case !ok || r < 0xd800 || r > 0xdfff:
			i += 2 // the escape and the character it escapes
		case r >= 0xdc00: // a second half without a first
			return i
		default:
			if r2, ok := escapedUnit(b, i+6); !ok || r2 < 0xdc00 || r2 > 0xdfff {
				return i
			}
			i += 12
		}
	}
	return -1
}

// escapedUnit reads the UTF-16 code unit of the \uXXXX escape at b[i];
// ok is false when there is none.
func escapedUnit(b []byte, i int) (rune, bool) {
	if i+6 > len(b) || b[i] != '\\' || b[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range b[i+2 : i+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// valueFields are the fields whose value the API keeps as the JSON the
// user sent (an event's payload, an event type's example): a fault in them
// is reported at its offset in the value.
var valueFields = map[string]bool{"payload": true, "example": true}

// textError returns the error for the fault at offset at of body (a byte
// that is not UTF-8, or the escape of a lone surrogate): EINVALID naming
// the field whose string or value holds it, or, when body is not
// well-formed JSON, the syntax error, as decodeJSON words it.
func textError(body []byte, at int, surrogate bool) error {
	if !json.Valid(body) {
		if err := decodeJSON(body, new(json.RawMessage)); err != nil {
			return err
		}
	}
	what := fmt.Sprintf("must be UTF-8 text (RFC 8259): byte 0x%02x at offset %%d of the %%s is not UTF-8", body[at])
	if surrogate {
		what = fmt.Sprintf("must be UTF-8 text (RFC 8259): %s at offset %%d of the %%s escapes a lone UTF-16 surrogate, which stands for no character: send the character itself or a surrogate pair", body[at:at+6])
	}
	field, start, of := locate(body, at)
	if field == "" {
		return hookd.Errorf(hookd.EINVALID, what, at, "request body")
	}
	return invalid(field, fmt.Sprintf(what, at-start, of))
}

// locate walks body, well-formed JSON, to offset at. It returns the path
// of the field (as in events[2].payload or headers.X-A) whose string or
// kept value (valueFields) holds at, where that string's text or that
// value starts, and what it is ("text" or the value field's name); "" when
// at is outside every string. It reads body byte by byte, decoding only
// the keys of the path, so that it costs no more than the body's length.
func locate(body []byte, at int) (field string, start int, of string) {
	type frame struct {
		array bool
		index int    // of the current element of an array
		key   []byte // of the current member of an object, quoted
	}
	var stack []frame
	path := func() string {
		var b bytes.Buffer
		for _, f := range stack {
			if f.array {
				fmt.Fprintf(&b, "[%d]", f.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(keyName(f.key))
		}
		return b.String()
	}
	wantKey := false // the next token is an object's key
	for i := tokenStart(body, 0); i < len(body) && i <= at; i = tokenStart(body, i) {
		if n := len(stack); n > 0 && !stack[n-1].array && !wantKey && valueFields[keyName(stack[n-1].key)] {
			end := valueEnd(body, i)
			if at < end {
				return path(), i, keyName(stack[n-1].key)
			}
			i, wantKey = end, true
			continue
		}
		key := false // the token is an object's key
		switch c := body[i]; c {
		case '{', '[':
			stack = append(stack, frame{array: c == '['})
			wantKey = c == '{'
			i++
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
			i++
		case '"':
			end := stringEnd(body, i) + 1
			if wantKey {
				stack[len(stack)-1].key, key = body[i:end], true
			}
			if at < end {
				return path(), i + 1, "text"
			}
			i = end
		default:
			i = valueEnd(body, i)
		}
		// A value (or a key) is complete.
		switch n := len(stack); {
		case n == 0:
		case stack[n-1].array:
			stack[n-1].index++
		default:
			wantKey = !key // after a key its value, after a value a key
		}
	}
	return "", 0, ""
}

// keyName decodes raw, a JSON string, as the decoder does (escapes read,
// bytes that are not UTF-8 replaced by U+FFFD).
func keyName(raw []byte) string {
	if !bytes.ContainsFunc(raw, func(r rune) bool { return r == '\\' || r >= utf8.RuneSelf }) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // raw is a JSON string
	return s
}

// valueEnd returns the offset just after the JSON value that starts at
// b[i], of a well-formed JSON text b.
func valueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i)
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i // the end of a number or literal
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return len(b)
}

// tokenStart returns the offset of the first byte at or after i that is
// not whitespace or a separator between JSON tokens.
func tokenStart(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}
