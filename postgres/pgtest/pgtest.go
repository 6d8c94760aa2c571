// Package pgtest gives tests a PostgreSQL schema or database of their own
// on the server that HOOKD_TEST_DATABASE_URL names, and drops it when the
// test ends, so that tests running in parallel never share state.
//
// Without HOOKD_TEST_DATABASE_URL the tests that need PostgreSQL skip,
// saying how to run them; under CI (CI=true) they fail instead, so that a
// CI machine without PostgreSQL cannot pass by skipping. .ci/run starts a
// server and sets the variable.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that holds the URL of a database
// on the test server, with a user that may create schemas and databases.
const EnvURL = "HOOKD_TEST_DATABASE_URL"

// exampleURL is how a local server is usually named.
const exampleURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns $HOOKD_TEST_DATABASE_URL. When it is empty the test
// skips with a message that says how to run it, or fails when CI=true.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		msg := "this test needs PostgreSQL: set " + EnvURL + " to a database URL whose user may create " +
			"schemas and databases, e.g. " + EnvURL + "=" + exampleURL + " (.ci/run starts a server and sets it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// Schema creates a schema of its own for t and returns a URL of the test
// database whose connections use it (search_path). The schema and
// everything in it is dropped when t ends. It fails the test when the
// server cannot be reached.
func Schema(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	name := newName(t)
	admin(t, base, `CREATE SCHEMA `+name)
	t.Cleanup(func() { admin(t, base, `DROP SCHEMA IF EXISTS `+name+` CASCADE`) })
	return fast(t, WithParam(t, base, "search_path", name))
}

// fast makes the sessions of URL u commit without waiting for the WAL to
// reach the disk (synchronous_commit=off): the tests check hookd, not the
// server's durability across its own crashes, and many of them share one
// server. A commit is still atomic and visible to every session at once.
func fast(t testing.TB, u string) string {
	return WithParam(t, u, "synchronous_commit", "off")
}

// Database creates a database of its own for t on the test server and
// returns its URL. It is dropped, its connections ended, when t ends. It
// fails the test when the server cannot be reached.
func Database(t testing.TB) string {
	t.Helper()
	base := ServerURL(t)
	name := newName(t)
	admin(t, base, `CREATE DATABASE `+name)
	t.Cleanup(func() { admin(t, base, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	return fast(t, WithDatabase(t, base, name))
}

// WithDatabase returns the URL u naming database name instead of its own.
func WithDatabase(t testing.TB, u, name string) string {
	t.Helper()
	if !strings.Contains(u, "://") {
		return u + " dbname=" + name
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	parsed.Path = "/" + name
	return parsed.String()
}

// WithParam returns the URL u with the connection parameter key set to
// value.
func WithParam(t testing.TB, u, key, value string) string {
	t.Helper()
	if !strings.Contains(u, "://") {
		return u + " " + key + "=" + value
	}
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	q := parsed.Query()
	q.Set(key, value)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// Exec runs one statement on the database of URL u, failing the test on
// error.
func Exec(t testing.TB, u, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: connect to the test server (%s): %v", EnvURL, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: %s: %v", sql, err)
	}
}

func admin(t testing.TB, base, sql string) {
	t.Helper()
	Exec(t, base, sql)
}

// newName returns a fresh lower-case identifier.
func newName(t testing.TB) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "hookd_test_" + time.Now().UTC().Format("0102150405") + "_" + hex.EncodeToString(b)
}
