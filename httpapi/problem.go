package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/hookd/hookd"
)

// Codes the API uses besides hookd's own.
const (
	// codeMalformed is a body that is not JSON at all: syntax errors,
	// an empty body, trailing data (400). Bodies that are JSON but of the
	// wrong shape are hookd.EINVALID (422).
	codeMalformed = "malformed"
	// codeMethodNotAllowed is a known path asked with another method (405).
	codeMethodNotAllowed = "method_not_allowed"
)

// problemTypeBase starts the type URI of every problem document; the code
// follows it, as in https://hookd.dev/problems/not_found.
const problemTypeBase = "https://hookd.dev/problems/"

// problemKind is how one error code looks on the wire.
type problemKind struct {
	status int
	title  string
}

// problemKinds is the one table from error codes to HTTP answers. A code
// missing from it is answered as hookd.EINTERNAL.
var problemKinds = map[string]problemKind{
	codeMalformed:        {http.StatusBadRequest, "Malformed request"},
	hookd.EINVALID:       {http.StatusUnprocessableEntity, "Invalid request"},
	hookd.ELIMIT:         {http.StatusUnprocessableEntity, "Limit reached"},
	hookd.EUNAUTHORIZED:  {http.StatusUnauthorized, "Unauthorized"},
	hookd.EFORBIDDEN:     {http.StatusForbidden, "Forbidden"},
	hookd.ENOTFOUND:      {http.StatusNotFound, "Not found"},
	codeMethodNotAllowed: {http.StatusMethodNotAllowed, "Method not allowed"},
	hookd.ECONFLICT:      {http.StatusConflict, "Conflict"},
	hookd.ETOOLARGE:      {http.StatusRequestEntityTooLarge, "Content too large"},
	hookd.EINTERNAL:      {http.StatusInternalServerError, "Internal server error"},
	hookd.EUNAVAILABLE:   {http.StatusServiceUnavailable, "Service unavailable"},
	hookd.ESTORAGE:       {http.StatusInsufficientStorage, "Insufficient storage"},
}

// internalDetail is all a user learns of an internal error.
const internalDetail = "internal error; the cause is in the server's log"

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Errors []hookd.FieldError `json:"errors"`
}

// errorResponse renders err as a problem document. The cause of internal
// and unavailable errors goes to the log, never to the user. Storage
// errors (507) are not logged here: the store logs once when writes start
// to fail, not at every request.
func (s *server) errorResponse(r *http.Request, err error) response {
	var e *hookd.Error
	switch code := hookd.ErrorCode(err); {
	case code == hookd.EUNAVAILABLE:
		if errors.As(err, &e) && e.Err == nil { // without a cause, it was logged where it arose
			break
		}
		s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case code == hookd.EINTERNAL || problemKinds[code].status == 0:
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			level = slog.LevelDebug // the client went away
		}
		s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	return problemResponse(err)
}

// problemResponse renders err as a problem document, as errorResponse
// does, without logging its cause.
func problemResponse(err error) response {
	code := hookd.ErrorCode(err)
	kind, ok := problemKinds[code]
	if !ok {
		code, kind = hookd.EINTERNAL, problemKinds[hookd.EINTERNAL]
	}
	p := problem{
		Type:   problemTypeBase + code,
		Title:  kind.title,
		Status: kind.status,
		Detail: hookd.ErrorMessage(err),
		Errors: []hookd.FieldError{},
	}
	var e *hookd.Error
	if errors.As(err, &e) && e.Fields != nil {
		p.Errors = e.Fields
	}
	if code == hookd.EINTERNAL {
		p.Detail = internalDetail
	}
	if p.Detail == "" {
		p.Detail = kind.title
	}
	body, merr := marshalJSON(p)
	if merr != nil { // cannot happen: p holds strings and ints only
		body = []byte(`{"type":"` + problemTypeBase + hookd.EINTERNAL + `","title":"Internal server error","status":500,"detail":"` + internalDetail + `","errors":[]}`)
		kind.status = http.StatusInternalServerError
	}
	return response{status: kind.status, contentType: "application/problem+json", body: body}
}

// invalid returns an EINVALID error about one field.
func invalid(field, message string) error {
	return hookd.Invalid([]hookd.FieldError{{Field: field, Message: message}})
}

// fieldErrors collects validation errors.
type fieldErrors []hookd.FieldError

func (f *fieldErrors) add(field, message string) {
	*f = append(*f, hookd.FieldError{Field: field, Message: message})
}

// with returns the EINVALID error of f followed by the fields of err, an
// EINVALID error from a validator; any other err is returned as it is.
func (f fieldErrors) with(err error) error {
	if err == nil {
		return hookd.Invalid(f)
	}
	var e *hookd.Error
	if !errors.As(err, &e) || e.Code != hookd.EINVALID {
		return err
	}
	return hookd.Invalid(append(f, e.Fields...))
}
