// Package bench is hookd's reproducible benchmark, run by `hookd bench`.
//
// It starts a local receiver (a plain Go HTTP server on loopback that
// answers 200, records arrival times and verifies a sample of signatures),
// measures the ceiling (plain Go HTTP POSTs to that receiver, no hookd in
// between), then runs a real `hookd serve` process per phase, each on a
// fresh data directory, and measures end-to-end delivery rate, publish
// rate, latency from publish to arrival, memory with a large backlog, and
// isolation from webhooks that never answer: beside them in one workspace,
// and beside another workspace's dead and rate-limited webhooks. Every figure comes with a
// reference measured in the same run, because the machine it runs on is
// usually shared and noisy.
package bench
