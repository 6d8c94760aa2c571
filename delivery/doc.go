// Package delivery is hookd's delivery engine: it claims due deliveries from
// the store in batches, sends each as a signed HTTP request, decides each
// attempt's outcome (success, retry after a delay, disable the webhook, give
// up) and records the attempts in batches.
//
// Attempts are shared out fairly across workspaces first and webhooks
// second (share.go): however many of one workspace's endpoints are dead or
// rate-limited, another workspace's deliveries start at once, and a
// delivery waiting for its rate limit holds no worker. A webhook never
// holds more than Config.PerWebhook attempts in flight.
package delivery
