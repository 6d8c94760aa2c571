package seal_test

import (
	"bytes"
	"testing"

	"github.com/hookd/hookd/seal"
)

// FuzzOpen feeds Open arbitrary values: it never panics and opens nothing
// but what Seal made under the same additional data.
func FuzzOpen(f *testing.F) {
	keys := keyring(f, bytes.Repeat([]byte{7}, seal.KeySize))
	f.Add(keys.Seal([]byte("whsec_x"), "aad"), "aad", []byte("whsec_x"))
	f.Add("sealed:v1:", "", []byte{})
	f.Add("sealed:v1:"+keys.CurrentKeyID()+":", "aad", []byte(nil))
	f.Add("sealed:v1:"+keys.CurrentKeyID()+":AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "aad", []byte("x"))
	f.Add("whsec_plain", "aad", []byte("y"))
	f.Fuzz(func(t *testing.T, v, aad string, plain []byte) {
		if got, err := keys.Open(v, aad); err == nil && !seal.IsSealed(v) {
			t.Fatalf("Open(%q) = %q: opened something that is not sealed", v, got)
		}
		sealed := keys.Seal(plain, aad)
		got, err := keys.Open(sealed, aad)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open(Seal(%q)) = %q, %v", plain, got, err)
		}
		if _, err := keys.Open(sealed, aad+"x"); err == nil {
			t.Fatalf("a value sealed for %q opened for %q", aad, aad+"x")
		}
	})
}
