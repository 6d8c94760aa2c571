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
	}
}
