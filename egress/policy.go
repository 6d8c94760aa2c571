package egress

import (
	"fmt"
	"net/netip"
	"strings"
	"syscall"
)

// Policy says which addresses hookd may connect to. The zero Policy refuses
// every address that Reason names and allows the rest (the public
// internet). A Policy is read-only once in use and safe for concurrent use.
type Policy struct {
	// AllowAll allows every address: development mode (hookd serve --dev).
	// False (the default) applies the checks.
	AllowAll bool
	// AllowPrivate lists ranges that are allowed although Reason refuses
	// them (hookd serve --allow-private). An IPv4 range also opens the
	// IPv4-mapped, NAT64 and 6to4 forms of its addresses. Nil opens none.
	AllowPrivate []netip.Prefix
	// Resolver, when set, lets CheckHost look host names up, so that a
	// webhook whose name resolves to a refused address is refused when it
	// is created. Nil: CheckHost judges IP literals and "localhost" only,
	// and names are judged when they are dialled.
	Resolver Resolver
}

// RefusedError is the error of a destination that the policy refuses.
type RefusedError struct {
	// Host is the host name that resolved to Addr, or "" when the
	// destination was an IP address.
	Host string
	// Addr is the refused address.
	Addr netip.Addr
	// Reason says what kind of address Addr is, as Reason returns it.
	Reason string
}

func (e *RefusedError) Error() string {
	what := e.Addr.String()
	if h, err := ParseHost(e.Host); err == nil && h.Addr.IsValid() && e.Host != what {
		what = fmt.Sprintf("%s (that is %s)", e.Host, e.Addr)
	} else if e.Host != "" && e.Host != what {
		what = fmt.Sprintf("%s (which resolves to %s)", e.Host, e.Addr)
	}
	return fmt.Sprintf("destination refused: %s is %s; hookd does not send webhooks to non-public addresses "+
		"unless the server is started with --allow-private or --dev", what, e.Reason)
}

// Check returns nil when p allows a connection to addr, and a *RefusedError
// saying why when it does not.
func (p *Policy) Check(addr netip.Addr) error {
	if p != nil && p.AllowAll {
		return nil
	}
	addr = addr.WithZone("")
	reason := Reason(addr)
	if reason == "" || p.opens(addr) {
		return nil
	}
	return &RefusedError{Addr: addr, Reason: reason}
}

// opens reports whether one of p's AllowPrivate ranges holds addr, or the
// IPv4 address that addr carries.
func (p *Policy) opens(addr netip.Addr) bool {
	if p == nil || len(p.AllowPrivate) == 0 {
		return false
	}
	inner, hasInner := embeddedIPv4(addr)
	for _, pfx := range p.AllowPrivate {
		if pfx.Contains(addr) || (hasInner && pfx.Contains(inner)) {
			return true
		}
	}
	return false
}

// Control is a net.Dialer Control function: it refuses the connection when
// p refuses the address about to be connected to, or when that address
// cannot be read. It is the last check, made on the socket's own address.
func (p *Policy) Control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("destination refused: cannot read the address %q to check it: %w", address, err)
	}
	if !strings.HasPrefix(network, "tcp") && !strings.HasPrefix(network, "udp") {
		return fmt.Errorf("destination refused: network %q is not used for webhooks", network)
	}
	return p.Check(ap.Addr())
}

// ipRange is a refused range and what its addresses are.
type ipRange struct {
	prefix netip.Prefix
	reason string
}

func ranges(reason string, cidrs ...string) []ipRange {
	out := make([]ipRange, len(cidrs))
	for i, c := range cidrs {
		out[i] = ipRange{netip.MustParsePrefix(c), reason}
	}
	return out
}

const (
	reasonLoopback    = "a loopback address"
	reasonPrivate     = "a private address"
	reasonLinkLocal   = "a link-local address (where cloud metadata services such as 169.254.169.254 live)"
	reasonUniqueLocal = "a unique-local (private) IPv6 address"
	reasonMulticast   = "a multicast address"
	reasonUnspecified = "an unspecified address (0.0.0.0 or ::, which reaches this host)"
	reasonReserved    = "a reserved address"
)

// v4Ranges are the IPv4 ranges that are not the public internet (IANA's
// special-purpose registry), most specific first.
var v4Ranges = concat(
	ranges(reasonUnspecified, "0.0.0.0/8"),
	ranges(reasonPrivate, "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"),
	ranges("a shared (carrier-grade NAT) address", "100.64.0.0/10"),
	ranges(reasonLoopback, "127.0.0.0/8"),
	ranges(reasonLinkLocal, "169.254.0.0/16"),
	ranges("an IETF protocol address", "192.0.0.0/24"),
	ranges("a documentation address", "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"),
	ranges("a 6to4 relay address", "192.88.99.0/24"),
	ranges("a benchmarking address", "198.18.0.0/15"),
	ranges(reasonMulticast, "224.0.0.0/4"),
	ranges("the broadcast address", "255.255.255.255/32"),
	ranges(reasonReserved, "240.0.0.0/4"),
)

// v6Ranges are the IPv6 ranges refused outright. IPv4-mapped, NAT64 and
// 6to4 addresses are judged by the IPv4 address they carry (embeddedIPv4);
// anything outside 2000::/3 that is not listed here is reserved.
var v6Ranges = concat(
	ranges(reasonUnspecified, "::/128"),
	ranges(reasonLoopback, "::1/128"),
	ranges("a deprecated IPv4-compatible IPv6 address", "::/96"),
	ranges("a local-use NAT64 address", "64:ff9b:1::/48"),
	ranges("a discard-only address", "100::/64"),
	ranges("a Teredo tunnel address", "2001::/32"),
	ranges("a documentation address", "2001:db8::/32", "3fff::/20"),
	ranges(reasonUniqueLocal, "fc00::/7"),
	ranges(reasonLinkLocal, "fe80::/10"),
	ranges("a deprecated site-local address", "fec0::/10"),
	ranges(reasonMulticast, "ff00::/8"),
)

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	global6   = netip.MustParsePrefix("2000::/3")
)

func concat(lists ...[]ipRange) []ipRange {
	var out []ipRange
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// embeddedIPv4 returns the IPv4 address that an IPv4-mapped (::ffff:0:0/96),
// NAT64 (64:ff9b::/96) or 6to4 (2002::/16) IPv6 address carries.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case a.Is4In6():
		return a.Unmap(), true
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// Reason says why addr is not a public internet address, as in "a loopback
// address", or returns "" when it is one. An IPv6 address that carries an
// IPv4 address (IPv4-mapped, NAT64, 6to4) is judged by that address.
func Reason(addr netip.Addr) string {
	addr = addr.WithZone("")
	if !addr.IsValid() {
		return "not an IP address"
	}
	if addr.Is4() {
		for _, r := range v4Ranges {
			if r.prefix.Contains(addr) {
				return r.reason
			}
		}
		return ""
	}
	if inner, ok := embeddedIPv4(addr); ok {
		if r := Reason(inner); r != "" {
			kind := "a 6to4 address"
			switch {
			case addr.Is4In6():
				kind = "an IPv4-mapped IPv6 address"
			case nat64.Contains(addr):
				kind = "a NAT64 address"
			}
			return fmt.Sprintf("%s for %s, %s", kind, inner, r)
		}
		return ""
	}
	for _, r := range v6Ranges {
		if r.prefix.Contains(addr) {
			return r.reason
		}
	}
	if !global6.Contains(addr) {
		return reasonReserved
	}
	return ""
}
