package egress_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/hookd/hookd/egress"
)

func TestReason(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr string
		want string // a substring of the reason; "" for a public address
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"169.254.169.254", "link-local"},
		{"192.0.0.170", "IETF"},
		{"192.0.2.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"::", "unspecified"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "IPv4-mapped IPv6 address for 127.0.0.1, a loopback"},
		{"::ffff:10.1.2.3", "private"},
		{"::ffff:169.254.169.254", "link-local"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"64:ff9b::7f00:1", "NAT64 address for 127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", "169.254.169.254, a link-local"},
		{"64:ff9b:1::1", "local-use NAT64"},
		{"2002:7f00:1::", "6to4 address for 127.0.0.1"},
		{"2002:c0a8:101::1", "192.168.1.1"},
		{"2001::1", "Teredo"},
		{"2001:db8::1", "documentation"},
		{"fd00::1", "unique-local"},
		{"fc00::1", "unique-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fec0::1", "site-local"},
		{"ff02::1", "multicast"},
		{"100::1", "discard"},
		{"4000::1", "reserved"},

		{"93.184.215.14", ""},
		{"8.8.8.8", ""},
		{"172.32.0.1", ""},
		{"192.169.0.1", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
		{"2606:4700:4700::1111", ""},
	} {
		got := egress.Reason(netip.MustParseAddr(c.addr))
		switch {
		case c.want == "" && got != "":
			t.Errorf("Reason(%s) = %q; want a public address", c.addr, got)
		case c.want != "" && !strings.Contains(got, c.want):
			t.Errorf("Reason(%s) = %q; want it to contain %q", c.addr, got, c.want)
		}
	}
}

func TestPolicyCheck(t *testing.T) {
	t.Parallel()
	loop := netip.MustParseAddr("127.0.0.1")
	mapped := netip.MustParseAddr("::ffff:127.0.0.1")
	private := netip.MustParseAddr("10.1.2.3")
	public := netip.MustParseAddr("93.184.215.14")

	var strict egress.Policy
	for _, a := range []netip.Addr{loop, mapped, private} {
		err := strict.Check(a)
		var re *egress.RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), a.String()) || !strings.Contains(err.Error(), "--allow-private") {
			t.Errorf("zero policy Check(%s) = %v; want a RefusedError that names the address and the flag", a, err)
		}
	}
	if err := strict.Check(public); err != nil {
		t.Errorf("Check(%s) = %v; want nil", public, err)
	}
	var nilPolicy *egress.Policy
	if nilPolicy.Check(loop) == nil || nilPolicy.Check(public) != nil {
		t.Errorf("a nil policy must act as the zero policy")
	}

	open := egress.Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if err := open.Check(loop); err != nil {
		t.Errorf("--allow-private 127.0.0.0/8: Check(%s) = %v", loop, err)
	}
	if err := open.Check(mapped); err != nil {
		t.Errorf("--allow-private 127.0.0.0/8: Check(%s) = %v", mapped, err)
	}
	if err := open.Check(private); err == nil {
		t.Errorf("--allow-private 127.0.0.0/8 opened %s", private)
	}
	if err := open.Check(netip.MustParseAddr("::1")); err == nil {
		t.Errorf("--allow-private 127.0.0.0/8 opened ::1")
	}

	dev := egress.Policy{AllowAll: true}
	for _, a := range []netip.Addr{loop, mapped, private, public} {
		if err := dev.Check(a); err != nil {
			t.Errorf("--dev Check(%s) = %v", a, err)
		}
	}

	if err := strict.Control("tcp4", "127.0.0.1:80", nil); err == nil {
		t.Errorf("Control let 127.0.0.1:80 through")
	}
	if err := strict.Control("tcp4", "93.184.215.14:443", nil); err != nil {
		t.Errorf("Control(93.184.215.14:443) = %v", err)
	}
	if err := strict.Control("tcp", "nonsense", nil); err == nil {
		t.Errorf("Control let an unreadable address through")
	}
}

