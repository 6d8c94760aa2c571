package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/client"
)

const portalUsage = `portal --workspace WS [--expires-in 1h] [--read-only]

Prints a single-use link that signs a browser into the workspace's portal
(the web UI, for that workspace alone) for the rest of the link's life: hand
it to one of the workspace's users, or open it yourself:

    open "$(hookd portal --workspace ws_...)"

Standard output gets the link alone; standard error says when it expires.
The link starts with the server's --public-url. Server: HOOKD_URL (default
http://localhost:8080); key: HOOKD_KEY (the admin key, or a key of the
workspace).`

// portalAnswer is the answer to POST /v1/workspaces/{ws}/portal.
type portalAnswer struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	ReadOnly  bool      `json:"read_only"`
}

func runPortal(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlagSet("portal", portalUsage, errOut)
	ws := wsFlag(fs)
	life := fs.Duration("expires-in", hookd.DefaultPortalLinkLife, "how long the link, and the session it opens, last (at most 168h)")
	readOnly := fs.Bool("read-only", false, "the session sees everything and changes nothing")
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return usageError("portal takes no arguments, got %q", fs.Arg(0))
	case *life <= 0 || *life > hookd.MaxPortalLinkLife:
		return usageError("--expires-in %s: must be above 0 and at most %s", *life, hookd.MaxPortalLinkLife)
	}
	if err := needWS(*ws); err != nil {
		return err
	}
	c, err := apiClient()
	if err != nil {
		return err
	}
	var a portalAnswer
	req := client.Request{Method: "POST", Path: "/v1/workspaces/" + *ws + "/portal",
		Body: map[string]any{"expires_in": life.String(), "read_only": *readOnly}}
	if err := c.Do(ctx, req, &a); err != nil {
		printFieldErrors(errOut, err)
		return err
	}
	note := "single use"
	if a.ReadOnly {
		note += ", read-only"
	}
	fmt.Fprintf(errOut, "expires at %s (%s)\n", a.ExpiresAt.UTC().Format(time.RFC3339), note)
	_, err = fmt.Fprintln(out, a.URL)
	return err
}

// publicURL is the value of serve's --public-url: where browsers reach
// hookd, kept as scheme://host[:port].
type publicURL string

func (u *publicURL) String() string { return string(*u) }

func (u *publicURL) Set(v string) error {
	p, err := url.Parse(v)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.User != nil || !validHost(p.Hostname(), false) ||
		(p.Path != "" && p.Path != "/") || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsRune(v, '#') {
		return fmt.Errorf("%q is not an absolute http:// or https:// URL without a path, such as https://hooks.example.com", v)
	}
	*u = publicURL(p.Scheme + "://" + hostPort(p))
	return nil
}

// defaultPublicURL is --public-url when it is not set: http:// and the
// host of addr (127.0.0.1 when it names every interface, or none) with
// the port that ln listens on (the one the system chose for port 0).
func defaultPublicURL(addr string, ln net.Addr) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host = ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	if tcp, ok := ln.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
	}
	return "http://" + net.JoinHostPort(host, port)
}

// originList is the value of serve's --portal-frame-ancestors: origins,
// separated by commas, that may show the portal in an <iframe>, each
// scheme://host[:port] (the host may start with *. for every subdomain)
// or 'self'.
type originList []string

func (l *originList) String() string { return strings.Join(*l, ",") }

func (l *originList) Set(v string) error {
	var out originList
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		switch part {
		case "":
			continue
		case "self", "'self'":
			out = append(out, "'self'")
			continue
		}
		p, err := url.Parse(part)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.User != nil || !validHost(p.Hostname(), true) ||
			(p.Path != "" && p.Path != "/") || p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsRune(part, '#') {
			return fmt.Errorf("%q is neither an origin such as https://app.example.com or https://app.example.com:8443 nor 'self'", part)
		}
		out = append(out, p.Scheme+"://"+hostPort(p))
	}
	*l = out
	return nil
}

// hostPort returns p's host, in lower case, and its port when it has one.
func hostPort(p *url.URL) string {
	host := strings.ToLower(p.Hostname())
	if port := p.Port(); port != "" {
		return net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// validHost reports whether h is an IP address or a DNS name (letters,
// digits and hyphens between dots); wildcard lets its first label be *.
func validHost(h string, wildcard bool) bool {
	if h == "" {
		return false
	}
	if net.ParseIP(h) != nil {
		return true
	}
	labels := strings.Split(h, ".")
	for i, label := range labels {
		if i == 0 && wildcard && label == "*" && len(labels) > 1 {
			continue
		}
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
