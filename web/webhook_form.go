package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookFormView is the data of the add and edit forms, which share the
// "webhook-form" template.
type webhookFormView struct {
	Workspace string
	// Webhook is the webhook being edited; nil on the add form.
	Webhook *hookd.Webhook
	Form    form.Webhook
	// Types is the event catalogue, to tick from.
	Types []hookd.EventType
	// Action is where the form posts; Cancel where its Cancel link goes.
	Action, Cancel string
	Errors         fieldMessages
	// Problem heads the messages when the form was refused; Errors[""]
	// holds those about no field of the form.
	Problem string
	// DefaultSchedule is hookd's retry schedule, for the hint.
	DefaultSchedule string
	ReadOnly        bool
}

// Schemes lists the signature schemes for the form's choice.
func (webhookFormView) Schemes() []signatureScheme { return signatureSchemes }

// signatureScheme is one signature scheme, as the form offers it.
type signatureScheme struct {
	Name, Title, About string
}

// signatureSchemes are the schemes a webhook may sign with.
var signatureSchemes = []signatureScheme{
	{hookd.SchemeStandard, "Standard Webhooks", "webhook-id, webhook-timestamp and webhook-signature headers, as Svix sends; any Standard Webhooks library verifies them."},
	{hookd.SchemeStripe, "Stripe style", "<prefix>-Signature: t=…,v1=… over the time and the body, as Stripe signs; Stripe's SDKs verify it."},
	{hookd.SchemeGitHub, "GitHub style", "<prefix>-Signature: sha256=… over the body alone, like GitHub's X-Hub-Signature-256."},
	{hookd.SchemeSplit, "Split", "<prefix>-Signature with the HMAC of body.time, and the time in <prefix>-Timestamp."},
}

// webhookFormFields are the fields the webhook form shows errors beside;
// errors about any other field go above the form.
var webhookFormFields = []string{
	"url", "name", "description", "events", "channels", "method", "headers", "timeout_seconds",
	"retry_schedule", "signature.scheme", "signature.header_prefix", "signature.header",
	"signature.timestamp_header", "tls_verify", "rate_limit",
}

// fieldMessages are the messages about a form's fields, by the API's field
// name ("url", "signature.header"); a field's parts (events[2],
// headers.X-Foo) count as the field.
type fieldMessages map[string][]string

// fieldError is a field's messages with the id that the field's
// aria-describedby names.
type fieldError struct {
	ID       string
	Messages []string
}

// Of returns the messages about field, for the "webhook-field-error"
// template.
func (m fieldMessages) Of(field string) fieldError {
	return fieldError{ID: strings.ReplaceAll(field, ".", "-") + "-error", Messages: m[field]}
}

// Has reports whether there are messages about field.
func (m fieldMessages) Has(field string) bool { return len(m[field]) > 0 }

func (m *fieldMessages) add(field, msg string) {
	if *m == nil {
		*m = fieldMessages{}
	}
	(*m)[field] = append((*m)[field], msg)
}

// formMessages returns the errors of a form that could not be read.
func formMessages(errs form.Errors) fieldMessages {
	var m fieldMessages
	for field, msg := range errs {
		m.add(field, msg)
	}
	return m
}

// partRE splits an API error's field into the field and its part:
// events[2], headers.X-Foo, retry_schedule[0].
var partRE = regexp.MustCompile(`^([a-z_]+)(?:\[(\d+)\]|\.(.+))$`)

// apiMessages sorts the field errors of an API answer onto the fields,
// of which shown lists those the page has (others go under ""): a part's
// error goes to its field, with the part's name when the message does not
// say which part it is about.
func apiMessages(e *apiError, shown []string) fieldMessages {
	var m fieldMessages
	has := func(f string) bool { return slices.Contains(shown, f) }
	for _, fe := range e.Errors {
		field, msg := fe.Field, fe.Message
		if !has(field) {
			if p := partRE.FindStringSubmatch(field); p != nil && has(p[1]) {
				field = p[1]
				switch {
				case p[1] == "channels" && p[2] != "":
					n, _ := strconv.Atoi(p[2])
					msg = fmt.Sprintf("channel %d: %s", n+1, msg)
				case p[3] != "":
					msg = p[3] + ": " + msg
				}
			}
		}
		if !has(field) {
			msg = fe.Field + ": " + msg
			field = ""
		}
		m.add(field, msg)
	}
	if len(e.Errors) == 0 {
		m.add("", e.Detail)
	}
	return m
}

// unprocessable returns the API error of err when it is a 422: the answer
// to a form the API refused, whose messages go back to the form.
func unprocessable(err error) *apiError {
	var e *apiError
	if errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity {
		return e
	}
	return nil
}

// maxCataloguePages bounds how many pages of the catalogue a form reads:
// 100 pages of hookd.MaxPageLimit types.
const maxCataloguePages = 100

// eventTypes returns the event catalogue, page by page (at most
// maxCataloguePages of them).
func (h *handler) eventTypes(r *request) ([]hookd.EventType, error) {
	var all []hookd.EventType
	q := url.Values{"limit": {strconv.Itoa(hookd.MaxPageLimit)}}
	for range maxCataloguePages {
		var l list[hookd.EventType]
		if err := h.api(r, "GET", "/v1/event-types", q, nil, &l); err != nil {
			return nil, err
		}
		all = append(all, l.Data...)
		if l.NextCursor == nil || *l.NextCursor == "" {
			break
		}
		q.Set("cursor", *l.NextCursor)
	}
	return all, nil
}

// typeNames returns the names of types.
func typeNames(types []hookd.EventType) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.Name
	}
	return out
}

// webhookPath returns the page of webhook id of workspace ws, followed by
// parts.
func webhookPath(ws, id string, parts ...string) string {
	p := "/ui/workspaces/" + url.PathEscape(ws) + "/webhooks"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	for _, s := range parts {
		p += "/" + s
	}
	return p
}

// renderWebhookForm shows the add form (v.Webhook nil) or the edit form,
// with the catalogue to pick events from.
func (h *handler) renderWebhookForm(w http.ResponseWriter, r *request, status int, v webhookFormView) {
	if v.Webhook == nil {
		// The add form reads nothing of the workspace otherwise: ask the
		// API whether the session may see it, so that another
		// workspace's form answers 404 like every page of it.
		if err := h.api(r, "GET", wsPath(v.Workspace, "webhooks"), url.Values{"limit": {"1"}}, nil, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	types, err := h.eventTypes(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Types = types
	v.DefaultSchedule = form.ScheduleText(hookd.DefaultRetrySchedule)
	v.ReadOnly = r.sess.ReadOnly
	if v.Cancel == "" {
		v.Cancel = webhookPath(v.Workspace, "")
	}
	if len(v.Errors) > 0 {
		v.Problem = "The webhook was not saved: see the messages below."
	}
	p := page{name: "webhook_new", title: "Add a webhook", workspace: v.Workspace, nav: "webhooks", data: v}
	if v.Webhook != nil {
		p.name, p.title = "webhook_edit", "Edit "+webhookTitle(v.Webhook)
	}
	h.render(w, r, status, p)
}

// webhookTitle is what a page calls a webhook: its name, else its URL.
func webhookTitle(wh *hookd.Webhook) string {
	if wh.Name != "" {
		return wh.Name
	}
	return wh.URL
}
