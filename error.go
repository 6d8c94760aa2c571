package hookd

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the httpapi package; nothing
// else decides how an error looks to a user.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation (400/422)
	ENOTFOUND     = "not_found"    // the thing does not exist or is not visible to the caller (404)
	ECONFLICT     = "conflict"     // the request conflicts with the current state (409)
	EUNAUTHORIZED = "unauthorized" // missing or wrong credentials (401)
	EFORBIDDEN    = "forbidden"    // valid credentials, but not allowed (403)
	ETOOLARGE     = "too_large"    // the request body is over its limit (413)
	ELIMIT        = "limit"        // a count limit such as max_webhooks is reached (422)
	EUNAVAILABLE  = "unavailable"  // the database cannot be reached (503)
	ESTORAGE      = "storage"      // the database's storage is full or read-only: writes fail (507)
	EINTERNAL     = "internal"     // a bug or an unexpected failure (500)
)

// Error is hookd's domain error. Code says what kind of failure it is,
// Message is safe to show to the user, Fields names the inputs at fault, and
// Err is the underlying cause, kept for logs only.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

// FieldError names one input field and what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error that names the fields at fault. It
// returns nil when fields is empty, so validators can end with
// `return hookd.Invalid(errs)`.
func Invalid(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	msg := fields[0].Field + ": " + fields[0].Message
	if len(fields) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(fields)-1)
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the Message of the
// first *Error in its chain, or a generic text for anything else, so that
// internal causes never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// NotFound returns an ENOTFOUND error for a thing of the given kind and id.
func NotFound(kind, id string) *Error {
	return Errorf(ENOTFOUND, "%s %q not found", kind, id)
}

// The messages of ESTORAGE errors: what a user learns of a write that the
// database's storage refused.
const (
	storageFullMessage     = "the database's storage is full or cannot be written; writes fail until space is freed"
	storageReadOnlyMessage = "the database is read-only; writes fail until it is writable again"
)

// StorageFull returns an ESTORAGE error saying that the database's storage
// is full (or fails to write), with cause for the log.
func StorageFull(cause error) *Error {
	return &Error{Code: ESTORAGE, Message: storageFullMessage, Err: cause}
}

// StorageReadOnly returns an ESTORAGE error saying that the database is
// read-only, with cause for the log.
func StorageReadOnly(cause error) *Error {
	return &Error{Code: ESTORAGE, Message: storageReadOnlyMessage, Err: cause}
}
