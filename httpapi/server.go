package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/egress"
)

// Engine is what the API needs of the delivery engine; the delivery package
// implements it.
type Engine interface {
	// Notify wakes the engine because deliveries became due (publish,
	// retry, recover). It must not block.
	Notify()
	// SendTest sends the claimed test delivery now, records the attempt,
	// and returns it (number filled).
	SendTest(ctx context.Context, c *hookd.Claim) (*hookd.Attempt, error)
}

// Config configures the handler that New returns.
type Config struct {
	// Store is where the API reads and writes. Required.
	Store hookd.Store
	// Engine is woken when deliveries become due and sends test
	// deliveries. Required.
	Engine Engine
	// AdminKey is the admin Bearer secret: it reaches every route. It is
	// compared in constant time, through its SHA-256. Required.
	AdminKey string
	// MaxPayloadBytes caps an event's payload and an event type's example,
	// in bytes (compacted JSON). Defaults to 256 KiB.
	MaxPayloadBytes int
	// MaxBatchBytes caps the request body of a batch publish, in bytes.
	// Defaults to 10 MiB, or to MaxPayloadBytes plus 64 KiB when that is
	// more.
	MaxBatchBytes int
	// AllowHTTP allows http:// webhook URLs. False (the default) allows
	// only https:// URLs.
	AllowHTTP bool
	// Egress, when set, refuses a webhook whose URL names an address it
	// refuses (an IP address in any form, localhost, or a name its
	// Resolver finds refused), with a 422 that says why. Nil: no check
	// here; the delivery engine's dialer has the last word either way.
	Egress *egress.Policy
	// AllowInsecureTLS lets webhooks set tls_verify false. False (the
	// default) answers such a create or update with a 422.
	AllowInsecureTLS bool
	// MaxWebhooks caps the webhooks of one workspace; a workspace's
	// settings.max_webhooks can only lower it. Defaults to 10,000.
	MaxWebhooks int
	// HeaderPrefix is the server's prefix of hookd's own request headers
	// (<P>-Event-Id, …). A webhook's own headers may not use it unless the
	// webhook sets a prefix of its own. Defaults to "X-Hookd".
	HeaderPrefix string
	// PublicURL is where browsers reach hookd, such as
	// https://hooks.example.com: an http:// or https:// URL without a
	// path (a trailing slash is dropped), query or fragment. Portal links
	// start with it. hookd serve sets it from --public-url. Defaults to
	// DefaultPublicURL.
	PublicURL string
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	// Logger receives request logs (at debug level) and the causes of
	// internal errors (at error level). Defaults to slog.Default().
	Logger *slog.Logger
	// Version is reported by /healthz, /metrics and the OpenAPI document.
	// Defaults to "dev".
	Version string
}

// Default limits.
const (
	// DefaultMaxPayloadBytes is Config.MaxPayloadBytes's default: 256 KiB.
	DefaultMaxPayloadBytes = 256 << 10
	// DefaultMaxBatchBytes is Config.MaxBatchBytes's default: 10 MiB.
	DefaultMaxBatchBytes = 10 << 20
	// DefaultHeaderPrefix is Config.HeaderPrefix's default.
	DefaultHeaderPrefix = "X-Hookd"
	// DefaultMaxWebhooks is Config.MaxWebhooks's default.
	DefaultMaxWebhooks = 10000
	// DefaultPublicURL is Config.PublicURL's default: hookd serve's
	// default address, on this machine.
	DefaultPublicURL = "http://127.0.0.1:8080"

	// envelopeBytes is what a body may hold besides its payload.
	envelopeBytes = 64 << 10
	// maxBodyBytes caps the bodies that hold no payload.
	maxBodyBytes = 1 << 20
)

