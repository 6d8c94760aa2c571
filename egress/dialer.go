package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// Resolver looks host names up. *net.Resolver implements it; tests give
// their own to play DNS.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Dialer makes the connections of webhook requests, to allowed addresses
// only. Its DialContext fits http.Transport.DialContext.
type Dialer struct {
	// Policy says what is allowed. Nil means the zero Policy: only public
	// addresses.
	Policy *Policy
	// Resolver looks names up. Nil means Policy.Resolver, or else
	// net.DefaultResolver.
	Resolver Resolver
	// Dialer makes each connection; its Control or ControlContext, when
	// set, runs after the policy's own check. Nil means a net.Dialer with
	// a 10 s timeout and 30 s keep-alive.
	Dialer *net.Dialer
}

// DialContext connects to address (host:port). It reads an IP address in
// the host in any form ParseHost accepts, or else resolves the name, then
// checks every address against the policy before it opens any socket and
// tries the allowed ones in order. When none is allowed it returns the
// *RefusedError of the first, so no connection is ever attempted to a
// refused address; net.Dialer.Control checks the address again just
// before connect.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	h, err := ParseHost(host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	addrs := []netip.Addr{h.Addr}
	if !h.Addr.IsValid() {
		if addrs, err = d.resolver().LookupNetIP(ctx, lookupNetwork(network), h.Name); err != nil {
			return nil, err
		}
	}
	var allowed []netip.Addr
	if err := d.Policy.firstAllowed(host, addrs, &allowed); err != nil {
		return nil, err
	}
	if len(allowed) == 0 {
		return nil, fmt.Errorf("dial %s: %s has no address", address, host)
	}
	nd := d.netDialer()
	var last error
	for _, a := range allowed {
		conn, err := nd.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

func (d *Dialer) resolver() Resolver {
	switch {
	case d.Resolver != nil:
		return d.Resolver
	case d.Policy != nil && d.Policy.Resolver != nil:
		return d.Policy.Resolver
	}
	return net.DefaultResolver
}

// netDialer returns the dialer of each connection, with the policy's
// Control first.
func (d *Dialer) netDialer() *net.Dialer {
	nd := net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if d.Dialer != nil {
		nd = *d.Dialer
	}
	policy, ctl, ctlCtx := d.Policy, nd.Control, nd.ControlContext
	nd.Control = nil
	nd.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := policy.Control(network, address, c); err != nil {
			return err
		}
		switch {
		case ctlCtx != nil:
			return ctlCtx(ctx, network, address, c)
		case ctl != nil:
			return ctl(network, address, c)
		}
		return nil
	}
	return &nd
}

// lookupNetwork is the LookupNetIP network for a dial network.
func lookupNetwork(network string) string {
	switch network {
	case "tcp4", "udp4":
		return "ip4"
	case "tcp6", "udp6":
		return "ip6"
	}
	return "ip"
}
