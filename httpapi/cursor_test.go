package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestForeignCursors: every list answers a cursor that it did not issue
// (made up, garbled, cut short, or a real one of another list, workspace
// or webhook) with a 422 naming the field cursor, on each storage engine,
// and still pages with its own.
func TestForeignCursors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, engine storeEngine) {
		e := newEnvOn(t, engine)
		e.eventType("ticket.created", nil)
		e.eventType("ticket.closed", nil)
		var wss, hooks []string
		for _, name := range []string{"A", "B"} {
			ws := e.workspace(name, nil)
			wss = append(wss, ws)
			for i := range 2 {
				hooks = append(hooks, e.webhook(ws, map[string]any{"url": fmt.Sprintf("https://%s.example/%d", name, i)})["id"].(string))
			}
			for i := range 2 {
				e.must(http.StatusAccepted, "POST", "/v1/workspaces/"+ws+"/events", adminKey, map[string]any{"type": "ticket.created", "payload": i})
			}
		}
		// Each list, with a second list of the same kind where there is one.
		lists := []struct{ name, path, other string }{
			{"workspaces", "/v1/workspaces", ""},
			{"event types", "/v1/event-types", ""},
			{"webhooks", "/v1/workspaces/" + wss[0] + "/webhooks", "/v1/workspaces/" + wss[1] + "/webhooks"},
			{"events", "/v1/workspaces/" + wss[0] + "/events", "/v1/workspaces/" + wss[1] + "/events"},
			{"deliveries", "/v1/workspaces/" + wss[0] + "/webhooks/" + hooks[0] + "/deliveries",
				"/v1/workspaces/" + wss[0] + "/webhooks/" + hooks[1] + "/deliveries"},
		}
		// first returns the next_cursor of the first page of one item.
		first := func(path string) string {
			t.Helper()
			var l struct {
				NextCursor *string `json:"next_cursor"`
			}
			e.must(http.StatusOK, "GET", path+"?limit=1", adminKey, nil).decode(t, &l)
			if l.NextCursor == nil {
				t.Fatalf("%s?limit=1: no next_cursor", path)
			}
			return *l.NextCursor
		}
		for i, l := range lists {
			own := first(l.path)
			raw, _ := base64.RawURLEncoding.DecodeString(own)
			raw[len(raw)-1] ^= 1
			bad := map[string]string{
				"made up":         "zzz",
				"bad escapes":     "%%%",
				"not base64":      "a.b!c",
				"garbled":         base64.RawURLEncoding.EncodeToString(raw),
				"cut short":       own[:len(own)-1],
				"an id":           hooks[0],
				"of another list": first(lists[(i+1)%len(lists)].path),
				"SQL":             "0%27%3B%20DROP%20TABLE%20events%3B%20--",
				"over the length": strings.Repeat("A", 2000),
			}
			if l.other != "" {
				bad["of the other kind"] = first(l.other) // another workspace's, or another webhook's
			}
			for what, c := range bad {
				t.Run(l.name+"/"+what, func(t *testing.T) {
					r := e.do("GET", l.path+"?limit=1&cursor="+c, adminKey, nil)
					if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
						t.Fatalf("cursor %q: got %d %s; want 422 naming cursor", c, r.status, r.body)
					}
					if p := r.problem(t); !slices.Contains(p.fields(), "cursor") {
						t.Errorf("cursor %q: fields %q; want cursor", c, p.fields())
					}
				})
			}
			// Its own cursor still gives the next page.
			var next struct{ Data []any }
			e.must(http.StatusOK, "GET", l.path+"?limit=1&cursor="+own, adminKey, nil).decode(t, &next)
			if len(next.Data) != 1 {
				t.Errorf("%s: the page after the first has %d items; want 1", l.path, len(next.Data))
			}
		}
	})
}
