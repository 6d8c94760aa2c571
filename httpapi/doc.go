// Package httpapi is hookd's HTTP API: JSON over HTTP under /v1, as the
// product contract describes it, built on net/http's pattern routing.
//
// New returns an http.Handler that serves every route of the API, plus
// /healthz, /readyz, /metrics and /v1/openapi.json (an OpenAPI 3.1
// description of the API, embedded from openapi.json). The handler reads and
// writes through a hookd.Store and wakes the delivery engine through the
// Engine interface when deliveries become due.
//
// Callers authenticate with "Authorization: Bearer <key>": the admin key
// reaches every route; a workspace key (hk_…) reaches only its own
// workspace, and any other workspace looks to it as if it did not exist
// (404). Admin-only routes answer 403 to a workspace key.
//
// Every error is an RFC 9457 problem document (application/problem+json)
// whose type is https://hookd.dev/problems/<code>, with one status per
// hookd error code (see the table in problem.go). Input is decoded strictly:
// unknown fields, wrong types, malformed JSON, trailing data and oversized
// bodies are answered with a 4xx that names the problem, never a 5xx.
//
// Request body limits: event publish, event test and event type bodies may
// be Config.MaxPayloadBytes plus 64 KiB for the rest of the request; a
// batch publish may be Config.MaxBatchBytes; every other body 1 MiB. A
// payload (or example) over Config.MaxPayloadBytes is answered with 413,
// naming the field.
//
// POSTs that create (workspaces, keys, event types, webhooks, events and
// event batches) honour an Idempotency-Key header: a repeat of the same
// request by the same caller within 24 hours answers the first answer again
// (with the header Idempotent-Replayed: true) and creates nothing.
package httpapi
