package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
)

// A list's cursor, as clients see it, is opaque and checks itself: the
// base64url (unpadded) of a tag and the store's cursor, where the tag is
// the first tagBytes of the SHA-256 of the list's scope (listScope) and
// the store's cursor. A cursor that this list did not issue (garbled,
// made up, or from another list, workspace or webhook) fails the check
// and is answered 422 naming the field cursor, instead of an empty page
// that would look like "no data". The stores keep their raw cursors.
//
// The tag is a checksum, not a keyed MAC, on purpose: a cursor only bounds
// a list whose items the caller may read in full anyway (the workspace
// and webhook come from the path, which the caller is authorized for), so
// a forged cursor gains nothing, and a checksum needs no key that every
// server process on one database, and every restart, would have to share.
const tagBytes = 8

// maxCursorLength bounds the cursor parameter: the store's cursors are
// ids and event type names, far shorter.
const maxCursorLength = 1024

// listScope names one list for its cursors: its kind and the ids of the
// workspace and webhook it belongs to, where it has them.
type listScope string

// scopeOf returns the scope of the list kind under ids.
func scopeOf(kind string, ids ...string) listScope {
	s := kind
	for _, id := range ids {
		s += "\x00" + id
	}
	return listScope(s)
}

// cursor returns the cursor clients see for the store's cursor raw; ""
// (the last page) stays "".
func (s listScope) cursor(raw string) string {
	if raw == "" {
		return ""
	}
	b := make([]byte, 0, tagBytes+len(raw))
	b = append(b, s.tag(raw)...)
	b = append(b, raw...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// raw returns the store's cursor inside c, a cursor of this list, and
// false when c is not one.
func (s listScope) raw(c string) (string, bool) {
	if len(c) > maxCursorLength {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) <= tagBytes {
		return "", false
	}
	raw := string(b[tagBytes:])
	return raw, bytes.Equal(b[:tagBytes], s.tag(raw))
}

// tag returns the checksum of raw in s.
func (s listScope) tag(raw string) []byte {
	h := sha256.New()
	h.Write([]byte("hookd list cursor\x00"))
	h.Write([]byte(s))
	h.Write([]byte{0})
	h.Write([]byte(raw))
	return h.Sum(nil)[:tagBytes]
}
