package httpapi_test

import (
	"bytes"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hookd/hookd/httpapi"
)

// listBody returns prefix, then copies of elem joined by commas, then
// suffix: as many copies as keep it within size bytes. A # in elem stands
// for the copy's number.
func listBody(prefix, elem, suffix string, size int) []byte {
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(prefix)
	for i := 0; b.Len()+1+len(elem)+len(suffix) <= size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(elem, "#", strconv.Itoa(i)))
	}
	b.WriteString(suffix)
	return b.Bytes()
}

// TestHostileBodies sends bodies at their route's size limit that are full
// of list elements (or map members). Each is answered with the 422 naming
// the field, in a short answer, having allocated a bounded amount beyond
// the body: what a body costs is bounded by what it may hold, not by how
// many elements it lists.
func TestHostileBodies(t *testing.T) {
	e := newEnv(t)
	ws := e.workspace("A", nil)
	e.eventType("ticket.created", nil)
	whk := e.webhook(ws, map[string]any{"url": "https://a.example/h"})["id"].(string)
	batch := "/v1/workspaces/" + ws + "/events/batch"
	hooks := "/v1/workspaces/" + ws + "/webhooks"
	const batchBytes = httpapi.DefaultMaxBatchBytes
	const small = 1 << 20 // the limit of bodies without a payload
	const payload = testMaxPayload + 64<<10
	// hook returns a webhook whose field lists copies of elem.
	hook := func(field, elem string) []byte {
		open, close := "[", "]"
		if strings.Contains(elem, ":") {
			open, close = "{", "}"
		}
		return listBody(`{"url":"https://a.example/h","`+field+`":`+open, elem, close+`}`, small)
	}
	event := `{"type":"ticket.created","payload":1}`
	cases := []struct {
		name, method, path string
		body               []byte
		field              string // the one field the answer names
		maxAlloc           uint64 // bytes allocated, body and answer included
	}{
		{"batch of numbers", "POST", batch, listBody(`{"events":[`, `1`, `]}`, batchBytes), "events[0]", 64 << 20},
		{"batch of empty objects", "POST", batch, listBody(`{"events":[`, `{}`, `]}`, batchBytes), "events", 64 << 20},
		{"batch of events", "POST", batch, listBody(`{"events":[`, event, `]}`, batchBytes), "events", 64 << 20},
		{"batch with a number after an event", "POST", batch, listBody(`{"events":[{"type":"nope","payload":1},`, `1`, `]}`, batchBytes), "events[1]", 64 << 20},
		{"batch of 1001 events and then no JSON", "POST", batch, []byte(`{"events":[` + strings.Repeat(event+`,`, 1001) + `x`), "events", 64 << 20},
		{"batch ending in a lone surrogate", "POST", batch, listBody(`{"events":[`, `1`, `,"\ud800"]}`, batchBytes), "events[5242869]", 64 << 20},
		{"webhook events", "POST", hooks, hook("events", `"x"`), "events", 48 << 20},
		{"webhook channels", "POST", hooks, hook("channels", `"!"`), "channels", 48 << 20},
		{"webhook headers", "POST", hooks, hook("headers", `"X Y#":"v"`), "headers", 48 << 20},
		{"webhook reserved headers", "POST", hooks, hook("headers", `"X-Hookd-#":"v"`), "headers", 48 << 20},
		{"webhook retry schedule", "POST", hooks, hook("retry_schedule", `"x"`), "retry_schedule", 48 << 20},
		{"webhook update events", "PATCH", hooks + "/" + whk, listBody(`{"events":[`, `"x"`, `]}`, small), "events", 96 << 20},
		{"workspace retry schedule", "POST", "/v1/workspaces", listBody(`{"name":"x","settings":{"webhook_defaults":{"retry_schedule":[`, `"x"`, `]}}}`, small), "settings.webhook_defaults.retry_schedule", 48 << 20},
		{"workspace update retry schedule", "PATCH", "/v1/workspaces/" + ws, listBody(`{"settings":{"webhook_defaults":{"retry_schedule":[`, `"x"`, `]}}}`, small), "settings.webhook_defaults.retry_schedule", 96 << 20},
		{"event channels", "POST", "/v1/workspaces/" + ws + "/events", listBody(`{"type":"ticket.created","payload":1,"channels":[`, `"!"`, `]}`, payload), "channels", 8 << 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, bytes.NewReader(c.body))
			req.Header.Set("Authorization", "Bearer "+adminKey)
			rec := httptest.NewRecorder()
			alloc := allocated(func() { e.h.ServeHTTP(rec, req) })
			r := &result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			if r.status != 422 || len(r.body) > 4<<10 {
				t.Fatalf("%d-byte body: got %d with %d bytes; want a short 422: %.300s", len(c.body), r.status, len(r.body), r.body)
			}
			if p := r.problem(t); !slices.Equal(p.fields(), []string{c.field}) {
				t.Errorf("fields %q; want only %q (detail %q)", p.fields(), c.field, p.Detail)
			}
			if alloc > c.maxAlloc {
				t.Errorf("%d-byte body: %d MB allocated; want at most %d MB", len(c.body), alloc>>20, c.maxAlloc>>20)
			}
		})
	}
}

// allocated returns how many bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
