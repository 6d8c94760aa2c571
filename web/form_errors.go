package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hookd/hookd/web/form"
)

// formErrors adds the field errors of err, an API answer of 422 (or 413
// naming fields), to errs: each of fields gets its message, and messages
// about other fields go under "" with the field's name. It reports whether
// err was such an answer; any other error is for h.fail.
func formErrors(err error, errs form.Errors, fields ...string) bool {
	var e *apiError
	if !errors.As(err, &e) || (e.Status != http.StatusUnprocessableEntity && (e.Status != http.StatusRequestEntityTooLarge || len(e.Errors) == 0)) {
		return false
	}
	for _, name := range fields {
		if msg := e.Field(name); msg != "" {
			errs.Add(name, msg)
		}
	}
	var other []string
	for _, f := range e.Errors {
		if !slices.ContainsFunc(fields, func(name string) bool { return fieldOf(f.Field, name) }) {
			other = append(other, f.Field+" "+f.Message)
		}
	}
	if len(e.Errors) == 0 {
		other = append(other, e.Detail)
	}
	if len(other) > 0 {
		errs.Add("", strings.Join(other, "; "))
	}
	return true
}

// fieldOf reports whether the API field name is name or a part of it.
func fieldOf(field, name string) bool {
	return field == name || strings.HasPrefix(field, name+"[") || strings.HasPrefix(field, name+".")
}
