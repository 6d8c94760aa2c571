package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/hookd/hookd/client"
)

// verb is one client action: a request built from flags and arguments.
type verb struct {
	args    string // positional arguments, for usage
	summary string
	flags   func(fs *flag.FlagSet) func(args []string) (client.Request, error)
}

// clientCommands are the commands that call a running server.
var clientCommands = map[string]command{}

func init() {
	resources := map[string]struct {
		summary string
		verbs   map[string]verb
	}{
		"workspaces":  {"manage workspaces (admin key)", workspaceVerbs},
		"keys":        {"create and revoke workspace API keys (admin key)", keyVerbs},
		"event-types": {"manage the event catalogue", eventTypeVerbs},
		"webhooks":    {"manage webhooks, send test requests, rotate secrets", webhookVerbs},
		"events":      {"publish and read events", eventVerbs},
		"deliveries":  {"list, show and retry deliveries", deliveryVerbs},
		"recover":     {"re-queue a webhook's failed deliveries", map[string]verb{"": recoverVerb}},
	}
	for name, r := range resources {
		clientCommands[name] = command{r.summary, func(ctx context.Context, args []string, out, errOut io.Writer) error {
			return runClient(ctx, name, r.verbs, args, out, errOut)
		}}
	}
}

func runClient(ctx context.Context, resource string, verbs map[string]verb, args []string, out, errOut io.Writer) error {
	name := ""
	if _, single := verbs[""]; !single {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			printVerbs(errOut, resource, verbs)
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
				return flag.ErrHelp
			}
			return usageError("%s needs an action", resource)
		}
		name, args = args[0], args[1:]
	}
	v, ok := verbs[name]
	if !ok {
		printVerbs(errOut, resource, verbs)
		return usageError("unknown action %q for %s", name, resource)
	}
	full := strings.TrimSpace(resource + " " + name)
	fs := newFlagSet(full, full+" [flags] "+v.args+"\n\n"+v.summary+"\nServer: HOOKD_URL (default http://localhost:8080); key: HOOKD_KEY.", errOut)
	build := v.flags(fs)
	output := fs.String("output", "", "print only this field of the answer, such as id or data.0.id")
	if err := fs.Parse(interleave(fs, args)); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	req, err := build(fs.Args())
	if err != nil {
		return err
	}
	c, err := apiClient()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.Do(ctx, req, &raw); err != nil {
		printFieldErrors(errOut, err)
		return err
	}
	if len(raw) == 0 {
		_, err = fmt.Fprintln(out, "done")
		return err
	}
	var pretty any
	if json.Unmarshal(raw, &pretty) == nil {
		if *output != "" {
			return printField(out, pretty, *output)
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(pretty)
	}
	_, err = out.Write(raw)
	return err
}

// apiClient returns a client of the server at HOOKD_URL (default
// http://localhost:8080) with the key in HOOKD_KEY, which is required.
func apiClient() (*client.Client, error) {
	base := os.Getenv("HOOKD_URL")
	if base == "" {
		base = "http://localhost:8080"
	}
	key := os.Getenv("HOOKD_KEY")
	if key == "" {
		return nil, usageError("set HOOKD_KEY to an API key (the admin key, or a workspace key)")
	}
	return client.New(base, key), nil
}

// printFieldErrors prints the fields that a problem answer names, one a
// line.
func printFieldErrors(w io.Writer, err error) {
	if p, ok := err.(*client.Problem); ok {
		for _, fe := range p.Errors {
			fmt.Fprintf(w, "  %s: %s\n", fe.Field, fe.Message)
		}
	}
}

// interleave moves flags after positional arguments to the front, so that
// `hookd webhooks get whk_1 --workspace ws_1` works as people type it.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

func printVerbs(w io.Writer, resource string, verbs map[string]verb) {
	fmt.Fprintf(w, "Usage: hookd %s <action> [flags]\n\nActions:\n", resource)
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n+" "+verbs[n].args, verbs[n].summary)
	}
}

// args checks the number of positional arguments.
func wantArgs(args []string, names ...string) error {
	if len(args) != len(names) {
		return usageError("want %d argument(s) (%s), got %d", len(names), strings.Join(names, ", "), len(args))
	}
	return nil
}

// wsFlag adds --workspace (default HOOKD_WORKSPACE).
func wsFlag(fs *flag.FlagSet) *string {
	return fs.String("workspace", os.Getenv("HOOKD_WORKSPACE"), "workspace id (default $HOOKD_WORKSPACE)")
}

