package httpapi

import (
	"bytes"
	"encoding/json"
	"testing"
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
