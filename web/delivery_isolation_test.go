package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hookd/hookd"
)

// TestDeliveryPagesIsolation checks that a portal session of workspace A
// reaches A's delivery log, deliveries and events, gets 404 for B's
// (under B's path and under A's), and 404 for the catalogue's operator
// routes, which it does not even see.
func TestDeliveryPagesIsolation(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	rcv := newReceiver(t)
	rcv.fail(true)
	s.eventType("ticket.created", "The ticket.created event.", "")
	wsA, wsB := s.workspace("A"), s.workspace("B")
	whkA := s.addWebhook(wsA, "A's", rcv.url, "*")
	whkB := s.addWebhook(wsB, "Bravo secret hook", rcv.url, "*")
	evtA := s.publish(wsA, map[string]any{"type": "ticket.created", "payload": 1})[0]
	evtB := s.publish(wsB, map[string]any{"type": "ticket.created", "payload": "bravo-payload"})[0]
	dlA := s.settled(wsA, whkA, 1)[0]
	dlB := s.settled(wsB, whkB, 1)[0]

	a := s.portal(wsA, false)
	mine := []string{
		"/ui/workspaces/" + wsA + "/webhooks/" + whkA + "/deliveries",
		"/ui/workspaces/" + wsA + "/webhooks/" + whkA + "/deliveries/" + dlA.ID,
		"/ui/workspaces/" + wsA + "/events",
		"/ui/workspaces/" + wsA + "/events/" + evtA,
		"/ui/event-types",
	}
	for _, p := range mine {
		page := a.mustGet(p).body
		if strings.Contains(page, wsB) || strings.Contains(page, dlB.ID) || strings.Contains(page, "Bravo secret hook") {
			t.Errorf("%s shows workspace B's data", p)
		}
	}
	if page := a.mustGet("/ui/event-types").body; strings.Contains(page, "/ui/event-types/new") || strings.Contains(page, "/edit") || strings.Contains(page, "/delete") {
		t.Error("a portal session sees the catalogue's operator controls")
	}

	theirs := []string{
		"/ui/workspaces/" + wsB + "/webhooks/" + whkB + "/deliveries",
		"/ui/workspaces/" + wsB + "/webhooks/" + whkB + "/deliveries/" + dlB.ID,
		"/ui/workspaces/" + wsB + "/events",
		"/ui/workspaces/" + wsB + "/events/" + evtB,
		// B's ids under A's workspace.
		"/ui/workspaces/" + wsA + "/webhooks/" + whkB + "/deliveries",
		"/ui/workspaces/" + wsA + "/webhooks/" + whkB + "/deliveries/" + dlB.ID,
		"/ui/workspaces/" + wsA + "/webhooks/" + whkA + "/deliveries/" + dlB.ID,
		"/ui/workspaces/" + wsA + "/events/" + evtB,
		// The catalogue's operator pages.
		"/ui/event-types/new",
		"/ui/event-types/ticket.created/edit",
		"/ui/event-types/ticket.created/delete",
	}
	for _, p := range theirs {
		if page := a.get(p); page.status != http.StatusNotFound {
			t.Errorf("portal A: GET %s = %d; want 404", p, page.status)
		} else if strings.Contains(page.body, "Bravo secret hook") || strings.Contains(page.body, "bravo-payload") {
			t.Errorf("portal A: the 404 of %s shows B's data", p)
		}
	}
	posts := map[string]url.Values{
		"/ui/workspaces/" + wsB + "/webhooks/" + whkB + "/deliveries/" + dlB.ID + "/retry": nil,
		"/ui/workspaces/" + wsA + "/webhooks/" + whkA + "/deliveries/" + dlB.ID + "/retry": nil,
		"/ui/workspaces/" + wsB + "/webhooks/" + whkB + "/recover":                         {"since": {"2025-01-01T00:00"}},
		"/ui/workspaces/" + wsA + "/webhooks/" + whkB + "/recover":                         {"since": {"2025-01-01T00:00"}},
		"/ui/event-types":                       {"name": {"sneaky.type"}},
		"/ui/event-types/ticket.created":        {"description": {"hijacked"}},
		"/ui/event-types/ticket.created/delete": nil,
	}
	for p, form := range posts {
		if page := a.post(p, form); page.status != http.StatusNotFound {
			t.Errorf("portal A: POST %s = %d; want 404", p, page.status)
		}
	}
	if d := s.delivery(wsB, whkB, dlB.ID); d.Attempts != 1 || d.Status != hookd.DeliveryFailed {
		t.Errorf("B's delivery is %s with %d attempts after A's tries; want failed with 1", d.Status, d.Attempts)
	}
	var et hookd.EventType
	s.mustAPI(http.StatusOK, "GET", "/v1/event-types/ticket.created", nil, &et)
	if et.Description == "hijacked" {
		t.Error("a portal session edited the catalogue")
	}
	s.mustAPI(http.StatusNotFound, "GET", "/v1/event-types/sneaky.type", nil, nil)

	// Without a session, the pages ask for one.
	anon := s.browser()
	for _, p := range mine {
		if page := anon.get(p); page.status != http.StatusSeeOther {
			t.Errorf("no session: GET %s = %d; want 303 to the sign-in", p, page.status)
		}
	}
}
