package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hookd/hookd"
)

// readBody reads r's body, at most limit bytes. It returns ETOOLARGE when the
// body is longer, and a malformed-request error when it is empty, unless
// optional, in which case an empty body reads as {}.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, optional bool) ([]byte, error) {
	tooLarge := hookd.Errorf(hookd.ETOOLARGE, "the request body is over its limit of %s", formatBytes(limit))
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, tooLarge
	case err != nil:
		return nil, &hookd.Error{Code: codeMalformed, Message: "could not read the request body", Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return []byte("{}"), nil
		}
		return nil, hookd.Errorf(codeMalformed, "the request body is empty: send a JSON object")
	}
	return body, nil
}

// formatBytes writes n as bytes, KiB or MiB, whichever is exact.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// decodeJSON decodes body, one JSON value, into dst strictly: unknown
// fields, wrong types, malformed JSON and trailing data are errors that
// name the problem. Syntax errors are codeMalformed (400); a body of the
// wrong shape is EINVALID (422) naming the field.
func decodeJSON(body []byte, dst any) error {
	dec := strictDecoder(body)
	if err := dec.Decode(dst); err != nil {
		return decodeError(body, dst, err)
	}
	if !atEnd(dec) {
		return hookd.Errorf(codeMalformed, "malformed JSON: unexpected data after the JSON value, at byte %d", dec.InputOffset())
	}
	return nil
}

// strictDecoder returns a decoder of body as decodeJSON reads it: unknown
// fields are errors, and numbers are kept as written.
func strictDecoder(body []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	return dec
}

// atEnd reports whether dec has nothing left but whitespace.
func atEnd(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

// compactJSON returns v, a JSON value, as json.Compact writes it: without
// the whitespace outside its strings. When v has none, as the JSON that
// programs encode usually has none, it returns v itself without checking
// it: v must come from the decoder or the store, which checked it.
func compactJSON(v []byte) ([]byte, error) {
	if !hasSpace(v) {
		return v, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hasSpace reports whether v, a JSON value, has whitespace outside its
// strings.
func hasSpace(v []byte) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\n', '\r':
			return true
		case '"':
			i = stringEnd(v, i)
		}
	}
	return false
}

// stringEnd returns the index of the quote that closes the JSON string
// that opens at v[i], or len(v) when none does.
func stringEnd(v []byte, i int) int {
	for {
		j := bytes.IndexByte(v[i+1:], '"')
		if j < 0 {
			return len(v)
		}
		i += 1 + j
		// The quote closes the string unless an odd number of
		// backslashes escapes it.
		k := i - 1
		for v[k] == '\\' {
			k--
		}
		if (i-1-k)%2 == 0 {
			return i
		}
	}
}

// decodeError turns an error of encoding/json into one for the user.
func decodeError(body []byte, dst any, err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return hookd.Errorf(codeMalformed, "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return hookd.Errorf(codeMalformed, "malformed JSON: the body ends in the middle of a JSON value")
	case errors.As(err, &typ):
		t := reflect.TypeOf(dst)
		path, f, ok := resolveField(t, typ.Field)
		if !ok {
			return hookd.Errorf(hookd.EINVALID, "the request body must be %s (got %s)", describeType(t), describeValue(typ.Value))
		}
		return invalid(path, fmt.Sprintf("must be %s (got %s)", describeField(f), describeValue(typ.Value)))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if n, uerr := strconv.Unquote(name); uerr == nil {
			name = n
		}
		path := locateUnknown(body, reflect.TypeOf(dst), name)
		return &hookd.Error{Code: hookd.EINVALID, Message: fmt.Sprintf("unknown field %q", path),
			Fields: []hookd.FieldError{{Field: path, Message: "unknown field"}}}
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return &hookd.Error{Code: hookd.EINTERNAL, Err: err}
	}
	return &hookd.Error{Code: hookd.EINVALID, Message: strings.TrimPrefix(err.Error(), "json: "), Err: err}
}