// withDefaults returns c with every unset field at its default, or an error
// naming the first required field that is missing or a field that is out of
// range.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.Store == nil:
		return c, errors.New("httpapi: Config.Store is required")
	case c.Engine == nil:
		return c, errors.New("httpapi: Config.Engine is required")
	case c.AdminKey == "":
		return c, errors.New("httpapi: Config.AdminKey is required")
	case c.MaxPayloadBytes < 0:
		return c, errors.New("httpapi: Config.MaxPayloadBytes must be 0 (the default) or more")
	case c.MaxBatchBytes < 0:
		return c, errors.New("httpapi: Config.MaxBatchBytes must be 0 (the default) or more")
	case c.MaxWebhooks < 0:
		return c, errors.New("httpapi: Config.MaxWebhooks must be 0 (the default) or more")
	}
	if c.MaxWebhooks == 0 {
		c.MaxWebhooks = DefaultMaxWebhooks
	}
	if c.MaxPayloadBytes == 0 {
		c.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = max(DefaultMaxBatchBytes, c.MaxPayloadBytes+envelopeBytes)
	}
	if c.HeaderPrefix == "" {
		c.HeaderPrefix = DefaultHeaderPrefix
	}
	if c.PublicURL == "" {
		c.PublicURL = DefaultPublicURL
	}
	u, err := checkPublicURL(c.PublicURL)
	if err != nil {
		return c, err
	}
	c.PublicURL = u
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c, nil
}

// server is the handler New returns.
type server struct {
	cfg       Config
	store     hookd.Store
	engine    Engine
	log       *slog.Logger
	adminHash [sha256.Size]byte
	mux       *http.ServeMux
	routes    []route
	metrics   *metrics
	openapi   []byte
}

// New returns the handler of the whole API. It returns an error when cfg
// misses a required field (Store, Engine, AdminKey).
func New(cfg Config) (http.Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &server{
		cfg:       cfg,
		store:     cfg.Store,
		engine:    cfg.Engine,
		log:       cfg.Logger,
		adminHash: sha256.Sum256([]byte(cfg.AdminKey)),
		mux:       http.NewServeMux(),
		metrics:   newMetrics(),
	}
	if s.openapi, err = openAPIDocument(cfg.Version); err != nil {
		return nil, err
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern(), s.handler(rt))
	}
	return s, nil
}

// access says who may call a route.
type access int

const (
	public          access = iota // no key needed
	anyKey                        // the admin key or any workspace key
	adminOnly                     // the admin key only
	workspaceScoped               // the admin key, or a key of the {ws} in the path
)