func needWS(ws string) error {
	if ws == "" {
		return usageError("--workspace (or HOOKD_WORKSPACE) is required")
	}
	return nil
}

// jsonFlag is a flag holding raw JSON, checked when set.
type jsonFlag struct{ raw json.RawMessage }

func (j *jsonFlag) String() string { return string(j.raw) }
func (j *jsonFlag) Set(s string) error {
	if !json.Valid([]byte(s)) {
		return fmt.Errorf("not valid JSON")
	}
	j.raw = json.RawMessage(s)
	return nil
}

// listFlag is a comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// pageFlags adds --limit and --cursor and returns the query they make.
func pageFlags(fs *flag.FlagSet) func() url.Values {
	limit := fs.String("limit", "", "page size (at most 250)")
	cursor := fs.String("cursor", "", "next_cursor of the previous page")
	return func() url.Values {
		q := url.Values{}
		if *limit != "" {
			q.Set("limit", *limit)
		}
		if *cursor != "" {
			q.Set("cursor", *cursor)
		}
		return q
	}
}

func simple(method, args, summary string, path func(ws string, a []string) string, withWS bool) verb {
	names := strings.Fields(args)
	return verb{args, summary, func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		var ws *string
		if withWS {
			ws = wsFlag(fs)
		}
		page := func() url.Values { return nil }
		if method == "LIST" {
			page = pageFlags(fs)
		}
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a, names...); err != nil {
				return client.Request{}, err
			}
			w := ""
			if withWS {
				if err := needWS(*ws); err != nil {
					return client.Request{}, err
				}
				w = *ws
			}
			m := method
			if m == "LIST" {
				m = "GET"
			}
			return client.Request{Method: m, Path: path(w, a), Query: page()}, nil
		}
	}}
}

var workspaceVerbs = map[string]verb{
	"create": {"", "create a workspace", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		name := fs.String("name", "", "workspace name (required)")
		max := fs.Int("max-webhooks", 0, "cap on webhooks in the workspace (0: none)")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			return client.Request{Method: "POST", Path: "/v1/workspaces", Body: map[string]any{"name": *name, "settings": map[string]any{"max_webhooks": *max}}}, nil
		}
	}},
	"list":   simple("LIST", "", "list workspaces", func(_ string, _ []string) string { return "/v1/workspaces" }, false),
	"get":    simple("GET", "WS", "show a workspace", func(_ string, a []string) string { return "/v1/workspaces/" + a[0] }, false),
	"delete": simple("DELETE", "WS", "delete a workspace and all it owns", func(_ string, a []string) string { return "/v1/workspaces/" + a[0] }, false),
}

var keyVerbs = map[string]verb{
	"create": {"", "create a workspace API key (shown only once)", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		name := fs.String("name", "", "key name (required)")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			return client.Request{Method: "POST", Path: "/v1/workspaces/" + *ws + "/keys", Body: map[string]string{"name": *name}}, nil
		}
	}},
	"revoke": simple("DELETE", "KEY_ID", "revoke a key", func(ws string, a []string) string { return "/v1/workspaces/" + ws + "/keys/" + a[0] }, true),
}

var eventTypeVerbs = map[string]verb{
	"create": {"", "add an event type to the catalogue (admin key)", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		name := fs.String("name", "", "event type name, such as ticket.created (required)")
		desc := fs.String("description", "", "what the event means")
		var example jsonFlag
		fs.Var(&example, "example", "example payload (JSON), sent by test requests")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			body := map[string]any{"name": *name, "description": *desc}
			if example.raw != nil {
				body["example"] = example.raw
			}
			return client.Request{Method: "POST", Path: "/v1/event-types", Body: body}, nil
		}
	}},
	"list":   simple("LIST", "", "list the catalogue", func(_ string, _ []string) string { return "/v1/event-types" }, false),
	"get":    simple("GET", "NAME", "show an event type", func(_ string, a []string) string { return "/v1/event-types/" + a[0] }, false),
	"delete": simple("DELETE", "NAME", "remove an event type (admin key)", func(_ string, a []string) string { return "/v1/event-types/" + a[0] }, false),
}

func webhookPath(ws string, a ...string) string {
	return "/v1/workspaces/" + ws + "/webhooks/" + strings.Join(a, "/")
}