func TestParseHost(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		host      string
		addr      string // "" for a name or an error
		canonical bool
		name      string
		err       bool
	}{
		{host: "127.0.0.1", addr: "127.0.0.1", canonical: true},
		{host: "2130706433", addr: "127.0.0.1"},
		{host: "0x7f000001", addr: "127.0.0.1"},
		{host: "0X7F000001", addr: "127.0.0.1"},
		{host: "017700000001", addr: "127.0.0.1"},
		{host: "127.1", addr: "127.0.0.1"},
		{host: "127.0.1", addr: "127.0.0.1"},
		{host: "0x7f.1", addr: "127.0.0.1"},
		{host: "0177.0.0.01", addr: "127.0.0.1"},
		{host: "127.0.0.1.", addr: "127.0.0.1"},
		{host: "0", addr: "0.0.0.0"},
		{host: "0x", addr: "0.0.0.0"},
		{host: "169.254.43518", addr: "169.254.169.254"},
		{host: "0xa9fea9fe", addr: "169.254.169.254"},
		{host: "10.0.0.1", addr: "10.0.0.1", canonical: true},
		{host: "4294967295", addr: "255.255.255.255"},
		{host: "[::1]", addr: "::1", canonical: true},
		{host: "::ffff:127.0.0.1", addr: "::ffff:127.0.0.1", canonical: true},
		{host: "fe80::1%eth0", addr: "fe80::1%eth0", canonical: true},
		{host: "Example.COM.", name: "example.com"},
		{host: "localhost", name: "localhost"},
		{host: "127.0.0.1.nip.io", name: "127.0.0.1.nip.io"},
		{host: "1.2.3.4x", name: "1.2.3.4x"},
		{host: "4294967296", err: true},
		{host: "1.2.3.256", err: true},
		{host: "08.1", err: true},
		{host: "1.2.3.4.5", err: true},
		{host: "1..2", err: true},
		{host: "256.1", err: true},
		{host: "", err: true},
		{host: ".", err: true},
		{host: "[::1", err: true},
		{host: "::1]", err: true},
		{host: "[127.0.0.1]", err: true},
		{host: "::zz", err: true},
	} {
		h, err := egress.ParseHost(c.host)
		if c.err {
			if err == nil || !errors.Is(err, egress.ErrInvalidHost) {
				t.Errorf("ParseHost(%q) = %+v, %v; want ErrInvalidHost", c.host, h, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseHost(%q): %v", c.host, err)
			continue
		}
		got := ""
		if h.Addr.IsValid() {
			got = h.Addr.String()
		}
		if got != c.addr || h.Canonical != c.canonical || h.Name != c.name {
			t.Errorf("ParseHost(%q) = {%s %v %q}; want {%s %v %q}", c.host, got, h.Canonical, h.Name, c.addr, c.canonical, c.name)
		}
	}
}

// stubResolver answers every lookup with addrs and counts the lookups.
type stubResolver struct {
	addrs []netip.Addr
	err   error
	calls atomic.Int64
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, _ string) ([]netip.Addr, error) {
	r.calls.Add(1)
	return r.addrs, r.err
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func TestCheckHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var strict egress.Policy
	for _, host := range []string{"127.0.0.1", "2130706433", "0x7f000001", "017700000001", "127.1", "[::1]", "::1",
		"0.0.0.0", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "fd00::1", "::ffff:127.0.0.1",
		"localhost", "LOCALHOST.", "api.localhost"} {
		err := strict.CheckHost(ctx, host)
		var re *egress.RefusedError
		if !errors.As(err, &re) {
			t.Errorf("CheckHost(%q) = %v; want a RefusedError", host, err)
		}
	}
	for _, host := range []string{"0177.1", "0x5db8d70e"} { // allowed addresses in odd forms
		if err := (&egress.Policy{AllowAll: true}).CheckHost(ctx, host); !errors.Is(err, egress.ErrInvalidHost) || !strings.Contains(err.Error(), "write it as") {
			t.Errorf("CheckHost(%q) = %v; want a request for the standard form", host, err)
		}
	}
	if err := strict.CheckHost(ctx, "1.2.3.256"); !errors.Is(err, egress.ErrInvalidHost) {
		t.Errorf("CheckHost(1.2.3.256) = %v; want ErrInvalidHost", err)
	}
	for _, host := range []string{"93.184.215.14", "example.com", "[2606:4700:4700::1111]"} {
		if err := strict.CheckHost(ctx, host); err != nil {
			t.Errorf("CheckHost(%q) = %v; want nil", host, err)
		}
	}

	// With a resolver, a name is judged by its addresses: refused when
	// none is allowed; a failed lookup passes (the dial judges it).
	for _, c := range []struct {
		answer  []netip.Addr
		err     error
		refused bool
	}{
		{addrs("127.0.0.1"), nil, true},
		{addrs("10.0.0.5", "::1"), nil, true},
		{addrs("10.0.0.5", "93.184.215.14"), nil, false},
		{addrs("93.184.215.14"), nil, false},
		{nil, errors.New("no such host"), false},
	} {
		r := &stubResolver{addrs: c.answer, err: c.err}
		p := egress.Policy{Resolver: r}
		err := p.CheckHost(ctx, "hooks.example.com")
		var re *egress.RefusedError
		if got := errors.As(err, &re); got != c.refused || (!c.refused && err != nil) {
			t.Errorf("resolving to %v (%v): CheckHost = %v; want refused %v", c.answer, c.err, err, c.refused)
		}
		if c.refused && !strings.Contains(err.Error(), "hooks.example.com (which resolves to") {
			t.Errorf("refusal %q does not say what the name resolved to", err)
		}
		if r.calls.Load() != 1 {
			t.Errorf("%d lookups; want 1", r.calls.Load())
		}
	}
	if err := (&egress.Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}).CheckHost(ctx, "localhost"); err != nil {
		t.Errorf("--allow-private 127.0.0.0/8: CheckHost(localhost) = %v", err)
	}
}

