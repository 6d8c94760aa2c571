package egress

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Host is a URL's host as ParseHost reads it: an IP address or a name.
type Host struct {
	// Addr is the IP address the host stands for; invalid when the host
	// is a name.
	Addr netip.Addr
	// Canonical is true when Addr was written in its standard form
	// (dotted-decimal IPv4, or IPv6), false for 2130706433, 0x7f.1,
	// 0177.0.0.1, 127.1, 127.0.0.1. and the like.
	Canonical bool
	// Name is the host name, in lower case and without a trailing dot,
	// when the host is not an IP address.
	Name string
}

// ErrInvalidHost is the error of a host that is neither a name nor an IP
// address, such as 1.2.3.256 or 08.1.
var ErrInvalidHost = errors.New("egress: invalid host")

// lookupTimeout bounds CheckHost's name lookups.
const lookupTimeout = 5 * time.Second

// ParseHost reads host, the host of a URL without its port (brackets
// allowed around IPv6), the way a C resolver's inet_aton and a browser's
// URL parser read it: a host whose last label is a number (decimal, octal
// with a leading 0, or hexadecimal with 0x) is an IPv4 address of one to
// four parts, the last part filling the bytes left, so that 2130706433,
// 0x7f000001, 017700000001 and 127.1 are all 127.0.0.1. Such a host that is
// not a valid IPv4 address returns an error wrapping ErrInvalidHost, as
// does an empty host.
func ParseHost(host string) (Host, error) {
	h := host
	if strings.HasPrefix(h, "[") || strings.HasSuffix(h, "]") {
		inner, open := strings.CutPrefix(h, "[")
		inner, closed := strings.CutSuffix(inner, "]")
		if !open || !closed || !strings.Contains(inner, ":") {
			return Host{}, fmt.Errorf("%w: %q has unmatched brackets", ErrInvalidHost, host)
		}
		h = inner
	}
	if h == "" {
		return Host{}, fmt.Errorf("%w: the host is empty", ErrInvalidHost)
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		if err != nil {
			return Host{}, fmt.Errorf("%w: %q is not an IPv6 address", ErrInvalidHost, host)
		}
		return Host{Addr: a, Canonical: true}, nil
	}
	trimmed := strings.TrimSuffix(h, ".")
	if trimmed == "" {
		return Host{}, fmt.Errorf("%w: %q is not a host name", ErrInvalidHost, host)
	}
	labels := strings.Split(trimmed, ".")
	if !numeric(labels[len(labels)-1]) {
		for _, l := range labels {
			if l == "" {
				return Host{}, fmt.Errorf("%w: %q has an empty label", ErrInvalidHost, host)
			}
		}
		return Host{Name: strings.ToLower(trimmed)}, nil
	}
	a, ok := parseIPv4(labels)
	if !ok {
		return Host{}, fmt.Errorf("%w: %q ends in a number but is not an IPv4 address; write an IPv4 address as four decimal numbers such as 192.0.2.1", ErrInvalidHost, host)
	}
	std, err := netip.ParseAddr(h)
	return Host{Addr: a, Canonical: err == nil && std == a}, nil
}

// numeric reports whether label is a number as inet_aton reads one: decimal
// digits, or 0x followed by hexadecimal digits (possibly none).
func numeric(label string) bool {
	if label == "" {
		return false
	}
	if rest, ok := cutHex(label); ok {
		for _, c := range []byte(rest) {
			if !isHex(c) {
				return false
			}
		}
		return true
	}
	for _, c := range []byte(label) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func cutHex(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return s[2:], true
	}
	return s, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// parseIPv4 reads one to four inet_aton parts.
func parseIPv4(parts []string) (netip.Addr, bool) {
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parsePart(p)
		if !ok {
			return netip.Addr{}, false
		}
		last := i == len(parts)-1
		bits := 8
		if last {
			bits = 8 * (4 - i)
		}
		if n >= 1<<bits {
			return netip.Addr{}, false
		}
		if last {
			v = v<<bits | n
		} else {
			v = v<<8 | n
		}
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// parsePart reads one inet_aton part: decimal, octal (leading 0) or hex
// (leading 0x, where "0x" alone is 0).
func parsePart(p string) (uint64, bool) {
	if p == "" {
		return 0, false
	}
	base := 10
	if rest, ok := cutHex(p); ok {
		if rest == "" {
			return 0, true
		}
		p, base = rest, 16
	} else if len(p) > 1 && p[0] == '0' {
		p, base = p[1:], 8
	}
	if len(p) > 16 { // far over 32 bits, and strconv must not see a sign
		return 0, false
	}
	n, err := strconv.ParseUint(p, base, 64)
	return n, err == nil
}

// isLocalhost reports whether name is localhost or a name under it, which
// always resolve to loopback (RFC 6761).
func isLocalhost(name string) bool {
	return name == "localhost" || strings.HasSuffix(name, ".localhost")
}

// loopbacks are what localhost names resolve to.
var loopbacks = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}

// CheckHost is the early check of a webhook's host (a URL's host without
// its port), made when the webhook is created or its URL changes. It
// returns a *RefusedError when host is an IP address that p refuses,
// written in any form; when it is localhost; or, with a Resolver, when
// every address it resolves to is refused. It returns an error wrapping
// ErrInvalidHost for a host that is not valid, and asks for the standard
// form of an IP address written another way, which resolvers disagree on.
// A name that cannot be looked up passes: it is judged when it is dialled.
func (p *Policy) CheckHost(ctx context.Context, host string) error {
	h, err := ParseHost(host)
	if err != nil {
		return err
	}
	if h.Addr.IsValid() {
		if err := p.Check(h.Addr); err != nil {
			if re := (*RefusedError)(nil); errors.As(err, &re) && !h.Canonical {
				re.Host = host
			}
			return err
		}
		if !h.Canonical {
			return fmt.Errorf("%w: %s is the IP address %s written in a non-standard form; write it as %s",
				ErrInvalidHost, host, h.Addr, h.Addr)
		}
		return nil
	}
	if p != nil && p.AllowAll {
		return nil
	}
	var addrs []netip.Addr
	switch {
	case isLocalhost(h.Name):
		addrs = loopbacks
	case p != nil && p.Resolver != nil:
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
		defer cancel()
		addrs, _ = p.Resolver.LookupNetIP(ctx, "ip", h.Name)
	}
	return p.firstAllowed(h.Name, addrs, nil)
}

// firstAllowed returns nil when p allows one of addrs (or addrs is
// empty), else the refusal of the first, for host. It appends the allowed
// ones to *allowed when allowed is not nil.
func (p *Policy) firstAllowed(host string, addrs []netip.Addr, allowed *[]netip.Addr) error {
	var refused error
	ok := len(addrs) == 0
	for _, a := range addrs {
		err := p.Check(a)
		if err == nil {
			ok = true
			if allowed != nil {
				*allowed = append(*allowed, a)
			}
			continue
		}
		if re := (*RefusedError)(nil); refused == nil && errors.As(err, &re) {
			re.Host = host
			refused = re
		}
	}
	if ok {
		return nil
	}
	return refused
}