// webhookFields adds the flags of a webhook's fields and returns the body
// they make: only the flags given go in, so it serves create and update.
func webhookFields(fs *flag.FlagSet) func() map[string]any {
	url := fs.String("url", "", "endpoint URL")
	name := fs.String("name", "", "webhook name")
	method := fs.String("method", "", "POST (default) or PUT")
	var events, channels, schedule, headers listFlag
	fs.Var(&events, "events", `event types to send, comma-separated: "*", "ticket.*" or names (default *)`)
	fs.Var(&channels, "channels", "only events on these channels, comma-separated")
	fs.Var(&schedule, "retry-schedule", "delays before each retry, comma-separated, such as 30s,5m,30m,2h,24h")
	fs.Var(&headers, "header", "extra request header Name=Value (repeatable)")
	timeout := fs.Int("timeout", 0, "seconds to wait for an answer (1-120, default 30)")
	scheme := fs.String("scheme", "", "signature scheme: standard, stripe, github or split")
	prefix := fs.String("header-prefix", "", "prefix of hookd's headers for this webhook, such as X-Acme")
	sigHeader := fs.String("signature-header", "", `full name of the signature header, such as X-Hub-Signature-256 ("" for the scheme's own)`)
	tsHeader := fs.String("signature-timestamp-header", "", `full name of the split scheme's timestamp header ("" for <P>-Timestamp)`)
	status := fs.String("status", "", "active or disabled")
	secret := fs.String("secret", "", "signing secret to use instead of a generated one (whsec_...)")
	return func() map[string]any {
		body := map[string]any{}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		str := func(flagName, field, v string) {
			if set[flagName] {
				body[field] = v
			}
		}
		str("url", "url", *url)
		str("name", "name", *name)
		str("method", "method", *method)
		str("status", "status", *status)
		str("secret", "secret", *secret)
		if set["events"] {
			body["events"] = []string(events)
		}
		if set["channels"] {
			body["channels"] = []string(channels)
		}
		if set["retry-schedule"] {
			body["retry_schedule"] = []string(schedule)
		}
		if set["timeout"] {
			body["timeout_seconds"] = *timeout
		}
		sig := map[string]string{}
		for _, f := range []struct {
			flag, field string
			v           *string
		}{
			{"scheme", "scheme", scheme}, {"header-prefix", "header_prefix", prefix},
			{"signature-header", "header", sigHeader}, {"signature-timestamp-header", "timestamp_header", tsHeader},
		} {
			if set[f.flag] {
				sig[f.field] = *f.v
			}
		}
		if len(sig) > 0 {
			body["signature"] = sig
		}
		if set["header"] {
			h := map[string]string{}
			for _, kv := range headers {
				k, v, _ := strings.Cut(kv, "=")
				h[k] = v
			}
			body["headers"] = h
		}
		return body
	}
}

var webhookVerbs = map[string]verb{
	"create": {"", "create a webhook; the answer shows its signing secret", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		fields := webhookFields(fs)
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			return client.Request{Method: "POST", Path: "/v1/workspaces/" + *ws + "/webhooks", Body: fields()}, nil
		}
	}},
	"update": {"WHK", "change the given fields (--status active re-enables)", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		fields := webhookFields(fs)
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a, "WHK"); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			return client.Request{Method: "PATCH", Path: webhookPath(*ws, a[0]), Body: fields()}, nil
		}
	}},
	"test": {"WHK", "send one signed test request now and show the attempt", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		et := fs.String("event-type", "", "event type (default: one the webhook subscribes to)")
		var payload jsonFlag
		fs.Var(&payload, "payload", "payload JSON (default: the event type's example)")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a, "WHK"); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			body := map[string]any{}
			if *et != "" {
				body["event_type"] = *et
			}
			if payload.raw != nil {
				body["payload"] = payload.raw
			}
			return client.Request{Method: "POST", Path: webhookPath(*ws, a[0], "test"), Body: body}, nil
		}
	}},
	"list":          simple("LIST", "", "list webhooks", func(ws string, _ []string) string { return "/v1/workspaces/" + ws + "/webhooks" }, true),
	"get":           simple("GET", "WHK", "show a webhook", func(ws string, a []string) string { return webhookPath(ws, a[0]) }, true),
	"delete":        simple("DELETE", "WHK", "delete a webhook and its deliveries", func(ws string, a []string) string { return webhookPath(ws, a[0]) }, true),
	"secret":        simple("GET", "WHK", "show the signing secret", func(ws string, a []string) string { return webhookPath(ws, a[0], "secret") }, true),
	"rotate-secret": simple("POST", "WHK", "make a new signing secret; the old one signs for 24 h more", func(ws string, a []string) string { return webhookPath(ws, a[0], "rotate-secret") }, true),
}

