// Package web is hookd's dashboard and tenant portal: server-rendered pages
// under /ui/ that the operator (signed in with the admin key) and a
// workspace's users (signed in through a portal link) use to manage
// webhooks in a browser.
//
// The pages call the HTTP API in-process (httpapi.WithCaller), through the
// same handlers that serve /v1/, so the UI applies exactly the API's rules:
// validation, limits and workspace isolation are written once. What the
// web package adds is sessions, CSRF protection, and HTML.
package web
