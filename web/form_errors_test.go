package web

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

func TestRefusal(t *testing.T) {
	t.Parallel()
	shown := []string{"url", "events", "channels", "headers", "signature.header", "settings.webhook_defaults.retry_schedule"}
	fe := func(field, msg string) hookd.FieldError { return hookd.FieldError{Field: field, Message: msg} }
	tests := []struct {
		name   string
		err    error
		want   fieldMessages
		wantOK bool
	}{
		{"a field the form shows", &apiError{Status: 422, Errors: []hookd.FieldError{fe("url", "is required")}},
			fieldMessages{"url": {"is required"}}, true},
		{"two messages about one field", &apiError{Status: 422, Errors: []hookd.FieldError{fe("url", "a"), fe("url", "b")}},
			fieldMessages{"url": {"a", "b"}}, true},
		{"an element: the message says which", &apiError{Status: 422, Errors: []hookd.FieldError{fe("events[2]", `"x" matches nothing`)}},
			fieldMessages{"events": {`"x" matches nothing`}}, true},
		{"a channel is counted from 1", &apiError{Status: 422, Errors: []hookd.FieldError{fe("channels[1]", "is too long")}},
			fieldMessages{"channels": {"channel 2: is too long"}}, true},
		{"a key is named", &apiError{Status: 422, Errors: []hookd.FieldError{fe("headers.Content-Type", "is set by hookd")}},
			fieldMessages{"headers": {"Content-Type: is set by hookd"}}, true},
		{"a dotted field's element", &apiError{Status: 422, Errors: []hookd.FieldError{fe("settings.webhook_defaults.retry_schedule[1]", `"x" is not a duration`)}},
			fieldMessages{"settings.webhook_defaults.retry_schedule": {`"x" is not a duration`}}, true},
		{"a field the form does not show goes above it", &apiError{Status: 422, Errors: []hookd.FieldError{fe("signature.header_prefix", "is too long"), fe("channelsx", "odd")}},
			fieldMessages{"": {"signature.header_prefix: is too long", "channelsx: odd"}}, true},
		{"not an element", &apiError{Status: 422, Errors: []hookd.FieldError{fe("events[x]", "odd")}},
			fieldMessages{"": {"events[x]: odd"}}, true},
		{"no field named: the detail", &apiError{Status: 422, Detail: "The body is not valid."},
			fieldMessages{"": {"The body is not valid."}}, true},
		{"too large, naming a field", &apiError{Status: 413, Detail: "Too large.", Errors: []hookd.FieldError{fe("url", "is too long")}},
			fieldMessages{"url": {"is too long"}}, true},
		{"wrapped", fmt.Errorf("page: %w", &apiError{Status: 422, Errors: []hookd.FieldError{fe("url", "is required")}}),
			fieldMessages{"url": {"is required"}}, true},
		{"too large, naming nothing, is not the form's", &apiError{Status: 413, Detail: "Too large."}, nil, false},
		{"not found is not the form's", &apiError{Status: 404, Detail: "No such webhook."}, nil, false},
		{"not an API answer", errors.New("boom"), nil, false},
		{"no error", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := refusal(tt.err, shown)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("refusal = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFieldMessagesOf(t *testing.T) {
	t.Parallel()
	m := formMessages(form.Errors{"signature.header": "must be a header name", "": "try again"})
	for _, tt := range []struct {
		form, field string
		want        fieldError
	}{
		{"", "signature.header", fieldError{ID: "signature-header-error", Messages: []string{"must be a header name"}}},
		{"", "", fieldError{ID: "form-error", Messages: []string{"try again"}}},
		{"et", "name", fieldError{ID: "et-name-error"}},
		{"r", "", fieldError{ID: "r-form-error", Messages: []string{"try again"}}},
	} {
		if got := m.OfForm(tt.form, tt.field); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("OfForm(%q, %q) = %+v; want %+v", tt.form, tt.field, got, tt.want)
		}
	}
	if !m.Has("signature.header") || m.Has("name") || formMessages(nil) != nil {
		t.Errorf("Has or formMessages(nil) is wrong: %v", m)
	}
	if got := (fieldMessages{}).Of("url"); got.ID != "url-error" || got.Messages != nil {
		t.Errorf("Of of no messages = %+v", got)
	}
	var none fieldMessages
	none.add("url", "is required")
	if !none.Has("url") {
		t.Error("add on a nil fieldMessages lost the message")
	}
}