var eventVerbs = map[string]verb{
	"send": {"", "publish an event; it answers once the event is stored", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		typ := fs.String("type", "", "event type (required)")
		var payload jsonFlag
		fs.Var(&payload, "payload", "payload JSON (required)")
		var channels listFlag
		fs.Var(&channels, "channels", "channels, comma-separated")
		idem := fs.String("idempotency-key", "", "a repeat with the same key within 24 h publishes nothing new")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			body := map[string]any{"type": *typ, "payload": payload.raw}
			if channels != nil {
				body["channels"] = []string(channels)
			}
			if *idem != "" {
				body["idempotency_key"] = *idem
			}
			return client.Request{Method: "POST", Path: "/v1/workspaces/" + *ws + "/events", Body: body}, nil
		}
	}},
	"list": simple("LIST", "", "list events with their deliveries", func(ws string, _ []string) string { return "/v1/workspaces/" + ws + "/events" }, true),
	"get":  simple("GET", "EVT", "show an event with its deliveries", func(ws string, a []string) string { return "/v1/workspaces/" + ws + "/events/" + a[0] }, true),
}

var deliveryVerbs = map[string]verb{
	"list": {"", "list a webhook's deliveries", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		whk := fs.String("webhook", "", "webhook id (required)")
		status := fs.String("status", "", "pending, succeeded or failed")
		et := fs.String("event-type", "", "only this event type")
		page := pageFlags(fs)
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			q := page()
			if *status != "" {
				q.Set("status", *status)
			}
			if *et != "" {
				q.Set("event_type", *et)
			}
			return client.Request{Method: "GET", Path: webhookPath(*ws, *whk, "deliveries"), Query: q}, nil
		}
	}},
	"show":  deliveryAction("GET", "show a delivery with its attempt log", ""),
	"retry": deliveryAction("POST", "send one more attempt now", "/retry"),
}

func deliveryAction(method, summary, suffix string) verb {
	return verb{"DLV", summary, func(fs *flag.FlagSet) func([]string) (client.Request, error) {
		ws := wsFlag(fs)
		whk := fs.String("webhook", "", "webhook id (required)")
		return func(a []string) (client.Request, error) {
			if err := wantArgs(a, "DLV"); err != nil {
				return client.Request{}, err
			}
			if err := needWS(*ws); err != nil {
				return client.Request{}, err
			}
			if *whk == "" {
				return client.Request{}, usageError("--webhook is required")
			}
			return client.Request{Method: method, Path: webhookPath(*ws, *whk, "deliveries", a[0]) + suffix}, nil
		}
	}}
}

var recoverVerb = verb{"", "re-queue the failed deliveries of a webhook created in a time range", func(fs *flag.FlagSet) func([]string) (client.Request, error) {
	ws := wsFlag(fs)
	whk := fs.String("webhook", "", "webhook id (required)")
	since := fs.String("since", "", "RFC 3339 time, such as 2026-01-02T15:04:05Z (required)")
	until := fs.String("until", "", "RFC 3339 time (default now)")
	return func(a []string) (client.Request, error) {
		if err := wantArgs(a); err != nil {
			return client.Request{}, err
		}
		if err := needWS(*ws); err != nil {
			return client.Request{}, err
		}
		body := map[string]string{"since": *since}
		if *until != "" {
			body["until"] = *until
		}
		return client.Request{Method: "POST", Path: webhookPath(*ws, *whk, "recover"), Body: body}, nil
	}
}}

// printField prints the value at a dotted path (list items by number) of a
// decoded JSON answer: strings bare, anything else as JSON.
func printField(out io.Writer, v any, path string) error {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return fmt.Errorf("--output %s: the answer has no item %q", path, part)
			}
			v = x[i]
		default:
			v = nil
		}
		if v == nil {
			return fmt.Errorf("--output %s: the answer has no field %q", path, part)
		}
	}
	if s, ok := v.(string); ok {
		_, err := fmt.Fprintln(out, s)
		return err
	}
	b, _ := json.Marshal(v)
	_, err := fmt.Fprintln(out, string(b))
	return err
}
