// Package cli is hookd's command line: `hookd serve` and the client
// commands. It is the only package that reads flags and environment
// variables; everything else takes a Config.
package cli
