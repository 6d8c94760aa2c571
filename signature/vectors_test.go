package signature_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd/signature"
)

// vectors is the shape of testdata/vectors.json.
type vectors struct {
	Valid []struct {
		Name      string            `json:"name"`
		Scheme    string            `json:"scheme"`
		Prefix    string            `json:"prefix"`
		Secrets   []string          `json:"secrets"`
		ID        string            `json:"id"`
		Timestamp int64             `json:"timestamp"`
		Body      string            `json:"body"`
		Headers   map[string]string `json:"headers"`
	} `json:"valid"`
	Invalid []struct {
		Name             string            `json:"name"`
		Scheme           string            `json:"scheme"`
		Prefix           string            `json:"prefix"`
		Secrets          []string          `json:"secrets"`
		Now              int64             `json:"now"`
		ToleranceSeconds int64             `json:"tolerance_seconds"`
		Body             string            `json:"body"`
		Headers          map[string]string `json:"headers"`
		Error            string            `json:"error"`
	} `json:"invalid"`
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("testdata/vectors.json: %v", err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("testdata/vectors.json has no vectors")
	}
	return v
}

func header(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}

// TestSignVectors checks that Sign produces exactly the headers of every
// valid vector, and nothing else.
func TestSignVectors(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t).Valid {
		t.Run(v.Name, func(t *testing.T) {
			h := http.Header{}
			m := signature.Message{ID: v.ID, Timestamp: time.Unix(v.Timestamp, 0), Body: []byte(v.Body)}
			if err := signature.Sign(h, v.Scheme, v.Prefix, m, v.Secrets); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for k := range h {
				got[strings.ToLower(k)] = h.Get(k)
				if len(h[k]) != 1 {
					t.Errorf("%s set %d times; want once", k, len(h[k]))
				}
			}
			for k, want := range v.Headers {
				if got[k] != want {
					t.Errorf("%s: got %q; want %q", k, got[k], want)
				}
			}
			for k := range got {
				if _, ok := v.Headers[k]; !ok {
					t.Errorf("Sign set %s; the vector has no such header", k)
				}
			}
		})
	}
}

// TestVerifyVectors checks that a receiver holding any one secret that a
// valid vector carries accepts it, one holding a secret it does not carry
// rejects it, and every invalid vector is rejected with its error.
func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t)
	for _, v := range vs.Valid {
		t.Run(v.Name, func(t *testing.T) {
			at := time.Unix(v.Timestamp, 0)
			carried := len(v.Secrets)
			if v.Scheme == signature.GitHub || v.Scheme == signature.Split {
				carried = 1 // newest secret only
			}
			for i, secret := range v.Secrets {
				for _, scheme := range []string{v.Scheme, signature.Auto} {
					ver := signature.Verifier{Scheme: scheme, Prefix: v.Prefix, Secrets: []string{secret}, Now: func() time.Time { return at }}
					m, err := ver.Verify(header(v.Headers), []byte(v.Body))
					if i >= carried {
						if !errors.Is(err, signature.ErrBadSignature) {
							t.Errorf("%s, secret %d (not carried): got %v; want ErrBadSignature", scheme, i+1, err)
						}
						continue
					}
					if err != nil {
						t.Errorf("%s, secret %d: %v", scheme, i+1, err)
						continue
					}
					if m.Scheme != v.Scheme || m.Secret != 0 || m.Signature != i {
						t.Errorf("%s, secret %d: got match %+v; want scheme %s, signature %d", scheme, i+1, m, v.Scheme, i)
					}
				}
			}
			// With every secret at once, the newest matches first.
			ver := signature.Verifier{Scheme: v.Scheme, Prefix: v.Prefix, Secrets: v.Secrets, Now: func() time.Time { return at }}
			if m, err := ver.Verify(header(v.Headers), []byte(v.Body)); err != nil || m.Secret != 0 || m.Signature != 0 {
				t.Errorf("all secrets: got %+v, %v; want secret 0, signature 0", m, err)
			}
		})
	}
	kinds := map[string]error{
		"no_signature":  signature.ErrNoSignature,
		"malformed":     signature.ErrMalformed,
		"bad_signature": signature.ErrBadSignature,
		"too_old":       signature.ErrTooOld,
		"too_new":       signature.ErrTooNew,
	}
	for _, v := range vs.Invalid {
		t.Run(v.Name, func(t *testing.T) {
			want, ok := kinds[v.Error]
			if !ok {
				t.Fatalf("unknown error kind %q", v.Error)
			}
			at := time.Unix(v.Now, 0)
			ver := signature.Verifier{Scheme: v.Scheme, Prefix: v.Prefix, Secrets: v.Secrets, Tolerance: time.Duration(v.ToleranceSeconds) * time.Second, Now: func() time.Time { return at }}
			m, err := ver.Verify(header(v.Headers), []byte(v.Body))
			if !errors.Is(err, want) {
				t.Errorf("got %+v, %v; want %v", m, err, want)
			}
		})
	}
}
