package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

func TestEventTypeCatalogueAsOperator(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	b := s.admin()

	page := b.mustGet("/ui/event-types").body
	if !strings.Contains(page, "The catalogue is empty") || !strings.Contains(page, `href="/ui/event-types/new"`) {
		t.Errorf("the empty catalogue does not say so or offers no New\n%s", excerpt(page))
	}
	b.mustGet("/ui/event-types/new")

	// Problems come back next to their fields, with what was typed.
	p := b.submit("/ui/event-types", url.Values{"name": {"ticket created"}, "description": {"kept"}, "example": {`{"id": 1}`}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="et-name-error"`) || !strings.Contains(p.body, "such as ticket.created") {
		t.Errorf("a bad name = %d; want 422 with the API's message under name\n%s", p.status, excerpt(p.body))
	}
	if !strings.Contains(p.body, `value="ticket created"`) || !strings.Contains(p.body, ">kept</textarea>") {
		t.Error("the form lost what was typed")
	}
	p = b.submit("/ui/event-types", url.Values{"name": {"ticket.created"}, "example": {`{"id": }`}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="et-example-error"`) {
		t.Errorf("an example that is not JSON = %d; want 422 under example\n%s", p.status, excerpt(p.body))
	}

	example := `{"id": "tkt_1", "html": "<b>bold</b>"}`
	p = b.submit("/ui/event-types", url.Values{"name": {"ticket.created"}, "description": {"A <ticket> was opened."}, "example": {example}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Added ticket.created to the catalogue.") {
		t.Fatalf("create = %d; want the catalogue with a flash\n%s", p.status, excerpt(p.body))
	}
	for _, want := range []string{"<code>ticket.created</code>", "A &lt;ticket&gt; was opened.", "Example payload", "&lt;b&gt;bold&lt;/b&gt;",
		`href="/ui/event-types/ticket.created/edit"`, `href="/ui/event-types/ticket.created/delete"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the catalogue does not show %s", want)
		}
	}
	var et hookd.EventType
	s.mustAPI(http.StatusOK, "GET", "/v1/event-types/ticket.created", nil, &et)
	if string(et.Example) != `{"id":"tkt_1","html":"<b>bold</b>"}` || et.Description != "A <ticket> was opened." {
		t.Errorf("stored %q, %s; want the form's", et.Description, et.Example)
	}

	p = b.submit("/ui/event-types", url.Values{"name": {"ticket.created"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="et-name-error"`) {
		t.Errorf("a second ticket.created = %d; want the conflict under name\n%s", p.status, excerpt(p.body))
	}

	// Edit: the form holds the stored values; saving changes the
	// description, and an empty example clears it.
	page = b.mustGet("/ui/event-types/ticket.created/edit").body
	if !strings.Contains(page, "&#34;tkt_1&#34;") || !strings.Contains(page, "A &lt;ticket&gt; was opened.</textarea>") {
		t.Errorf("the edit form does not hold the stored values\n%s", excerpt(page))
	}
	p = b.submit("/ui/event-types/ticket.created", url.Values{"description": {"Opened."}, "example": {"[1,"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="et-example-error"`) || !strings.Contains(p.body, ">Opened.</textarea>") {
		t.Errorf("a bad example on edit = %d; want 422 with the typed values\n%s", p.status, excerpt(p.body))
	}
	p = b.submit("/ui/event-types/ticket.created", url.Values{"description": {"Opened."}, "example": {""}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "Saved ticket.created.") {
		t.Fatalf("update = %d; want the catalogue with a flash\n%s", p.status, excerpt(p.body))
	}
	et = hookd.EventType{}
	s.mustAPI(http.StatusOK, "GET", "/v1/event-types/ticket.created", nil, &et)
	if et.Description != "Opened." || (len(et.Example) != 0 && string(et.Example) != "null") {
		t.Errorf("after the edit: %q, %s; want Opened. and no example", et.Description, et.Example)
	}
	if p := b.post("/ui/event-types/ticket.gone", url.Values{"description": {"x"}}); p.status != http.StatusNotFound {
		t.Errorf("editing an unknown type = %d; want 404", p.status)
	}

	// Delete asks first.
	page = b.mustGet("/ui/event-types/ticket.created/delete").body
	if !strings.Contains(page, `action="/ui/event-types/ticket.created/delete"`) {
		t.Fatalf("the confirmation has no form\n%s", excerpt(page))
	}
	p = b.submit("/ui/event-types/ticket.created/delete", nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Deleted ticket.created from the catalogue.") {
		t.Fatalf("delete = %d\n%s", p.status, excerpt(p.body))
	}
	s.mustAPI(http.StatusNotFound, "GET", "/v1/event-types/ticket.created", nil, nil)
	if p := b.get("/ui/event-types/ticket.created/delete"); p.status != http.StatusNotFound {
		t.Errorf("confirming the removal of a gone type = %d; want 404", p.status)
	}
}

func TestEventTypeCataloguePaged(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	var names []string
	for i := range eventTypeListLimit + 5 {
		name := fmt.Sprintf("t.n%03d", i)
		s.mustAPI(http.StatusCreated, "POST", "/v1/event-types", map[string]any{"name": name, "example": map[string]int{"i": i}}, nil)
		names = append(names, name)
	}
	b := s.admin()
	page := b.mustGet("/ui/event-types").body
	next := older(page)
	if next == "" {
		t.Fatal("a catalogue of more than a page has no Older link")
	}
	page2 := b.mustGet(next).body
	for _, n := range names {
		in1, in2 := strings.Contains(page, "<code>"+n+"</code>"), strings.Contains(page2, "<code>"+n+"</code>")
		if in1 == in2 {
			t.Errorf("%s on page 1: %v, page 2: %v; want exactly one", n, in1, in2)
		}
	}
}
