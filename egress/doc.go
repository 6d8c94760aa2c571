// Package egress decides where hookd may send webhooks, so that a webhook URL
// cannot reach into the network hookd runs in (server-side request forgery).
//
// A Policy refuses loopback, private, link-local (cloud metadata at
// 169.254.169.254 included), unique-local, multicast, unspecified and other
// non-public addresses, for IPv4 and IPv6, in every form: IPv4-mapped,
// NAT64 and 6to4 IPv6 addresses are judged by the IPv4 address they carry.
// AllowPrivate opens chosen ranges (hookd serve --allow-private) and
// AllowAll opens everything (hookd serve --dev).
//
// The check that counts is on the address actually dialled: Dialer resolves
// a webhook's host itself, checks every address before it opens a socket,
// and connects only to allowed ones, so a name that resolves to a public
// address when the webhook is created and to 127.0.0.1 later (DNS
// rebinding) is refused at that later dial. Policy.Control checks again
// in net.Dialer.Control, just before connect. CheckHost is the early check
// of the API: it refuses a webhook whose URL names a refused address, in
// whatever way the address is written (2130706433, 0x7f000001,
// 017700000001 and 127.1 are all 127.0.0.1 to a C resolver).
package egress