// route is one entry of the API's routing table.
type route struct {
	method string
	path   string
	access access
	// maxBody is how many bytes of request body are read; 0 means the
	// body is not read at all.
	maxBody int64
	// optionalBody lets an empty body stand for {}.
	optionalBody bool
	// bodyNote follows the limit in the answer to a body over it.
	bodyNote string
	// idempotent routes honour the Idempotency-Key header.
	idempotent bool
	handle     func(*request) (int, any, error)
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

// routeTable lists every route the API serves. openapi_test.go checks it
// against openapi.json.
func (s *server) routeTable() []route {
	small := int64(maxBodyBytes)
	payload := int64(s.cfg.MaxPayloadBytes + envelopeBytes)
	batch := int64(s.cfg.MaxBatchBytes)
	payloadNote := fmt.Sprintf("a payload may be at most %s", formatBytes(int64(s.cfg.MaxPayloadBytes)))
	exampleNote := fmt.Sprintf("an example may be at most %s", formatBytes(int64(s.cfg.MaxPayloadBytes)))
	batchNote := "split the batch into smaller ones"
	const ws = "/v1/workspaces/{ws}"
	const whk = ws + "/webhooks/{whk}"
	return []route{
		{method: "GET", path: "/healthz", access: public, handle: s.healthz},
		{method: "GET", path: "/readyz", access: public, handle: s.readyz},
		{method: "GET", path: "/metrics", access: public, handle: s.serveMetrics},
		{method: "GET", path: "/v1/openapi.json", access: public, handle: s.serveOpenAPI},
		{method: "GET", path: "/v1/overview", access: adminOnly, handle: s.getOverview},

		{method: "POST", path: "/v1/workspaces", access: adminOnly, maxBody: small, idempotent: true, handle: s.createWorkspace},
		{method: "GET", path: "/v1/workspaces", access: adminOnly, handle: s.listWorkspaces},
		{method: "GET", path: ws, access: adminOnly, handle: s.getWorkspace},
		{method: "PATCH", path: ws, access: adminOnly, maxBody: small, handle: s.updateWorkspace},
		{method: "DELETE", path: ws, access: adminOnly, handle: s.deleteWorkspace},

		{method: "POST", path: ws + "/keys", access: adminOnly, maxBody: small, optionalBody: true, idempotent: true, handle: s.createKey},
		{method: "GET", path: ws + "/keys", access: adminOnly, handle: s.listKeys},
		{method: "DELETE", path: ws + "/keys/{key_id}", access: adminOnly, handle: s.deleteKey},

		{method: "POST", path: "/v1/event-types", access: adminOnly, maxBody: payload, bodyNote: exampleNote, idempotent: true, handle: s.createEventType},
		{method: "GET", path: "/v1/event-types", access: anyKey, handle: s.listEventTypes},
		{method: "GET", path: "/v1/event-types/{name}", access: anyKey, handle: s.getEventType},
		{method: "PATCH", path: "/v1/event-types/{name}", access: adminOnly, maxBody: payload, bodyNote: exampleNote, handle: s.updateEventType},
		{method: "DELETE", path: "/v1/event-types/{name}", access: adminOnly, handle: s.deleteEventType},

		{method: "POST", path: ws + "/webhooks", access: workspaceScoped, maxBody: small, idempotent: true, handle: s.createWebhook},
		{method: "GET", path: ws + "/webhooks", access: workspaceScoped, handle: s.listWebhooks},
		{method: "GET", path: whk, access: workspaceScoped, handle: s.getWebhook},
		{method: "PATCH", path: whk, access: workspaceScoped, maxBody: small, handle: s.updateWebhook},
		{method: "DELETE", path: whk, access: workspaceScoped, handle: s.deleteWebhook},
		{method: "GET", path: whk + "/secret", access: workspaceScoped, handle: s.getSecret},
		{method: "POST", path: whk + "/rotate-secret", access: workspaceScoped, maxBody: small, optionalBody: true, handle: s.rotateSecret},
		{method: "POST", path: whk + "/test", access: workspaceScoped, maxBody: payload, bodyNote: payloadNote, optionalBody: true, handle: s.testWebhook},

		{method: "GET", path: whk + "/deliveries", access: workspaceScoped, handle: s.listDeliveries},
		{method: "GET", path: whk + "/deliveries/{dlv}", access: workspaceScoped, handle: s.getDelivery},
		{method: "POST", path: whk + "/deliveries/{dlv}/retry", access: workspaceScoped, handle: s.retryDelivery},
		{method: "POST", path: whk + "/recover", access: workspaceScoped, maxBody: small, handle: s.recoverDeliveries},

		{method: "POST", path: ws + "/events", access: workspaceScoped, maxBody: payload, bodyNote: payloadNote, idempotent: true, handle: s.publishEvent},
		{method: "POST", path: ws + "/events/batch", access: workspaceScoped, maxBody: batch, bodyNote: batchNote, idempotent: true, handle: s.publishBatch},
		{method: "GET", path: ws + "/events", access: workspaceScoped, handle: s.listEvents},
		{method: "GET", path: ws + "/events/{evt}", access: workspaceScoped, handle: s.getEvent},

		{method: "POST", path: ws + "/portal", access: workspaceScoped, maxBody: small, optionalBody: true, handle: s.createPortalLink},
	}
}

// request is one API request as a handler sees it: the HTTP request, who
// made it, its body (read up to the route's limit) and the time it came.
type request struct {
	*http.Request
	caller caller
	// ws is the workspace of a workspaceScoped route, loaded before the
	// handler runs.
	ws   *hookd.Workspace
	body []byte
	now  time.Time
}

// response is an answer ready to write.
type response struct {
	status      int
	contentType string
	body        []byte
}

// rawBody is a handler's answer that is not JSON.
type rawBody struct {
	contentType string
	body        []byte
}

// now reads the clock in UTC, to the microsecond (as the store keeps times),
// so that an answer shows the times that a later read shows.
func (s *server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// ServeHTTP routes r, answering unknown routes with a 404 problem and known
// paths with the wrong method with a 405 problem.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		status := sw.statusCode()
		s.metrics.observe(status)
		s.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "status", status,
			"duration_ms", time.Since(start).Milliseconds())
	}()
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.unrouted(sw, r, h)
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// unrouted answers a request that no route matches. h is what the mux
// would answer; it says whether the path exists with other methods.
func (s *server) unrouted(w http.ResponseWriter, r *http.Request, h http.Handler) {
	cw := &captureWriter{header: http.Header{}}
	h.ServeHTTP(cw, r)
	if cw.status == http.StatusMethodNotAllowed {
		allow := cw.header.Get("Allow")
		w.Header().Set("Allow", allow)
		s.write(w, s.errorResponse(r, &hookd.Error{Code: codeMethodNotAllowed,
			Message: fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, r.URL.Path, allow)}))
		return
	}
	s.write(w, s.errorResponse(r, &hookd.Error{Code: hookd.ENOTFOUND,
		Message: fmt.Sprintf("no such route: %s %s (see /v1/openapi.json)", r.Method, r.URL.Path)}))
}

