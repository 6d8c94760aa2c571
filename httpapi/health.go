package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// readyTimeout bounds the database ping of /readyz.
const readyTimeout = 2 * time.Second

// health is the answer of /healthz and /readyz.
type health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

func (s *server) healthz(req *request) (int, any, error) {
	return http.StatusOK, health{Status: "ok", Version: s.cfg.Version}, nil
}

func (s *server) readyz(req *request) (int, any, error) {
	ctx, cancel := context.WithTimeout(req.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		if hookd.ErrorCode(err) == hookd.ESTORAGE {
			// Not ready while writes fail for lack of storage; the store
			// logged that once, so the error carries no cause to log.
			return 0, nil, &hookd.Error{Code: hookd.EUNAVAILABLE, Message: hookd.ErrorMessage(err)}
		}
		return 0, nil, &hookd.Error{Code: hookd.EUNAVAILABLE, Message: "the database does not answer", Err: err}
	}
	return http.StatusOK, health{Status: "ok", Version: s.cfg.Version}, nil
}

// Starting returns the handler to serve while hookd starts, before New's
// can be made (its store is not open yet, say while the database does not
// answer): /healthz answers 200 as New's does, since the process is alive,
// and every other request, /readyz included, 503 with a problem document of
// type …/unavailable whose detail is detail, such as "hookd is starting:
// waiting for the database". version is what /healthz reports, as
// Config.Version ("dev" when empty).
func Starting(version, detail string) http.Handler {
	if version == "" {
		version = "dev"
	}
	s := &server{cfg: Config{Version: version}, log: slog.Default()}
	waiting := problemResponse(&hookd.Error{Code: hookd.EUNAVAILABLE, Message: detail})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			status, v, _ := s.healthz(nil)
			s.write(w, s.valueResponse(r, status, v))
			return
		}
		s.write(w, waiting)
	})
}

//go:embed openapi.json
var openAPISource []byte

// openAPIDocument returns openapi.json with info.version set to version.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		return nil, fmt.Errorf("httpapi: openapi.json: %w", err)
	}
	if info, ok := doc["info"].(map[string]any); ok {
		info["version"] = version
	}
	return marshalJSON(doc)
}

func (s *server) serveOpenAPI(req *request) (int, any, error) {
	return http.StatusOK, rawBody{contentType: "application/json", body: s.openapi}, nil
}

// metrics counts answers by status code, for /metrics.
type metrics struct {
	mu     sync.Mutex
	byCode map[int]uint64
}

func newMetrics() *metrics { return &metrics{byCode: map[int]uint64{}} }

func (m *metrics) observe(code int) {
	m.mu.Lock()
	m.byCode[code]++
	m.mu.Unlock()
}

// serveMetrics answers a Prometheus text exposition of the API's counters.
func (s *server) serveMetrics(req *request) (int, any, error) {
	s.metrics.mu.Lock()
	codes := make([]int, 0, len(s.metrics.byCode))
	for c := range s.metrics.byCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var b strings.Builder
	b.WriteString("# HELP hookd_http_requests_total HTTP requests answered by the API, by status code.\n")
	b.WriteString("# TYPE hookd_http_requests_total counter\n")
	for _, c := range codes {
		fmt.Fprintf(&b, "hookd_http_requests_total{code=\"%d\"} %d\n", c, s.metrics.byCode[c])
	}
	s.metrics.mu.Unlock()
	b.WriteString("# HELP hookd_build_info The running hookd version.\n")
	b.WriteString("# TYPE hookd_build_info gauge\n")
	fmt.Fprintf(&b, "hookd_build_info{version=%s} 1\n", strconv.Quote(s.cfg.Version))
	return http.StatusOK, rawBody{contentType: "text/plain; version=0.0.4; charset=utf-8", body: []byte(b.String())}, nil
}