// TestDialerRefusesBeforeAnySocket points the dialer at a live loopback
// listener through every form of its address and through names that
// resolve to it: nothing connects, and no socket is even opened (the
// Control hook, which runs on every socket before connect, never runs).
func TestDialerRefusesBeforeAnySocket(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port := u.Port()

	var sockets atomic.Int64
	resolver := &stubResolver{addrs: addrs("127.0.0.1", "::1")}
	d := &egress.Dialer{
		Resolver: resolver,
		Dialer: &net.Dialer{Control: func(string, string, syscall.RawConn) error {
			sockets.Add(1)
			return nil
		}},
	}
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	for _, host := range []string{"127.0.0.1", "2130706433", "0x7f000001", "017700000001", "127.1", "127.0.0.1.", "[::ffff:127.0.0.1]",
		"[::1]", "rebind.example.com", "localhost"} {
		resp, err := client.Get("http://" + net.JoinHostPort(strings.Trim(host, "[]"), port) + "/")
		if err == nil {
			resp.Body.Close()
			t.Errorf("%s: got an answer", host)
			continue
		}
		var re *egress.RefusedError
		if !errors.As(err, &re) {
			t.Errorf("%s: %v; want a RefusedError", host, err)
		}
	}
	if hits.Load() != 0 || sockets.Load() != 0 {
		t.Fatalf("the receiver got %d requests and %d sockets were opened; want none", hits.Load(), sockets.Load())
	}

	// Opened, the same dialer reaches the receiver, and the Control hook
	// runs after the policy's.
	d.Policy = &egress.Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	resp, err := client.Get("http://rebind.example.com:" + port + "/")
	if err != nil {
		t.Fatalf("with 127.0.0.0/8 allowed: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if hits.Load() != 1 || sockets.Load() != 1 {
		t.Fatalf("with 127.0.0.0/8 allowed: %d requests, %d sockets; want 1 and 1", hits.Load(), sockets.Load())
	}
}

// TestDialerPicksAllowedAddresses: a name with a refused and an allowed
// address is dialled at the allowed one only.
func TestDialerPicksAllowedAddresses(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	var dialled []string
	d := &egress.Dialer{
		Policy:   &egress.Policy{AllowPrivate: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		Resolver: &stubResolver{addrs: addrs("10.0.0.1", "127.0.0.1", "192.168.1.1")},
		Dialer: &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
			dialled = append(dialled, address)
			return nil
		}},
	}
	c, err := d.DialContext(context.Background(), "tcp", "mixed.example.com:"+port)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if len(dialled) != 1 || dialled[0] != "127.0.0.1:"+port {
		t.Fatalf("dialled %q; want only 127.0.0.1:%s", dialled, port)
	}
}
