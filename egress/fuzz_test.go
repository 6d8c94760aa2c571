package egress_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd/egress"
)

// FuzzParseHost reads arbitrary hosts: never a panic; an address read from
// a host is the one its standard form reads back as; and CheckHost lets no
// refused address through, whatever form it is written in.
func FuzzParseHost(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0x7f000001", "017700000001", "127.1", "0x7f.1", "127.0.0.1.",
		"[::1]", "[::ffff:127.0.0.1]", "fe80::1%eth0", "localhost", "a.localhost.", "example.com", "1.2.3.256", "08.1",
		"0x", "0", "00000000000000000000000177.1", "0xffffffffffffffffff", "[", "]", "[]", "..", "1.2.3.4.5", "64:ff9b::a9fe:a9fe"} {
		f.Add(s)
	}
	var strict egress.Policy
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, host string) {
		h, err := egress.ParseHost(host)
		checkErr := strict.CheckHost(ctx, host)
		if err != nil {
			if !errors.Is(err, egress.ErrInvalidHost) {
				t.Fatalf("ParseHost(%q) = %v; want ErrInvalidHost", host, err)
			}
			if checkErr == nil {
				t.Fatalf("CheckHost(%q) passed a host ParseHost rejects", host)
			}
			return
		}
		if !h.Addr.IsValid() {
			if h.Name == "" || h.Name != strings.ToLower(h.Name) || strings.HasSuffix(h.Name, ".") {
				t.Fatalf("ParseHost(%q) = name %q", host, h.Name)
			}
			return
		}
		back, err := egress.ParseHost(h.Addr.String())
		if err != nil || back.Addr != h.Addr || !back.Canonical {
			t.Fatalf("ParseHost(%q) = %s, whose standard form reads back as %+v, %v", host, h.Addr, back, err)
		}
		refused := egress.Reason(h.Addr) != ""
		if refused && checkErr == nil {
			t.Fatalf("CheckHost(%q) let %s (%s) through", host, h.Addr, egress.Reason(h.Addr))
		}
		if !refused && h.Canonical && checkErr != nil {
			t.Fatalf("CheckHost(%q) = %v for public %s", host, checkErr, h.Addr)
		}
	})
}

// FuzzPolicy checks every IPv4 address in each of its IPv6 disguises
// (IPv4-mapped, NAT64, 6to4): refused in one form, refused in all; and
// Check agrees with Reason.
func FuzzPolicy(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "169.254.169.254", "8.8.8.8", "0.0.0.0", "224.0.0.1"} {
		f.Add(netip.MustParseAddr(s).AsSlice())
	}
	f.Add(netip.MustParseAddr("fd00::1").AsSlice())
	f.Add(netip.MustParseAddr("2606:4700:4700::1111").AsSlice())
	var strict egress.Policy
	f.Fuzz(func(t *testing.T, b []byte) {
		a, ok := netip.AddrFromSlice(b)
		if !ok {
			return
		}
		if (strict.Check(a) != nil) != (egress.Reason(a) != "") {
			t.Fatalf("Check(%s) = %v but Reason = %q", a, strict.Check(a), egress.Reason(a))
		}
		if strict.Control("tcp", netip.AddrPortFrom(a, 443).String(), nil) == nil && egress.Reason(a) != "" {
			t.Fatalf("Control let %s through", a)
		}
		if !a.Is4() {
			return
		}
		v4 := a.As4()
		refused := egress.Reason(a) != ""
		for _, disguise := range []netip.Addr{
			netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]}),
			netip.AddrFrom16([16]byte{0: 0x00, 1: 0x64, 2: 0xff, 3: 0x9b, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]}),
			netip.AddrFrom16([16]byte{0: 0x20, 1: 0x02, 2: v4[0], 3: v4[1], 4: v4[2], 5: v4[3], 15: 1}),
		} {
			if (egress.Reason(disguise) != "") != refused {
				t.Fatalf("%s is refused %v, but %s is refused %v", a, refused, disguise, !refused)
			}
		}
	})
}

// FuzzCheckURLHost feeds whole URLs through url.Parse and CheckHost, as the
// API does: a URL whose host is a refused address never passes.
func FuzzCheckURLHost(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/h", "https://2130706433/", "http://[::ffff:7f00:1]/", "http://0x7f.1/",
		"https://hooks.example.com/x", "http://[fe80::1%25eth0]:80/", "http://169.254.169.254/latest/meta-data/"} {
		f.Add(s)
	}
	var strict egress.Policy
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		err = strict.CheckHost(context.Background(), u.Hostname())
		if h, perr := egress.ParseHost(u.Hostname()); perr == nil && h.Addr.IsValid() && egress.Reason(h.Addr) != "" && err == nil {
			t.Fatalf("CheckHost let %q through (%s)", raw, h.Addr)
		}
	})
}