// describeValue says what a json.UnmarshalTypeError's Value was.
func describeValue(v string) string {
	switch v {
	case "string":
		return "a string"
	case "array":
		return "a list"
	case "object":
		return "an object"
	case "bool":
		return "true or false"
	case "number":
		return "a number"
	}
	if n, ok := strings.CutPrefix(v, "number "); ok {
		return n
	}
	return v
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// deref strips pointers from t.
func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonName returns f's JSON name and whether f is encoded at all.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

// fieldByJSONName finds the field of struct type t that encoding/json
// fills from key: the exact name first, then one that differs in case.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold reflect.StructField
	found := false
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous {
			continue
		}
		name, ok := jsonName(f)
		switch {
		case !ok:
		case name == key:
			return f, true
		case !found && strings.EqualFold(name, key):
			fold, found = f, true
		}
	}
	return fold, found
}

// resolveField follows the dotted field path of a json.UnmarshalTypeError
// from type t. It returns the path as the user wrote it (without the names
// of embedded structs) and the struct field at its end.
func resolveField(t reflect.Type, path string) (string, reflect.StructField, bool) {
	if path == "" {
		return "", reflect.StructField{}, false
	}
	var out []string
	var last reflect.StructField
	cur := t
	for _, part := range strings.Split(path, ".") {
		cur = deref(cur)
		for cur.Kind() == reflect.Slice || cur.Kind() == reflect.Array || cur.Kind() == reflect.Map {
			cur = deref(cur.Elem())
		}
		if cur.Kind() != reflect.Struct {
			break
		}
		if f, ok := fieldByJSONName(cur, part); ok {
			name, _ := jsonName(f)
			out = append(out, name)
			last, cur = f, f.Type
			continue
		}
		if f, ok := cur.FieldByName(part); ok && f.Anonymous {
			cur = f.Type // an embedded struct: its fields are promoted
			continue
		}
		break
	}
	if len(out) == 0 {
		return "", reflect.StructField{}, false
	}
	return strings.Join(out, "."), last, true
}

// describeField says what JSON value field f takes: its expect tag if it
// has one, else what its type takes.
func describeField(f reflect.StructField) string {
	if e := f.Tag.Get("expect"); e != "" {
		return e
	}
	return describeType(f.Type)
}

// describeType says what JSON value type t takes, as in "a list of strings".
func describeType(t reflect.Type) string {
	t = deref(t)
	if t == rawMessageType {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list of " + plural(t.Elem())
	case reflect.Map:
		return "an object whose values are " + plural(t.Elem())
	case reflect.Struct:
		return "an object"
	}
	return "a JSON value"
}

// plural names the values of type t, as in "strings".
func plural(t reflect.Type) string {
	switch d := describeType(t); {
	case strings.HasPrefix(d, "a list"):
		return "lists"
	case d == "true or false":
		return "booleans"
	case d == "a JSON value":
		return "JSON values"
	case strings.HasPrefix(d, "an "):
		return strings.TrimPrefix(d, "an ") + "s"
	default:
		return strings.TrimPrefix(d, "a ") + "s"
	}
}

// locateUnknown returns the full path (such as signature.x or
// events[2].foo) of the unknown field name that encoding/json reported for
// body decoded into a value of type t; name itself when it cannot tell.
func locateUnknown(body []byte, t reflect.Type, name string) string {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return name
	}
	if p := findUnknown(v, t, "", name); p != "" {
		return p
	}
	return name
}

func findUnknown(v any, t reflect.Type, prefix, name string) string {
	t = deref(t)
	if t == rawMessageType {
		return ""
	}
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			f, ok := fieldByJSONName(t, k)
			if !ok {
				if k == name {
					return join(k)
				}
				continue
			}
			if p := findUnknown(obj[k], f.Type, join(k), name); p != "" {
				return p
			}
		}
	case reflect.Slice, reflect.Array:
		arr, _ := v.([]any)
		for i, e := range arr {
			if p := findUnknown(e, t.Elem(), fmt.Sprintf("%s[%d]", prefix, i), name); p != "" {
				return p
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for k, e := range obj {
			if p := findUnknown(e, t.Elem(), join(k), name); p != "" {
				return p
			}
		}
	}
	return ""
}

