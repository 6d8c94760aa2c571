package cli

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/hookd/hookd/seal"
)

// prefixList is the value of --allow-private: CIDR ranges or single IP
// addresses, separated by commas.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	if l == nil {
		return ""
	}
	s := make([]string, len(*l))
	for i, p := range *l {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

func (l *prefixList) Set(v string) error {
	var out prefixList
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return fmt.Errorf("%q is neither a CIDR range such as 10.0.0.0/8 nor an IP address", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	*l = out
	return nil
}

// encryptionKeyFile is where a generated encryption key is kept, in the
// data directory.
const encryptionKeyFile = "encryption.key"

// loadEncryptionKeys returns the keys that seal secrets at rest:
// HOOKD_ENCRYPTION_KEY (the current key, then older ones, comma-separated),
// else the key kept in the data directory, else a new key that it keeps
// there (mode 0600). A shared database (sharedDB) needs HOOKD_ENCRYPTION_KEY:
// every process that uses it must hold the same key, and one generated
// into one process's data directory would be unknown to the others.
func loadEncryptionKeys(dir string, sharedDB bool, out io.Writer) (*seal.Keyring, error) {
	if v := os.Getenv("HOOKD_ENCRYPTION_KEY"); v != "" {
		k, err := seal.ParseKeyring(v)
		if err != nil {
			return nil, usageError("HOOKD_ENCRYPTION_KEY: %v", err)
		}
		return k, nil
	}
	path := filepath.Join(dir, encryptionKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := seal.ParseKeyring(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("encryption key in %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read encryption key: %w", err)
	}
	if sharedDB {
		return nil, usageError("HOOKD_ENCRYPTION_KEY is required with --database: every hookd process that shares the " +
			"database must seal secrets with the same key (make one with: openssl rand -base64 32)")
	}
	key := seal.GenerateKey()
	if err := os.WriteFile(path, []byte(seal.EncodeKey(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("save encryption key: %w", err)
	}
	fmt.Fprintf(out, "Generated the key that encrypts secrets at rest (kept in %s; back it up with the database, or set HOOKD_ENCRYPTION_KEY)\n", path)
	return seal.NewKeyring(key)
}
