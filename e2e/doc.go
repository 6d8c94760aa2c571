// Package e2e holds hookd's end-to-end tests: the whole server (real SQLite
// on disk, the delivery engine, the HTTP API) on 127.0.0.1 with real HTTP
// receivers, the real binary started as a process where crashes are
// tested, and its pages driven in a headless Chromium (the harness is in
// browser_harness_test.go). It has no code of its own.
package e2e
