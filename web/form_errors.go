package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hookd/hookd/web/form"
)

// fieldMessages are the messages about a form's fields, by the API's field
// name ("url", "settings.max_webhooks"); a field's parts (events[2],
// headers.X-Foo) count as the field. The key "" holds the messages about
// the form as a whole, and about fields the form does not show. Every
// form's messages come this way, from what the form could not read
// (formMessages) or from the API's refusal (refusal), so that each lands
// next to its field the same way on every page.
type fieldMessages map[string][]string

// fieldError is a field's messages with the id of the element that shows
// them, which the field's aria-describedby names: the data of the
// "field-error" and "invalid" templates.
type fieldError struct {
	ID       string
	Messages []string
}

// Of returns the messages about field, shown in the element with the id
// "<field>-error" (dots as dashes: "signature-header-error"); those about
// the form as a whole (field "") in "form-error".
func (m fieldMessages) Of(field string) fieldError { return m.OfForm("", field) }

// OfForm is Of for a form whose element ids start with form and a dash
// ("et" gives "et-name-error"), so that two forms of a page never share
// an id.
func (m fieldMessages) OfForm(form, field string) fieldError {
	id := "form"
	if field != "" {
		id = strings.ReplaceAll(field, ".", "-")
	}
	if form != "" {
		id = form + "-" + id
	}
	return fieldError{ID: id + "-error", Messages: m[field]}
}

// Has reports whether there are messages about field.
func (m fieldMessages) Has(field string) bool { return len(m[field]) > 0 }

func (m *fieldMessages) add(field, msg string) {
	if *m == nil {
		*m = fieldMessages{}
	}
	(*m)[field] = append((*m)[field], msg)
}

// formMessages returns the messages of a form that could not be read;
// nil when there are none.
func formMessages(errs form.Errors) fieldMessages {
	var m fieldMessages
	for field, msg := range errs {
		m.add(field, msg)
	}
	return m
}

// refusal returns the messages of err when it is the API's refusal of a
// form (a 422, or a 413 that names fields), sorted onto fields, which
// lists the fields the form shows. It reports false for any other error,
// which is for h.fail.
func refusal(err error, fields []string) (fieldMessages, bool) {
	var e *apiError
	if !errors.As(err, &e) {
		return nil, false
	}
	switch {
	case e.Status == http.StatusUnprocessableEntity:
	case e.Status == http.StatusRequestEntityTooLarge && len(e.Errors) > 0:
	default:
		return nil, false
	}
	return apiMessages(e, fields), true
}

// apiMessages sorts the field errors of an API answer onto the fields,
// of which shown lists those the page has; the others go under "" with
// their field's name. A part's error goes to its field, with the part's
// name when the message does not say which part it is about: "X-Foo:"
// for headers.X-Foo, "channel 2:" for channels[1] (an index alone, as in
// events[2], says nothing a reader can use).
func apiMessages(e *apiError, shown []string) fieldMessages {
	var m fieldMessages
	for _, fe := range e.Errors {
		field, msg := fe.Field, fe.Message
		if !slices.Contains(shown, field) {
			field = ""
			for _, name := range shown {
				if index, key, ok := partOf(fe.Field, name); ok {
					field = name
					switch {
					case key != "":
						msg = key + ": " + msg
					case name == "channels":
						msg = fmt.Sprintf("channel %d: %s", index+1, msg)
					}
					break
				}
			}
			if field == "" {
				msg = fe.Field + ": " + msg
			}
		}
		m.add(field, msg)
	}
	if len(e.Errors) == 0 {
		m.add("", e.Detail)
	}
	return m
}

// partOf reports whether the API's field name apiField is a part of the
// form's field name: an element (name[2], whose index it returns) or a
// key (name.X-Foo, whose key it returns).
func partOf(apiField, name string) (index int, key string, ok bool) {
	rest, found := strings.CutPrefix(apiField, name)
	if !found || len(rest) < 2 {
		return 0, "", false
	}
	if rest[0] == '.' {
		return 0, rest[1:], true
	}
	if inner, closed := strings.CutSuffix(rest[1:], "]"); rest[0] == '[' && closed {
		if n, err := strconv.Atoi(inner); err == nil && n >= 0 {
			return n, "", true
		}
	}
	return 0, "", false
}
