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
	s := newDLSite(t)
	b := s.operator()

	page := b.mustGet("/ui/event-types", http.StatusOK)
	if !strings.Contains(page, "The catalogue is empty") || !strings.Contains(page, `href="/ui/event-types/new"`) {
		t.Errorf("the empty catalogue does not say so or offers no New\n%s", excerpt(page))
	}
	b.mustGet("/ui/event-types/new", http.StatusOK)

	// Problems come back next to their fields, with what was typed.
	status, page := b.post("/ui/event-types", url.Values{"name": {"ticket created"}, "description": {"kept"}, "example": {`{"id": 1}`}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="et-name-error"`) || !strings.Contains(page, "such as ticket.created") {
		t.Errorf("a bad name = %d; want 422 with the API's message under name\n%s", status, excerpt(page))
	}
	if !strings.Contains(page, `value="ticket created"`) || !strings.Contains(page, ">kept</textarea>") {
		t.Error("the form lost what was typed")
	}
	status, page = b.post("/ui/event-types", url.Values{"name": {"ticket.created"}, "example": {`{"id": }`}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="et-example-error"`) {
		t.Errorf("an example that is not JSON = %d; want 422 under example\n%s", status, excerpt(page))
	}

	example := `{"id": "tkt_1", "html": "<b>bold</b>"}`
	status, page = b.post("/ui/event-types", url.Values{"name": {"ticket.created"}, "description": {"A <ticket> was opened."}, "example": {example}})
	if status != http.StatusOK || !strings.Contains(page, "Added ticket.created to the catalogue.") {
		t.Fatalf("create = %d; want the catalogue with a flash\n%s", status, excerpt(page))
	}
	for _, want := range []string{"<code>ticket.created</code>", "A &lt;ticket&gt; was opened.", "Example payload", "&lt;b&gt;bold&lt;/b&gt;",
		`href="/ui/event-types/ticket.created/edit"`, `href="/ui/event-types/ticket.created/delete"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the catalogue does not show %s", want)
		}
	}
	var et hookd.EventType
	s.api("GET", "/v1/event-types/ticket.created", nil, &et, http.StatusOK)
	if string(et.Example) != `{"id":"tkt_1","html":"<b>bold</b>"}` || et.Description != "A <ticket> was opened." {
		t.Errorf("stored %q, %s; want the form's", et.Description, et.Example)
	}

	status, page = b.post("/ui/event-types", url.Values{"name": {"ticket.created"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="et-name-error"`) {
		t.Errorf("a second ticket.created = %d; want the conflict under name\n%s", status, excerpt(page))
	}

	// Edit: the form holds the stored values; saving changes the
	// description, and an empty example clears it.
	page = b.mustGet("/ui/event-types/ticket.created/edit", http.StatusOK)
	if !strings.Contains(page, "&#34;tkt_1&#34;") || !strings.Contains(page, "A &lt;ticket&gt; was opened.</textarea>") {
		t.Errorf("the edit form does not hold the stored values\n%s", excerpt(page))
	}
	status, page = b.post("/ui/event-types/ticket.created", url.Values{"description": {"Opened."}, "example": {"[1,"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="et-example-error"`) || !strings.Contains(page, ">Opened.</textarea>") {
		t.Errorf("a bad example on edit = %d; want 422 with the typed values\n%s", status, excerpt(page))
	}
	status, page = b.post("/ui/event-types/ticket.created", url.Values{"description": {"Opened."}, "example": {""}})
	if status != http.StatusOK || !strings.Contains(page, "Saved ticket.created.") {
		t.Fatalf("update = %d; want the catalogue with a flash\n%s", status, excerpt(page))
	}
	et = hookd.EventType{}
	s.api("GET", "/v1/event-types/ticket.created", nil, &et, http.StatusOK)
	if et.Description != "Opened." || (len(et.Example) != 0 && string(et.Example) != "null") {
		t.Errorf("after the edit: %q, %s; want Opened. and no example", et.Description, et.Example)
	}
	if status, _ := b.post("/ui/event-types/ticket.gone", url.Values{"description": {"x"}}); status != http.StatusNotFound {
		t.Errorf("editing an unknown type = %d; want 404", status)
	}

	// Delete asks first.
	page = b.mustGet("/ui/event-types/ticket.created/delete", http.StatusOK)
	if !strings.Contains(page, `action="/ui/event-types/ticket.created/delete"`) {
		t.Fatalf("the confirmation has no form\n%s", excerpt(page))
	}
	status, page = b.post("/ui/event-types/ticket.created/delete", nil)
	if status != http.StatusOK || !strings.Contains(page, "Deleted ticket.created from the catalogue.") {
		t.Fatalf("delete = %d\n%s", status, excerpt(page))
	}
	s.api("GET", "/v1/event-types/ticket.created", nil, nil, http.StatusNotFound)
	if status, _ := b.get("/ui/event-types/ticket.created/delete"); status != http.StatusNotFound {
		t.Errorf("confirming the removal of a gone type = %d; want 404", status)
	}
}

func TestEventTypeCataloguePaged(t *testing.T) {
	t.Parallel()
	s := newDLSite(t)
	var names []string
	for i := range eventTypeListLimit + 5 {
		name := fmt.Sprintf("t.n%03d", i)
		s.api("POST", "/v1/event-types", map[string]any{"name": name, "example": map[string]int{"i": i}}, nil, http.StatusCreated)
		names = append(names, name)
	}
	b := s.operator()
	page := b.mustGet("/ui/event-types", http.StatusOK)
	next := older(page)
	if next == "" {
		t.Fatal("a catalogue of more than a page has no Older link")
	}
	page2 := b.mustGet(next, http.StatusOK)
	for _, n := range names {
		in1, in2 := strings.Contains(page, "<code>"+n+"</code>"), strings.Contains(page2, "<code>"+n+"</code>")
		if in1 == in2 {
			t.Errorf("%s on page 1: %v, page 2: %v; want exactly one", n, in1, in2)
		}
	}
}
