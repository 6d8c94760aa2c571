package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookd/hookd/seal"
)

func TestAllowPrivateFlag(t *testing.T) {
	var l prefixList
	if err := l.Set("10.0.0.0/8, 127.0.0.1,::1/128,192.168.1.7/16"); err != nil {
		t.Fatal(err)
	}
	if got, want := l.String(), "10.0.0.0/8,127.0.0.1/32,::1/128,192.168.0.0/16"; got != want {
		t.Errorf("--allow-private = %q; want %q", got, want)
	}
	for _, bad := range []string{"10.0.0.0/33", "localhost", "10.0.0"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("--allow-private %q: no error", bad)
		}
	}
}

// TestEncryptionKeys: a key is generated once into the data directory
// (mode 0600) and read back; HOOKD_ENCRYPTION_KEY wins; a shared database
// needs HOOKD_ENCRYPTION_KEY; a bad key is a usage error that shows no key.
func TestEncryptionKeys(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HOOKD_ENCRYPTION_KEY", "")
	var out bytes.Buffer
	k1, err := loadEncryptionKeys(dir, false, &out)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, encryptionKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	if !strings.Contains(out.String(), "Generated") {
		t.Errorf("output %q does not say a key was generated", out.String())
	}
	out.Reset()
	k2, err := loadEncryptionKeys(dir, false, &out)
	if err != nil || k2.CurrentKeyID() != k1.CurrentKeyID() || out.Len() != 0 {
		t.Fatalf("second start: %v, %v, %q; want the same key, silently", k2, err, out.String())
	}
	// The kept key also opens with a shared database (one process).
	if _, err := loadEncryptionKeys(dir, true, &out); err != nil {
		t.Errorf("shared database with a kept key: %v", err)
	}
	if _, err := loadEncryptionKeys(t.TempDir(), true, &out); !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "HOOKD_ENCRYPTION_KEY") {
		t.Errorf("shared database without a key: %v; want a usage error naming HOOKD_ENCRYPTION_KEY", err)
	}

	key := seal.GenerateKey()
	t.Setenv("HOOKD_ENCRYPTION_KEY", seal.EncodeKey(key)+","+seal.EncodeKey(seal.GenerateKey()))
	k3, err := loadEncryptionKeys(dir, true, &out)
	if err != nil || k3.CurrentKeyID() != seal.KeyID(key) {
		t.Fatalf("HOOKD_ENCRYPTION_KEY: %v, %v", k3, err)
	}
	t.Setenv("HOOKD_ENCRYPTION_KEY", "not-a-key-"+seal.EncodeKey(key)[:10])
	if _, err := loadEncryptionKeys(dir, false, &out); !errors.Is(err, errUsage) || strings.Contains(err.Error(), seal.EncodeKey(key)[:10]) {
		t.Errorf("bad HOOKD_ENCRYPTION_KEY: %v; want a usage error that shows no key", err)
	}
}
