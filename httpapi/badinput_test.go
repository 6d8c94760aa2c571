package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// badFixture is a server with two workspaces, a key for each (A capped at
// one webhook, which it has), a small catalogue, a webhook in each
// workspace, and an event of A, with its delivery, published with the
// Idempotency-Key "first".
type badFixture struct {
	*env
	wsA, wsB   string
	keyA, keyB string
	whkA, whkB string
	evtA, dlvA string
}

func newBadFixture(t *testing.T, engine storeEngine) *badFixture {
	e := newEnvOn(t, engine)
	f := &badFixture{env: e}
	f.wsA = e.workspace("A", map[string]any{"max_webhooks": 1})
	f.wsB = e.workspace("B", nil)
	f.keyA, f.keyB = e.key(f.wsA), e.key(f.wsB)
	e.eventType("ticket.created", map[string]any{"id": "t_1"})
	e.eventType("ticket.closed", nil)
	f.whkA = e.webhook(f.wsA, map[string]any{"url": "https://a.example/hook", "events": []string{"ticket.created"}})["id"].(string)
	f.whkB = e.webhook(f.wsB, map[string]any{"url": "https://b.example/hook"})["id"].(string)
	var p struct {
		ID         string `json:"id"`
		Deliveries []struct {
			ID string `json:"id"`
		} `json:"deliveries"`
	}
	e.must(http.StatusAccepted, "POST", "/v1/workspaces/"+f.wsA+"/events", adminKey, `{"type":"ticket.created","payload":{"n":1}}`,
		"Idempotency-Key", "first").decode(t, &p)
	f.evtA, f.dlvA = p.ID, p.Deliveries[0].ID
	return f
}

// snapshot describes everything the fixture holds, to show that a failed
// request wrote nothing.
func (f *badFixture) snapshot() string {
	f.t.Helper()
	var b strings.Builder
	for _, p := range []string{
		"/v1/workspaces", "/v1/event-types",
		"/v1/workspaces/" + f.wsA + "/webhooks", "/v1/workspaces/" + f.wsB + "/webhooks",
		"/v1/workspaces/" + f.wsA + "/events", "/v1/workspaces/" + f.wsB + "/events",
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA + "/deliveries",
	} {
		fmt.Fprintf(&b, "%s: %d\n", p, f.count(p))
	}
	for _, p := range []string{
		"/v1/workspaces/" + f.wsA, "/v1/workspaces/" + f.wsB,
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA,
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA + "/secret",
		"/v1/workspaces/" + f.wsA + "/webhooks/" + f.whkA + "/deliveries/" + f.dlvA,
		"/v1/workspaces/" + f.wsA + "/events/" + f.evtA,
		"/v1/event-types/ticket.created",
	} {
		fmt.Fprintf(&b, "%s: %s\n", p, f.must(http.StatusOK, "GET", p, adminKey, nil).body)
	}
	// Both keys still work.
	f.must(http.StatusOK, "GET", "/v1/workspaces/"+f.wsA+"/webhooks", f.keyA, nil)
	f.must(http.StatusOK, "GET", "/v1/workspaces/"+f.wsB+"/webhooks", f.keyB, nil)
	return b.String()
}

type badCase struct {
	name    string
	method  string
	path    string // {A}, {B}, {whkA}, {whkB}, {evtA}, {dlvA} stand for the fixture's ids
	key     string // "admin", "A", "B", "" (none), or a literal key
	body    any
	headers []string
	status  int
	field   string // a field the problem must name, "" for none
	detail  string // a substring of the problem's detail, "" for any
}

// TestBadInput sends each bad request to a server on each storage engine:
// each gets the same 4xx problem document naming the field and the
// problem, never a 5xx, and changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	forEachEngine(t, testBadInput)
}

