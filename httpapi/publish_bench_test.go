package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/httpapi"
)

// benchPayload returns a compact JSON object of about n bytes, shaped like
// a real event: nested objects, numbers, booleans, a list and text.
func benchPayload(n int) []byte {
	p := map[string]any{
		"id":         "tkt_01J0ZQ4W7K3F9B2C8D6E5A1G0H",
		"number":     48213,
		"status":     "open",
		"priority":   2,
		"urgent":     false,
		"created_at": "2025-06-01T12:00:00Z",
		"requester":  map[string]any{"id": 9912, "name": "Ada Lovelace", "email": "ada@example.com"},
		"tags":       []string{"billing", "eu", "vip"},
		"amount":     129.95,
	}
	j, _ := json.Marshal(p)
	p["description"] = strings.Repeat("lorem ipsum ", max(0, n-len(j)-20)/12)
	j, _ = json.Marshal(p)
	return j
}

// BenchmarkPublishBatch publishes batches of hookd.MaxBatchEvents events
// with 1 KiB payloads, each fanned out to 10 webhooks, through a real
// loopback HTTP server over SQLite in a temp dir, one batch at a time. It
// reports events/s.
func BenchmarkPublishBatch(b *testing.B) {
	e := newEnv(b, func(c *httpapi.Config) { c.AllowHTTP = true })
	ws := e.workspace("bench", nil)
	e.eventType("ticket.created", nil)
	for i := range 10 {
		e.webhook(ws, map[string]any{"url": fmt.Sprintf("http://127.0.0.1:9/hook/%d", i)})
	}
	ev := `{"type":"ticket.created","payload":` + string(benchPayload(1024)) + `}`
	var body strings.Builder
	body.WriteString(`{"events":[`)
	for i := range hookd.MaxBatchEvents {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString(ev)
	}
	body.WriteString(`]}`)
	batch := []byte(body.String())
	path := "/v1/workspaces/" + ws + "/events/batch"

	// One batch outside the timing: the answer lists every event with its
	// 10 deliveries.
	var out struct {
		Data []struct {
			Deliveries []json.RawMessage `json:"deliveries"`
		} `json:"data"`
	}
	e.must(http.StatusAccepted, "POST", path, adminKey, batch).decode(b, &out)
	if len(out.Data) != hookd.MaxBatchEvents || len(out.Data[0].Deliveries) != 10 {
		b.Fatalf("got %d events with %d deliveries; want %d with 10", len(out.Data), len(out.Data[0].Deliveries), hookd.MaxBatchEvents)
	}

	b.SetBytes(int64(len(batch)))
	b.ResetTimer()
	for range b.N {
		e.must(http.StatusAccepted, "POST", path, adminKey, batch)
	}
	b.ReportMetric(float64(b.N*hookd.MaxBatchEvents)/b.Elapsed().Seconds(), "events/s")
}