// handler returns the http.Handler of one route: authentication, the
// workspace check, the body, idempotency, then the route's own handler.
func (s *server) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		req := &request{Request: hr, now: s.now()}
		if err := s.admit(rt, w, req); err != nil {
			s.write(w, s.errorResponse(hr, err))
			return
		}
		if key := hr.Header.Get("Idempotency-Key"); rt.idempotent && key != "" {
			s.serveIdempotent(rt, w, req, key)
			return
		}
		s.write(w, s.call(rt, req))
	})
}

// admit authenticates and authorizes req for rt and reads its body, which
// must be UTF-8 text (checkText).
func (s *server) admit(rt route, w http.ResponseWriter, req *request) error {
	if rt.access != public {
		c, err := s.authenticate(req)
		if err != nil {
			return err
		}
		req.caller = c
		if err := s.authorize(rt, req); err != nil {
			return err
		}
	}
	if rt.maxBody > 0 {
		body, err := readBody(w, req.Request, rt.maxBody, rt.optionalBody)
		if err != nil {
			if e, ok := err.(*hookd.Error); ok && e.Code == hookd.ETOOLARGE && rt.bodyNote != "" {
				e.Message += ": " + rt.bodyNote
			}
			return err
		}
		if err := checkText(body); err != nil {
			return err
		}
		req.body = body
	}
	return nil
}

// call runs the route's handler and renders its answer; a panic becomes a
// 500 problem with the stack in the log.
func (s *server) call(rt route, req *request) (resp response) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			resp = s.errorResponse(req.Request, &hookd.Error{Code: hookd.EINTERNAL,
				Err: fmt.Errorf("panic: %v\n%s", p, debug.Stack())})
		}
	}()
	status, v, err := rt.handle(req)
	if err != nil {
		return s.errorResponse(req.Request, err)
	}
	return s.valueResponse(req.Request, status, v)
}

// valueResponse renders a handler's answer: nothing, a rawBody, or a value
// as JSON.
func (s *server) valueResponse(r *http.Request, status int, v any) response {
	switch v := v.(type) {
	case nil:
		return response{status: status}
	case rawBody:
		return response{status: status, contentType: v.contentType, body: v.body}
	}
	body, err := marshalJSON(v)
	if err != nil {
		return s.errorResponse(r, &hookd.Error{Code: hookd.EINTERNAL, Err: fmt.Errorf("encode answer: %w", err)})
	}
	return response{status: status, contentType: "application/json", body: body}
}

// write sends resp.
func (s *server) write(w http.ResponseWriter, resp response) {
	h := w.Header()
	if resp.contentType != "" {
		h.Set("Content-Type", resp.contentType)
	}
	if resp.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="hookd"`)
	}
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 {
		_, _ = w.Write(resp.body)
	}
}

// marshalJSON encodes v without HTML escaping, ending in a newline.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter keeps the status and headers of an answer and drops its
// body.
type captureWriter struct {
	header http.Header
	status int
}

func (w *captureWriter) Header() http.Header { return w.header }

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}
