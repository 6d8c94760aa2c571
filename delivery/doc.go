// Package delivery is hookd's delivery engine: it claims due deliveries from
// the store in batches, sends each as a signed HTTP request with a bounded
// pool of workers, decides each attempt's outcome (success, retry after a
// delay, disable the webhook, give up) and records the attempts in batches.
//
// A webhook never holds more than Config.PerWebhook attempts in flight, so
// a slow or dead endpoint ties up at most that many workers and the rest
// keep serving healthy endpoints.
package delivery
