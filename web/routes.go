package web

import "net/http"

// access says who may open a page.
type access int

const (
	public    access = iota // no session needed
	signedIn                // the operator or a portal session
	adminOnly               // the operator only; a portal session gets 404
)

// route is one page or action. Every POST carries the CSRF token (checked
// before the page runs), whatever its access.
type route struct {
	pattern string
	access  access
	serve   func(*handler, http.ResponseWriter, *request)
}

// routeTable lists every page and action. Page paths mirror the API's
// (/ui/workspaces/{ws}/webhooks/{whk} is /v1/workspaces/{ws}/webhooks/{whk}),
// so that an id from the API or a log turns into a page by hand. Actions
// are POSTs to the page's path and a verb.
func routeTable() []route {
	const ws = "/ui/workspaces/{ws}"
	const whk = ws + "/webhooks/{whk}"
	return []route{
		{"GET /ui/login", public, (*handler).loginShow},
		{"POST /ui/login", public, (*handler).loginSubmit},
		{"POST /ui/logout", public, (*handler).logout},
		{"GET /ui/portal/{token}", public, (*handler).portalRedeem},

		{"GET /ui/{$}", signedIn, (*handler).home},

		{"GET " + ws + "/webhooks", signedIn, (*handler).webhookList},

		// The operator's pages: workspaces, their keys and portal links.
		{"GET /ui/workspaces", adminOnly, (*handler).workspaceList},
		{"GET /ui/workspaces/new", adminOnly, (*handler).workspaceNew},
		{"POST /ui/workspaces", adminOnly, (*handler).workspaceCreate},
		{"GET " + ws, adminOnly, (*handler).workspaceShow},
		{"GET " + ws + "/edit", adminOnly, (*handler).workspaceEdit},
		{"POST " + ws, adminOnly, (*handler).workspaceUpdate},
		{"GET " + ws + "/delete", adminOnly, (*handler).workspaceRemoveConfirm},
		{"POST " + ws + "/delete", adminOnly, (*handler).workspaceRemove},
		{"POST " + ws + "/keys", adminOnly, (*handler).keyCreate},
		{"GET " + ws + "/keys/{key_id}/delete", adminOnly, (*handler).keyRemoveConfirm},
		{"POST " + ws + "/keys/{key_id}/delete", adminOnly, (*handler).keyRemove},
		{"POST " + ws + "/portal", adminOnly, (*handler).portalLinkCreate},
		{"GET " + whk + "/deliveries", signedIn, (*handler).deliveryList},
		{"POST " + whk + "/recover", signedIn, (*handler).deliveryRecover},
		{"GET " + whk + "/deliveries/{dlv}", signedIn, (*handler).deliveryShow},
		{"POST " + whk + "/deliveries/{dlv}/retry", signedIn, (*handler).deliveryRetry},
		{"GET " + ws + "/events", signedIn, (*handler).eventList},
		{"GET " + ws + "/events/{evt}", signedIn, (*handler).eventShow},
		{"GET /ui/event-types", signedIn, (*handler).eventTypeList},
		{"GET /ui/event-types/new", adminOnly, (*handler).eventTypeNew},
		{"POST /ui/event-types", adminOnly, (*handler).eventTypeCreate},
		{"GET /ui/event-types/{name}/edit", adminOnly, (*handler).eventTypeEdit},
		{"POST /ui/event-types/{name}", adminOnly, (*handler).eventTypeUpdate},
		{"GET /ui/event-types/{name}/delete", adminOnly, (*handler).eventTypeRemoveConfirm},
		{"POST /ui/event-types/{name}/delete", adminOnly, (*handler).eventTypeRemove},
		{"GET " + ws + "/webhooks/new", signedIn, (*handler).webhookNew},
		{"POST " + ws + "/webhooks", signedIn, (*handler).webhookCreate},
		{"GET " + whk, signedIn, (*handler).webhookShow}, // ?reveal=1 shows the signing secret
		{"GET " + whk + "/edit", signedIn, (*handler).webhookEdit},
		{"POST " + whk + "/update", signedIn, (*handler).webhookUpdate},
		{"POST " + whk + "/rotate-secret", signedIn, (*handler).webhookSecretRotate},
		{"POST " + whk + "/disable", signedIn, (*handler).webhookDisable},
		{"POST " + whk + "/enable", signedIn, (*handler).webhookEnable},
		{"GET " + whk + "/delete", signedIn, (*handler).webhookRemoveConfirm},
		{"POST " + whk + "/delete", signedIn, (*handler).webhookRemove},
		{"GET " + whk + "/test", signedIn, (*handler).webhookTestShow},
		{"POST " + whk + "/test", signedIn, (*handler).webhookTestSend},
	}
}
