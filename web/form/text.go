package form

import (
	"net/url"
	"strings"
	"unicode"
)

// trimmed returns the value of the field name in v, without the white
// space around it.
func trimmed(v url.Values, name string) string {
	return strings.TrimSpace(v.Get(name))
}

// words splits s at white space and at any of seps, dropping empty parts.
func words(s, seps string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(seps, r) })
}

// lines makes the line breaks of a textarea's text, which browsers send as
// CRLF, plain LF.
func lines(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}