// decodePatch applies body, a JSON merge patch (RFC 7396), to current (the
// editable fields of a resource, as a request struct) and decodes the
// result strictly into dst. A null in the patch removes the field, which
// then takes its default; objects merge key by key; anything else replaces.
// keys returns the top-level keys of the patch.
func decodePatch(body []byte, current, dst any) (keys map[string]bool, err error) {
	var patch any
	if err := decodeJSON(body, &patch); err != nil {
		return nil, err
	}
	obj, ok := patch.(map[string]any)
	if !ok {
		return nil, hookd.Errorf(hookd.EINVALID, "the request body must be a JSON object (a merge patch)")
	}
	keys = make(map[string]bool, len(obj))
	for k := range obj {
		keys[k] = true
	}
	cur, err := json.Marshal(current)
	if err != nil {
		return nil, fmt.Errorf("encode current state: %w", err)
	}
	var target any
	if err := decodeJSON(cur, &target); err != nil {
		return nil, fmt.Errorf("decode current state: %w", err)
	}
	merged, err := json.Marshal(mergePatch(target, obj))
	if err != nil {
		return nil, fmt.Errorf("encode merged state: %w", err)
	}
	return keys, decodeJSON(merged, dst)
}

// mergePatch applies patch to target as RFC 7396 says.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// parseList reads the query of the list scope: limit (1 to 250, default
// 50), cursor (a next_cursor of the list, which the page holds as the
// store's cursor), and the filters named, which the caller reads from the
// returned values. Any other parameter, and a cursor that the list did not
// issue, is an error.
func parseList(r *request, scope listScope, filters ...string) (hookd.Page, url.Values, fieldErrors) {
	var errs fieldErrors
	q := parseQuery(r.URL.RawQuery, &errs)
	allowed := append([]string{"limit", "cursor"}, filters...)
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(allowed, k):
			errs.add(k, "unknown query parameter; this list takes "+strings.Join(allowed, ", "))
		case slices.ContainsFunc(q[k], notUTF8):
			errs.add(k, "must be UTF-8 text, percent-encoded")
		}
	}
	p := hookd.Page{Limit: hookd.DefaultPageLimit}
	if q.Has("limit") {
		n, err := strconv.Atoi(q.Get("limit"))
		if err != nil || n < 1 || n > hookd.MaxPageLimit {
			errs.add("limit", fmt.Sprintf("must be a whole number from 1 to %d", hookd.MaxPageLimit))
		} else {
			p.Limit = n
		}
	}
	if c := q.Get("cursor"); c != "" {
		raw, ok := scope.raw(c)
		if !ok {
			errs.add("cursor", "is not a next_cursor of this list: pass the next_cursor of the previous page as it came, to the same list")
		}
		p.Cursor = raw
	}
	return p, q, errs
}

// parseQuery parses the query raw as url.ParseQuery does, adding an error
// for each parameter that it cannot parse (a bad percent escape, a
// semicolon) rather than dropping it.
func parseQuery(raw string, errs *fieldErrors) url.Values {
	q, err := url.ParseQuery(raw)
	if err == nil {
		return q
	}
	for _, pair := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, kerr := url.QueryUnescape(k)
		if kerr != nil {
			name = k
		}
		if _, verr := url.QueryUnescape(v); kerr != nil || verr != nil || strings.Contains(k, ";") {
			errs.add(name, "is not a well-formed query parameter: percent-encode %, & and ; (as %25, %26 and %3B)")
		}
	}
	return q
}

// notUTF8 reports whether s is not UTF-8 text.
func notUTF8(s string) bool { return !utf8.ValidString(s) }

// parseTime reads an RFC 3339 time for field; "" gives nil.
func parseTime(field, v string, errs *fieldErrors) *time.Time {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		errs.add(field, "must be an RFC 3339 time such as 2025-01-31T15:04:05Z")
		return nil
	}
	t = t.UTC()
	return &t
}

// checkRange adds an error when until is not after since.
func checkRange(since, until *time.Time, errs *fieldErrors) {
	if since != nil && until != nil && !until.After(*since) {
		errs.add("until", "must be after since")
	}
}

// list is the answer of every list route.
type list[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// newList returns the answer of the list scope: data, and the cursor of
// the next page for the store's cursor next ("" on the last page).
func newList[T any](scope listScope, data []T, next string) list[T] {
	l := list[T]{Data: data}
	if l.Data == nil {
		l.Data = []T{}
	}
	if c := scope.cursor(next); c != "" {
		l.NextCursor = &c
	}
	return l
}
