package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of an encryption key: 32 bytes, for AES-256.
const KeySize = 32

// prefix starts every sealed value: its format version, then the id of
// the key that sealed it.
const prefix = "sealed:v1:"

// Errors of Open. Both are wrapped with what went wrong.
var (
	// ErrUnknownKey is a value sealed under a key the Keyring does not hold.
	ErrUnknownKey = errors.New("seal: sealed under a key that is not in HOOKD_ENCRYPTION_KEY")
	// ErrOpen is a value that does not open: a wrong key, a value moved
	// from elsewhere, or tampered data.
	ErrOpen = errors.New("seal: cannot open a sealed value")
)

// Keyring seals with its first key and opens with any of its keys. It is
// safe for concurrent use.
type Keyring struct {
	keys []keyEntry
}

type keyEntry struct {
	id   string
	aead cipher.AEAD
}

// NewKeyring returns a keyring of keys, each KeySize bytes; the first one
// seals. It returns an error when there is no key or one has the wrong
// length.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no key")
	}
	k := &Keyring{}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal: key %d is %d bytes; want %d", i+1, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", i+1, err)
		}
		k.keys = append(k.keys, keyEntry{id: KeyID(key), aead: aead})
	}
	return k, nil
}

// ParseKeyring reads keys written as HOOKD_ENCRYPTION_KEY holds them: one
// or more keys separated by commas, the current one first, each the
// base64 (standard or URL alphabet, padded or not) or the hex of KeySize
// random bytes. Its errors never show a key.
func ParseKeyring(s string) (*Keyring, error) {
	var keys [][]byte
	for i, part := range strings.Split(s, ",") {
		key, err := DecodeKey(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		keys = append(keys, key)
	}
	return NewKeyring(keys...)
}

// DecodeKey reads one key in base64 or hex (see ParseKeyring).
func DecodeKey(s string) ([]byte, error) {
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("seal: a key must be the base64 or hex of %d random bytes (for example: openssl rand -base64 %d)", KeySize, KeySize)
}

// GenerateKey returns KeySize random bytes.
func GenerateKey() []byte {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// EncodeKey writes key in standard base64, as DecodeKey reads it.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// KeyID names key in sealed values and errors without revealing it: 8 hex
// digits of a hash of it.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("hookd seal key id\x00"), key...))
	return hex.EncodeToString(sum[:4])
}

// Seal encrypts plaintext bound to aad (which must be given again to open
// it) under the current key, with a random nonce.
func (k *Keyring) Seal(plaintext []byte, aad string) string {
	cur := k.keys[0]
	nonce := make([]byte, cur.aead.NonceSize(), cur.aead.NonceSize()+len(plaintext)+cur.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := cur.aead.Seal(nonce, nonce, plaintext, []byte(aad))
	return prefix + cur.id + ":" + base64.RawURLEncoding.EncodeToString(out)
}

// IsSealed reports whether v is a sealed value (and not plain text stored
// before encryption).
func IsSealed(v string) bool { return strings.HasPrefix(v, prefix) }

// Open decrypts a value of Seal, bound to the same aad. It returns an error
// wrapping ErrUnknownKey or ErrOpen when it cannot.
func (k *Keyring) Open(sealed, aad string) ([]byte, error) {
	rest, ok := strings.CutPrefix(sealed, prefix)
	id, data, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return nil, fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	for _, e := range k.keys {
		if e.id != id {
			continue
		}
		raw, err := base64.RawURLEncoding.DecodeString(data)
		if err != nil || len(raw) < e.aead.NonceSize()+e.aead.Overhead() {
			return nil, fmt.Errorf("%w: malformed (key %s)", ErrOpen, id)
		}
		n := e.aead.NonceSize()
		pt, err := e.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
		if err != nil {
			return nil, fmt.Errorf("%w: it fails authentication under key %s (tampered with, or moved from another row)", ErrOpen, id)
		}
		return pt, nil
	}
	return nil, fmt.Errorf("%w (the value names key %s; this server holds %s)", ErrUnknownKey, id, k.ids())
}

func (k *Keyring) ids() string {
	ids := make([]string, len(k.keys))
	for i, e := range k.keys {
		ids[i] = e.id
	}
	return strings.Join(ids, ", ")
}

// CurrentKeyID is the id of the key that seals.
func (k *Keyring) CurrentKeyID() string { return k.keys[0].id }
