package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
	"github.com/hookd/hookd/postgres"
	"github.com/hookd/hookd/postgres/pgtest"
	"github.com/hookd/hookd/sqlite"
)

const adminKey = "test-admin-key-0123456789abcdef"

// testMaxPayload keeps oversize tests small.
const testMaxPayload = 4096

// fakeEngine records what the API asks of the delivery engine.
type fakeEngine struct {
	notifies atomic.Int64
	mu       sync.Mutex
	sendErr  error
	sent     []*hookd.Claim
}

func (e *fakeEngine) Notify() { e.notifies.Add(1) }

func (e *fakeEngine) SendTest(ctx context.Context, c *hookd.Claim) (*hookd.Attempt, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sent = append(e.sent, c)
	if e.sendErr != nil {
		return nil, e.sendErr
	}
	return &hookd.Attempt{
		Number:     1,
		Trigger:    hookd.TriggerTest,
		StartedAt:  time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
		DurationMS: 12,
		Request:    hookd.AttemptRequest{Method: c.Webhook.Method, URL: c.Webhook.URL, Headers: map[string]string{}},
		Response:   &hookd.AttemptResponse{Status: 200, Headers: map[string]string{}, Body: "ok"},
	}, nil
}

// testClock starts at a fixed time and moves one millisecond per reading.
type testClock struct {
	base  time.Time
	ticks atomic.Int64
	skew  atomic.Int64 // added by advance
}

func (c *testClock) Now() time.Time {
	return c.base.Add(time.Duration(c.ticks.Add(1))*time.Millisecond + time.Duration(c.skew.Load()))
}

func (c *testClock) advance(d time.Duration) { c.skew.Add(int64(d)) }

// storeEngine names the storage engine an env runs on.
type storeEngine string

const (
	// engineSQLite is a SQLite file in a temp dir.
	engineSQLite storeEngine = "sqlite"
	// enginePostgres is a schema of its own on the server that
	// HOOKD_TEST_DATABASE_URL names; without it the test skips, or fails
	// under CI=true (pgtest.ServerURL).
	enginePostgres storeEngine = "postgres"
)

// forEachEngine runs fn as a parallel subtest per storage engine, named
// after it.
func forEachEngine(t *testing.T, fn func(t *testing.T, engine storeEngine)) {
	t.Helper()
	for _, engine := range []storeEngine{engineSQLite, enginePostgres} {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			fn(t, engine)
		})
	}
}

// openStore opens a new, empty store of engine, closed when t ends.
func openStore(t testing.TB, engine storeEngine) hookd.Store {
	t.Helper()
	ctx := context.Background()
	var store hookd.Store
	var err error
	switch engine {
	case engineSQLite:
		store, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	case enginePostgres:
		store, err = postgres.Open(ctx, postgres.Config{URL: pgtest.Schema(t)})
	default:
		t.Fatalf("unknown storage engine %q", engine)
	}
	if err != nil {
		t.Fatalf("open %s store: %v", engine, err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// env is one API server over a fresh database.
type env struct {
	t      testing.TB
	srv    *httptest.Server
	h      http.Handler
	store  hookd.Store
	engine *fakeEngine
	clock  *testClock
}

// newEnv returns an env over SQLite.
func newEnv(t testing.TB, configure ...func(*httpapi.Config)) *env {
	t.Helper()
	return newEnvOn(t, engineSQLite, configure...)
}

// newEnvOn returns an env over a new store of engine.
func newEnvOn(t testing.TB, engine storeEngine, configure ...func(*httpapi.Config)) *env {
	t.Helper()
	store := openStore(t, engine)
	e := &env{t: t, store: store, engine: &fakeEngine{},
		clock: &testClock{base: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}}
	cfg := httpapi.Config{
		Store:           store,
		Engine:          e.engine,
		AdminKey:        adminKey,
		MaxPayloadBytes: testMaxPayload,
		Now:             e.clock.Now,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version:         "test",
	}
	for _, f := range configure {
		f(&cfg)
	}
	h, err := httpapi.New(cfg)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	e.h = h
	e.srv = httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(e.srv.Close)
	return e
}

// result is an answer of the API.
type result struct {
	status int
	header http.Header
	body   []byte
}

// problemDoc is a problem document as a client reads it.
type problemDoc struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// do sends a request; body is a string sent as it is, nil for none, or a
// value sent as JSON. headers are name, value pairs.
func (e *env) do(method, path, key string, body any, headers ...string) *result {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("marshal body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read answer: %v", err)
	}
	return &result{status: resp.StatusCode, header: resp.Header, body: b}
}

// must sends a request and fails the test unless it gets status want.
func (e *env) must(want int, method, path, key string, body any, headers ...string) *result {
	e.t.Helper()
	r := e.do(method, path, key, body, headers...)
	if r.status != want {
		e.t.Fatalf("%s %s: got %d %s; want %d", method, path, r.status, r.body, want)
	}
	return r
}

func (r *result) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r *result) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

func (r *result) problem(t testing.TB) problemDoc {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q; want application/problem+json (body %s)", ct, r.body)
	}
	var p problemDoc
	r.decode(t, &p)
	if p.Status != r.status {
		t.Fatalf("problem status %d; answer status %d", p.Status, r.status)
	}
	if !strings.HasPrefix(p.Type, "https://hookd.dev/problems/") || p.Title == "" || p.Detail == "" {
		t.Fatalf("problem %s lacks type, title or detail", r.body)
	}
	return p
}

// fields lists the fields a problem names.
func (p problemDoc) fields() []string {
	out := make([]string, len(p.Errors))
	for i, f := range p.Errors {
		out[i] = f.Field
	}
	return out
}

// workspace creates a workspace and returns its id.
func (e *env) workspace(name string, settings map[string]any) string {
	e.t.Helper()
	body := map[string]any{"name": name}
	if settings != nil {
		body["settings"] = settings
	}
	var ws hookd.Workspace
	e.must(http.StatusCreated, "POST", "/v1/workspaces", adminKey, body).decode(e.t, &ws)
	return ws.ID
}

// key creates a workspace key and returns its secret.
func (e *env) key(ws string) string {
	e.t.Helper()
	var k struct{ Key string }
	e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/keys", adminKey, map[string]any{"name": "test"}).decode(e.t, &k)
	return k.Key
}

// eventType adds a catalogue entry.
func (e *env) eventType(name string, example any) {
	e.t.Helper()
	body := map[string]any{"name": name, "description": "test type"}
	if example != nil {
		body["example"] = example
	}
	e.must(http.StatusCreated, "POST", "/v1/event-types", adminKey, body)
}

// webhook creates a webhook from body and returns the answer.
func (e *env) webhook(ws string, body map[string]any) map[string]any {
	e.t.Helper()
	return e.must(http.StatusCreated, "POST", "/v1/workspaces/"+ws+"/webhooks", adminKey, body).object(e.t)
}

// count returns how many items a list route holds, walking every page.
func (e *env) count(path string) int {
	e.t.Helper()
	n, cursor := 0, ""
	for {
		p := path + "?limit=250"
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		var l struct {
			Data       []json.RawMessage `json:"data"`
			NextCursor *string           `json:"next_cursor"`
		}
		e.must(http.StatusOK, "GET", p, adminKey, nil).decode(e.t, &l)
		n += len(l.Data)
		if l.NextCursor == nil {
			return n
		}
		cursor = *l.NextCursor
	}
}

var errSend = errors.New("fake engine: send failed")
