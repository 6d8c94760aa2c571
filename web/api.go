package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// apiError is an API answer that is not a success: its status and its
// problem document.
type apiError struct {
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Errors []hookd.FieldError `json:"errors"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.Status, e.Detail) }

// recorder is the http.ResponseWriter of an in-process API call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *recorder) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// api calls the HTTP API in-process as the session's caller: method on
// path (with query), body as JSON unless nil, and the answer decoded into
// out unless nil. An answer of 400 and up is an *apiError.
func (h *handler) api(r *request, method, path string, query url.Values, body, out any) error {
	return h.apiAs(r.Context(), r.sess.caller(), method, path, query, body, out)
}

func (h *handler) apiAs(ctx context.Context, c httpapi.Caller, method, path string, query url.Values, body, out any) error {
	var rd io.Reader = http.NoBody
	if body != nil {
		// As typed: "<" stays "<" in payloads and examples, not \u003c.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return fmt.Errorf("web: encode %s %s: %w", method, path, err)
		}
		rd = &buf
	}
	u := path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(httpapi.WithCaller(ctx, c), method, u, rd)
	if err != nil {
		return fmt.Errorf("web: %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.RemoteAddr = "127.0.0.1:0" // in-process
	w := &recorder{header: http.Header{}}
	h.cfg.API.ServeHTTP(w, req)
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 {
		e := &apiError{Status: w.status}
		if json.Unmarshal(w.body.Bytes(), e) != nil || e.Detail == "" {
			e.Detail = http.StatusText(w.status)
		}
		e.Status = w.status
		return e
	}
	if out != nil && w.body.Len() > 0 {
		if err := json.Unmarshal(w.body.Bytes(), out); err != nil {
			return fmt.Errorf("web: decode %s %s: %w", method, path, err)
		}
	}
	return nil
}

// fail renders the page for an error of an API call or of the page itself:
// the API's status and message, or a 500 whose cause goes to the log.
func (h *handler) fail(w http.ResponseWriter, r *request, err error) {
	var e *apiError
	if errors.As(err, &e) {
		msg := e.Detail
		if e.Status == http.StatusNotFound {
			msg = "There is no such page, or it is not yours to see. " + msg
		}
		h.renderError(w, r, e.Status, msg)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log.Error("web: page failed", "method", r.Method, "path", r.URL.Path, "err", err)
	h.renderError(w, r, http.StatusInternalServerError, "Something went wrong on our side; the cause is in the server's log.")
}

// wsPath returns the API path of workspace ws followed by parts, each
// escaped: wsPath("ws_1", "webhooks", "whk_2") is
// /v1/workspaces/ws_1/webhooks/whk_2.
func wsPath(ws string, parts ...string) string { return workspacePath("/v1", ws, parts) }

// wsPage returns the page of workspace ws followed by parts: the API's
// path under /ui/ instead of /v1/.
func wsPage(ws string, parts ...string) string { return workspacePath("/ui", ws, parts) }

func workspacePath(root, ws string, parts []string) string {
	p := root + "/workspaces/" + url.PathEscape(ws)
	for _, s := range parts {
		p += "/" + url.PathEscape(s)
	}
	return p
}

// eventTypePath returns the API path of the catalogue's event type name.
func eventTypePath(name string) string { return "/v1/event-types/" + url.PathEscape(name) }
