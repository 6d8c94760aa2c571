package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/hookd/hookd"
)

// TestTextKept: payloads of UTF-8 text, surrogate pairs and escapes that
// are not lone surrogates (the bad-input table has those that are) are
// taken and kept byte for byte, on each storage engine, in a single
// publish and in a batch.
func TestTextKept(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, engine storeEngine) {
		e := newEnvOn(t, engine)
		ws := e.workspace("A", nil)
		e.eventType("ticket.created", nil)
		events := "/v1/workspaces/" + ws + "/events"
		for _, payload := range []string{
			`{"s":"café 日本 😀"}`,
			`"\ud83d\ude00 \uD83D\uDE00"`,
			`"a\u0000b"`, // NUL is only bytes in a payload, on PostgreSQL too
			`"\\ud800"`,  // a backslash, then the text ud800
			`["\u00e9","\u003c"]`,
		} {
			var pub struct{ ID string }
			e.must(http.StatusAccepted, "POST", events, adminKey, `{"type":"ticket.created","payload":`+payload+`}`).decode(t, &pub)
			var batch struct{ Data []struct{ ID string } }
			e.must(http.StatusAccepted, "POST", events+"/batch", adminKey, `{"events":[{"type":"ticket.created","payload":`+payload+`}]}`).decode(t, &batch)
			for _, id := range []string{pub.ID, batch.Data[0].ID} {
				var ev hookd.Event
				e.must(http.StatusOK, "GET", events+"/"+id, adminKey, nil).decode(t, &ev)
				if string(ev.Payload) != payload {
					t.Errorf("payload %s came back as %s", payload, ev.Payload)
				}
			}
		}
	})
}