func testBadInput(t *testing.T, engine storeEngine) {
	f := newBadFixture(t, engine)
	hooks := "/v1/workspaces/{A}/webhooks"
	hookA := "/v1/workspaces/{A}/webhooks/{whkA}"
	events := "/v1/workspaces/{A}/events"
	batch := "/v1/workspaces/{A}/events/batch"
	good := func(extra string) string {
		return `{"url":"https://a.example/h","events":["ticket.created"]` + extra + `}`
	}
	big := strings.Repeat("x", testMaxPayload+1)
	manyEvents := make([]map[string]any, 1001)
	for i := range manyEvents {
		manyEvents[i] = map[string]any{"type": "ticket.created", "payload": map[string]any{"i": i}}
	}

	cases := []badCase{
		// Malformed bodies: 400.
		{"truncated JSON", "POST", hooks, "admin", `{"url": "https://a.example/h",`, nil, 400, "", "malformed JSON"},
		{"syntax error", "POST", hooks, "admin", `{"url" "x"}`, nil, 400, "", "at byte"},
		{"empty body", "POST", hooks, "admin", ``, nil, 400, "", "empty"},
		{"whitespace body", "POST", events, "admin", "  \n", nil, 400, "", "empty"},
		{"trailing data", "POST", hooks, "admin", good("") + ` {"x":1}`, nil, 400, "", "after the JSON value"},
		// Wrong shapes: 422 naming the field.
		{"body not an object", "POST", hooks, "admin", `[1,2]`, nil, 422, "", "must be an object"},
		{"events not a list", "POST", hooks, "admin", `{"url":"https://a.example/h","events":"ticket.created"}`, nil, 422, "events", "events: must be a list of strings"},
		{"events of numbers", "POST", hooks, "admin", `{"url":"https://a.example/h","events":[1]}`, nil, 422, "events", "must be a list of strings"},
		{"timeout as string", "POST", hooks, "admin", good(`,"timeout_seconds":"30"`), nil, 422, "timeout_seconds", "whole number"},
		{"timeout fractional", "POST", hooks, "admin", good(`,"timeout_seconds":1.5`), nil, 422, "timeout_seconds", "whole number"},
		{"timeout zero", "POST", hooks, "admin", good(`,"timeout_seconds":0`), nil, 422, "timeout_seconds", "from 1 to 120"},
		{"timeout too long", "POST", hooks, "admin", good(`,"timeout_seconds":500`), nil, 422, "timeout_seconds", ""},
		{"tls_verify not bool", "POST", hooks, "admin", good(`,"tls_verify":"yes"`), nil, 422, "tls_verify", "true or false"},
		{"header value number", "POST", hooks, "admin", good(`,"headers":{"X-A":1}`), nil, 422, "headers", "object whose values are strings"},
		{"retry schedule string", "POST", hooks, "admin", good(`,"retry_schedule":"5s"`), nil, 422, "retry_schedule", "list of durations"},
		{"retry schedule bad duration", "POST", hooks, "admin", good(`,"retry_schedule":["5s","5x"]`), nil, 422, "retry_schedule[1]", `"5x"`},
		{"retry schedule too long", "POST", hooks, "admin", good(`,"retry_schedule":["200h"]`), nil, 422, "retry_schedule", ""},
		{"unknown field", "POST", hooks, "admin", good(`,"colour":"blue"`), nil, 422, "colour", `unknown field "colour"`},
		{"unknown nested field", "POST", hooks, "admin", good(`,"signature":{"schem":"stripe"}`), nil, 422, "signature.schem", `unknown field "signature.schem"`},
		{"unknown event type", "POST", hooks, "admin", `{"url":"https://a.example/h","events":["ticket.created","nope.created"]}`, nil, 422, "events[1]", `unknown event type "nope.created"`},
		{"pattern matching nothing", "POST", hooks, "admin", `{"url":"https://a.example/h","events":["invoice.*"]}`, nil, 422, "events[0]", "matches no event type"},
		{"bad pattern", "POST", hooks, "admin", `{"url":"https://a.example/h","events":["ticket created"]}`, nil, 422, "events[0]", "not a pattern"},
		{"no events", "POST", hooks, "admin", `{"url":"https://a.example/h","events":[]}`, nil, 422, "events", ""},
		{"ftp URL", "POST", hooks, "admin", `{"url":"ftp://a.example/h"}`, nil, 422, "url", "http:// or https://"},
		{"http URL without AllowHTTP", "POST", hooks, "admin", `{"url":"http://a.example/h"}`, nil, 422, "url", "--allow-http"},
		{"no URL", "POST", hooks, "admin", `{"events":["*"]}`, nil, 422, "url", "required"},
		{"URL with credentials", "POST", hooks, "admin", `{"url":"https://u:p@a.example/h"}`, nil, 422, "url", "credentials"},
		{"method GET", "POST", hooks, "admin", good(`,"method":"GET"`), nil, 422, "method", ""},
		{"unknown scheme", "POST", hooks, "admin", good(`,"signature":{"scheme":"rsa"}`), nil, 422, "signature.scheme", ""},
		{"bad secret", "POST", hooks, "admin", good(`,"secret":"hunter2"`), nil, 422, "secret", "whsec_"},
		{"short secret", "POST", hooks, "admin", good(`,"secret":"whsec_c2hvcnQ="`), nil, 422, "secret", "24 to 64"},
		{"reserved header", "POST", hooks, "admin", good(`,"headers":{"X-Hookd-Event-Id":"x"}`), nil, 422, "headers.X-Hookd-Event-Id", "set by hookd"},
		{"reserved standard header", "POST", hooks, "admin", good(`,"headers":{"webhook-id":"x"}`), nil, 422, "headers.webhook-id", ""},
		{"header with newline", "POST", hooks, "admin", good(`,"headers":{"X-A":"a\nb"}`), nil, 422, "headers.X-A", ""},
		{"negative rate limit", "POST", hooks, "admin", good(`,"rate_limit":-1`), nil, 422, "rate_limit", ""},
		{"empty channels", "POST", hooks, "admin", good(`,"channels":[]`), nil, 422, "channels", ""},
		{"bad status", "POST", hooks, "admin", good(`,"status":"paused"`), nil, 422, "status", ""},
		{"webhook body too large", "POST", hooks, "admin", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "", "1 MiB"},

		// Events.
		{"payload over the limit", "POST", events, "admin", map[string]any{"type": "ticket.created", "payload": big}, nil, 413, "payload", fmt.Sprint(testMaxPayload)},
		{"body over the limit", "POST", events, "admin", map[string]any{"type": "ticket.created", "payload": strings.Repeat("x", 100<<10)}, nil, 413, "", "limit"},
		{"unknown event type", "POST", events, "admin", `{"type":"nope.created","payload":{}}`, nil, 422, "type", "unknown event type"},
		{"bad event type name", "POST", events, "admin", `{"type":"no spaces","payload":{}}`, nil, 422, "type", ""},
		{"no payload", "POST", events, "admin", `{"type":"ticket.created"}`, nil, 422, "payload", "required"},
		{"null payload", "POST", events, "admin", `{"type":"ticket.created","payload":null}`, nil, 422, "payload", "required"},
		{"type a number", "POST", events, "admin", `{"type":5,"payload":{}}`, nil, 422, "type", "must be a string"},
		{"channels a string", "POST", events, "admin", `{"type":"ticket.created","payload":{},"channels":"x"}`, nil, 422, "channels", "list of strings"},
		{"bad channel", "POST", events, "admin", `{"type":"ticket.created","payload":{},"channels":["a b"]}`, nil, 422, "channels[0]", ""},
		{"long idempotency_key", "POST", events, "admin", map[string]any{"type": "ticket.created", "payload": 1, "idempotency_key": strings.Repeat("k", 300)}, nil, 422, "idempotency_key", ""},
		{"event unknown field", "POST", events, "admin", `{"type":"ticket.created","payload":{},"tpye":"x"}`, nil, 422, "tpye", ""},

		// Batches: all or nothing.
		{"batch over 1000", "POST", batch, "admin", map[string]any{"events": manyEvents}, nil, 422, "events", "at most 1000"},
		{"batch without events", "POST", batch, "admin", `{}`, nil, 422, "events", "required"},
		{"batch empty", "POST", batch, "admin", `{"events":[]}`, nil, 422, "events", "at least one"},
		{"batch events not a list", "POST", batch, "admin", `{"events":{}}`, nil, 422, "events", "list of event objects"},
		{"batch with one bad event", "POST", batch, "admin", `{"events":[{"type":"ticket.created","payload":1},{"type":"ticket.created","payload":2},{"type":"nope","payload":3}]}`, nil, 422, "events[2].type", "events[2].type"},
		{"batch element not an object", "POST", batch, "admin", `{"events":[1]}`, nil, 422, "events[0]", ""},
		{"batch element unknown field", "POST", batch, "admin", `{"events":[{"type":"ticket.created","payload":1},{"type":"ticket.created","payload":1,"colour":1}]}`, nil, 422, "events[1].colour", ""},
		{"batch element wrong type", "POST", batch, "admin", `{"events":[{"type":"ticket.created","payload":1,"channels":"x"}]}`, nil, 422, "events[0].channels", ""},
		{"batch payload over the limit", "POST", batch, "admin", map[string]any{"events": []any{map[string]any{"type": "ticket.created", "payload": 1}, map[string]any{"type": "ticket.created", "payload": big}}}, nil, 413, "events[1].payload", ""},

		// Text that is not UTF-8 (RFC 8259), anywhere in a body: raw bytes
		// that are not UTF-8 (0xff 0xfe, CESU-8's surrogates ed a0 80), and
		// escapes of lone UTF-16 surrogates.
		{"payload bytes ff fe", "POST", events, "admin", "{\"type\":\"ticket.created\",\"payload\":{\"s\":\"ab\xff\xfe\"}}", nil, 422, "payload", "byte 0xff at offset 8 of the payload"},
		{"payload CESU-8 surrogate", "POST", events, "admin", "{\"type\":\"ticket.created\",\"payload\":\"\xed\xa0\x80\"}", nil, 422, "payload", "byte 0xed at offset 1 of the payload"},
		{"payload lone surrogate", "POST", events, "admin", `{"type":"ticket.created","payload":{"s":"\ud800"}}`, nil, 422, "payload", `\ud800 at offset 6 of the payload escapes a lone UTF-16 surrogate`},
		{"payload lone low surrogate", "POST", events, "admin", `{"type":"ticket.created","payload":"x\udc00y"}`, nil, 422, "payload", "lone UTF-16 surrogate"},
		{"batch payload not UTF-8", "POST", batch, "admin", "{\"events\":[{\"type\":\"ticket.created\",\"payload\":1},{\"type\":\"ticket.created\",\"payload\":[\"\xff\"]}]}", nil, 422, "events[1].payload", "offset 2 of the payload"},
		{"batch lone surrogate", "POST", batch, "admin", `{"events":[{"type":"ticket.created","payload":"\ud83d"}]}`, nil, 422, "events[0].payload", "lone UTF-16 surrogate"},
		{"batch type not UTF-8", "POST", batch, "admin", "{\"events\":[{\"type\":\"ticket.\xff\",\"payload\":1}]}", nil, 422, "events[0].type", "UTF-8"},
		{"test payload not UTF-8", "POST", hookA + "/test", "admin", "{\"payload\":\"\xff\"}", nil, 422, "payload", "offset 1 of the payload"},
		{"example not UTF-8", "POST", "/v1/event-types", "admin", "{\"name\":\"x.y\",\"example\":{\"a\":\"\xfe\"}}", nil, 422, "example", "offset 6 of the example"},
		{"patch example lone surrogate", "PATCH", "/v1/event-types/ticket.created", "admin", `{"example":"\udfff"}`, nil, 422, "example", "lone UTF-16 surrogate"},
		{"event type description not UTF-8", "POST", "/v1/event-types", "admin", "{\"name\":\"x.y\",\"description\":\"\xff\"}", nil, 422, "description", "UTF-8"},
		{"workspace name not UTF-8", "POST", "/v1/workspaces", "admin", "{\"name\":\"caf\xe9\"}", nil, 422, "name", "byte 0xe9 at offset 3 of the text"},
		{"workspace name lone surrogate", "PATCH", "/v1/workspaces/{A}", "admin", `{"name":"\ud800"}`, nil, 422, "name", "lone UTF-16 surrogate"},
		{"key name not UTF-8", "POST", "/v1/workspaces/{A}/keys", "admin", "{\"name\":\"\xff\"}", nil, 422, "name", "UTF-8"},
		{"webhook URL not UTF-8", "POST", hooks, "admin", "{\"url\":\"https://a.example/\xff\"}", nil, 422, "url", "UTF-8"},
		{"webhook description not UTF-8", "PATCH", hookA, "admin", "{\"description\":\"\xc3\x28\"}", nil, 422, "description", "UTF-8"},
		{"webhook header value not UTF-8", "POST", hooks, "admin", "{\"url\":\"https://a.example/h\",\"headers\":{\"X-A\":\"\xff\"}}", nil, 422, "headers.X-A", "UTF-8"},
		{"webhook header name not UTF-8", "POST", hooks, "admin", "{\"url\":\"https://a.example/h\",\"headers\":{\"X-\xff\":\"v\"}}", nil, 422, "headers.X-\ufffd", "UTF-8"},
		{"webhook channel not UTF-8", "POST", hooks, "admin", "{\"url\":\"https://a.example/h\",\"channels\":[\"a\",\"\xff\"]}", nil, 422, "channels[1]", "UTF-8"},
		{"event channel lone surrogate", "POST", events, "admin", `{"type":"ticket.created","payload":1,"channels":["\ud800"]}`, nil, 422, "channels[0]", "lone UTF-16 surrogate"},
		{"idempotency_key not UTF-8", "POST", events, "admin", "{\"type\":\"ticket.created\",\"payload\":1,\"idempotency_key\":\"\xff\"}", nil, 422, "idempotency_key", "UTF-8"},
		{"rotate secret not UTF-8", "POST", hookA + "/rotate-secret", "admin", "{\"secret\":\"whsec_\xff\"}", nil, 422, "secret", "UTF-8"},
		{"recover since not UTF-8", "POST", hookA + "/recover", "admin", "{\"since\":\"\xff\"}", nil, 422, "since", "UTF-8"},
		{"not UTF-8 outside strings", "POST", events, "admin", "{\"type\":\"ticket.created\",\"payload\":1}\xff", nil, 400, "", "malformed JSON"},

		// Query parameters.
		{"limit not a number", "GET", "/v1/workspaces?limit=abc", "admin", nil, nil, 422, "limit", "from 1 to 250"},
		{"limit over 250", "GET", hooks + "?limit=251", "admin", nil, nil, 422, "limit", ""},
		{"limit zero", "GET", "/v1/event-types?limit=0", "admin", nil, nil, 422, "limit", ""},
		{"unknown query parameter", "GET", events + "?colour=1", "admin", nil, nil, 422, "colour", "unknown query parameter"},
		{"bad status filter", "GET", hookA + "/deliveries?status=done", "admin", nil, nil, 422, "status", "pending"},
		{"since not RFC 3339", "GET", hookA + "/deliveries?since=yesterday", "admin", nil, nil, 422, "since", "RFC 3339"},
		{"until a date only", "GET", events + "?until=2025-01-01", "admin", nil, nil, 422, "until", "RFC 3339"},
		{"until before since", "GET", events + "?since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z", "admin", nil, nil, 422, "until", ""},
		{"bad event type filter", "GET", events + "?type=a%20b", "admin", nil, nil, 422, "type", ""},
		{"query not UTF-8", "GET", events + "?type=%ff%fe", "admin", nil, nil, 422, "type", "UTF-8"},
		{"query badly escaped", "GET", hooks + "?limit=%zz", "admin", nil, nil, 422, "limit", "well-formed"},

		// Authentication and authorization.
		{"no key", "GET", hooks, "", nil, nil, 401, "", "Authorization"},
		{"wrong key", "GET", hooks, "nope", nil, nil, 401, "", "invalid API key"},
		{"unknown workspace key", "GET", hooks, "hk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil, nil, 401, "", "invalid API key"},
		{"basic auth", "GET", hooks, "", nil, []string{"Authorization", "Basic YTpi"}, 401, "", "Bearer"},
		{"no key on event types", "GET", "/v1/event-types", "", nil, nil, 401, "", ""},
		{"other workspace's webhooks", "GET", "/v1/workspaces/{B}/webhooks", "A", nil, nil, 404, "", "workspace"},
		{"other workspace's webhook by path", "GET", "/v1/workspaces/{B}/webhooks/{whkB}", "A", nil, nil, 404, "", ""},
		{"other workspace's webhook under mine", "GET", "/v1/workspaces/{A}/webhooks/{whkB}", "A", nil, nil, 404, "", ""},
		{"publish to other workspace", "POST", "/v1/workspaces/{B}/events", "A", `{"type":"ticket.created","payload":1}`, nil, 404, "", ""},
		{"publish to a missing workspace", "POST", "/v1/workspaces/ws_nope/events", "admin", `{"type":"ticket.created","payload":1}`, nil, 404, "", ""},
		{"other workspace's webhook by admin", "GET", "/v1/workspaces/{B}/webhooks/{whkA}", "admin", nil, nil, 404, "", ""},
		{"other workspace's event", "GET", "/v1/workspaces/{B}/events/{evtA}", "admin", nil, nil, 404, "", ""},
		{"retry through another webhook", "POST", "/v1/workspaces/{B}/webhooks/{whkB}/deliveries/{dlvA}/retry", "admin", nil, nil, 404, "", ""},
		{"other workspace's keys", "POST", "/v1/workspaces/{B}/keys", "A", `{"name":"x"}`, nil, 404, "", ""},
		{"other workspace itself", "GET", "/v1/workspaces/{B}", "A", nil, nil, 404, "", ""},
		{"ws key creates event type", "POST", "/v1/event-types", "A", `{"name":"x.y"}`, nil, 403, "", "admin key"},
		{"ws key lists workspaces", "GET", "/v1/workspaces", "A", nil, nil, 403, "", ""},
		{"ws key reads own workspace", "GET", "/v1/workspaces/{A}", "A", nil, nil, 403, "", ""},
		{"ws key creates keys", "POST", "/v1/workspaces/{A}/keys", "A", `{"name":"x"}`, nil, 403, "", ""},
		{"ws key lists keys", "GET", "/v1/workspaces/{A}/keys", "A", nil, nil, 403, "", ""},
		{"other workspace's key list", "GET", "/v1/workspaces/{B}/keys", "A", nil, nil, 404, "", ""},
		{"ws key deletes event type", "DELETE", "/v1/event-types/ticket.created", "A", nil, nil, 403, "", ""},

		// Routes and ids.
		{"unknown route", "GET", "/v1/nothing", "admin", nil, nil, 404, "", "no such route"},
		{"root", "GET", "/", "", nil, nil, 404, "", ""},
		{"wrong method", "PUT", "/v1/workspaces", "admin", `{}`, nil, 405, "", "PUT"},
		{"unknown webhook", "GET", hooks + "/whk_nope", "admin", nil, nil, 404, "", ""},
		{"unknown workspace", "GET", "/v1/workspaces/ws_nope/webhooks", "admin", nil, nil, 404, "", ""},
		{"unknown delivery", "GET", hookA + "/deliveries/dlv_nope", "admin", nil, nil, 404, "", ""},
		{"retry unknown delivery", "POST", hookA + "/deliveries/dlv_nope/retry", "admin", nil, nil, 404, "", ""},
		{"recover unknown webhook", "POST", hooks + "/whk_nope/recover", "admin", `{"since":"2025-01-01T00:00:00Z"}`, nil, 404, "", ""},
		{"update unknown event type", "PATCH", "/v1/event-types/nope.nope", "admin", `{"description":"x"}`, nil, 404, "", ""},
		{"unknown event", "GET", events + "/evt_nope", "admin", nil, nil, 404, "", ""},
		{"deliveries of unknown webhook", "GET", hooks + "/whk_nope/deliveries", "admin", nil, nil, 404, "", ""},
		{"unknown event type", "GET", "/v1/event-types/nope", "A", nil, nil, 404, "", ""},
		{"delete unknown webhook", "DELETE", hooks + "/whk_nope", "admin", nil, nil, 404, "", ""},

		// Event types.
		{"duplicate event type", "POST", "/v1/event-types", "admin", `{"name":"ticket.created"}`, nil, 409, "", ""},
		{"bad event type name", "POST", "/v1/event-types", "admin", `{"name":"Ticket Created"}`, nil, 422, "name", ""},
		{"example over the limit", "POST", "/v1/event-types", "admin", map[string]any{"name": "big.one", "example": big}, nil, 413, "example", ""},
		{"rename event type", "PATCH", "/v1/event-types/ticket.created", "admin", `{"name":"ticket.opened"}`, nil, 422, "name", "cannot be changed"},

		// Idempotency.
		{"long Idempotency-Key", "POST", hooks, "admin", good(""), []string{"Idempotency-Key", strings.Repeat("k", 300)}, 422, "Idempotency-Key", ""},
		{"Idempotency-Key with another body", "POST", events, "admin", `{"type":"ticket.created","payload":2}`, []string{"Idempotency-Key", "first"}, 409, "", ""},
		{"max_webhooks reached", "POST", hooks, "admin", good(""), nil, 422, "", "max_webhooks"},

		// Webhook actions.
		{"recover without since", "POST", hookA + "/recover", "admin", `{}`, nil, 422, "since", "required"},
		{"recover bad since", "POST", hookA + "/recover", "admin", `{"since":"last week"}`, nil, 422, "since", "RFC 3339"},
		{"recover since a number", "POST", hookA + "/recover", "admin", `{"since":5}`, nil, 422, "since", "RFC 3339"},
		{"rotate long grace", "POST", hookA + "/rotate-secret", "admin", `{"grace_period":"9999h"}`, nil, 422, "grace_period", "168h"},
		{"rotate bad grace", "POST", hookA + "/rotate-secret", "admin", `{"grace_period":"soon"}`, nil, 422, "grace_period", ""},
		{"rotate bad secret", "POST", hookA + "/rotate-secret", "admin", `{"secret":"whsec_!!"}`, nil, 422, "secret", ""},
		{"portal link for too long", "POST", "/v1/workspaces/{A}/portal", "admin", `{"expires_in":"169h"}`, nil, 422, "expires_in", "168h"},
		{"portal link for no time", "POST", "/v1/workspaces/{A}/portal", "A", `{"expires_in":"0s"}`, nil, 422, "expires_in", ""},
		{"portal link bad expires_in", "POST", "/v1/workspaces/{A}/portal", "admin", `{"expires_in":"soon"}`, nil, 422, "expires_in", ""},
		{"portal link of another workspace", "POST", "/v1/workspaces/{B}/portal", "A", nil, nil, 404, "", "workspace"},
		{"patch secret", "PATCH", hookA, "admin", `{"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`, nil, 422, "secret", "rotate-secret"},
		{"patch events wrong type", "PATCH", hookA, "admin", `{"events":"x"}`, nil, 422, "events", "list of strings"},
		{"patch ftp URL", "PATCH", hookA, "admin", `{"url":"ftp://a.example/h"}`, nil, 422, "url", ""},
		{"patch not an object", "PATCH", hookA, "admin", `[]`, nil, 422, "", "JSON object"},
		{"patch unknown field", "PATCH", hookA, "admin", `{"colour":1}`, nil, 422, "colour", ""},
		{"patch unknown nested field", "PATCH", hookA, "admin", `{"signature":{"colour":1}}`, nil, 422, "signature.colour", ""},
		{"patch bad status", "PATCH", hookA, "admin", `{"status":"paused"}`, nil, 422, "status", ""},
		{"patch malformed", "PATCH", hookA, "admin", `{"name":`, nil, 400, "", "malformed"},
		{"patch null url", "PATCH", hookA, "admin", `{"url":null}`, nil, 422, "url", "required"},
		{"test type without example", "POST", hookA + "/test", "admin", `{"event_type":"ticket.closed"}`, nil, 422, "payload", "no example"},
		{"test unknown type", "POST", hookA + "/test", "admin", `{"event_type":"nope.nope","payload":{}}`, nil, 422, "event_type", "unknown event type"},
		{"test payload over the limit", "POST", hookA + "/test", "admin", map[string]any{"payload": big}, nil, 413, "payload", ""},

		// Workspaces and keys.
		{"workspace without name", "POST", "/v1/workspaces", "admin", `{"name":""}`, nil, 422, "name", ""},
		{"negative max_webhooks", "POST", "/v1/workspaces", "admin", `{"name":"x","settings":{"max_webhooks":-1}}`, nil, 422, "settings.max_webhooks", ""},
		{"bad default schedule", "POST", "/v1/workspaces", "admin", `{"name":"x","settings":{"webhook_defaults":{"retry_schedule":["x"]}}}`, nil, 422, "settings.webhook_defaults.retry_schedule[0]", ""},
		{"bad default scheme", "PATCH", "/v1/workspaces/{A}", "admin", `{"settings":{"webhook_defaults":{"signature":{"scheme":"x"}}}}`, nil, 422, "settings.webhook_defaults.signature.scheme", ""},
		{"unknown settings field", "POST", "/v1/workspaces", "admin", `{"name":"x","settings":{"colour":1}}`, nil, 422, "settings.colour", ""},
		{"max_webhooks a string", "PATCH", "/v1/workspaces/{A}", "admin", `{"settings":{"max_webhooks":"5"}}`, nil, 422, "settings.max_webhooks", "whole number"},
		{"workspace name with NUL", "POST", "/v1/workspaces", "admin", `{"name":"a\u0000b"}`, nil, 422, "name", "NUL"},
		{"webhook description with NUL", "PATCH", hookA, "admin", `{"description":"a\u0000b"}`, nil, 422, "description", "NUL"},
		{"event type description with NUL", "PATCH", "/v1/event-types/ticket.created", "admin", `{"description":"a\u0000b"}`, nil, 422, "description", "NUL"},
		{"idempotency_key with NUL", "POST", events, "admin", `{"type":"ticket.created","payload":1,"idempotency_key":"a\u0000b"}`, nil, 422, "idempotency_key", "NUL"},
		{"long key name", "POST", "/v1/workspaces/{A}/keys", "admin", map[string]any{"name": strings.Repeat("n", 201)}, nil, 422, "name", ""},
		{"delete unknown key", "DELETE", "/v1/workspaces/{A}/keys/key_nope", "admin", nil, nil, 404, "", ""},
	}

	ids := strings.NewReplacer("{A}", f.wsA, "{B}", f.wsB, "{whkA}", f.whkA, "{whkB}", f.whkB, "{evtA}", f.evtA, "{dlvA}", f.dlvA)
	before := f.snapshot()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := c.key
			switch key {
			case "admin":
				key = adminKey
			case "A":
				key = f.keyA
			case "B":
				key = f.keyB
			}
			body := c.body
			if s, ok := body.(string); ok {
				body = ids.Replace(s)
			}
			r := f.do(c.method, ids.Replace(c.path), key, body, c.headers...)
			if r.status >= 500 || r.status != c.status {
				t.Fatalf("got %d %s; want %d", r.status, r.body, c.status)
			}
			p := r.problem(t)
			if c.field != "" && !slices.Contains(p.fields(), c.field) {
				t.Errorf("fields %q; want %q (detail %q)", p.fields(), c.field, p.Detail)
			}
			if !strings.Contains(p.Detail, c.detail) {
				t.Errorf("detail %q; want it to contain %q", p.Detail, c.detail)
			}
			switch r.status {
			case 401:
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("WWW-Authenticate %q; want Bearer", r.header.Get("WWW-Authenticate"))
				}
			case 405:
				if r.header.Get("Allow") == "" {
					t.Errorf("no Allow header")
				}
			case 500:
				t.Errorf("internal error")
			}
			if after := f.snapshot(); after != before {
				t.Errorf("a failed request changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}
